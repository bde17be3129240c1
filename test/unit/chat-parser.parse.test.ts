import { describe, expect, it } from 'vitest';
import { parseChatMessage } from '../../src/domain/chat/parser.js';

const NOW = new Date('2026-03-10T12:00:00Z');

describe('parseChatMessage', () => {
  it.each([
    [
      'lunch 12.50 at Cafe Rio yesterday',
      {
        amount: '12.50',
        currency: null,
        merchant: 'Cafe Rio',
        date: '2026-03-09',
        description: 'lunch',
      },
    ],
    [
      'Uber 23,40 EUR',
      { amount: '23.40', currency: 'EUR', merchant: null, date: '2026-03-10', description: 'Uber' },
    ],
    [
      'coffee $4 today',
      {
        amount: '4.00',
        currency: 'USD',
        merchant: null,
        date: '2026-03-10',
        description: 'coffee',
      },
    ],
    [
      'paid 1,250.00 rent on 2026-03-01',
      {
        amount: '1250.00',
        currency: null,
        merchant: null,
        date: '2026-03-01',
        description: 'rent',
      },
    ],
    [
      'taxi 1.250,50 EUR',
      {
        amount: '1250.50',
        currency: 'EUR',
        merchant: null,
        date: '2026-03-10',
        description: 'taxi',
      },
    ],
    [
      '€7.5 croissant at Paul',
      {
        amount: '7.50',
        currency: 'EUR',
        merchant: 'Paul',
        date: '2026-03-10',
        description: 'croissant',
      },
    ],
    [
      'GBP 20 tickets',
      {
        amount: '20.00',
        currency: 'GBP',
        merchant: null,
        date: '2026-03-10',
        description: 'tickets',
      },
    ],
  ])('%s', (text, expense) => {
    expect(parseChatMessage(text, NOW)).toEqual({ ok: true, expense });
  });

  it.each([
    ['hello there', 'No amount found in the message'],
    ['lunch 0 today', '"0" is not a usable amount'],
    ['rent 10 on 2026-02-30', '"2026-02-30" is not a valid date'],
  ])('refuses %s', (text, reason) => {
    expect(parseChatMessage(text, NOW)).toEqual({ ok: false, reason });
  });
});
