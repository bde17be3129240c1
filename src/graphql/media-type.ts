/**
 * The JSON media type yoga answers a single result with, for an Accept header: the first listed
 * type that is either of GraphQL over HTTP's two (`*\/*` and `application/*` mean
 * application/json), or undefined when the client accepts neither. Used where a response is
 * written without yoga's result processor, so both paths answer alike.
 */
export function jsonMediaType(accept: string | null | undefined): string | undefined {
  for (const part of (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',')) {
    const [type, ...params] = part.split(';');
    const charset = params.find((param) => param.includes('charset='));
    if (charset && charset !== 'charset=utf-8') continue;
    if (type === 'application/graphql-response+json') return type;
    if (type === 'application/json' || type === 'application/*' || type === '*/*') {
      return 'application/json';
    }
  }
  return undefined;
}
