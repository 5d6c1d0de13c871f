/**
 * WebSocket test clients: the runtime's own `WebSocket` (Deno, Bun and Node
 * 22+ have one), and raw upgrade requests over node:net for what no
 * well-behaved client sends.
 *
 * @module
 */
import { connect as netConnect } from "node:net";

/** What a client saw: a binary message, a text one, or the close. */
export type WsEvent =
  | { type: "message"; data: Uint8Array }
  | { type: "text"; data: string }
  | { type: "close"; code: number; reason: string };

/** A WebSocket client whose events are awaited in order. */
export interface WsClient {
  readonly ws: WebSocket;
  /** The next event (waits for it). */
  next(): Promise<WsEvent>;
  /** The next binary message; fails on anything else. */
  message(): Promise<Uint8Array>;
  /** Waits for the close, skipping messages. */
  closed(): Promise<{ code: number; reason: string }>;
  send(data: Uint8Array | string): void;
  close(): void;
}

/** Opens a WebSocket and waits until it is open. */
export async function wsOpen(url: string, protocols?: string | string[]): Promise<WsClient> {
  const ws = new WebSocket(url, protocols);
  ws.binaryType = "arraybuffer";
  const events: WsEvent[] = [];
  const waiters: Array<(event: WsEvent) => void> = [];
  const push = (event: WsEvent) => {
    const waiter = waiters.shift();
    if (waiter !== undefined) waiter(event);
    else events.push(event);
  };
  ws.onmessage = (event) => {
    const data = event.data;
    push(typeof data === "string" ? { type: "text", data } : { type: "message", data: new Uint8Array(data) });
  };
  ws.onclose = (event) => push({ type: "close", code: event.code, reason: event.reason });
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`Cannot open ${url}`));
  });
  const next = (): Promise<WsEvent> => {
    const event = events.shift();
    if (event !== undefined) return Promise.resolve(event);
    return new Promise((resolve) => waiters.push(resolve));
  };
  return {
    ws,
    next,
    async message() {
      const event = await next();
      if (event.type !== "message") throw new Error(`Expected a binary message, got ${JSON.stringify(event)}`);
      return event.data;
    },
    async closed() {
      while (true) {
        const event = await next();
        if (event.type === "close") return event;
      }
    },
    send: (data) => ws.send(data),
    close: () => ws.close(),
  };
}

/** A well-formed upgrade request's lines, to take from or add to. */
export function upgradeLines(port: number, path = "/", extra: string[] = []): string[] {
  return [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    ...extra,
  ];
}

/**
 * Sends `request` (raw bytes) to `port`, then `after` once the server answered 101 (if given), and returns every
 * byte the server sent until it closed (or `limitMs` passed: then `timedOut`); for a refusal, its head.
 */
export function rawExchange(
  port: number,
  request: string | Uint8Array,
  options: { after?: Uint8Array; limitMs?: number; keepOpen?: boolean } = {},
): Promise<{ text: string; bytes: Uint8Array; timedOut: boolean }> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: "127.0.0.1", port });
    const chunks: Uint8Array[] = [];
    let sentAfter = false;
    const finish = (timedOut: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const chunk of chunks) bytes.set(chunk, (at += chunk.length) - chunk.length);
      resolve({ text: new TextDecoder().decode(bytes), bytes, timedOut });
    };
    const timer = setTimeout(() => finish(true), options.limitMs ?? 10_000);
    socket.on("data", (chunk: Uint8Array) => {
      chunks.push(new Uint8Array(chunk));
      // A refusal is all its head says (a runtime may keep the connection open for another request).
      const head = new TextDecoder().decode(chunks[0]);
      if (head.includes("\r\n\r\n") && !head.startsWith("HTTP/1.1 101")) return finish(false);
      if (!sentAfter && options.after !== undefined && new TextDecoder().decode(chunk).includes("\r\n\r\n")) {
        sentAfter = true;
        socket.write(options.after);
      }
    });
    socket.on("close", () => finish(false));
    socket.on("error", () => {});
    socket.write(request);
  });
}

/** One masked client frame (RFC 6455 5.2) with this opcode and payload (under 126 bytes), or unmasked. */
export function clientFrame(opcode: number, payload: Uint8Array, masked = true): Uint8Array {
  const frame = new Uint8Array(2 + (masked ? 4 : 0) + payload.length);
  frame[0] = 0x80 | opcode;
  frame[1] = (masked ? 0x80 : 0) | payload.length;
  const key = [1, 2, 3, 4];
  if (masked) frame.set(key, 2);
  for (let i = 0; i < payload.length; i++) frame[2 + (masked ? 4 : 0) + i] = payload[i]! ^ (masked ? key[i % 4]! : 0);
  return frame;
}

/** The close code in the first close frame of server bytes after the 101 response, if any. */
export function closeCodeIn(bytes: Uint8Array): number | undefined {
  const text = new TextDecoder("latin1").decode(bytes);
  let at = text.indexOf("\r\n\r\n");
  if (at < 0) return undefined;
  at += 4;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at]! & 0x0f;
    let length = bytes[at + 1]! & 0x7f;
    let head = 2;
    if (length === 126) {
      length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
      head = 4;
    } else if (length === 127) return undefined;
    if (opcode === 8) return length >= 2 ? (bytes[at + head]! << 8) | bytes[at + head + 1]! : 1005;
    at += head + length;
  }
  return undefined;
}
