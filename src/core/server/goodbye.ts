/**
 * The goodbye frame a refused connection gets (`goodbye`, over
 * `maxConnections` or `maxConnectionsPerAddress`), then the close. A refused
 * socket no longer counts toward any limit, so nothing may keep it open: a
 * peer that does not read (a receive window of zero) would hold it for as
 * long as it likes if the close waited for the write. The write gets a short,
 * fixed bound; then the socket is closed whether or not the peer took it.
 *
 * Invariants:
 * 1. `close()` is called exactly once, at most `GOODBYE_WAIT_MS` after the write began.
 * 2. A write the runtime takes at once (the usual case: one small frame)
 *    closes at once, with no timer left behind.
 *
 * @module
 */
import type { RawSocket } from "../../transport/types.ts";

/** Milliseconds a refused connection's goodbye may take to be written before the socket is closed anyway. */
export const GOODBYE_WAIT_MS = 1000;

/**
 * Writes `goodbye` (already framed) to `socket`, then closes it: once the
 * write settles, or after {@linkcode GOODBYE_WAIT_MS}, whichever comes first.
 *
 * @example A goodbye written to a peer that reads it, then the close
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryTransport } from "../../../mod.ts";
 * import { sayGoodbye } from "./goodbye.ts";
 * const transport = memoryTransport();
 * let serverSide: Promise<unknown> | undefined;
 * const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 }, (socket) => {
 *   serverSide = sayGoodbye(socket, new Uint8Array([0, 0, 0, 1, 33]));
 * }, () => 0);
 * const peer = await transport.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * assert.deepEqual(await peer.read(), new Uint8Array([0, 0, 0, 1, 33]));
 * await serverSide;
 * assert.equal(await peer.read(), null, "then closed");
 * listener.close();
 * ```
 */
export function sayGoodbye(socket: RawSocket, goodbye: Uint8Array): Promise<void> {
  const taken = socket.tryWrite?.(goodbye) ?? 0;
  if (taken === goodbye.length) {
    socket.close();
    return Promise.resolve();
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<void>((resolve) => timer = setTimeout(resolve, GOODBYE_WAIT_MS));
  const written = socket.write(taken > 0 ? goodbye.subarray(taken) : goodbye).catch(() => {});
  return Promise.race([written, bound]).then(() => {
    clearTimeout(timer);
    socket.close();
  });
}
