/**
 * Free text to an expense: "lunch 12.50 at Cafe Rio yesterday", "Uber 23,40 EUR",
 * "bought 2 coffees for 7.80 last friday", "12 € croissant on 28/11", "Mittagessen 9,80 gestern".
 * Dates are read by chrono-node (relative words, weekdays, month names, day/month numbers, in
 * English, German, French and Spanish) and never land in the future. Returns a reason when the
 * text has no amount (or an impossible one), so the job can fail with a message the user
 * understands.
 *
 * Numbers are the hard part: "March 3 12" is a date and an amount, "2 coffees" a quantity. So
 * numbers that look like money are hidden from chrono (it would read "12.50" as 12:50 and
 * "March 3 12" as 2012), the dates it then finds are cut out, and the amount is the remaining
 * number most like money: a currency beside it, cents, "for"/"paid" before it, no noun after it.
 */
import * as chrono from 'chrono-node';
import { parseDate } from '../dates.js';

export interface ParsedExpense {
  readonly amount: string;
  readonly currency: string | null;
  readonly merchant: string | null;
  readonly date: string;
  readonly description: string;
}

export type ParseResult = { ok: true; expense: ParsedExpense } | { ok: false; reason: string };

export interface ParseOptions {
  /** "3/4" is 3 April (true, the default) or March 4 (false: what USD users write). */
  readonly dayFirst?: boolean;
}

const SYMBOLS: Record<string, string> = {
  $: 'USD',
  US$: 'USD',
  '€': 'EUR',
  '£': 'GBP',
  '¥': 'JPY',
  '₹': 'INR',
  R$: 'BRL',
  '₩': 'KRW',
  '₺': 'TRY',
  '₽': 'RUB',
  '₪': 'ILS',
  zł: 'PLN',
};
const CURRENCY_WORDS: Record<string, string> = {
  euro: 'EUR',
  euros: 'EUR',
  dollar: 'USD',
  dollars: 'USD',
  bucks: 'USD',
  pound: 'GBP',
  pounds: 'GBP',
  quid: 'GBP',
  yen: 'JPY',
  rupee: 'INR',
  rupees: 'INR',
};
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));
const FILLER = new Set(['paid', 'spent', 'for', 'on', 'bought', 'a', 'an', 'the', 'am', 'le']);
/** Words before an amount that say it is the price. */
const PRICE_WORDS = /(?:^|\s)(?:for|paid|spent|cost|costs|costing|total|price|=|:)\s*$/i;
const MONTHS = new Set(
  [
    // English, German, French, Spanish: full names and common abbreviations.
    'january february march april may june july august september october november december',
    'jan feb mar apr jun jul aug sep sept oct nov dec',
    'januar februar märz mai juni juli oktober dezember jän mär okt dez',
    'janvier février fevrier mars avril juin juillet août aout septembre octobre novembre décembre',
    'janv févr avr juil déc',
    'enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre',
    'ene abr ago dic',
  ]
    .join(' ')
    .split(' '),
);
/** Numbers, with thousands and decimal separators: 1,250.00 | 1.250,00 | 23,40 | 12.50 | 4. */
const NUMBER = /\d+(?:[.,]\d+)*/g;
/** A currency symbol (SYMBOLS' keys), right before or right after an amount. */
const SYMBOL = '(US\\$|R\\$|zł|[$€£¥₹₩₺₽₪])';
const SYMBOL_BEFORE = new RegExp(`${SYMBOL}\\s*$`);
const SYMBOL_AFTER = new RegExp(`^\\s*${SYMBOL}`);

/** Whether `iso` (YYYY-MM-DD) names a day the API's Date takes (domain/dates.ts). */
function validDate(iso: string): boolean {
  try {
    parseDate(iso);
    return true;
  } catch {
    return false;
  }
}

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function normalizeAmount(raw: string): string | null {
  let text = raw;
  if (/^\d{1,3}(,\d{3})+(\.\d{1,2})?$/.test(text)) text = text.replace(/,/g, '');
  else if (/^\d{1,3}(\.\d{3})+(,\d{1,2})?$/.test(text))
    text = text.replace(/\./g, '').replace(',', '.');
  else if (/^\d+([.,]\d{1,2})?$/.test(text)) text = text.replace(',', '.');
  else return null;
  const [whole = '', fraction = ''] = text.split('.');
  if (whole.length > 12) return null;
  const amount = `${BigInt(whole)}.${fraction.padEnd(2, '0')}`;
  return /^0\.00$/.test(amount) ? null : amount;
}

interface NumberToken {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

const wordBefore = (text: string, at: number) =>
  /([\p{L}]+)\.?\s*$/u.exec(text.slice(Math.max(0, at - 20), at))?.[1]?.toLowerCase();
const wordAfter = (text: string, at: number) =>
  /^\.?\s*(?:of\s+|de\s+)?([\p{L}]+)/u.exec(text.slice(at, at + 24))?.[1]?.toLowerCase();

/** Whether a number belongs to a date or a time by what stands beside it. */
function isDatePart(text: string, token: NumberToken): boolean {
  const before = text[token.start - 1] ?? ' ';
  const after = text[token.end] ?? ' ';
  if ('/-:'.includes(before) || '/-:'.includes(after)) return true;
  // "12.03." or "12.03.2026": a day and month the German way.
  if (/^\d{1,2}\.\d{1,2}$/.test(token.text) && after === '.') return true;
  if (/^\d{1,2}\.\d{1,2}\.\d{4}$/.test(token.text)) return true;
  const rest = text.slice(token.end, token.end + 24);
  if (/^(?:st|nd|rd|th|er|e)\b/i.test(rest) || /^\s*(?:am|pm|h)\b/i.test(rest)) return true;
  if (/^\s+(?:days?|weeks?|months?|years?|tage?n?|jours?|semaines?|días?|semanas?)\b/i.test(rest)) {
    return true;
  }
  const day = Number(token.text);
  const dayLike = /^\d{1,2}$/.test(token.text) && day >= 1 && day <= 31;
  if (dayLike && MONTHS.has(wordAfter(text, token.end) ?? '')) return true;
  // "March 3" (not "3 March 12", whose 12 follows a month that already has its day).
  const month = wordBefore(text, token.start);
  if (dayLike && month && MONTHS.has(month)) {
    const monthAt = text.slice(0, token.start).toLowerCase().lastIndexOf(month);
    return !/\d\.?\s*$/.test(text.slice(0, monthAt));
  }
  return false;
}

interface FoundDate {
  readonly date: string;
  /** The year was written (or follows from a relative word), not guessed. */
  readonly yearCertain: boolean;
  readonly start: number;
  readonly end: number;
}

/** "the 3rd": chrono has no rule for a bare ordinal day; it means this month's (or last's). */
const ORDINAL_DAY = /\s(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)\b/i;
/** "12.03." and "12.03.2026", the German way, which chrono reads only with a year. */
const DOTTED_DATE = /\s(?:on\s+|am\s+)?(\d{1,2})\.(\d{1,2})\.(\d{4})?(?=\s)/i;

/**
 * The first date chrono finds in `masked`, in English first, then German, French, Spanish.
 * English month names are read the US way ("March 20" is a day, where chrono's British parser
 * reads a year); only all-number dates ("3/4") follow `dayFirst`.
 */
function findDate(masked: string, now: Date, dayFirst: boolean): FoundDate | undefined {
  const reference = { instant: now, timezone: 0 };
  for (const parser of [chrono.en, chrono.de, chrono.fr, chrono.es]) {
    let [result] = parser.parse(masked, reference, { forwardDate: false });
    if (result && parser === chrono.en && dayFirst && /\d[/.]\d/.test(result.text)) {
      [result] = chrono.en.GB.parse(masked, reference, { forwardDate: false });
    }
    if (!result) continue;
    const { start } = result;
    const year = start.get('year');
    const month = start.get('month');
    const day = start.get('day');
    if (year === null || month === null || day === null) continue;
    return {
      date: isoDate(year, month, day),
      yearCertain: start.isCertain('year'),
      start: result.index,
      end: result.index + result.text.length,
    };
  }
  const dotted = DOTTED_DATE.exec(masked);
  if (dotted) {
    const [, day, month, year] = dotted.map(Number);
    const date = isoDate(year || now.getUTCFullYear(), month ?? 0, day ?? 0);
    if (validDate(date)) {
      return {
        date,
        yearCertain: Boolean(year),
        start: dotted.index,
        end: dotted.index + dotted[0].length,
      };
    }
  }
  const ordinal = ORDINAL_DAY.exec(masked);
  const day = Number(ordinal?.[1]);
  if (ordinal && day >= 1 && day <= 31) {
    const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), day));
    if (date > now || date.getUTCDate() !== day) date.setUTCMonth(date.getUTCMonth() - 1, day);
    return {
      date: date.toISOString().slice(0, 10),
      yearCertain: true,
      start: ordinal.index,
      end: ordinal.index + ordinal[0].length,
    };
  }
  return undefined;
}

/** A date never lands in the future: a guessed year goes back one, anything else to today. */
function inThePast(found: FoundDate, today: string): string {
  if (found.date <= today) return found.date;
  if (!found.yearCertain) {
    const lastYear = `${String(Number(found.date.slice(0, 4)) - 1).padStart(4, '0')}${found.date.slice(4)}`;
    if (lastYear <= today && validDate(lastYear)) return lastYear;
  }
  return today;
}

/** How much a number looks like the price (higher: more). */
function moneyScore(text: string, token: NumberToken): number {
  let score = 0;
  const before = text.slice(Math.max(0, token.start - 12), token.start);
  const after = text.slice(token.end, token.end + 16);
  if (SYMBOL_BEFORE.test(before) || SYMBOL_AFTER.test(after)) score += 4;
  const codeAfter = /^\s*([A-Za-z]{3})\b/.exec(after)?.[1];
  const codeBefore = /\b([A-Z]{3})\s*$/.exec(before)?.[1];
  if (codeAfter && CURRENCIES.has(codeAfter.toUpperCase())) score += 4;
  else if (codeBefore && CURRENCIES.has(codeBefore)) score += 4;
  const next = wordAfter(text, token.end);
  if (next && CURRENCY_WORDS[next]) score += 4;
  if (/[.,]\d{1,2}$/.test(token.text)) score += 2;
  if (PRICE_WORDS.test(before)) score += 2;
  // "2 coffees": a bare count before a noun is a quantity, not a price.
  if (
    /^\d+$/.test(token.text) &&
    /^\s+\p{L}/u.test(after) &&
    next &&
    !FILLER.has(next) &&
    next !== 'at' &&
    !CURRENCY_WORDS[next] &&
    !(codeAfter && CURRENCIES.has(codeAfter.toUpperCase()))
  ) {
    score -= 2;
  }
  return score;
}

export function parseChatMessage(
  text: string,
  now: Date = new Date(),
  options: ParseOptions = {},
): ParseResult {
  let rest = ` ${text.trim().replace(/\s+/g, ' ')} `;
  const today = now.toISOString().slice(0, 10);

  // An ISO date is checked here: chrono passes over an impossible one ("2026-02-30") in silence.
  for (const [, iso] of rest.matchAll(/(?<![\d-])(\d{4}-\d{2}-\d{2})(?![\d-])/g)) {
    if (!validDate(iso as string)) return { ok: false, reason: `"${iso}" is not a valid date` };
  }

  const numbers: NumberToken[] = [...rest.matchAll(NUMBER)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    text: m[0],
  }));
  const dateParts = new Set(numbers.filter((token) => isDatePart(rest, token)));
  let masked = rest;
  for (const token of numbers) {
    if (dateParts.has(token)) continue;
    masked = masked.slice(0, token.start) + 'x'.repeat(token.text.length) + masked.slice(token.end);
  }
  const found = findDate(masked, now, options.dayFirst ?? true);
  // Never in the future: an expense is something already paid.
  const date = found ? inThePast(found, today) : today;
  if (found)
    rest = rest.slice(0, found.start) + ' '.repeat(found.end - found.start) + rest.slice(found.end);

  const candidates = numbers.filter(
    (token) => !found || token.end <= found.start || token.start >= found.end,
  );
  let best: NumberToken | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const token of candidates) {
    // A number that looked like part of a date stays a last resort ("the 1st" chrono missed).
    const score = moneyScore(rest, token) - (dateParts.has(token) ? 10 : 0);
    if (score >= bestScore) {
      best = token;
      bestScore = score;
    }
  }
  if (!best) return { ok: false, reason: 'No amount found in the message' };
  const amount = normalizeAmount(best.text);
  if (!amount) return { ok: false, reason: `"${best.text}" is not a usable amount` };

  let before = rest.slice(0, best.start);
  let after = rest.slice(best.end);
  let currency: string | null = null;
  const symbolBefore = SYMBOL_BEFORE.exec(before);
  const symbolAfter = SYMBOL_AFTER.exec(after);
  const codeAfter = /^\s*([A-Za-z]{3})(?=\W)/.exec(after);
  const codeBefore = /([A-Za-z]{3})\s*$/.exec(before);
  const wordAfterAmount = /^\s*([\p{L}]+)/u.exec(after);
  if (symbolBefore?.[1]) {
    currency = SYMBOLS[symbolBefore[1]] ?? null;
    before = before.slice(0, symbolBefore.index);
  } else if (symbolAfter?.[1]) {
    currency = SYMBOLS[symbolAfter[1]] ?? null;
    after = after.slice(symbolAfter[0].length);
  } else if (codeAfter?.[1] && CURRENCIES.has(codeAfter[1].toUpperCase())) {
    currency = codeAfter[1].toUpperCase();
    after = after.slice(codeAfter[0].length);
  } else if (
    codeBefore?.[1] &&
    CURRENCIES.has(codeBefore[1].toUpperCase()) &&
    codeBefore[1] === codeBefore[1].toUpperCase()
  ) {
    currency = codeBefore[1].toUpperCase();
    before = before.slice(0, codeBefore.index);
  } else if (wordAfterAmount?.[1] && CURRENCY_WORDS[wordAfterAmount[1].toLowerCase()]) {
    currency = CURRENCY_WORDS[wordAfterAmount[1].toLowerCase()] ?? null;
    after = after.slice(wordAfterAmount[0].length);
  }
  rest = `${before} ${after}`;

  let merchant: string | null = null;
  const at = /\s(?:at|@)\s+(.+?)\s*$/i.exec(rest);
  if (at?.[1]) {
    // Minus the words a cut-out date leaves behind ("at Cafe Rio on Mar 9").
    merchant = at[1]
      .trim()
      .replace(/\s+/g, ' ')
      .replace(/(?:\s+(?:on|the|am|le))+$/i, '');
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

/**
 * Parses a message that no locale finds a date in, so every locale's patterns are compiled: the
 * first parse of a process otherwise spends 120-150 ms compiling them (profiled in the hostile
 * fault experiment), all of it blocking the event loop of a gateway whose worker runs jobs.
 */
export function warmUpChatParser(): void {
  parseChatMessage('coffee 3.50 at Cafe');
  parseChatMessage('lunch 12.50 yesterday on 28/11');
}
