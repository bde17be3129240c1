/**
 * The direction of imports between the folders of src/: the layers below the API never import
 * it, and no two folders import each other. Read with TypeScript's own import scanner.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve('src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/**
 * A file's place: its folder under src/, or the file itself for those at the top. The product's
 * areas (`domain/expenses/`) are places of their own: they sit above db/ and jobs/, while the
 * primitives at the top of domain/ (errors, ids, money, dates) sit below everything.
 */
function placeOf(file: string): string {
  const [first, ...rest] = path.relative(SRC, file).split(path.sep);
  if (first === 'domain' && rest.length > 1) return `domain/${rest[0]}/`;
  return rest.length > 0 ? `${first}/` : (first ?? '');
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly file: string;
  readonly target: string;
}

const edges: Edge[] = sourceFiles(SRC).flatMap((file) =>
  ts
    .preProcessFile(readFileSync(file, 'utf8'), true, true)
    .importedFiles.filter(({ fileName }) => fileName.startsWith('.'))
    .map(({ fileName }) => {
      const target = path.resolve(path.dirname(file), fileName.replace(/\.js$/, '.ts'));
      return {
        from: placeOf(file),
        to: placeOf(target),
        file: path.relative(SRC, file),
        target: path.relative(SRC, target),
      };
    })
    .filter((edge) => edge.from !== edge.to),
);

describe('imports between layers', () => {
  it('reads the imports of src/ (the scan itself works)', () => {
    expect(edges.some((e) => e.from === 'graphql/' && e.to === 'domain/')).toBe(true);
    expect(edges.some((e) => e.from === 'domain/expenses/' && e.to === 'db/')).toBe(true);
    expect(edges.some((e) => e.from === 'http/' && e.to === 'graphql/')).toBe(true);
  });

  it('nothing below the API imports graphql/ or http/', () => {
    const below = ['domain/', 'db/', 'cache/', 'auth/', 'rate-limit/', 'loaders/', 'jobs/'];
    const wrong = edges
      .filter(
        (e) =>
          (below.includes(e.from) || e.from.startsWith('domain/')) &&
          (e.to === 'graphql/' || e.to === 'http/'),
      )
      .map((e) => `${e.file} -> ${e.target}`);
    expect(wrong).toEqual([]);
  });

  it("domain/'s primitives import nothing of ours but each other", () => {
    const wrong = edges.filter((e) => e.from === 'domain/').map((e) => `${e.file} -> ${e.target}`);
    expect(wrong).toEqual([]);
  });

  it('no two folders import each other, directly or around a cycle', () => {
    const next = new Map<string, Set<string>>();
    for (const e of edges) next.set(e.from, (next.get(e.from) ?? new Set()).add(e.to));
    const reaches = (start: string, goal: string): boolean => {
      const seen = new Set<string>();
      const stack = [...(next.get(start) ?? [])];
      for (let place = stack.pop(); place !== undefined; place = stack.pop()) {
        if (place === goal) return true;
        if (seen.has(place)) continue;
        seen.add(place);
        stack.push(...(next.get(place) ?? []));
      }
      return false;
    };
    const cycles = edges
      .filter((e) => reaches(e.to, e.from))
      .map((e) => `${e.file} -> ${e.target}`);
    expect(cycles).toEqual([]);
  });

  it('SQL is written in db/ only: no statement text in any other folder', () => {
    // A tagged template of postgres.js or Drizzle (`sql\`…\``, `pool\`…\``, `tx<Row[]>\`…\``)
    // or raw text handed to `unsafe`.
    const statement = /\b(sql|pool|tx)(<[^>\n]*>)?`|\.unsafe\(/;
    const outside = sourceFiles(SRC)
      .filter((file) => placeOf(file) !== 'db/')
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, at: `${path.relative(SRC, file)}:${i + 1}` }))
          .filter(({ line }) => statement.test(line) && !/^\s*(\*|\/\/)/.test(line)),
      )
      .map(({ at }) => at);
    expect(outside).toEqual([]);
    // The pattern finds what it is for.
    expect(statement.test('await pool`select 1`')).toBe(true);
    expect(statement.test('tx<{ id: number }[]>`delete from x`')).toBe(true);
  });
});
