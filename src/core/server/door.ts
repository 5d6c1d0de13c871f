/**
 * A door: a listener besides the server's own TCP port whose sockets join the
 * same server (the same registry, rooms, guards and handler). The WebSocket
 * listener of `spawnkit/websocket` is one. A door's sockets skip the PROXY
 * gate (a door finds its client's address its own way) and go straight to
 * the limits; they are counted, logged and closed as any other.
 *
 * @module
 */
import type { Logger } from "../logger.ts";
import type { Framing } from "../framing/length_prefixed.ts";
import type { Listener, RawSocket } from "../../transport/types.ts";

/** What a server tells a door when it opens it. */
export interface DoorContext {
  /** Header size of the server's framing: what its sockets' bytes carry. */
  readonly packet: 1 | 2 | 4;
  /** The server's largest frame, in bytes. */
  readonly maxFrameSize: number;
  /** The server's logger (it escapes a peer's control characters). */
  readonly logger: Logger;
}

/** A door's listener; `drained()`, if given, is awaited at the end of a shutdown (the door bounds it). */
export interface DoorListener extends Listener {
  /** Settles when the door's sockets have said goodbye their own way (a WebSocket's close frame). */
  drained?(): Promise<void>;
}

/**
 * A listener a server opens beside its own (`serve({ doors })`).
 *
 * @example A door that lets no one in
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Door, serve, silentLogger } from "spawnkit";
 * let opened = 0;
 * const door: Door = {
 *   name: "nobody",
 *   listen: () => {
 *     opened++;
 *     return Promise.resolve({ addr: { hostname: "127.0.0.1", port: 0 }, close() {} });
 *   },
 * };
 * await using server = await serve({ logger: silentLogger, doors: [door] }, () => {});
 * assert.equal(opened, 1);
 * ```
 */
export interface Door {
  /** Its name, for logs ("websocket"). */
  readonly name: string;
  /**
   * Binds and starts accepting; calls `onSocket` for every socket whose
   * bytes are the server's frames, `onError` for an accept error (it returns
   * milliseconds to wait, as a transport's).
   */
  listen(
    context: DoorContext,
    onSocket: (socket: RawSocket) => void,
    onError: (error: unknown) => number,
  ): Promise<DoorListener>;
}

/**
 * Opens every door; if one fails, closes those already open and throws.
 *
 * @throws {TypeError} a door with a server whose framing is not length-prefixed.
 */
export async function openDoors(
  doors: readonly Door[] | undefined,
  framing: Framing,
  logger: Logger,
  onSocket: (socket: RawSocket) => void,
  onError: (error: unknown) => number,
): Promise<DoorListener[]> {
  if (doors === undefined || doors.length === 0) return [];
  if (framing.format !== undefined) {
    throw new TypeError(
      `Cannot open a door with framing ${framing.format.name}: a door carries length-prefixed frames only`,
    );
  }
  const open: DoorListener[] = [];
  try {
    for (const door of doors) {
      open.push(
        await door.listen({ packet: framing.packet, maxFrameSize: framing.maxFrameSize, logger }, onSocket, onError),
      );
    }
  } catch (error) {
    for (const listener of open) listener.close();
    throw error;
  }
  return open;
}
