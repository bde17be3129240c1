import { describe, expect, it } from 'vitest';
import { parseChatMessage } from '../../src/domain/chat/parser.js';

// A Tuesday.
const NOW = new Date('2026-03-10T12:00:00Z');

/** Real-world messages: text, amount, currency, date, description, merchant. */
const MESSAGES: [string, string, string | null, string, string, string | null][] = [
  ['lunch 12.50 at Cafe Rio yesterday', '12.50', null, '2026-03-09', 'lunch', 'Cafe Rio'],
  ['Uber 23,40 EUR', '23.40', 'EUR', '2026-03-10', 'Uber', null],
  ['coffee $4 today', '4.00', 'USD', '2026-03-10', 'coffee', null],
  ['paid 1,250.00 rent on 2026-03-01', '1250.00', null, '2026-03-01', 'rent', null],
  ['taxi 1.250,50 EUR', '1250.50', 'EUR', '2026-03-10', 'taxi', null],
  ['€7.5 croissant at Paul', '7.50', 'EUR', '2026-03-10', 'croissant', 'Paul'],
  ['GBP 20 tickets', '20.00', 'GBP', '2026-03-10', 'tickets', null],
  ['lunch 12.50 last friday', '12.50', null, '2026-03-06', 'lunch', null],
  ['taxi 15 2 days ago', '15.00', null, '2026-03-08', 'taxi', null],
  ['dinner 40 on 28/11', '40.00', null, '2025-11-28', 'dinner', null],
  ['coffee 3.5 on Nov 28', '3.50', null, '2025-11-28', 'coffee', null],
  ['book March 3 12', '12.00', null, '2026-03-03', 'book', null],
  ['tickets 30 tomorrow', '30.00', null, '2026-03-10', 'tickets', null],
  ['bought 2 coffees for 7.80', '7.80', null, '2026-03-10', '2 coffees', null],
  ['croissant 12 €', '12.00', 'EUR', '2026-03-10', 'croissant', null],
  ['groceries 54.20 on 3/4', '54.20', null, '2025-04-03', 'groceries', null],
  ['pizza 12 5 days ago', '12.00', null, '2026-03-05', 'pizza', null],
  ['4 coffees 10', '10.00', null, '2026-03-10', '4 coffees', null],
  ['lunch 12.50 at 1pm', '12.50', null, '2026-03-10', 'lunch', null],
  ['dinner 30 last night', '30.00', null, '2026-03-09', 'dinner', null],
  ['taxi 9 this morning', '9.00', null, '2026-03-10', 'taxi', null],
  ['Mittagessen 9,80 gestern', '9.80', null, '2026-03-09', 'Mittagessen', null],
  ['déjeuner 12,50 hier', '12.50', null, '2026-03-09', 'déjeuner', null],
  ['comida 8 ayer', '8.00', null, '2026-03-09', 'comida', null],
  ['rent 950 on the 1st', '950.00', null, '2026-03-01', 'rent', null],
  ['parking 3 last monday', '3.00', null, '2026-03-09', 'parking', null],
  ['movie 2 tickets 24.00', '24.00', null, '2026-03-10', 'movie 2 tickets', null],
  ['gas 45 dollars', '45.00', 'USD', '2026-03-10', 'gas', null],
  ['5 euros bread', '5.00', 'EUR', '2026-03-10', 'bread', null],
  ['snacks 3 bucks', '3.00', 'USD', '2026-03-10', 'snacks', null],
  ['train 89.90 on 1 March', '89.90', null, '2026-03-01', 'train', null],
  ['hotel 120 on 14 Feb', '120.00', null, '2026-02-14', 'hotel', null],
  ['flowers 25 a week ago', '25.00', null, '2026-03-03', 'flowers', null],
  ['phone bill 39.99', '39.99', null, '2026-03-10', 'phone bill', null],
  ['gym £30 last month', '30.00', 'GBP', '2026-02-10', 'gym', null],
  ['CHF 12 coffee', '12.00', 'CHF', '2026-03-10', 'coffee', null],
  ['10€ kebab', '10.00', 'EUR', '2026-03-10', 'kebab', null],
  ['sushi 18.50 @ Nobu', '18.50', null, '2026-03-10', 'sushi', 'Nobu'],
  ['water 1', '1.00', null, '2026-03-10', 'water', null],
  ['2 beers 9', '9.00', null, '2026-03-10', '2 beers', null],
  ['books 3 for 15', '15.00', null, '2026-03-10', 'books 3', null],
  ['vet 80 on Monday', '80.00', null, '2026-03-09', 'vet', null],
  ['lunch 12.50 at Cafe Rio on Mar 9', '12.50', null, '2026-03-09', 'lunch', 'Cafe Rio'],
  ['haircut 25 on 12.03.', '25.00', null, '2025-03-12', 'haircut', null],
  ['coffee 3.50 in 2 days', '3.50', null, '2026-03-10', 'coffee', null],
  ['ticket 10 on 2027-01-05', '10.00', null, '2026-03-10', 'ticket', null],
  ['dinner 60 on March 20', '60.00', null, '2025-03-20', 'dinner', null],
  ['sandwich 6.90 at Pret on Monday', '6.90', null, '2026-03-09', 'sandwich', 'Pret'],
  ['2 coffees 7.80 yesterday', '7.80', null, '2026-03-09', '2 coffees', null],
  ['Taxi home 23 EUR last night', '23.00', 'EUR', '2026-03-09', 'Taxi home', null],
  ['groceries €54.20 on 3/4', '54.20', 'EUR', '2025-04-03', 'groceries', null],
  ['rent 1.200,00 on the 1st', '1200.00', null, '2026-03-01', 'rent', null],
  ['dentist 85 on Nov 28', '85.00', null, '2025-11-28', 'dentist', null],
  ['netflix 15.99', '15.99', null, '2026-03-10', 'netflix', null],
  ['paid 45 for gas', '45.00', null, '2026-03-10', 'gas', null],
  ["kebab 8 € at Ali's", '8.00', 'EUR', '2026-03-10', 'kebab', "Ali's"],
  ['train ticket 120 CHF on 14 Feb', '120.00', 'CHF', '2026-02-14', 'train ticket', null],
];

describe('parseChatMessage', () => {
  it('reads 57 real-world messages', () => {
    expect(MESSAGES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(MESSAGES)('%s', (text, amount, currency, date, description, merchant) => {
    expect(parseChatMessage(text, NOW)).toEqual({
      ok: true,
      expense: { amount, currency, date, description, merchant },
    });
  });

  it('reads all-number dates month first for those who ask (USD users)', () => {
    const us = parseChatMessage('groceries 54.20 on 3/4', NOW, { dayFirst: false });
    expect(us.ok && us.expense.date).toBe('2026-03-04');
    const them = parseChatMessage('groceries 54.20 on 3/4', NOW);
    expect(them.ok && them.expense.date).toBe('2025-04-03');
  });

  it('never dates an expense in the future', () => {
    for (const text of ['taxi 9 tomorrow', 'hotel 80 on 2027-01-05', 'lunch 5 in 3 days']) {
      const parsed = parseChatMessage(text, NOW);
      expect(parsed.ok && parsed.expense.date).toBe('2026-03-10');
    }
    // A date without a year is the last one that has passed.
    const december = parseChatMessage('gift 30 on Dec 24', NOW);
    expect(december.ok && december.expense.date).toBe('2025-12-24');
  });

  it.each([
    ['hello there', 'No amount found in the message'],
    ['lunch 0 today', '"0" is not a usable amount'],
    ['rent 10 on 2026-02-30', '"2026-02-30" is not a valid date'],
    ['rent 10 on 0000-01-01', '"0000-01-01" is not a valid date'],
  ])('refuses %s', (text, reason) => {
    expect(parseChatMessage(text, NOW)).toEqual({ ok: false, reason });
  });

  it('answers long, odd messages (the 2,000-character limit) without throwing', () => {
    for (const text of [
      `${'1,'.repeat(999)}1`,
      `${'1.'.repeat(999)}1`,
      `coffee 3.50 on ${'2024-01-01 '.repeat(150)}`,
      `lunch ${'9'.repeat(1990)}`,
      '💸'.repeat(999),
    ]) {
      expect(parseChatMessage(text, NOW)).toHaveProperty('ok');
    }
  });
});
