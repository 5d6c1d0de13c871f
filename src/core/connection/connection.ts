/**
 * The connection a handler holds: the public interface of one connection, the
 * same on the server (handed to the handler by `serve()`) and on the client
 * (returned by `connect()`). The class behind it is the kit's own; what the
 * server needs of it beyond this interface is not part of the API. In a cluster,
 * a connection served by another node is a {@linkcode RemoteConnection}: its
 * send half only.
 *
 * The path of one frame, from the socket's read to the handler and back to
 * the socket's write, as Netty draws its ChannelPipeline (files under
 * src/core/; F1 to F7 mark the flush points, all decided in
 * connection/flush_policy.ts, which says when each one comes):
 *
 * ```text
 * ┌──────────────────────────────────── handler ─────────────────────────────────────┐
 * │ for await · receive() · batches() · events() · callbacks · readable              │
 * │ (connection/handler_driver.ts, reader_faces.ts, events.ts, callbacks.ts)         │
 * │                                   send() · sendOwned() · broadcast · flush(): F6 │
 * └───────────────▲─────────────────────────────────────────────┬────────────────────┘
 *    take(): F1   │ frames of one read,                         │
 *    when none is │ posted messages, ticks                      │
 *    queued       │                                             ▼
 * ┌───────────────┴────────────────────┐   ┌─────────────────────────────────────────┐
 * │ Inbox          connection/inbox.ts │   │ Sender              connection/sender.ts│
 * │ one queue in arrival order, the    │   │ water marks: past the high mark F2;     │
 * │ mailbox (mailbox.ts), the rate     │   │ sent while no event is handled F3,      │
 * │ budget (rate_limit.ts)             │   │ while one is F4; waiting for room F5    │
 * └───────────────▲────────────────────┘   └────────────────────┬────────────────────┘
 *                 │ whole frames, as views                      │ copied, or where it was
 * ┌───────────────┴────────────────────┐  framedIn()            │ read (an owned send)
 * │ FrameDecoder                       │ ──────────────────────▶▼
 * │ framing/frame_decoder.ts           │   ┌─────────────────────────────────────────┐
 * └───────────────▲────────────────────┘   │ Outbox              connection/outbox.ts│
 *                 │ a chunk: read only     │ fill buffers, owned runs; one write     │
 *                 │ when the loop waits    │ pending at most; the ticker F7          │
 * ┌───────────────┴────────────────────┐   └────────────────────┬────────────────────┘
 * │ RawSocket.read()    src/transport/ │  tryWrite(), write()   │
 * └────────────────────────────────────┘ ◀──────────────────────┘
 * ```
 *
 * Frames handed to callbacks and `batches()` are lent: as the next read
 * starts, their lifetime ends and the read buffer is handed back to the
 * socket to read into again, unless a write still reads it
 * (connection/read_loans.ts).
 *
 * @module
 */
import type { ConnectionEvent } from "./events.ts";
import type { ConnectionStats } from "../stats.ts";
import type { Address } from "../../transport/types.ts";

/**
 * A live connection. Iterate it for frames (`for await (const frame of
 * conn)`); `send()` replies; `events()` gives frames, posted messages of type
 * `Message` and ticks in one stream, for a handler in the Erlang receive-loop
 * shape; `receive()` reads one frame.
 *
 * One loop reads a connection at a time: frames handed out by one loop are not
 * seen by another.
 *
 * @example An echo handler
 * ```ts
 * import type { Connection } from "spawnkit";
 * async function echo(conn: Connection) {
 *   for await (const frame of conn) await conn.send(frame);
 * }
 * ```
 */
export interface Connection<Message = unknown> extends AsyncIterable<Uint8Array>, AsyncDisposable {
  /** Unique within its server (a client's ids count up within its process). */
  readonly id: number;
  /** The peer's address. */
  readonly remoteAddr: Address;
  /** The local address. */
  readonly localAddr: Address;
  /** Who the peer is, as the server's `authenticate` named it (sessions.md); undefined without authentication. */
  readonly identity?: string;
  /** Settles with the final stats once the connection is gone. */
  readonly finished: Promise<ConnectionStats>;
  /** Aborted when the connection must end (the peer, a guard, `close()`), or when the server's shutdown begins. */
  readonly signal: AbortSignal;
  /** The connection's figures now (final once `finished` settled). */
  readonly stats: ConnectionStats;
  /** True once the connection is ending: no more input; sends are refused once it has closed. */
  readonly closing: boolean;
  /**
   * Queues one frame. Settles at once while the outbox is under its
   * high-water mark; above it, waits until the peer has read enough. The
   * payload is copied into the outbox, except a frame larger than the mark
   * that is either a frame of this connection's latest read (written from the
   * read buffer, header and all) or larger than half of `maxFrameSize`
   * (written from the payload itself): such a frame goes alone once the
   * outbox is empty, and its send settles when the runtime took it; until
   * then, keep it unchanged.
   *
   * @throws {FrameTooLargeError} the payload is over `maxFrameSize` or the header's capacity; nothing is sent.
   * @throws {ConnectionClosedError} the connection has ended.
   */
  send(payload: Uint8Array): Promise<void>;
  /**
   * Queues one frame whose bytes the caller hands over, rather than copying
   * them: for echoing or forwarding frames this connection received. A frame
   * the connection handed out (whole, from its latest read) has its header in
   * front of it in the read buffer: it goes out from there, with no copy, and
   * frames that lie one after another go out as one piece; an echo of a whole
   * read writes the bytes as they came. Any other payload goes as with
   * `send()`. Settles as `send()` does.
   *
   * The payload's bytes are the kit's until a later `flush()` has settled:
   * do not change them before (reading them is fine).
   *
   * @throws {FrameTooLargeError} the payload is over `maxFrameSize` or the header's capacity; nothing is sent.
   * @throws {ConnectionClosedError} the connection has ended.
   */
  sendOwned(payload: Uint8Array): Promise<void>;
  /** Writes everything queued now; settles when the runtime has taken it. */
  flush(): Promise<void>;
  /**
   * The next frame, or undefined once input has ended: one frame at a time,
   * for clients and tests. Replies sent after it are flushed at the end of
   * the microtask run, as from outside a loop.
   */
  receive(): Promise<Uint8Array | undefined>;
  /**
   * Ends the connection gracefully: no more input, queued replies are
   * written, then the socket closes. Frames already received can still be read.
   */
  close(): void;
  /**
   * The frames of each read at once, one array per read (the caller's), in
   * arrival order: `for await (const frames of conn.batches())`. One promise
   * per read instead of one per frame, with the same guarantees as iterating
   * the connection: the socket is read only when the loop asks for the next
   * batch, and that is the outbox's flush point. A posted message met on the
   * way goes to the server's `onMessage`, as for the frame loop.
   */
  batches(): AsyncIterableIterator<Uint8Array[]>;
  /**
   * Frames, posted messages and (with `ticks: true`) the server's ticks in
   * one stream, in arrival order: the Erlang receive-loop shape, where state is
   * touched by one event at a time.
   */
  events(options?: { ticks?: boolean }): AsyncGenerator<ConnectionEvent<Message>, void, undefined>;
  /**
   * The frames as a web ReadableStream, made on first use: for
   * `pipeThrough()` and `pipeTo()`. Pull-based, as a loop: the stream pulls
   * only when a reader asks and its queue is empty (`highWaterMark` 0); a pull
   * takes the frames of one read already queued, or reads the socket when none
   * is, so a pipe into a slow sink stops reading the socket. Frames handed out stay valid. It closes when input
   * ends, whatever the reason (as a loop ends: the reason is in `stats` and
   * `signal`), and messages met on the way go to the server's `onMessage`.
   * Cancelling it ends input: with a reason, the connection's error and its
   * close reason (`"aborted"`, or the reason's `code` when it names one);
   * without one, as `"closed"`.
   *
   * A connection has one reader: once it is read in a loop (`for await`,
   * `receive()`, `events()`, `batches()`) or by callbacks, `readable` throws,
   * and once `readable` was taken, those throw (a TypeError, as for a locked
   * stream).
   *
   * @throws {TypeError} a loop reads the connection.
   *
   * @example An echo server in one line, a client through both faces
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect, serve, silentLogger } from "../../../mod.ts";
   * await using server = await serve({ logger: silentLogger }, (conn) => conn.readable.pipeTo(conn.writable));
   * const client = await connect({ port: server.addr.port });
   * const writer = client.writable.getWriter();
   * await writer.write(new TextEncoder().encode("ping"));
   * await writer.close(); // the server reads the end of input, echoes, and closes
   * const replies = [];
   * for await (const frame of client.readable) replies.push(new TextDecoder().decode(frame));
   * assert.deepEqual(replies, ["ping"]);
   * ```
   */
  readonly readable: ReadableStream<Uint8Array>;
  /**
   * Frames to send, as a web WritableStream, made on first use. Each write is
   * a `send()`: its backpressure is the outbox's water marks (`writer.ready`
   * waits while a send waits above the high-water mark), and writes keep one
   * order with `send()`: frames go in the order they reach the connection (a
   * write reaches it when the stream hands it on, at once unless an earlier
   * write waits), and a `send()` made while a write waits queues behind it.
   * Closing it writes what is queued, then ends the write side (the peer reads
   * the end of input; this side goes on reading until the peer closes), and
   * later sends are refused. Aborting it closes the connection at once,
   * dropping what is queued, with the abort's reason.
   *
   * @example Backpressure: writer.ready waits while the outbox is over its mark
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect, serve, silentLogger } from "../../../mod.ts";
   * await using server = await serve({ logger: silentLogger }, async (conn) => {
   *   for await (const frame of conn) await conn.send(frame);
   * });
   * await using client = await connect({ port: server.addr.port });
   * const writer = client.writable.getWriter();
   * for (let i = 0; i < 3; i++) {
   *   await writer.ready;
   *   await writer.write(new Uint8Array([i]));
   * }
   * assert.deepEqual([...(await client.receive())!], [0]);
   * ```
   */
  readonly writable: WritableStream<Uint8Array>;
  /**
   * Frames, in arrival order. A posted message met on the way goes to the
   * server's `onMessage`; without one, it is dropped and counted in
   * `messagesDropped`, and later posts are refused.
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array>;
}

/**
 * A connection served by another node of a cluster, as `server.get(id)` and
 * `server.connections()` give it: like an Erlang pid on another node,
 * something to send to and to close, not to read. Its frames, handler and
 * most figures stay on its own node. Tell it from a {@linkcode Connection}
 * by its `node`: `"node" in conn`.
 *
 * @example Send to every connection, wherever it is served; read only this node's
 * ```ts
 * import type { Connection, RemoteConnection } from "spawnkit";
 * function greet(conn: Connection | RemoteConnection): Promise<void> {
 *   if ("node" in conn) return conn.send(new TextEncoder().encode(`hello from node ${conn.node}'s peer`));
 *   return conn.send(new TextEncoder().encode("hello"));
 * }
 * ```
 */
export interface RemoteConnection
  extends
    Pick<Connection, "id" | "remoteAddr" | "localAddr" | "finished" | "signal" | "closing" | "close" | "writable">,
    AsyncDisposable {
  /** The node that serves it (its id carries it too: `nodeOfConnection(id)`). */
  readonly node: number;
  /** What this node knows: addresses, opening time, the frames it sent there; the rest stays on its node. */
  readonly stats: ConnectionStats;
  /**
   * Sends a frame through the bus to its node, in order with this node's
   * other sends and posts to it. Settles once the bus took it: a remote
   * outbox's backpressure does not reach across. A frame the bus dropped is
   * counted in `stats.framesDropped`.
   * @throws {FrameTooLargeError} (as a rejection) the payload is over the limit.
   * @throws {ConnectionClosedError} (as a rejection) it has ended.
   */
  send(payload: Uint8Array): Promise<void>;
  /** As `send()`: the payload crosses the bus as a copy anyway. */
  sendOwned(payload: Uint8Array): Promise<void>;
  /** Settles at once: what was sent is on the bus already. */
  flush(): Promise<void>;
}
