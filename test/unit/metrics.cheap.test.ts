import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { atMostEvery } from '../../src/metrics.js';

describe('/metrics', () => {
  it('is not routed through the shipped nginx configuration', () => {
    const conf = readFileSync('deploy/nginx.conf', 'utf8');
    expect(conf).toMatch(/location = \/metrics \{\s*return 404;\s*\}/);
  });

  it('reads the database at most once per period, however many scrapes come', async () => {
    let reads = 0;
    const read = atMostEvery(60_000, async () => ++reads);
    const answers = await Promise.all(Array.from({ length: 100 }, () => read()));
    expect(new Set(answers)).toEqual(new Set([1]));
    expect(await read()).toBe(1);
    expect(reads).toBe(1);
  });

  it('tries again after a failed read', async () => {
    let calls = 0;
    const read = atMostEvery(60_000, async () => {
      calls++;
      if (calls === 1) throw new Error('database down');
      return calls;
    });
    await expect(read()).rejects.toThrow('database down');
    expect(await read()).toBe(2);
  });
});
