/**
 * The PROXY header's scanner: takes chunks of any size, holds at most the
 * header's bytes, refuses a byte that no valid header could hold at its
 * place as soon as it arrives, and hands back the bytes after the header.
 * The invariants are header.ts's; the fields are read by fields.ts.
 *
 * @module
 */
import { PROXY_V1_MAX_LENGTH, PROXY_V2_MAX_LENGTH, ProxyHeaderError, type ProxyHeaderStep } from "./header.ts";
import { ADDRESS_SIZE, FIELDS, parseV1, parseV2, V2_FIXED } from "./fields.ts";
import { hex, isDigit, isIPv6Char, printable } from "./ascii.ts";

const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
const V1_PREFIX = [0x50, 0x52, 0x4f, 0x58, 0x59, 0x20]; // "PROXY "
const V1_PROTOCOLS = ["TCP4", "TCP6", "UNKNOWN"];
const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const FAMILY_NAMES = ["AF_UNSPEC", "AF_INET", "AF_INET6", "AF_UNIX"];
const NEED_MORE: ProxyHeaderStep = Object.freeze({ done: false });
/** Held before the first byte and after the header: no memory per parser then. */
const NOTHING = new Uint8Array(0);

/**
 * Reads one PROXY header (v1 or v2) from chunks of any size.
 *
 * @example A v1 header and the first frame in one chunk
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProxyHeaderParser } from "spawnkit";
 * const wire = new TextEncoder().encode("PROXY TCP4 203.0.113.7 192.0.2.1 56324 7000\r\n\x00\x00\x00\x00");
 * const parser = new ProxyHeaderParser();
 * assert.deepEqual(parser.push(wire.subarray(0, 20)), { done: false });
 * const step = parser.push(wire.subarray(20));
 * assert.ok(step.done);
 * assert.deepEqual(step.header.source, { hostname: "203.0.113.7", port: 56324 });
 * assert.deepEqual([...step.rest], [0, 0, 0, 0]);
 * ```
 * @example A client that sends a frame first is refused at its first byte
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProxyHeaderError } from "spawnkit";
 * import { ProxyHeaderParser } from "spawnkit";
 * assert.throws(() => new ProxyHeaderParser().push(new Uint8Array([0, 0, 0, 5])), ProxyHeaderError);
 * ```
 */
export class ProxyHeaderParser {
  #buffer = NOTHING;
  #length = 0;
  #version: 0 | 1 | 2 = 0;
  /** v2: the whole header's size, once its length field is read. */
  #total = 0;
  /** v1: 4, 6 or 7 (UNKNOWN) once the protocol word is read. */
  #protocol = 0;
  #field = 0;
  #fieldLength = 0;
  #cr = false;
  #done = false;
  #failed: ProxyHeaderError | undefined;

  /** Bytes of the header received so far. */
  get received(): number {
    return this.#length;
  }

  /** Bytes of memory the parser holds: never over 16 + `PROXY_V2_MAX_LENGTH`. */
  get allocated(): number {
    return this.#buffer.length;
  }

  /**
   * Takes the next chunk of the stream.
   *
   * @throws {ProxyHeaderError} the bytes cannot be a PROXY header; every later call throws it again.
   * @throws {TypeError} the header was already read.
   */
  push(chunk: Uint8Array): ProxyHeaderStep {
    if (this.#failed !== undefined) throw this.#failed;
    if (this.#done) throw new TypeError("Cannot push: the PROXY header is already read");
    try {
      return this.#push(chunk);
    } catch (error) {
      if (error instanceof ProxyHeaderError) this.#failed = error;
      throw error;
    }
  }

  /**
   * The stream ended. Nothing happens when no byte arrived (a peer that
   * connected and closed) or the header is complete.
   *
   * @throws {ProxyHeaderError} the stream ended inside the header.
   */
  finish(): void {
    if (this.#failed !== undefined) throw this.#failed;
    if (this.#done || this.#length === 0) return;
    throw this.#failed = new ProxyHeaderError(
      `stream ended after ${this.#length} bytes of a version ${this.#version} header`,
    );
  }

  #push(chunk: Uint8Array): ProxyHeaderStep {
    let at = 0;
    while (at < chunk.length) {
      if (this.#total > 0) {
        // v2 past its fixed part: the rest is copied whole and checked once complete.
        const take = Math.min(this.#total - this.#length, chunk.length - at);
        this.#buffer.set(chunk.subarray(at, at + take), this.#length);
        this.#length += take;
        at += take;
      } else {
        const byte = chunk[at++]!;
        if (this.#version === 0) this.#start(byte);
        if (this.#version === 1 ? this.#v1Byte(byte) : this.#v2Byte(byte)) return this.#complete(chunk.subarray(at));
      }
      if (this.#total > 0 && this.#length === this.#total) return this.#complete(chunk.subarray(at));
    }
    return NEED_MORE;
  }

  #complete(rest: Uint8Array): ProxyHeaderStep {
    const header = this.#version === 2
      ? parseV2(this.#buffer)
      : this.#protocol === 7
      ? { version: 1 as const, command: "proxy" as const }
      // Every byte of a TCP4 or TCP6 line was checked to be printable ASCII.
      : parseV1(String.fromCharCode(...this.#buffer.subarray(0, this.#length - 2)));
    this.#done = true;
    this.#buffer = NOTHING;
    return { done: true, header, rest };
  }

  /** The first byte says which version it can be. */
  #start(byte: number): void {
    if (byte === V1_PREFIX[0]) {
      this.#version = 1;
      this.#buffer = new Uint8Array(PROXY_V1_MAX_LENGTH);
    } else if (byte === SIGNATURE[0]) {
      this.#version = 2;
      this.#buffer = new Uint8Array(V2_FIXED);
    } else {
      this.#length = 1; // received, and refused: nothing is held
      throw new ProxyHeaderError(`first byte ${hex(byte)} starts neither "PROXY" (v1) nor the v2 signature`);
    }
  }

  /** One byte of a v1 line; true once its CRLF is complete. */
  #v1Byte(byte: number): boolean {
    const i = this.#length;
    this.#buffer[i] = byte;
    this.#length++;
    if (this.#cr) {
      if (byte !== LF) throw new ProxyHeaderError(`CR at byte ${i - 1} is not followed by LF`);
      return true;
    }
    if (byte === LF) throw new ProxyHeaderError(`LF at byte ${i} without CR`);
    // The last byte a line may have is its LF: any other there cannot be a header.
    if (this.#length === PROXY_V1_MAX_LENGTH) {
      throw new ProxyHeaderError(`no CRLF within the first ${PROXY_V1_MAX_LENGTH} bytes`);
    }
    if (i < V1_PREFIX.length) {
      if (byte !== V1_PREFIX[i]) throw new ProxyHeaderError(`"${this.#text()}" does not start with "PROXY "`);
      return false;
    }
    if (this.#protocol === 0) return this.#v1Protocol(byte);
    if (this.#protocol === 7) {
      // "the receiver must ignore anything presented before the CRLF"
      if (byte === CR) this.#cr = true;
      return false;
    }
    const field = FIELDS[this.#field]!;
    if (byte === SP || byte === CR) {
      if (this.#fieldLength === 0) throw new ProxyHeaderError(`empty ${field}`);
      if (byte === CR && this.#field < 3) throw new ProxyHeaderError(`line ends before the ${FIELDS[this.#field + 1]}`);
      if (byte === SP && this.#field === 3) throw new ProxyHeaderError("more than four fields after the protocol");
      if (byte === CR) this.#cr = true;
      this.#field++;
      this.#fieldLength = 0;
      return false;
    }
    const port = this.#field >= 2;
    const allowed = port || this.#protocol === 4 ? isDigit(byte) || (!port && byte === 0x2e) : isIPv6Char(byte);
    const limit = port ? 5 : this.#protocol === 4 ? 15 : 45;
    if (!allowed) throw new ProxyHeaderError(`byte ${hex(byte)} in the ${field}`);
    if (++this.#fieldLength > limit) throw new ProxyHeaderError(`${field} longer than ${limit} characters`);
    return false;
  }

  /** A byte of the protocol word, or the space or CR after it. */
  #v1Protocol(byte: number): boolean {
    if (byte === SP || byte === CR) {
      const name = printable(this.#buffer, V1_PREFIX.length, this.#length - 1);
      const index = V1_PROTOCOLS.indexOf(name);
      if (index < 0) throw new ProxyHeaderError(`protocol "${name}" is not TCP4, TCP6 or UNKNOWN`);
      this.#protocol = [4, 6, 7][index]!;
      if (byte === CR && this.#protocol !== 7) throw new ProxyHeaderError(`line ends after the protocol ${name}`);
      this.#cr = byte === CR;
      return false;
    }
    // Still the start of a protocol's name? Compared byte by byte: no string per byte.
    const length = this.#length - V1_PREFIX.length;
    const alive = V1_PROTOCOLS.some((name) => {
      if (length > name.length) return false;
      for (let i = 0; i < length; i++) if (this.#buffer[V1_PREFIX.length + i] !== name.charCodeAt(i)) return false;
      return true;
    });
    if (!alive) {
      const word = printable(this.#buffer, V1_PREFIX.length, this.#length);
      throw new ProxyHeaderError(`protocol "${word}" is not TCP4, TCP6 or UNKNOWN`);
    }
    return false;
  }

  /** One byte of the v2 fixed part; true when the header ends with it (length 0). */
  #v2Byte(byte: number): boolean {
    const i = this.#length;
    this.#buffer[i] = byte;
    this.#length++;
    if (i < SIGNATURE.length) {
      if (byte !== SIGNATURE[i]) throw new ProxyHeaderError(`byte ${i} is ${hex(byte)}, not the v2 signature's`);
    } else if (i === 12) {
      if (byte >> 4 !== 2) throw new ProxyHeaderError(`version ${byte >> 4} in the v2 signature, not 2`);
      if ((byte & 0xf) > 1) throw new ProxyHeaderError(`command ${byte & 0xf} is neither LOCAL (0) nor PROXY (1)`);
    } else if (i === 13) {
      if (byte >> 4 > 3) throw new ProxyHeaderError(`address family ${byte >> 4} is not 0 to 3`);
      if ((byte & 0xf) > 2) throw new ProxyHeaderError(`transport protocol ${byte & 0xf} is not 0 to 2`);
    } else if (i === 15) return this.#v2Length();
    return false;
  }

  /** The length field is read: checked against the cap and the address block, then the buffer is sized. */
  #v2Length(): boolean {
    const fixed = this.#buffer;
    const length = (fixed[14]! << 8) | fixed[15]!;
    if (length > PROXY_V2_MAX_LENGTH) {
      throw new ProxyHeaderError(`length ${length} is over the limit of ${PROXY_V2_MAX_LENGTH} bytes`);
    }
    const family = fixed[13]! >> 4;
    const addresses = ADDRESS_SIZE[family]!;
    // A relayed connection of a known family must hold its addresses; LOCAL and UNSPEC need none.
    if ((fixed[12]! & 0xf) === 1 && (fixed[13]! & 0xf) !== 0 && length < addresses) {
      throw new ProxyHeaderError(`length ${length} is short of the ${addresses} bytes of ${FAMILY_NAMES[family]}`);
    }
    if (length === 0) return true;
    this.#total = V2_FIXED + length;
    this.#buffer = new Uint8Array(this.#total);
    this.#buffer.set(fixed);
    return false;
  }

  #text(): string {
    return printable(this.#buffer, 0, this.#length);
  }
}
