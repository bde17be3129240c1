/** GraphQL documents the tests share, written as a frontend would. */
export const CREATE_EXPENSE = `mutation($input: CreateExpenseInput!) {
  createExpense(input: $input) {
    expense { id amount currency description merchant date categorySource category { id name } user { id } createdAt updatedAt }
  }
}`;

export const CREATE_EXPENSES = `mutation($input: CreateExpensesInput!) {
  createExpenses(input: $input) { count expenses { id amount date description } }
}`;

export const CREATE_CATEGORY = `mutation($input: CreateCategoryInput!) {
  createCategory(input: $input) { category { id name color keywords } }
}`;

export const VIEWER_CATEGORIES = `{ viewer { categories(first: 100) { nodes { id name } } } }`;

export const EXPENSE_PAGE = `query($first: Int, $after: String, $last: Int, $before: String, $orderBy: ExpenseOrder, $filter: ExpenseFilter) {
  viewer {
    expenses(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy, filter: $filter) {
      totalCount
      edges { cursor node { id amount date description } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}`;
