/** Liveness: the process answers. */
export function health(): Response {
  return Response.json({ status: 'ok' });
}
