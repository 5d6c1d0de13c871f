/**
 * The PROXY protocol in front of a listener (`serve({ proxyProtocol: { trusted } })`):
 * every accepted socket from a trusted proxy has its header read before the
 * socket becomes a connection, so that the handler, the per-address limit, the log and the
 * records all see the client's address, never the balancer's.
 *
 * Invariants:
 * 1. A socket waits here until its header is complete, it fails, or
 *    `timeout` seconds pass on the server's ticker; never longer, and with no
 *    timer of its own.
 * 2. Not one byte after the header is lost: the socket handed on gives them
 *    on its first read.
 * 3. Each socket leaves exactly once: handed on with the header's addresses
 *    (`admit`), or with the balancer's and a close reason (`fail`); or closed
 *    at shutdown, without a connection.
 *
 * @module
 */
import { ProxyHeaderError, type ProxyHeaderStep } from "./header.ts";
import { ProxyHeaderParser } from "./parser.ts";
import { TrustedSources } from "./trusted.ts";
import type { CloseReason } from "../../errors.ts";
import { checkNumber } from "../../options.ts";
import type { RawSocket } from "../../../transport/types.ts";
import { ReplaySocket } from "../../../transport/replay_socket.ts";

/** The default `proxyHeaderTimeout`, in seconds: the spec asks for at least 3, to cover a TCP retransmit. */
export const DEFAULT_PROXY_HEADER_TIMEOUT = 5;

/** The PROXY protocol options of `serve()`. */
export interface ProxyProtocolOptions {
  /**
   * Reads a PROXY protocol header (HAProxy's v1 or v2) before the first frame
   * of every connection, and takes the client's address from it; only from
   * the proxies in `trusted` (addresses or CIDR blocks, IPv4 and IPv6, such as
   * `["10.0.0.0/8", "127.0.0.1", "::1", "fd00::/8"]`): a connection from any
   * other source is refused at once (`untrusted-proxy-source`), before a byte
   * of it is read. `true` is a `TypeError`: trusting everyone would let any
   * client that reaches the port choose its own address. Without the option
   * such a header is frame bytes like any other. Not with `tls`: the header
   * comes before the TLS handshake, which the runtime reads first.
   * @default {false}
   */
  proxyProtocol?: false | { readonly trusted: readonly string[] };
  /** Seconds for the whole header to arrive, counted in ticks; then `bad-proxy-header`. @default {5} */
  proxyHeaderTimeout?: number;
}

/** The PROXY protocol options, checked. */
export interface ProxyPlan {
  /** Seconds a socket may take to send its whole header. */
  readonly timeout: number;
  /** Who may send one. */
  readonly trusted: TrustedSources;
}

/**
 * The checked PROXY protocol options; undefined when `proxyProtocol` is off.
 *
 * @throws {TypeError} `proxyProtocol` is `true` or not `{ trusted }`, a trusted entry is malformed, or it is on with `tls`.
 * @throws {RangeError} `proxyHeaderTimeout` is not a positive number of seconds.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { proxyPlanOf } from "./gate.ts";
 * assert.equal(proxyPlanOf({}), undefined);
 * const plan = proxyPlanOf({ proxyProtocol: { trusted: ["10.0.0.0/8"] } });
 * assert.equal(plan?.timeout, 5);
 * assert.ok(plan?.trusted.has("10.1.2.3"));
 * assert.throws(() => proxyPlanOf({ proxyProtocol: true } as never), TypeError);
 * ```
 */
export function proxyPlanOf(options: ProxyProtocolOptions & { tls?: unknown }): ProxyPlan | undefined {
  const timeout = checkNumber("proxyHeaderTimeout", options.proxyHeaderTimeout) ?? DEFAULT_PROXY_HEADER_TIMEOUT;
  const on: unknown = options.proxyProtocol;
  if (on === undefined || on === false) return undefined;
  if (on === true) {
    throw new TypeError(
      "Cannot use proxyProtocol true: name the proxies whose headers to trust, as " +
        'proxyProtocol: { trusted: ["10.0.0.0/8"] }; a header from anyone else lets a client choose its address (PP 2)',
    );
  }
  if (typeof on !== "object" || on === null || !("trusted" in on)) {
    throw new TypeError(`Cannot use proxyProtocol ${describe(on)}: must be false or { trusted: [...] }`);
  }
  const trusted = new TrustedSources((on as { trusted: readonly string[] }).trusted);
  if (options.tls !== undefined) {
    throw new TypeError("Cannot use proxyProtocol with tls: the PROXY header comes before the TLS handshake");
  }
  return { timeout, trusted };
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Where the gate hands sockets on. */
export interface ProxyGateExits {
  /** The header was read: the socket carries the client's address and gives the bytes after the header first. */
  admit(socket: RawSocket): void;
  /** No header: the socket carries the balancer's address; the connection must end with `reason`. */
  fail(socket: RawSocket, reason: CloseReason, error?: unknown): void;
}

/** One socket waiting for its header. */
class Waiting {
  readonly parser = new ProxyHeaderParser();
  bytes = 0;
  age = 0;
  constructor(readonly socket: RawSocket) {}
}

/** Sockets whose PROXY header is not read yet. */
export class ProxyGate {
  readonly #waiting = new Set<Waiting>();
  readonly #timeout: number;
  readonly #trusted: TrustedSources;
  readonly #exits: ProxyGateExits;

  constructor(plan: ProxyPlan, exits: ProxyGateExits) {
    this.#timeout = plan.timeout;
    this.#trusted = plan.trusted;
    this.#exits = exits;
  }

  /** True when the socket comes from a trusted proxy: only then is its header read (PP 2). */
  trusts(socket: RawSocket): boolean {
    return this.#trusted.has(socket.remoteAddr.hostname);
  }

  /** Sockets waiting now: they count against `maxConnections`. */
  get size(): number {
    return this.#waiting.size;
  }

  /** Starts reading the header of an accepted socket. */
  take(socket: RawSocket): void {
    const waiting = new Waiting(socket);
    this.#waiting.add(waiting);
    this.#read(waiting);
  }

  /** One tick of the server's ticker: a socket past the timeout fails. */
  tick(seconds: number): void {
    for (const waiting of this.#waiting) {
      waiting.age += seconds;
      if (waiting.age < this.#timeout) continue;
      const detail = `no complete header within ${this.#timeout} seconds (${waiting.bytes} bytes received)`;
      this.#fail(waiting, "bad-proxy-header", new ProxyHeaderError(detail));
    }
  }

  /** Closes every socket still waiting (the server shuts down). */
  close(): void {
    for (const waiting of this.#waiting) waiting.socket.close();
    this.#waiting.clear();
  }

  #read(waiting: Waiting): void {
    waiting.socket.read().then(
      (chunk) => this.#onChunk(waiting, chunk),
      (error) => this.#fail(waiting, "socket-error", error),
    );
  }

  #onChunk(waiting: Waiting, chunk: Uint8Array | null): void {
    // Timed out or closed at shutdown meanwhile: it has left already.
    if (!this.#waiting.has(waiting)) return;
    let step: ProxyHeaderStep;
    try {
      if (chunk === null) {
        waiting.parser.finish();
        // Nothing sent at all: a TCP health check, a port scan; the peer closed, as without the option.
        return this.#fail(waiting, "peer-closed");
      }
      waiting.bytes += chunk.length;
      step = waiting.parser.push(chunk);
    } catch (error) {
      return this.#fail(waiting, "bad-proxy-header", error);
    }
    if (!step.done) return this.#read(waiting);
    this.#waiting.delete(waiting);
    const headerBytes = waiting.bytes - step.rest.length;
    this.#exits.admit(
      new ReplaySocket(waiting.socket, step.rest, headerBytes, {
        remote: step.header?.source,
        local: step.header?.destination,
      }),
    );
  }

  #fail(waiting: Waiting, reason: CloseReason, error?: unknown): void {
    if (!this.#waiting.delete(waiting)) return;
    this.#exits.fail(new ReplaySocket(waiting.socket, undefined, waiting.bytes), reason, error);
  }
}
