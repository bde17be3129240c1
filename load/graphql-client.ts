/** A minimal GraphQL client for the load scripts' setup steps (not the measured requests). */
export interface GraphqlResponse {
  data?: Record<string, unknown>;
  errors?: unknown[];
}

export async function post(
  base: string,
  query: string,
  variables?: object,
  token?: string,
): Promise<GraphqlResponse> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphqlResponse;
}

/** Like post, but throws on GraphQL errors and returns `data`. */
export async function request(
  base: string,
  query: string,
  variables: object,
  token?: string,
): Promise<Record<string, unknown>> {
  const body = await post(base, query, variables, token);
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data ?? {};
}
