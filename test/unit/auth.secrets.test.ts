import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/auth/password.js';
import { resolveJwtSecret } from '../../src/auth/secret.js';
import { createTokenService } from '../../src/auth/tokens.js';

describe('passwords', () => {
  it('hashes with a fresh salt and verifies only the right password', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsf', a)).toBe(false);
    expect(await verifyPassword('correct horse', 'garbage')).toBe(false);
  });
});

describe('tokens', () => {
  it('round-trips claims and rejects a token signed with another secret', async () => {
    const tokens = createTokenService('s'.repeat(32), 60);
    const token = await tokens.sign({ sub: 'VXNlcjox', role: 'admin' });
    expect(await tokens.verify(token)).toMatchObject({ sub: 'VXNlcjox', role: 'admin' });
    expect(await createTokenService('t'.repeat(32), 60).verify(token)).toBeNull();
  });
});

describe('the generated JWT secret', () => {
  it('is created once in the data dir, private, and reused', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ledgerline-'));
    const first = await resolveJwtSecret(undefined, dir);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(await resolveJwtSecret(undefined, dir)).toBe(first);
    expect((await readFile(path.join(dir, 'jwt-secret'), 'utf8')).trim()).toBe(first);
    expect((await stat(path.join(dir, 'jwt-secret'))).mode & 0o777).toBe(0o600);
    expect(await resolveJwtSecret('configured', dir)).toBe('configured');
  });
});
