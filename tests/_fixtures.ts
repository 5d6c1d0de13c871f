/**
 * Tiny named handlers and helpers for the integration tests (ranch's
 * echo_protocol / crash_protocol style). Everything listens on 127.0.0.1:0.
 *
 * @module
 */
import type {
  Address,
  Connection,
  ConnectionStats,
  Handler,
  Logger,
  LogProperties,
  ServeOptions,
  Server,
} from "../mod.ts";
import * as net from "node:net";
import { connect, serve } from "../mod.ts";
import { defaultTransport } from "../src/transport/select.ts";
import type { RawSocket } from "../src/transport/types.ts";

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();
export const text = (s: string): Uint8Array => encoder.encode(s);

/** Echoes every frame. */
export async function echoHandler(conn: Connection): Promise<void> {
  for await (const frame of conn) await conn.send(frame);
}

/** Echoes frames; throws on the frame "crash". */
export async function crashHandler(conn: Connection): Promise<void> {
  for await (const frame of conn) {
    if (decoder.decode(frame) === "crash") throw new Error("crash requested");
    await conn.send(frame);
  }
}

/** A logger that keeps every record, for assertions on what was logged. */
export function recordingLogger(): Logger & {
  records: Array<{ level: string; message: string; properties?: LogProperties }>;
} {
  const records: Array<{ level: string; message: string; properties?: LogProperties }> = [];
  const at = (level: string) => (message: string, properties?: LogProperties) => {
    records.push({ level, message, properties });
  };
  return { records, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A server on a free port with a recording logger and the final stats of every ended connection. */
export async function startServer<Message = unknown>(
  handler: Handler<Message>,
  options: Partial<ServeOptions<Message>> = {},
): Promise<{ server: Server<Message>; ends: ConnectionStats[]; logger: ReturnType<typeof recordingLogger> }> {
  const ends: ConnectionStats[] = [];
  const logger = recordingLogger();
  const server = await serve<Message>({
    port: 0,
    logger,
    onConnectionEnd: (stats) => void ends.push(stats),
    ...options,
  }, handler);
  return { server, ends, logger };
}

/** Connects a framed client to `server`. */
export function client(
  server: { readonly addr: Address },
  options: Partial<Parameters<typeof connect>[0]> = {},
): Promise<Connection> {
  return connect({ port: server.addr.port, logger: silent, ...options });
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A raw socket to `server`, for bytes that are not well-formed frames. */
export async function rawConnect(server: { readonly addr: Address }): Promise<RawSocket> {
  return (await defaultTransport()).connect({ hostname: "127.0.0.1", port: server.addr.port });
}

/** Reads exactly `count` frames from `conn`. */
export async function take(conn: Connection, count: number): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  if (count === 0) return frames;
  for await (const frame of conn) {
    frames.push(frame);
    if (frames.length === count) break;
  }
  return frames;
}

/**
 * Waits until `predicate` holds, checking every few milliseconds (running
 * `attempt` before each check, if given); fails after `limitMs`.
 */
export async function until(
  predicate: () => boolean,
  what: string,
  limitMs = 10_000,
  attempt?: () => Promise<void>,
): Promise<void> {
  const start = Date.now();
  while (true) {
    await attempt?.();
    if (predicate()) return;
    if (Date.now() - start > limitMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Writes `frames` to `port` over node:net, half-closes (FIN: nothing more from this side, and still reading), and
 * returns every byte the server sent until it closed.
 */
export function halfCloseExchange(port: number, frames: Uint8Array[]): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const parts: Uint8Array[] = [];
    const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true }, () => {
      for (const frame of frames) socket.write(frame);
      socket.end();
    });
    socket.on("data", (chunk: Uint8Array) => parts.push(new Uint8Array(chunk)));
    socket.on("end", () => socket.end());
    socket.on("close", () => resolve(concat(parts)));
    socket.on("error", reject);
  });
}

/** Reads from a raw socket until it ends; returns every byte. */
export async function readToEnd(socket: RawSocket): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  while (true) {
    let chunk: Uint8Array | null;
    try {
      chunk = await socket.read();
    } catch {
      break; // a reset ends the stream too
    }
    if (chunk === null) break;
    parts.push(chunk);
  }
  return concat(parts);
}

/** The bytes of `parts`, one after another. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
