/**
 * The unit tests' fake socket: a connected pair of in-memory sockets (the
 * kit's own memory transport), and a way to wait until everything that can
 * move without a peer's read, write or close has moved.
 *
 * @module
 */
import { type MemorySocket, memoryTransport, type MemoryTransportOptions } from "../mod.ts";
import type { RawSocket } from "../src/transport/types.ts";

/** Two connected in-memory sockets: `client` is the connecting end, `server` the accepted one. */
export async function socketPair(
  options: MemoryTransportOptions = {},
): Promise<{ client: MemorySocket; server: MemorySocket }> {
  const transport = memoryTransport(options);
  let accepted: RawSocket | undefined;
  const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 }, (socket) => accepted = socket, () => 0);
  const client = await transport.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  listener.close();
  return { client, server: accepted as MemorySocket };
}

/**
 * Settles after the microtask queue has run empty. The memory transport and
 * the connection's parts move bytes in promise reactions only, so by then
 * everything that could happen without another read, write, close or tick has
 * happened: a condition, not a guess at a duration.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
