/**
 * The seam through which a session layer (authentication, heartbeats)
 * stands between the acceptor and the handler: `serve()` hands it every
 * socket the limits admitted, and it opens each as a connection, with the
 * peer's identity, or refuses it with a close reason of its own. The layer
 * is made by `sessions()` (src/core/session/); the server knows only these
 * types.
 *
 * @module
 */
import type { Connection } from "../connection/connection.ts";
import type { CloseReason } from "../errors.ts";
import type { Framing } from "../framing/length_prefixed.ts";
import type { Logger } from "../logger.ts";
import type { RawSocket } from "../../transport/types.ts";

/** What the acceptor gives a gate to open or refuse a socket with. */
export interface AdmissionExits {
  /**
   * Opens `socket` as a connection carrying `identity`, and starts its
   * handler. Returns the connection, for the gate to end it later (a newer
   * login of the same identity).
   */
  open(socket: RawSocket, identity: string | undefined): Connection & { abort(reason: unknown): void };
  /**
   * Ends `socket` as a connection whose handler never ran, with `reason` (in
   * its records and `closedByReason`), after writing `goodbye` (a payload,
   * framed by the server) if given.
   */
  refuse(socket: RawSocket, reason: CloseReason, error: unknown, goodbye?: Uint8Array): void;
}

/** A gate in front of the handler: it takes sockets and opens or refuses each. */
export interface Admission {
  /** Sockets still waiting: they count against `maxConnections`. */
  readonly size: number;
  /** Takes a socket the limits admitted. */
  take(socket: RawSocket, exits: AdmissionExits): void;
  /** One tick of the server's ticker (timeouts of the sockets waiting, heartbeats). */
  tick(seconds: number): void;
  /** The server shuts down: close every socket still waiting. */
  close(): void;
}

/** What the gate is built from: the server's framing and logger. */
export interface AdmissionContext {
  /** How the server's frames are cut: the gate reads its first frame with it. */
  readonly framing: Framing;
  /** Where the gate's lines go (already escaping, as every line the server writes). */
  readonly logger: Logger;
}

/**
 * Something that makes a server's gate (`sessions()` does): `serve()` asks
 * it once.
 *
 * @example A gate that opens every socket at once, with no identity
 * ```ts
 * import assert from "node:assert/strict";
 * import { type AdmissionExtension, connect, serve, silentLogger } from "spawnkit";
 * const open: AdmissionExtension = {
 *   admission: () => ({ size: 0, take: (socket, exits) => void exits.open(socket, undefined), tick() {}, close() {} }),
 * };
 * await using server = await serve({ logger: silentLogger, sessions: open }, async (conn) => {
 *   for await (const frame of conn) await conn.send(frame);
 * });
 * await using client = await connect({ port: server.addr.port });
 * await client.send(new Uint8Array([7]));
 * assert.deepEqual(await client.receive(), new Uint8Array([7]));
 * ```
 */
export interface AdmissionExtension {
  /** Builds the server's gate; asked once. */
  admission(context: AdmissionContext): Admission;
}

/** The option of `serve()` that sets a gate. */
export interface AdmissionOptions {
  /**
   * Authenticate each connection before its handler runs, and keep its link
   * alive (`sessions({ authenticate, heartbeat })`, sessions.md).
   * @default none: every admitted socket runs the handler at once
   */
  sessions?: AdmissionExtension;
}
