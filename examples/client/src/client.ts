/**
 * A typed client in a dozen lines: it sends only an operation's sha256 (the server runs it from
 * its PERSISTED_MANIFEST), and its result and variables are typed from the schema.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

interface Persisted {
  /** What codegen's persistedDocuments option puts on each document. */
  readonly __meta__?: { readonly hash?: string };
}

export function createClient(endpoint: string, token?: string) {
  return async function request<Result, Variables>(
    document: TypedDocumentNode<Result, Variables> & Persisted,
    variables: Variables,
  ): Promise<Result> {
    // codegen writes a GraphQL-over-HTTP document id, "sha256:<hex>"; Apollo's extension takes
    // the hex.
    const hash = document.__meta__?.hash?.replace(/^sha256:/, '');
    if (!hash) throw new Error('the document has no persisted hash: run codegen');
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({
        variables,
        extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
      }),
    });
    const body = (await response.json()) as { data?: Result; errors?: { message: string }[] };
    if (body.errors?.length || !body.data) {
      throw new Error(body.errors?.map((e) => e.message).join('; ') ?? `HTTP ${response.status}`);
    }
    return body.data;
  };
}
