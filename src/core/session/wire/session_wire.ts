/**
 * The session wire: the application's length-prefixed frames, unchanged,
 * with control records escaped behind the one length no payload needs a
 * header for, zero. sessions.md has the full spec.
 *
 * ```text
 * application frame, N > 0:   [ N: packet bytes ][ N bytes ]           as without sessions
 * empty application frame:    [ 0: packet bytes ][ 0x00 ]
 * control record:             [ 0: packet bytes ][ kind ][ body ]      body length fixed by kind
 *   0x01 PING   no body       "are you there?"; answered by a PONG, never by the handler
 *   0x02 PONG   no body
 *   0x05 HELLO  "s" "k" 0x01  the client's first bytes: this connection speaks the session wire
 *   (and ACK, BYE, RESUME, WELCOME, REJECT for resume: sessions.md)
 * ```
 *
 * The scanners here find the records in a byte stream without copying the
 * frames around them: a chunk that holds only application frames comes out
 * as itself (a subarray at most).
 *
 * @module
 */
import { type PacketSize, writeHeader } from "../../framing/length_prefixed.ts";

/** An empty application frame. */
export const EMPTY = 0x00;
/** A ping: answer with a pong. */
export const PING = 0x01;
/** The answer to a ping. */
export const PONG = 0x02;
/** The client's first record: it speaks the session wire, version 1. */
export const HELLO = 0x05;
/** Acknowledges the application bytes received so far (a 64-bit count). */
export const ACK = 0x03;
/** A clean close follows: the session ends, no resume. */
export const BYE = 0x04;
/** A client's first record on a new link: the token and the bytes it received; it wants its session back. */
export const RESUME = 0x06;
/** The server's first record to a client that can resume: a token, the bytes it received, the window, resumed. */
export const WELCOME = 0x07;
/** The server's answer to a RESUME it cannot honour; the link closes. */
export const REJECT = 0x08;
/** HELLO's body: "sk" and the version (1: heartbeats; 2: heartbeats and resume). */
export const HELLO_BODY: readonly number[] = [0x73, 0x6b, 0x01];
/** HELLO's body from a client that can resume. */
export const HELLO_RESUME_BODY: readonly number[] = [0x73, 0x6b, 0x02];
/** Bytes in a session token. */
export const TOKEN_BYTES = 16;

/** Body bytes of each known kind. */
export const BODY: Readonly<Record<number, number>> = {
  [EMPTY]: 0,
  [PING]: 0,
  [PONG]: 0,
  [ACK]: 8,
  [BYE]: 0,
  [HELLO]: HELLO_BODY.length,
  [RESUME]: TOKEN_BYTES + 8,
  [WELCOME]: TOKEN_BYTES + 8 + 4 + 1,
  [REJECT]: 0,
};

/** One control record, framed: `[0: packet bytes][kind][body]`. */
export function controlRecord(kind: number, packet: PacketSize, body: readonly number[] = []): Uint8Array {
  const bytes = new Uint8Array(packet + 1 + body.length);
  bytes[packet] = kind;
  bytes.set(body, packet + 1);
  return bytes;
}

/**
 * The error of a peer that sends a control record of an unknown kind, or a
 * HELLO with a body this version does not speak.
 */
export class SessionWireError extends Error {
  constructor(detail: string) {
    super(`Cannot read session wire: ${detail}`);
    this.name = "SessionWireError";
  }
}

const HEADER = 0, PAYLOAD = 1, KIND = 2, BODY_BYTES = 3;

/** Strips control records from incoming bytes, and reports them. */
export class InScanner {
  readonly #packet: PacketSize;
  #state = HEADER;
  #got = 0;
  #value = 0;
  #left = 0;
  #kind = 0;
  #body: number[] = [];
  /** The control kinds met by the last push, in order (HELLO's body checked already). */
  readonly controls: number[] = [];
  /** The bodies of the records in `controls`, in the same order (empty for a kind without one). */
  readonly bodies: Uint8Array[] = [];
  /** Application bytes accepted so far (records excluded): what an ACK or a RESUME says was received. */
  accepted = 0;

  constructor(packet: PacketSize) {
    this.#packet = packet;
  }

  /**
   * A new link begins: a header or record cut by the old one's end is
   * forgotten (the peer sends again from `accepted`); a payload cut goes on.
   */
  restart(): void {
    if (this.#state !== PAYLOAD) this.#state = HEADER;
    this.#got = this.#value = 0;
  }

  /**
   * The application's bytes of `chunk` (itself or a subarray when it holds no
   * record); the records met are in `controls`.
   * @throws {SessionWireError} an unknown control kind, or a bad HELLO.
   */
  push(chunk: Uint8Array): Uint8Array {
    const packet = this.#packet;
    const pieces: Uint8Array[] = [];
    this.controls.length = 0;
    this.bodies.length = 0;
    let run = 0;
    // Where the header being read began in this chunk; -1 when it began in an earlier one.
    let headerStart = this.#state === HEADER && this.#got > 0 ? -1 : 0;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      const state = this.#state;
      if (state === PAYLOAD) {
        const take = Math.min(this.#left, n - i);
        i += take;
        this.accepted += take;
        if ((this.#left -= take) === 0) this.#state = HEADER;
      } else if (state === HEADER) {
        if (this.#got === 0) headerStart = i;
        while (this.#got < packet && i < n) {
          this.#value = this.#value * 256 + chunk[i++]!;
          this.#got++;
        }
        if (this.#got < packet) break;
        const length = this.#value;
        this.#got = this.#value = 0;
        if (length === 0) {
          // Held back: a zero header is a record's, or an empty frame's, once the kind byte says which.
          if (headerStart >= 0 && headerStart > run) pieces.push(chunk.subarray(run, headerStart));
          run = i;
          this.#state = KIND;
          continue;
        }
        if (headerStart < 0) {
          // Its first bytes came in an earlier chunk and were held back: write the header whole.
          const header = new Uint8Array(packet);
          writeHeader(header, 0, length, packet);
          pieces.push(header);
          run = i;
        }
        this.#left = length;
        this.accepted += packet;
        this.#state = PAYLOAD;
      } else if (state === KIND) {
        const kind = chunk[i++]!;
        run = i;
        const body = BODY[kind];
        if (body === undefined) throw new SessionWireError(`unknown control kind ${kind}`);
        if (kind === EMPTY) {
          pieces.push(new Uint8Array(packet));
          this.accepted += packet + 1;
          this.#state = HEADER;
        } else if (body === 0) {
          this.controls.push(kind);
          this.bodies.push(NO_BODY);
          this.#state = HEADER;
        } else {
          this.#kind = kind;
          this.#body = [];
          this.#state = BODY_BYTES;
        }
      } else {
        while (this.#body.length < BODY[this.#kind]! && i < n) this.#body.push(chunk[i++]!);
        run = i;
        if (this.#body.length < BODY[this.#kind]!) break;
        if (this.#kind === HELLO) checkHello(this.#body);
        this.controls.push(this.#kind);
        this.bodies.push(new Uint8Array(this.#body));
        this.#state = HEADER;
      }
    }
    // A header cut by the chunk's end is held back until it is whole.
    const end = this.#state === HEADER && this.#got > 0 ? (headerStart >= 0 ? headerStart : run) : n;
    if (end > run) pieces.push(chunk.subarray(run, end));
    if (pieces.length === 1) return pieces[0]!;
    if (pieces.length === 0) return chunk.subarray(0, 0);
    return concat(pieces);
  }
}

const NO_BODY = new Uint8Array(0);

/**
 * Checks a HELLO's body; returns its version (1 or 2).
 * @throws {SessionWireError} not "sk" and a version this side speaks.
 */
export function checkHello(body: ArrayLike<number>): number {
  const version = body[2]!;
  if (body[0] !== HELLO_BODY[0] || body[1] !== HELLO_BODY[1] || (version !== 1 && version !== 2)) {
    throw new SessionWireError(`HELLO of an unknown version (${Array.from(body).join(",")})`);
  }
  return version;
}

/** Follows outgoing bytes frame by frame: where the boundaries are, and which empty frames need their byte. */
export class OutScanner {
  readonly #packet: PacketSize;
  #got = 0;
  #value = 0;
  #left = 0;

  constructor(packet: PacketSize) {
    this.#packet = packet;
  }

  /** True between frames: a control record may be written now. */
  get atBoundary(): boolean {
    return this.#got === 0 && this.#left === 0;
  }

  /**
   * Follows `data` (committing the state when `commit`), and returns the
   * offsets just past each empty frame's header in it: where an EMPTY byte goes.
   */
  scan(data: Uint8Array, commit: boolean): number[] {
    const packet = this.#packet;
    let got = this.#got, value = this.#value, left = this.#left;
    const empties: number[] = [];
    let i = 0;
    while (i < data.length) {
      if (left > 0) {
        const take = Math.min(left, data.length - i);
        i += take;
        left -= take;
        continue;
      }
      value = value * 256 + data[i++]!;
      if (++got < packet) continue;
      if (value === 0) empties.push(i);
      left = value;
      got = value = 0;
    }
    if (commit) {
      this.#got = got;
      this.#value = value;
      this.#left = left;
    }
    return empties;
  }
}

/** `data` with an EMPTY byte inserted at each offset of `at` (ascending). */
export function escapeEmpties(data: Uint8Array, at: readonly number[]): Uint8Array {
  const out = new Uint8Array(data.length + at.length);
  let from = 0, to = 0;
  for (const offset of at) {
    out.set(data.subarray(from, offset), to);
    to += offset - from;
    out[to++] = EMPTY;
    from = offset;
  }
  out.set(data.subarray(from), to);
  return out;
}

/** The bytes of `pieces`, one after another, in one new array (the session files' one join). */
export function concat(pieces: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const piece of pieces) total += piece.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
