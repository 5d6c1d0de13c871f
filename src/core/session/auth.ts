/**
 * The authentication step's types: the hook that names the peer from its
 * first frame, what it is told about the socket, and how it refuses.
 *
 * @module
 */
import type { Address } from "../../transport/types.ts";

/** The default `authTimeout`, in seconds: from the accept to the hook's answer. */
export const DEFAULT_AUTH_TIMEOUT = 10;

/** The longest identity the hook may return, in characters: it goes into logs and records. */
export const MAX_IDENTITY_LENGTH = 256;

/** What the authentication hook knows of the socket besides its first frame. */
export interface AuthInfo {
  /** The peer's address (the client's, behind a trusted PROXY header). */
  readonly remoteAddr: Address;
  /** The local end. */
  readonly localAddr: Address;
  /** Aborted when the answer is no longer wanted: `authTimeout` passed, or the server shuts down. */
  readonly signal: AbortSignal;
}

/**
 * A refusal the authentication hook returns: `reason` goes into the log and
 * the connection's record (as the detail of its `unauthenticated` close);
 * `goodbye`, if given, is the payload of one frame written to the peer before
 * the close.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AuthRefusal } from "spawnkit";
 * const no = new AuthRefusal("bad token", new TextEncoder().encode("bye"));
 * assert.equal(no.reason, "bad token");
 * ```
 */
export class AuthRefusal {
  /** Why, in words (escaped in the log). */
  readonly reason: string;
  /** The payload of a last frame to the peer, if any. */
  readonly goodbye: Uint8Array | undefined;

  /** Builds the refusal. */
  constructor(reason: string, goodbye?: Uint8Array) {
    this.reason = reason;
    this.goodbye = goodbye;
  }
}

/**
 * The authentication hook: given the connection's first frame (consumed: the
 * handler never sees it), returns the peer's identity (a non-empty string of
 * at most {@linkcode MAX_IDENTITY_LENGTH} characters) or an
 * {@linkcode AuthRefusal}. A hook that throws, returns anything else, or has
 * not answered within `authTimeout` refuses too.
 *
 * @example A token table
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Authenticate, AuthRefusal } from "spawnkit";
 * const tokens = new Map([["s3cret", "alice"]]);
 * const authenticate: Authenticate = (frame) =>
 *   tokens.get(new TextDecoder().decode(frame)) ?? new AuthRefusal("unknown token");
 * const info = { remoteAddr: { hostname: "127.0.0.1", port: 1 }, localAddr: { hostname: "127.0.0.1", port: 2 }, signal: new AbortController().signal };
 * assert.equal(await authenticate(new TextEncoder().encode("s3cret"), info), "alice");
 * ```
 */
export type Authenticate = (
  firstFrame: Uint8Array,
  info: AuthInfo,
) => string | AuthRefusal | Promise<string | AuthRefusal>;
