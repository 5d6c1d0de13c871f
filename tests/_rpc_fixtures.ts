/**
 * Helpers for the RPC tests: a server from a route table on 127.0.0.1:0 with
 * a recording logger, and a raw framed peer that sends any bytes and reads
 * decoded frames, for what a well-behaved client would never send.
 *
 * @module
 */
import type { Connection, ServeOptions, Server } from "../mod.ts";
import {
  jsonCodec,
  type RpcCodec,
  type RpcHandler,
  rpcHandler,
  type RpcHandlerOptions,
  type RpcRoutes,
} from "../src/edges/rpc/rpc.ts";
import { client, recordingLogger, startServer, text } from "./_fixtures.ts";

/** A server speaking JSON-RPC from `routes`. */
export async function rpcServer(
  routes: RpcRoutes,
  options: RpcHandlerOptions & Partial<ServeOptions> = {},
): Promise<{ server: Server; rpc: RpcHandler; logger: ReturnType<typeof recordingLogger> }> {
  const logger = recordingLogger();
  const rpc = rpcHandler(routes, { ...options, logger });
  const { server } = await startServer(rpc, { ...options, logger });
  return { server, rpc, logger };
}

/** A framed peer that sends anything and reads each frame decoded by `codec`. */
export interface RawPeer {
  readonly conn: Connection;
  /** Sends `value` encoded by the codec (a string is sent as its UTF-8 bytes, as it is). */
  send(value: unknown): Promise<void>;
  /** The next frame, decoded. */
  next(): Promise<unknown>;
  /** Sends `value`, then reads the next frame. */
  ask(value: unknown): Promise<unknown>;
  close(): void;
}

/** Connects a raw peer to `server`. */
export async function rawPeer(server: Server, codec: RpcCodec = jsonCodec): Promise<RawPeer> {
  const conn = await client(server);
  const frames = conn[Symbol.asyncIterator]();
  const peer: RawPeer = {
    conn,
    send: (value) =>
      conn.send(typeof value === "string" ? text(value) : value instanceof Uint8Array ? value : codec.encode(value)),
    async next() {
      const { done, value } = await frames.next();
      if (done) throw new Error("Cannot read: the server closed the connection");
      return codec.decode(value, 1000);
    },
    async ask(value) {
      await peer.send(value);
      return peer.next();
    },
    close: () => conn.close(),
  };
  return peer;
}

/** A promise with its resolve, for methods that wait until the test lets them go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => open = resolve);
  return { promise, open };
}
