/**
 * What the two runtimes whose WebSocket servers speak the Fetch API (Deno.serve,
 * Bun.serve) share at the upgrade: the answer to a refused upgrade, and the
 * size of a request's headers as the wire carried them.
 *
 * @module
 */

/** A refused upgrade; a 426 names the version this server speaks (RFC 6455 4.4). */
export function refusal(status: number, reason: string): Response {
  // Closed after the answer: a refused client gets no second try on the same connection.
  const headers: Record<string, string> = { Connection: "close" };
  if (status === 426) headers["Sec-WebSocket-Version"] = "13";
  return new Response(reason, { status, headers });
}

/** The bytes of `headers` on the wire: each `name: value\r\n`. */
export function headerBytes(headers: Headers): number {
  let bytes = 0;
  for (const [name, value] of headers) bytes += name.length + value.length + 4;
  return bytes;
}
