import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      redisUrl: undefined,
      nodeEnv: 'development',
      db: { poolMax: 10, statementTimeoutMs: 5000, prepare: true },
      limits: { maxDepth: 12, maxAliases: 15 },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses ADMIN_EMAILS case-insensitively', () => {
    expect([...loadConfig({ ADMIN_EMAILS: ' A@x.com, b@Y.com ,' }).adminEmails]).toEqual([
      'a@x.com',
      'b@y.com',
    ]);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DB_POOL_MAX: '0' }, 'DB_POOL_MAX'],
    [{ DB_PREPARE: 'maybe' }, 'DB_PREPARE'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'production', JWT_SECRET: 'short' }, 'JWT_SECRET'],
  ])('names the bad variable in %j', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('accepts production with a long secret', () => {
    expect(
      loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).jwtSecret,
    ).toHaveLength(32);
  });
});
