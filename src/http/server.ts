/**
 * The Node HTTP server the app's handler runs in, with an answer for requests Node's parser
 * refuses (a URL or headers past its 16 KiB limit, malformed HTTP).
 */
import { createServer, type RequestListener, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a refused client may go on sending (dropped) before its connection is cut. */
const LINGER_MS = 5_000;
const answered = new WeakSet<Duplex>();

/**
 * Node's own answer writes the 400 or 431 and destroys the socket at once; a client still
 * sending its oversized request then gets a reset from its kernel, which discards the answer it
 * had not read yet (ECONNRESET instead of 431). This one ends the connection after the answer
 * and reads and drops what the client still sends, for LINGER_MS at most.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A second error on a connection already answered (its end, say) only ends it.
  if (!socket.writable || error.code === 'ECONNRESET' || answered.has(socket)) {
    socket.destroy();
    return;
  }
  answered.add(socket);
  const status =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 431
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 408
        : 400;
  // The parser stops here: what follows is dropped, not parsed (or refused) again.
  socket.removeAllListeners('data');
  socket.on('data', () => {});
  socket.on('end', () => socket.destroy());
  const cut = setTimeout(() => socket.destroy(), LINGER_MS);
  cut.unref();
  socket.once('close', () => clearTimeout(cut));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
  );
}

export function createHttpServer(handle: RequestListener): Server {
  const server = createServer(handle);
  server.on('clientError', answerClientError);
  return server;
}
