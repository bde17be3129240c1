/**
 * `npx tsx examples/client/src/main.ts [http://127.0.0.1:4000/graphql]`: signs up, records an
 * expense and reads the dashboard, every operation by its hash alone, typed end to end.
 */
import { createClient } from './client.js';
import { AddExpense, Dashboard, SignUp } from './operations.js';

const endpoint = process.argv[2] ?? 'http://127.0.0.1:4000/graphql';
const email = `example-${Date.now()}@example.com`;
const { signUp } = await createClient(endpoint)(SignUp, {
  input: { email, name: 'Example', password: 'password123' },
});
const request = createClient(endpoint, signUp.token);
const { createExpense } = await request(AddExpense, {
  input: { amount: '4.20', description: 'typed coffee' },
});
const { viewer } = await request(Dashboard, { first: 5 });
// Typed: `viewer?.expenses.totalCount` is a number, `amount` a string (the Decimal scalar).
console.log(
  JSON.stringify({
    email: signUp.user.email,
    created: createExpense.expense.description,
    total: viewer?.expenses.totalCount,
    amounts: viewer?.expenses.nodes.map((node) => node.amount),
  }),
);
