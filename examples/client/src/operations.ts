/** The operations this example client sends; codegen types them and hashes them. */
import { graphql } from './gql/index.js';

export const SignUp = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      token
      user {
        id
        email
      }
    }
  }
`);

export const AddExpense = graphql(`
  mutation AddExpense($input: CreateExpenseInput!) {
    createExpense(input: $input) {
      expense {
        id
        amount
        description
      }
    }
  }
`);

export const Dashboard = graphql(`
  query Dashboard($first: Int!) {
    viewer {
      name
      expenses(first: $first) {
        totalCount
        nodes {
          id
          amount
          date
          description
          category {
            name
          }
        }
      }
    }
  }
`);
