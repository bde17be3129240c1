/**
 * The typed-client path, run against the committed schema.graphql: graphql-codegen's client
 * preset generates typed operations and a sha256 persisted-documents manifest
 * (examples/client/), the generated code type-checks, and a server that runs only those
 * documents (PERSISTED_ONLY, the manifest as PERSISTED_MANIFEST) answers the example client,
 * which sends hashes alone.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';

const run = promisify(execFile);
const MANIFEST = 'examples/client/src/gql/persisted-documents.json';

// Before the app starts: it reads the manifest at start-up.
beforeAll(async () => {
  await run(process.execPath, [
    'node_modules/@graphql-codegen/cli/cjs/bin.js',
    '--config',
    'examples/client/codegen.ts',
  ]);
}, 120_000);

const t = useTestApp({ PERSISTED_ONLY: 'true', PERSISTED_MANIFEST: MANIFEST });

describe('examples/client (graphql-codegen client preset)', () => {
  it('generates typed operations that type-check, and a sha256 manifest', async () => {
    expect(existsSync(MANIFEST)).toBe(true);
    await run(process.execPath, [
      'node_modules/typescript/bin/tsc',
      '-p',
      'examples/client/tsconfig.json',
    ]);
  }, 120_000);

  it('the server accepts the manifest and answers the client, which sends only hashes', async () => {
    const base = new URL((await t.fetch('/health')).url).origin;
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'examples/client/src/main.ts', `${base}/graphql`],
      { timeout: 60_000 },
    );
    const printed = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(printed).toMatchObject({ created: 'typed coffee', total: 1, amounts: ['4.20'] });
    // Anything outside the manifest is refused: the client's documents were the ones allowed.
    const other = await t.gql('{ __typename }');
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  }, 120_000);
});
