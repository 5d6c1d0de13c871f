/**
 * A fault proxy: a TCP relay on loopback between a client and a server
 * that, on command, delays, stalls (stops forwarding without closing: a dead
 * NAT entry, a phone in a tunnel), resets, or cuts a connection in the middle
 * of a frame. node:net runs on Deno, Bun and Node alike. Every fault is
 * counted, so that a test asserts on what the proxy did, not on time. The
 * tests use it, and so do the gateway's bots under `--chaos`.
 *
 * Directions: "up" is client → server, "down" is server → client.
 *
 * @module
 */
import net from "node:net";

/** Which way bytes flow: client → server ("up"), server → client ("down"), or both. */
export type Direction = "up" | "down" | "both";

/** What the proxy did, counted. */
export interface FaultCounters {
  /** Client connections accepted. */
  accepted: number;
  /** Bytes forwarded client → server. */
  bytesUp: number;
  /** Bytes forwarded server → client. */
  bytesDown: number;
  /** Chunks held back by a stall (dropped for good: a silent link loses what it swallows). */
  stalledChunks: number;
  /** Chunks forwarded late by a delay. */
  delayedChunks: number;
  /** Connections reset on command. */
  resets: number;
  /** Connections cut in the middle of a frame. */
  cuts: number;
  /** Connections silenced by `silence()`. */
  silenced: number;
}

interface Pair {
  readonly client: net.Socket;
  readonly server: net.Socket;
}

/** A running fault proxy. */
export interface FaultProxy extends AsyncDisposable {
  /** The port clients connect to. */
  readonly port: number;
  readonly counters: FaultCounters;
  /** Connection pairs open now. */
  readonly open: number;
  /** Holds every chunk back by `ms` milliseconds from now on (0: none). */
  delay(ms: number): void;
  /** Stops forwarding in `direction` without closing anything: what arrives is swallowed. */
  stall(direction?: Direction): void;
  /** Forwards again in both directions. */
  heal(): void;
  /**
   * Silences the connections open now, and only them: nothing passes either
   * way, not even a close, and connections made later forward as usual (a
   * phone whose old link died while its new one gets through). Each silenced
   * pair is destroyed `destroyAfterMs` later, as a NAT forgets an entry.
   */
  silence(destroyAfterMs: number): void;
  /** Resets every open connection (an RST to both ends). */
  reset(): void;
  /** Forwards `bytes` more in `direction` on every open connection, then resets it: a frame cut in the middle. */
  cutAfter(direction: "up" | "down", bytes: number): void;
  /** Waits until `accepted` reaches `count` (bounded by `limitMs`). */
  accepted(count: number, limitMs?: number): Promise<void>;
  close(): Promise<void>;
}

function hardClose(socket: net.Socket): void {
  // An RST where the runtime offers it (Node, Bun); otherwise a close, which is what the peer sees anyway.
  const reset = (socket as net.Socket & { resetAndDestroy?: () => void }).resetAndDestroy;
  try {
    if (typeof reset === "function") reset.call(socket);
    else socket.destroy();
  } catch {
    socket.destroy();
  }
}

/** Starts a fault proxy on 127.0.0.1 that relays to `targetPort` on `targetHost` (a loopback address). */
export async function startFaultProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<FaultProxy> {
  const counters: FaultCounters = {
    accepted: 0,
    bytesUp: 0,
    bytesDown: 0,
    stalledChunks: 0,
    delayedChunks: 0,
    resets: 0,
    cuts: 0,
    silenced: 0,
  };
  const pairs = new Set<Pair>();
  let delayMs = 0;
  const stalled = { up: false, down: false };
  const cuts = new Map<Pair, { direction: "up" | "down"; left: number }>();
  const silent = new Map<Pair, ReturnType<typeof setTimeout>>();

  const endPair = (pair: Pair, counter: "resets" | "cuts"): void => {
    if (!pairs.delete(pair)) return;
    clearTimeout(silent.get(pair));
    silent.delete(pair);
    counters[counter]++;
    hardClose(pair.client);
    hardClose(pair.server);
  };

  const relay = (pair: Pair, direction: "up" | "down", chunk: Uint8Array): void => {
    if (stalled[direction] || silent.has(pair)) {
      counters.stalledChunks++;
      return;
    }
    const forward = () => {
      if (!pairs.has(pair)) return;
      const to = direction === "up" ? pair.server : pair.client;
      const cut = cuts.get(pair);
      if (cut !== undefined && cut.direction === direction) {
        const part = chunk.subarray(0, cut.left);
        cut.left -= part.length;
        if (part.length > 0) to.write(part);
        counters[direction === "up" ? "bytesUp" : "bytesDown"] += part.length;
        if (cut.left === 0) {
          cuts.delete(pair);
          // Let the part reach the peer before the reset tears the socket down.
          to.once("drain", () => endPair(pair, "cuts"));
          if (to.writableLength === 0) endPair(pair, "cuts");
        }
        return;
      }
      counters[direction === "up" ? "bytesUp" : "bytesDown"] += chunk.length;
      to.write(chunk);
    };
    if (delayMs === 0) return forward();
    counters.delayedChunks++;
    setTimeout(forward, delayMs);
  };

  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    counters.accepted++;
    const upstream = net.connect({ host: targetHost, port: targetPort, allowHalfOpen: true });
    const pair: Pair = { client, server: upstream };
    pairs.add(pair);
    const gone = () => {
      if (!pairs.delete(pair)) return;
      clearTimeout(silent.get(pair));
      silent.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk: Uint8Array) => relay(pair, "up", new Uint8Array(chunk)));
    upstream.on("data", (chunk: Uint8Array) => relay(pair, "down", new Uint8Array(chunk)));
    // A FIN is passed on after what came before it, as TCP would: only an error or a reset tears both down.
    client.on("end", () => silent.has(pair) || upstream.end());
    upstream.on("end", () => silent.has(pair) || client.end());
    let closed = 0;
    for (const socket of [client, upstream]) {
      // A silenced pair says nothing to the other end, even of an error at this one: its timer ends both.
      socket.on("error", () => silent.has(pair) || gone());
      socket.on("close", () => ++closed === 2 && gone());
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  const close = async (): Promise<void> => {
    for (const timer of silent.values()) clearTimeout(timer);
    silent.clear();
    for (const pair of pairs) {
      pair.client.destroy();
      pair.server.destroy();
    }
    pairs.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    port,
    counters,
    get open() {
      return pairs.size;
    },
    delay(ms) {
      delayMs = ms;
    },
    stall(direction = "both") {
      if (direction !== "down") stalled.up = true;
      if (direction !== "up") stalled.down = true;
    },
    heal() {
      stalled.up = stalled.down = false;
    },
    silence(destroyAfterMs) {
      for (const pair of pairs) {
        if (silent.has(pair)) continue;
        counters.silenced++;
        silent.set(
          pair,
          setTimeout(() => pairs.has(pair) && (pair.client.destroy(), pair.server.destroy()), destroyAfterMs),
        );
      }
    },
    reset() {
      for (const pair of [...pairs]) endPair(pair, "resets");
    },
    cutAfter(direction, bytes) {
      for (const pair of pairs) cuts.set(pair, { direction, left: bytes });
    },
    async accepted(count, limitMs = 10_000) {
      const start = Date.now();
      while (counters.accepted < count) {
        if (Date.now() - start > limitMs) throw new Error(`Timed out waiting for ${count} accepted connections`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
