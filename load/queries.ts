/** The operations the load scenarios send, as a frontend would. */
export const DASHBOARD = `query Dashboard {
  viewer {
    expenses(first: 20) {
      totalCount
      nodes { id amount currency description merchant date category { id name color } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

export const NESTED = `query Nested {
  viewer {
    categories(first: 50) {
      nodes { expenseCount expenses(first: 5) { nodes { amount user { id } category { name } } } }
    }
  }
}`;

export const LOG_IN = `mutation LogIn($input: LogInInput!) { logIn(input: $input) { token } }`;
