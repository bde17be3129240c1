/**
 * Free text to an expense: "lunch 12.50 at Cafe Rio yesterday", "Uber 23,40 EUR",
 * "coffee $4 today", "paid 1,250.00 rent on 2026-03-01". Returns a reason when the text has no
 * amount (or an impossible one), so the job can fail with a message the user understands.
 */

export interface ParsedExpense {
  readonly amount: string;
  readonly currency: string | null;
  readonly merchant: string | null;
  readonly date: string;
  readonly description: string;
}

export type ParseResult = { ok: true; expense: ParsedExpense } | { ok: false; reason: string };

const SYMBOLS: Record<string, string> = {
  $: 'USD',
  '€': 'EUR',
  '£': 'GBP',
  '¥': 'JPY',
  '₹': 'INR',
};
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));
const FILLER = new Set(['paid', 'spent', 'for', 'on', 'bought', 'a', 'an', 'the']);
// 1,250.00 | 1.250,00 | 23,40 | 12.50 | 4
const AMOUNT =
  /(?<![\w.,])(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?![\w.,]*\d)/;

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function normalizeAmount(raw: string): string | null {
  let text = raw;
  if (/^\d{1,3}(,\d{3})+(\.\d{1,2})?$/.test(text)) text = text.replace(/,/g, '');
  else if (/^\d{1,3}(\.\d{3})+(,\d{1,2})?$/.test(text))
    text = text.replace(/\./g, '').replace(',', '.');
  else text = text.replace(',', '.');
  const [whole = '', fraction = ''] = text.split('.');
  if (whole.length > 12) return null;
  const amount = `${BigInt(whole)}.${fraction.padEnd(2, '0')}`;
  return /^0\.00$/.test(amount) ? null : amount;
}

export function parseChatMessage(text: string, now: Date = new Date()): ParseResult {
  let rest = ` ${text.trim()} `;
  let date = isoDate(now);
  const explicit = /\s(?:on\s+)?(\d{4}-\d{2}-\d{2})(?=\s)/i.exec(rest);
  if (explicit?.[1]) {
    const parsed = new Date(`${explicit[1]}T00:00:00Z`);
    const year = parsed.getUTCFullYear();
    // The same range as the API's Date: Postgres has no year 0, and 0000-01-01 failed in SQL.
    if (
      Number.isNaN(parsed.getTime()) ||
      isoDate(parsed) !== explicit[1] ||
      year < 1900 ||
      year > 9999
    ) {
      return { ok: false, reason: `"${explicit[1]}" is not a valid date` };
    }
    date = explicit[1];
    rest = rest.replace(explicit[0], ' ');
  } else if (/\syesterday(?=\W)/i.test(rest)) {
    date = isoDate(new Date(now.getTime() - 86_400_000));
    rest = rest.replace(/\syesterday(?=\W)/i, ' ');
  } else {
    rest = rest.replace(/\stoday(?=\W)/i, ' ');
  }

  let currency: string | null = null;
  const amountMatch = AMOUNT.exec(rest);
  if (!amountMatch?.[1]) return { ok: false, reason: 'No amount found in the message' };
  const amount = normalizeAmount(amountMatch[1]);
  if (!amount) return { ok: false, reason: `"${amountMatch[1]}" is not a usable amount` };
  const start = amountMatch.index;
  const end = start + amountMatch[0].length;
  let before = rest.slice(0, start);
  let after = rest.slice(end);
  const symbol = /([$€£¥₹])\s*$/.exec(before);
  if (symbol?.[1]) {
    currency = SYMBOLS[symbol[1]] ?? null;
    before = before.slice(0, symbol.index);
  }
  const codeAfter = /^\s*([A-Za-z]{3})(?=\W)/.exec(after);
  const codeBefore = /([A-Za-z]{3})\s*$/.exec(before);
  if (!currency && codeAfter?.[1] && CURRENCIES.has(codeAfter[1].toUpperCase())) {
    currency = codeAfter[1].toUpperCase();
    after = after.slice(codeAfter[0].length);
  } else if (
    !currency &&
    codeBefore?.[1] &&
    CURRENCIES.has(codeBefore[1].toUpperCase()) &&
    codeBefore[1] === codeBefore[1].toUpperCase()
  ) {
    currency = codeBefore[1].toUpperCase();
    before = before.slice(0, codeBefore.index);
  }
  rest = `${before} ${after}`;

  let merchant: string | null = null;
  const at = /\s(?:at|@)\s+(.+?)\s*$/i.exec(rest);
  if (at?.[1]) {
    merchant = at[1].trim();
    rest = rest.slice(0, at.index);
  }
  const words = rest.split(/\s+/).filter((word) => word && !FILLER.has(word.toLowerCase()));
  const description = words.join(' ').trim() || merchant || 'Chat expense';
  return {
    ok: true,
    expense: {
      amount,
      currency,
      merchant: merchant ? merchant.slice(0, 200) : null,
      date,
      description: description.slice(0, 500),
    },
  };
}
