/**
 * Category suggestion: the keyword that matches the expense's description or merchant as whole
 * words (case- and accent-insensitive) wins; the longest (most specific) match beats shorter ones.
 */
import { LRUCache } from 'lru-cache';

export interface CategoryKeywords {
  readonly id: number;
  readonly keywords: readonly string[];
}

/** Lower case, accents removed, whitespace collapsed: "Café  Río" -> "cafe rio". */
export function normalize(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * Compiled patterns by normalized keyword: compiling them on every call was two fifths of a
 * suggestion's time (load/BASELINE.md). Users share most keywords (the default categories').
 */
const patterns = new LRUCache<string, RegExp>({ max: 5_000 });

function wordPattern(keyword: string): RegExp {
  const known = patterns.get(keyword);
  if (known) return known;
  const escaped = keyword.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'u');
  patterns.set(keyword, pattern);
  return pattern;
}

/** The id of the best-matching category, or null when no keyword matches. */
export function suggestCategory(
  text: string,
  categories: readonly CategoryKeywords[],
): number | null {
  const haystack = normalize(text);
  let best: { id: number; length: number } | null = null;
  for (const category of categories) {
    for (const raw of category.keywords) {
      const keyword = normalize(raw);
      if (!keyword || (best && keyword.length <= best.length)) continue;
      if (wordPattern(keyword).test(haystack)) best = { id: category.id, length: keyword.length };
    }
  }
  return best?.id ?? null;
}
