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

  it('reads the OTLP endpoint as the OpenTelemetry specification says', () => {
    const base = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).telemetry;
    expect(base.tracesEndpoint).toBe('http://collector:4318/v1/traces');
    const traces = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/ingest',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%2Cb,x-team=core',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=traces',
    }).telemetry;
    expect(traces.tracesEndpoint).toBe('https://traces.example.com/ingest');
    expect(traces.headers).toEqual({ 'api-key': 'a,b', 'x-team': 'traces' });
    const off = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_SDK_DISABLED: 'true',
    });
    expect(off.telemetry.tracesEndpoint).toBeUndefined();
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'novalue' })).toThrow(
      /OTEL_EXPORTER_OTLP_HEADERS/,
    );
  });

  it('parses CORS_ORIGINS as a list of origins, or *', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(
      loadConfig({ CORS_ORIGINS: 'https://a.example, http://localhost:5173' }).corsOrigins,
    ).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });

  it('parses ADMIN_EMAILS as a list for the admin command (which compares them by key)', () => {
    expect(loadConfig({ ADMIN_EMAILS: ' A@x.com, b@Y.com ,' }).adminEmails).toEqual([
      'A@x.com',
      'b@Y.com',
    ]);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
    [{ CORS_ORIGINS: 'app.example.com' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://app.example.com/path' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: '*, https://app.example.com' }, 'CORS_ORIGINS'],
    [{ DB_POOL_MAX: '0' }, 'DB_POOL_MAX'],
    [{ DB_PREPARE: 'maybe' }, 'DB_PREPARE'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'production', JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ WEB_CONCURRENCY: '0' }, 'WEB_CONCURRENCY'],
    [{ WEB_CONCURRENCY: '2', CACHE_ENABLED: 'false', RATE_LIMIT_ENABLED: 'false' }, 'DATABASE_URL'],
    [
      { WEB_CONCURRENCY: '2', DATABASE_URL: 'postgres://x/y', RATE_LIMIT_ENABLED: 'false' },
      'REDIS_URL',
    ],
    [{ WEB_CONCURRENCY: '2', DATABASE_URL: 'postgres://x/y', CACHE_ENABLED: 'false' }, 'REDIS_URL'],
    [{ DB_PLAN_CACHE_MODE: 'sometimes' }, 'DB_PLAN_CACHE_MODE'],
  ])('names the bad variable in %j', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('runs several processes with a database and, for the cache and rate limits, Redis', () => {
    const base = { WEB_CONCURRENCY: '2', DATABASE_URL: 'postgres://x/y' };
    expect(loadConfig({ ...base, REDIS_URL: 'redis://r:6379' }).webConcurrency).toBe(2);
    expect(
      loadConfig({ ...base, CACHE_ENABLED: 'false', RATE_LIMIT_ENABLED: 'false' }).webConcurrency,
    ).toBe(2);
  });

  it('accepts production with a long secret', () => {
    expect(
      loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).jwtSecret,
    ).toHaveLength(32);
  });
});
