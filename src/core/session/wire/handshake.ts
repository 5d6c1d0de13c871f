/**
 * The records that open a link of the session wire (HELLO, RESUME, WELCOME,
 * REJECT) and the ACK: building their bodies, and reading the first record
 * of a link apart from the stream after it (on a resumed link the stream may
 * go on in the middle of a frame, so the first record is read on its own).
 * And session tokens: 16 random bytes from `crypto.getRandomValues`.
 *
 * @module
 */
import type { PacketSize } from "../../framing/length_prefixed.ts";
import { BODY, controlRecord, TOKEN_BYTES } from "./session_wire.ts";

/** A new session token: unguessable, 128 bits. */
export function newToken(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(TOKEN_BYTES));
}

/** A token as a map key. */
export function tokenKey(token: Uint8Array): string {
  let key = "";
  for (const byte of token) key += byte.toString(16).padStart(2, "0");
  return key;
}

function putCount(body: Uint8Array, at: number, count: number): void {
  const view = new DataView(body.buffer, body.byteOffset);
  view.setUint32(at, Math.floor(count / 2 ** 32));
  view.setUint32(at + 4, count >>> 0);
}

/** Reads a 64-bit count written by {@linkcode putCount} (exact up to 2^53). */
export function readCount(body: Uint8Array, at: number): number {
  const view = new DataView(body.buffer, body.byteOffset);
  return view.getUint32(at) * 2 ** 32 + view.getUint32(at + 4);
}

/** An ACK record: `received` application bytes. */
export function ackRecord(received: number, packet: PacketSize): Uint8Array {
  const body = new Uint8Array(8);
  putCount(body, 0, received);
  return controlRecord(0x03, packet, Array.from(body));
}

/** A RESUME record: the token, and the application bytes the client received. */
export function resumeRecord(token: Uint8Array, received: number, packet: PacketSize): Uint8Array {
  const body = new Uint8Array(TOKEN_BYTES + 8);
  body.set(token);
  putCount(body, TOKEN_BYTES, received);
  return controlRecord(0x06, packet, Array.from(body));
}

/** What a WELCOME says. */
export interface Welcome {
  readonly token: Uint8Array;
  /** Application bytes the server received. */
  readonly received: number;
  /** The resume window, in milliseconds (0: this server does not resume). */
  readonly windowMs: number;
  readonly resumed: boolean;
}

/** A WELCOME record. */
export function welcomeRecord(welcome: Welcome, packet: PacketSize): Uint8Array {
  const body = new Uint8Array(BODY[0x07]!);
  body.set(welcome.token);
  putCount(body, TOKEN_BYTES, welcome.received);
  new DataView(body.buffer).setUint32(TOKEN_BYTES + 8, Math.min(welcome.windowMs, 0xffff_ffff));
  body[TOKEN_BYTES + 12] = welcome.resumed ? 1 : 0;
  return controlRecord(0x07, packet, Array.from(body));
}

/** Reads a WELCOME's body. */
export function readWelcome(body: Uint8Array): Welcome {
  return {
    token: body.slice(0, TOKEN_BYTES),
    received: readCount(body, TOKEN_BYTES),
    windowMs: new DataView(body.buffer, body.byteOffset).getUint32(TOKEN_BYTES + 8),
    resumed: body[TOKEN_BYTES + 12] === 1,
  };
}

/** The first record of a link, read apart: not one (plain bytes), not whole yet, or the record and what follows. */
export type FirstRecord =
  | { readonly state: "plain" }
  | { readonly state: "more" }
  | { readonly state: "record"; readonly kind: number; readonly body: Uint8Array; readonly rest: Uint8Array };

/** Reads the record at the start of `bytes`, if they start with one of `kinds`. */
export function readFirstRecord(bytes: Uint8Array, packet: PacketSize, kinds: readonly number[]): FirstRecord {
  for (let i = 0; i < Math.min(packet, bytes.length); i++) if (bytes[i] !== 0) return { state: "plain" };
  if (bytes.length <= packet) return { state: "more" };
  const kind = bytes[packet]!;
  if (!kinds.includes(kind)) return { state: "plain" };
  const end = packet + 1 + BODY[kind]!;
  if (bytes.length < end) return { state: "more" };
  return { state: "record", kind, body: bytes.slice(packet + 1, end), rest: bytes.subarray(end) };
}
