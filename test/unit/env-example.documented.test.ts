import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';

it('.env.example lists every variable config.ts reads', async () => {
  const config = await readFile(new URL('../../src/config.ts', import.meta.url), 'utf8');
  const example = await readFile(new URL('../../.env.example', import.meta.url), 'utf8');
  const read = new Set([
    ...[...config.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]),
    ...[...config.matchAll(/\(\s*env,\s*'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]),
  ]);
  const listed = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
  expect(read.size).toBeGreaterThan(30);
  expect([...read].filter((name) => !listed.has(name))).toEqual([]);
  expect([...listed].filter((name) => !read.has(name))).toEqual([]);
});
