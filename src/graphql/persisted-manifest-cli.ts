/**
 * `npm run persisted:manifest -- <file.graphql>... [--out persisted-operations.json]`: reads the
 * frontend's documents and writes the allow-list for PERSISTED_ONLY=true, in Apollo's manifest
 * format. Each operation is printed with the fragments it uses (graphql's `print`, fragments
 * sorted by name); clients send the sha256 of that exact text as their persistedQuery hash.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { type DefinitionNode, type DocumentNode, Kind, parse, print, visit } from 'graphql';
import { parseCli, usageError } from '../cli.js';
import { sha256 } from './persisted-operations.js';

export interface ManifestOperation {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly body: string;
}

/** Every operation of `documents`, each with the fragments it needs, ready to hash. */
export function manifestOperations(documents: readonly DocumentNode[]): ManifestOperation[] {
  const fragments = new Map<string, DefinitionNode>();
  const operations = [];
  for (const document of documents) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION)
        fragments.set(definition.name.value, definition);
      if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
    }
  }
  return operations.map((operation) => {
    const needed = new Set<string>();
    const collect = (node: DefinitionNode) =>
      visit(node, {
        FragmentSpread(spread) {
          const name = spread.name.value;
          const fragment = fragments.get(name);
          if (!fragment) throw new Error(`Unknown fragment ${name}`);
          if (!needed.has(name)) {
            needed.add(name);
            collect(fragment);
          }
        },
      });
    collect(operation);
    const body = print({
      kind: Kind.DOCUMENT,
      definitions: [
        operation,
        ...[...needed].sort().map((name) => fragments.get(name) as DefinitionNode),
      ],
    });
    return {
      id: sha256(body),
      name: operation.name?.value ?? '',
      type: operation.operation,
      body,
    };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const COMMAND = 'npm run persisted:manifest';
  const { values, positionals } = parseCli({
    command: COMMAND,
    usage: `Usage: ${COMMAND} -- <file.graphql>... [--out <file.json>]
Writes the allow-list for PERSISTED_ONLY=true (Apollo's manifest format) from the frontend's
documents: each operation with the fragments it uses, keyed by the sha256 clients send.
  --out <file>   where to write it (default persisted-operations.json)
  -h, --help     this text`,
    allowPositionals: true,
    options: { out: { type: 'string', default: 'persisted-operations.json' } },
  });
  if (positionals.length === 0) usageError(COMMAND, 'Name at least one .graphql file');
  const out = String(values.out);
  let operations: ManifestOperation[];
  try {
    operations = manifestOperations(positionals.map((file) => parse(readFileSync(file, 'utf8'))));
  } catch (error) {
    usageError(COMMAND, (error as Error).message);
  }
  writeFileSync(
    out,
    `${JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }, null, 2)}\n`,
  );
  console.log(`${out}: ${operations.length} operations`);
}
