/**
 * graphql-codegen's client preset against Ledgerline's printed schema: typed operations for the
 * documents in src/, and a persisted-documents manifest hashed with sha256 (codegen's default is
 * sha1; the server hashes with sha256), which the server takes as PERSISTED_MANIFEST.
 *
 *   npx graphql-codegen --config examples/client/codegen.ts
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const here = new URL('.', import.meta.url).pathname;

const config: CodegenConfig = {
  schema: `${here}../../schema.graphql`,
  documents: [`${here}src/**/*.ts`, `!${here}src/gql/**`],
  generates: {
    [`${here}src/gql/`]: {
      preset: 'client',
      presetConfig: {
        // Each document's sha256 on it (the client sends it), and persisted-documents.json.
        persistedDocuments: { hashAlgorithm: 'sha256' },
        fragmentMasking: false,
      },
      config: {
        scalars: { Decimal: 'string', Date: 'string', DateTime: 'string', JSON: 'unknown' },
        // Node's ESM, as this repository compiles it: type-only imports, explicit .js paths.
        useTypeImports: true,
      },
    },
  },
  emitLegacyCommonJSImports: false,
  silent: true,
};

export default config;
