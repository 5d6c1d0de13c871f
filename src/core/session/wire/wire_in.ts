/**
 * The reading half of the session wire: how a link starts (a client's HELLO
 * or RESUME, or plain bytes), then the control records taken out of what the
 * application reads. A server learns from the peer's first bytes which it is;
 * a client speaks the wire from the start.
 *
 * @module
 */
import type { PacketSize } from "../../framing/length_prefixed.ts";
import { readCount, readFirstRecord } from "./handshake.ts";
import { checkHello, concat, HELLO, InScanner, RESUME, TOKEN_BYTES } from "./session_wire.ts";

/** How a link started: plain bytes, a HELLO of a version, or a RESUME and the bytes after it. */
export type LinkStart =
  | { readonly kind: "plain" }
  | { readonly kind: "hello"; readonly version: number }
  | { readonly kind: "resume"; readonly token: Uint8Array; readonly received: number; readonly rest: Uint8Array };

/** Where the reading half reports. */
export interface WireInHost {
  /** The link's start is known (a server's only). */
  start(start: LinkStart): void;
  /** A control record came. */
  control(kind: number, body: Uint8Array): void;
}

/** What a link speaks: not known yet (a server before the first bytes), plain bytes, or the session wire. */
export type WireState = "unknown" | "plain" | "wire";

/** The reading half of one session's wire. */
export class WireIn {
  readonly #packet: PacketSize;
  readonly #host: WireInHost;
  #scanner: InScanner | null | undefined;
  #prefix: Uint8Array | undefined;

  /** A client's speaks the wire from the start; a server's waits for the peer's first bytes. */
  constructor(packet: PacketSize, client: boolean, host: WireInHost) {
    this.#packet = packet;
    this.#host = host;
    if (client) this.#scanner = new InScanner(packet);
  }

  get state(): WireState {
    return this.#scanner === undefined ? "unknown" : this.#scanner === null ? "plain" : "wire";
  }

  /** Application bytes accepted so far (0 on a plain link). */
  get accepted(): number {
    return this.#scanner?.accepted ?? 0;
  }

  /** A new link: what a header or record cut by the old one held is forgotten (the peer sends it again). */
  restart(): void {
    this.#scanner?.restart();
  }

  /**
   * The application's bytes of `chunk`; records go to the host.
   * @throws {SessionWireError} an unknown record, or a HELLO of another version.
   */
  decode(chunk: Uint8Array): Uint8Array {
    if (this.#scanner === undefined) {
      const seen = this.#prefix === undefined ? chunk : concat([this.#prefix, chunk]);
      const first = readFirstRecord(seen, this.#packet, [HELLO, RESUME]);
      this.#prefix = undefined;
      if (first.state === "more") {
        this.#prefix = seen;
        return seen.subarray(0, 0);
      }
      if (first.state === "plain") {
        this.#scanner = null;
        this.#host.start({ kind: "plain" });
        return seen;
      }
      if (first.kind === RESUME) {
        const token = first.body.subarray(0, TOKEN_BYTES);
        this.#host.start({ kind: "resume", token, received: readCount(first.body, TOKEN_BYTES), rest: first.rest });
        return seen.subarray(0, 0);
      }
      const version = checkHello(first.body);
      this.#scanner = new InScanner(this.#packet);
      this.#host.start({ kind: "hello", version });
      chunk = first.rest;
    }
    const scanner = this.#scanner;
    if (scanner === null) return chunk;
    const data = scanner.push(chunk);
    const { controls, bodies } = scanner;
    for (let i = 0; i < controls.length; i++) this.#host.control(controls[i]!, bodies[i]!);
    return data;
  }

  /**
   * At a tick: first bytes that are a HELLO's beginning and no more for a
   * whole tick are a plain peer's empty frame; returns them, to go up as they came.
   */
  settle(): Uint8Array | undefined {
    const prefix = this.#prefix;
    if (this.#scanner !== undefined || prefix === undefined) return undefined;
    this.#scanner = null;
    this.#prefix = undefined;
    this.#host.start({ kind: "plain" });
    return prefix;
  }
}
