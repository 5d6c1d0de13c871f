/**
 * The gateway's game: what outlives a reload of its routes. The players of
 * this node, their positions, the tick that pushes the positions that
 * changed to each room, and the error codes the routes answer with. The
 * routes module (routes.ts) is code that can be swapped; this is the state
 * it works on, and what it imports (so that a copy of routes.ts elsewhere
 * needs one import rewritten).
 *
 * @module
 */
import type { Server } from "spawnkit";
import type { RpcHandler } from "spawnkit/rpc";

export { route, RpcError, type RpcRoutes } from "spawnkit/rpc";

/** Application error: a method that needs a login, before it. */
export const NOT_LOGGED_IN = 4001;
/** Application error: `login` on a connection that has logged in. */
export const ALREADY_LOGGED_IN = 4002;
/** Application error: `move`, `chat` or `leave` outside every room. */
export const NOT_IN_A_ROOM = 4003;
/** Application error: `whisper` to a player id that is not connected. */
export const NO_SUCH_PLAYER = 4004;

/** The game's tick: positions that changed go to their rooms every this many seconds. */
export const TICK_SECONDS = 0.1;

/** A logged-in player, kept in its connection's `context.state.player`. */
export interface Player {
  /** Its connection's id: what `whisper` names. */
  readonly id: number;
  readonly name: string;
  room: string | undefined;
  x: number;
  y: number;
  /** Moved since the last tick. */
  moved: boolean;
  /** Chats sent: the last one's `seq`. */
  chats: number;
}

/** What a whisper posts into the mailbox of the player it is for. */
export interface Whisper {
  readonly from: number;
  readonly name: string;
  readonly text: string;
}

/** The players of this node and the tick over them. */
export class Game {
  readonly players = new Map<number, Player>();
  /** The handler that pushes; set once it exists (it is built from the routes). */
  rpc: RpcHandler | undefined;
  #server: Server | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Ticks that pushed something, and the position notifications they queued. */
  ticks = 0;
  pushed = 0;
  /** The last `seq` of each room's `positions`, for the rooms this node has players in. */
  readonly #positionsSeq = new Map<string, number>();

  /** Adds a player; the tick runs while there is one. */
  add(player: Player, server: Server): void {
    this.players.set(player.id, player);
    this.#server = server;
    this.#timer ??= setInterval(() => this.tick(), TICK_SECONDS * 1000);
  }

  /** Removes a player (its connection ended); the tick stops with the last. */
  remove(id: number): void {
    this.players.delete(id);
    if (this.players.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /**
   * One tick: each room with players that moved gets one `positions`
   * notification, encoded once, numbered per room (`seq`: 1, 2, 3... for as
   * long as this node has a player in the room, so that a reader sees a gap
   * or a repeat).
   */
  tick(): void {
    const server = this.#server;
    if (server === undefined || this.rpc === undefined) return;
    const moved = new Map<string, { id: number; name: string; x: number; y: number }[]>();
    const occupied = new Set<string>();
    for (const player of this.players.values()) {
      if (player.room !== undefined) occupied.add(player.room);
      if (!player.moved || player.room === undefined) continue;
      player.moved = false;
      const list = moved.get(player.room) ?? [];
      list.push({ id: player.id, name: player.name, x: player.x, y: player.y });
      moved.set(player.room, list);
    }
    if (moved.size > 0) this.ticks++;
    // A room this node has no player in forgets its number: the map holds only rooms in use.
    for (const room of this.#positionsSeq.keys()) if (!occupied.has(room)) this.#positionsSeq.delete(room);
    for (const [room, players] of moved) {
      const seq = (this.#positionsSeq.get(room) ?? 0) + 1;
      this.#positionsSeq.set(room, seq);
      this.pushed += this.rpc.notifyRoom(server, room, "positions", { room, players, seq });
    }
  }
}
