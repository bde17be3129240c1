import { describe, expect, it } from 'vitest';
import { normalize, suggestCategory } from '../../src/domain/categories/suggest.js';

const categories = [
  { id: 1, keywords: ['coffee', 'cafe'] },
  { id: 2, keywords: ['gas', 'gas station'] },
  { id: 3, keywords: ['whole foods', 'food'] },
  { id: 4, keywords: ['café noir'] },
];

describe('suggestCategory', () => {
  it.each([
    ['Latte at the CAFÉ', 1],
    ['Shell Gas Station', 2],
    ['gas', 2],
    ['Whole Foods Market', 3],
    ['cafe noir downtown', 4],
    ['Coffee.', 1],
  ])('%s -> %i', (text, id) => expect(suggestCategory(text, categories)).toBe(id));

  it.each(['Coffeehouse', 'gasoline', 'seafood', '', 'nothing here'])(
    '%s matches no whole word',
    (text) => {
      expect(suggestCategory(text, categories)).toBeNull();
    },
  );

  it('prefers the longest (most specific) keyword', () => {
    expect(suggestCategory('whole foods food court', categories)).toBe(3);
    expect(suggestCategory('gas station coffee', categories)).toBe(2);
  });

  it('normalizes case, accents and spacing', () => {
    expect(normalize('  Café   RÍO ')).toBe('cafe rio');
  });
});
