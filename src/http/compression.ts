/**
 * gzip/brotli for responses over 1 KB when the client accepts them (node:zlib; brotli at quality 4,
 * which is fast enough for dynamic responses). File downloads stream uncompressed.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Plugin } from 'graphql-yoga';

export type Encoding = 'br' | 'gzip';

export const MIN_COMPRESS_BYTES = 1024;
const COMPRESSIBLE = /^(application\/(graphql-response\+)?json|text\/html|text\/plain)/;

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** The encoding to answer with: br if accepted, else gzip, else none (q=0 means refused). */
export function chooseEncoding(acceptEncoding: string | null | undefined): Encoding | null {
  if (!acceptEncoding) return null;
  const accepted = new Set(
    acceptEncoding
      .split(',')
      .map((part) => part.trim().toLowerCase())
      .filter((part) => !/;\s*q=0(\.0+)?$/.test(part))
      .map((part) => part.split(';')[0]?.trim()),
  );
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return null;
}

export function compress(body: Buffer, encoding: Encoding): Promise<Buffer> {
  return encoding === 'br'
    ? brotli(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } })
    : gzip(body);
}

export function addVary(current: string | null, value: string): string {
  if (!current) return value;
  return current.toLowerCase().includes(value.toLowerCase()) ? current : `${current}, ${value}`;
}

export function useCompression(): Plugin {
  return {
    async onResponse({ request, response, setResponse }) {
      const encoding = chooseEncoding(request.headers.get('accept-encoding'));
      const type = response.headers.get('content-type') ?? '';
      if (
        !encoding ||
        !response.body ||
        response.headers.has('content-encoding') ||
        // Downloads stream from Postgres chunk by chunk; buffering them to compress would not.
        response.headers.has('content-disposition') ||
        !COMPRESSIBLE.test(type)
      ) {
        return;
      }
      const body = Buffer.from(await response.arrayBuffer());
      const headers = new Headers(response.headers);
      headers.set('vary', addVary(headers.get('vary'), 'Accept-Encoding'));
      if (body.length < MIN_COMPRESS_BYTES) {
        setResponse(new Response(new Uint8Array(body), { status: response.status, headers }));
        return;
      }
      headers.set('content-encoding', encoding);
      headers.delete('content-length');
      const packed = new Uint8Array(await compress(body, encoding));
      setResponse(new Response(packed, { status: response.status, headers }));
    },
  };
}
