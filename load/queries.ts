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

/** A page of 20 after a cursor (null: the first page). */
export const PAGE = `query Page($after: String) {
  viewer { expenses(first: 20, after: $after) {
    nodes { id amount description date category { name } }
    pageInfo { hasNextPage endCursor }
  } }
}`;

/** The admin fan-out: 50 users × 10 categories × 5 expenses. */
export const ADMIN_NESTED = `query FanOut {
  users(first: 50) { nodes { id name
    categories(first: 10) { nodes { name expenses(first: 5) { nodes { amount date } } } }
  } }
}`;

export const SUMMARY = `query Summary($from: Date!, $to: Date!) {
  viewer { summary(from: $from, to: $to) { total count byCategory { total count category { name } } } }
}`;

export const CATEGORIES = `query Categories {
  viewer { categories(first: 20) { nodes { id name color keywords } } }
}`;

export const CREATE_EXPENSE = `mutation Create($input: CreateExpenseInput!) {
  createExpense(input: $input) { expense { id category { name } } }
}`;

export const CREATE_MANY = `mutation Bulk($input: CreateExpensesInput!) {
  createExpenses(input: $input) { count }
}`;

export const SIGN_UP = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token } }`;

/** One expense by its global ID, with its category's name (the owner's token). */
export const EXPENSE_BY_ID = `query Expense($id: ID!) {
  node(id: $id) { ... on Expense { id amount description date category { name } } }
}`;
