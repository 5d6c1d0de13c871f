/**
 * A client's WebSocket as a {@linkcode RawSocket}, made from the platform's
 * global `WebSocket` (browsers, Deno, Bun, Node 22 and later): the kit's byte
 * stream over the stream subprotocol (ws_socket.ts), so that the framing,
 * the session wire and the connection floor run over it as over TCP. It
 * imports nothing a browser lacks.
 *
 * ```text
 *  message (ArrayBuffer) ──► read(): one chunk, as it is (the runtime's fresh buffer: no copy)
 *  write(bytes) ──► send() in messages of ≤ messageBytes (the runtime copies each)
 * ```
 *
 * Invariants:
 * 1. The socket opens only if the server agreed to the stream subprotocol;
 *    any other answer closes it and rejects: a door of one frame per message
 *    would read the stream's headers as payload.
 * 2. A text message ends the connection (`unsupported-data`): the stream is bytes.
 * 3. Reads cannot be paused (no browser can): past `readAheadLimit` bytes
 *    waiting for a reader the connection ends (`rate-limit`), as on the server.
 *    A client may close only with 1000 or 3000-4999 (the WebSocket standard;
 *    1003 and 1008 throw), so these close with 1000 and say why in the reason.
 * 4. `write()` settles when the runtime buffers no more than 256 KiB for the
 *    socket (`bufferedAmount`, polled: the platform has no drain event), so
 *    the outbox's water marks see a server that does not read.
 *
 * @module
 */
import { ReadQueue } from "./_read_queue.ts";
import type { Address, RawSocket } from "./types.ts";
import { STREAM_PROTOCOL } from "./ws_stream.ts";

/** How a client's WebSocket link is opened. */
export interface WebSocketLinkOptions {
  /** `ws://` or `wss://` URL of a spawnkit WebSocket door. */
  readonly url: string;
  /** Largest message sent, in bytes: at most the server's `maxFrameSize`. */
  readonly messageBytes: number;
  /** Bytes that may wait for a reader before the connection ends. */
  readonly readAheadLimit: number;
  /**
   * Milliseconds the opening handshake may take; then the socket is closed
   * and the dial rejects. Undefined: the platform's own bound.
   */
  readonly openTimeoutMs?: number;
  /** Aborting it gives up the dial: the socket is closed and the dial rejects with the reason. */
  readonly signal?: AbortSignal;
}

// A write waits while the runtime holds more than this for the socket, checked every DRAIN_POLL_MS.
const BUFFERED_BOUND = 262_144;
const DRAIN_POLL_MS = 2;
const OPEN = 1;

/** The error a stream socket ends with: `code` is the connection's close reason. */
class WsLinkError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "WebSocketError";
    this.code = code;
  }
}

/**
 * Opens a WebSocket to `options.url` asking for the stream subprotocol;
 * resolves with the socket once open and agreed.
 *
 * @throws {Error} "Cannot connect to …" when the socket does not open, or the server does not take the stream subprotocol.
 */
export function dialWebSocket(options: WebSocketLinkOptions): Promise<RawSocket> {
  const ws = new WebSocket(options.url, [STREAM_PROTOCOL]);
  ws.binaryType = "arraybuffer";
  return new Promise((resolve, reject) => {
    // A silent link (a dead NAT entry) would keep the socket opening until the platform gives up: minutes.
    const timer = options.openTimeoutMs === undefined ? undefined : setTimeout(() => {
      failed(`no answer to the handshake within ${options.openTimeoutMs} ms`);
      ws.close();
    }, options.openTimeoutMs);
    const signal = options.signal;
    const onAbort = () => {
      settle(signal!.reason);
      ws.close();
    };
    const settle = (error: unknown) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      ws.onopen = ws.onerror = ws.onclose = null;
      reject(error);
    };
    const failed = (why: string) => settle(new Error(`Cannot connect to ${options.url}: ${why}`));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    // A door that does not take the stream subprotocol fails the handshake in most clients (browsers, Bun, Node).
    ws.onerror = () => failed(`the WebSocket did not open (no server, or one that does not take ${STREAM_PROTOCOL})`);
    ws.onclose = (event) => failed(`closed while opening (${event.code})`);
    ws.onopen = () => {
      if (ws.protocol !== STREAM_PROTOCOL) {
        ws.close(1000);
        return failed(
          `the server did not take the ${STREAM_PROTOCOL} subprotocol (a spawnkit WebSocket door takes it)`,
        );
      }
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      ws.onopen = ws.onerror = ws.onclose = null;
      resolve(new WsClientSocket(ws, options));
    };
  });
}

class WsClientSocket implements RawSocket {
  readonly localAddr: Address = { hostname: "", port: 0 };
  readonly remoteAddr: Address;
  readonly #ws: WebSocket;
  readonly #options: WebSocketLinkOptions;
  readonly #reads = new ReadQueue({ pause() {}, resume() {} });
  #ended = false;
  #writer: { resolve(): void; reject(error: unknown): void } | undefined;
  #polling: ReturnType<typeof setTimeout> | undefined;

  constructor(ws: WebSocket, options: WebSocketLinkOptions) {
    this.#ws = ws;
    this.#options = options;
    const url = new URL(options.url);
    const port = url.port === "" ? (url.protocol === "wss:" ? 443 : 80) : Number(url.port);
    this.remoteAddr = { hostname: url.hostname.replace(/^\[|\]$/g, ""), port };
    ws.onmessage = (event) => this.#onMessage(event.data);
    ws.onclose = (event) =>
      this.#onEnd(event.code === 1000 || event.code === 1001 ? undefined : closeError(event.code, event.reason));
    ws.onerror = () => this.#onEnd(new WsLinkError("socket-error", "Cannot read: the WebSocket failed"));
  }

  read(): Promise<Uint8Array | null> {
    return this.#reads.read();
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#ended) return Promise.reject(new Error("Cannot write: WebSocket is closed"));
    const ws = this.#ws;
    const most = this.#options.messageBytes;
    try {
      for (let at = 0; at < data.length; at += most) ws.send(data.subarray(at, Math.min(data.length, at + most)));
    } catch (error) {
      this.#onEnd(error);
      return Promise.reject(error);
    }
    if (ws.bufferedAmount <= BUFFERED_BOUND) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#writer = { resolve, reject };
      this.#polling = setTimeout(this.#poll, DRAIN_POLL_MS);
    });
  }

  close(): void {
    if (this.#ended) return;
    this.#onEnd(undefined);
    try {
      this.#ws.close(1000);
    } catch { /* closed already */ }
  }

  #poll = (): void => {
    this.#polling = undefined;
    if (this.#ended || this.#ws.readyState !== OPEN) return;
    if (this.#ws.bufferedAmount > BUFFERED_BOUND) {
      this.#polling = setTimeout(this.#poll, DRAIN_POLL_MS);
      return;
    }
    const writer = this.#writer;
    this.#writer = undefined;
    writer?.resolve();
  };

  #onMessage(data: unknown): void {
    if (this.#ended) return;
    if (!(data instanceof ArrayBuffer)) {
      return this.#fail(new WsLinkError("unsupported-data", "Cannot read a text message: the stream is bytes"));
    }
    if (this.#reads.queuedBytes + data.byteLength > this.#options.readAheadLimit) {
      return this.#fail(
        new WsLinkError(
          "rate-limit",
          `Cannot read ahead: over ${this.#options.readAheadLimit} bytes wait for a reader`,
        ),
      );
    }
    if (data.byteLength > 0) this.#reads.push(new Uint8Array(data));
  }

  #fail(error: WsLinkError): void {
    this.#reads.clear();
    this.#onEnd(error);
    try {
      // A reason is at most 123 bytes; the messages here are ASCII.
      this.#ws.close(1000, error.message.slice(0, 120));
    } catch { /* closed already */ }
  }

  #onEnd(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#polling);
    this.#reads.end(error);
    const writer = this.#writer;
    this.#writer = undefined;
    writer?.reject(error ?? new Error("Cannot write: WebSocket is closed"));
  }
}

function closeError(code: number, reason: string): Error {
  // Quoted: the server's reason (at most 123 bytes) is the peer's text, its control characters escaped.
  const why = reason === "" ? "" : `: ${JSON.stringify(reason.slice(0, 123))}`;
  return new WsLinkError("socket-error", `Cannot read: the WebSocket closed with ${code}${why}`);
}
