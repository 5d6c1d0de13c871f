/**
 * The unit tests' fake socket: a connected pair of in-memory sockets (the
 * kit's own memory transport), a connection over one, and a way to wait until
 * everything that can move without a peer's read, write or close has moved.
 *
 * @module
 */
import { type MemorySocket, memoryTransport, type MemoryTransportOptions } from "../mod.ts";
import { type ConnectionSettings, FramedConnection } from "../src/core/connection/framed_connection.ts";
import { waterMarksOf } from "../src/core/connection/water_marks.ts";
import { framingOf } from "../src/core/framing/length_prefixed.ts";
import type { RawSocket } from "../src/transport/types.ts";

/** Where a pair is made: the transport's options, and the address the accepted end sees its peer at. */
export interface PairOptions extends MemoryTransportOptions {
  /** @default {"127.0.0.1"} */
  hostname?: string;
}

/** Two connected in-memory sockets: `client` is the connecting end, `server` the accepted one. */
export async function socketPair(options: PairOptions = {}): Promise<{ client: MemorySocket; server: MemorySocket }> {
  const transport = memoryTransport(options);
  const hostname = options.hostname ?? "127.0.0.1";
  let accepted: RawSocket | undefined;
  const listener = await transport.listen({ hostname, port: 0 }, (socket) => accepted = socket, () => 0);
  const client = await transport.connect({ hostname, port: listener.addr.port });
  listener.close();
  return { client, server: accepted as MemorySocket };
}

/** Settings of a connection with the defaults of `serve()`, changed by `more`. */
export function settingsOf(more: Partial<ConnectionSettings> = {}): ConnectionSettings {
  return { framing: framingOf(), waterMarks: waterMarksOf({}), mailboxCapacity: 16, ...more };
}

/** A connection over the accepted end of a fresh pair; `peer` is the other end. */
export async function framedConnection(
  id: number,
  settings: Partial<ConnectionSettings> = {},
  pair: PairOptions = {},
): Promise<{ conn: FramedConnection; peer: MemorySocket }> {
  const { client, server } = await socketPair(pair);
  return { conn: new FramedConnection(server, settingsOf(settings), id), peer: client };
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
