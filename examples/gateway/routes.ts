/**
 * The gateway's routes: the code that SIGHUP reloads. It keeps no state of
 * its own (the players are the game's, a connection's login is its
 * `context.state`), so a new version takes over every open connection at
 * its next request. `version` is what the server logs when it loads it.
 *
 * It imports only ./game.ts, which re-exports what routes need.
 *
 * @module
 */
import {
  ALREADY_LOGGED_IN,
  type Game,
  NO_SUCH_PLAYER,
  NOT_IN_A_ROOM,
  NOT_LOGGED_IN,
  type Player,
  route,
  RpcError,
  type RpcRoutes,
  type Whisper,
} from "./game.ts";

/** This module's version, logged at each load and answered by `version`. */
export const version = "1";

const MAX_NAME = 32;
const MAX_TEXT = 500;

const isText = (value: unknown, max: number): value is string =>
  typeof value === "string" && value.length > 0 && value.length <= max;
const field = (params: unknown, name: string): unknown =>
  typeof params === "object" && params !== null ? (params as Record<string, unknown>)[name] : undefined;

const isLogin = (p: unknown): p is { name: string } => isText(field(p, "name"), MAX_NAME);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** At most 64 bytes of well-formed UTF-8 (a lone surrogate would not come back): join() never refuses it. */
function isRoom(room: unknown): room is string {
  if (!isText(room, 64)) return false;
  const bytes = encoder.encode(room);
  return bytes.length <= 64 && decoder.decode(bytes) === room;
}
const isJoin = (p: unknown): p is { room: string } => isRoom(field(p, "room"));
const isMove = (p: unknown): p is { x: number; y: number } =>
  Number.isFinite(field(p, "x")) && Number.isFinite(field(p, "y"));
const isChat = (p: unknown): p is { text: string } => isText(field(p, "text"), MAX_TEXT);
const isWhisper = (p: unknown): p is { to: number; text: string } => Number.isSafeInteger(field(p, "to")) && isChat(p);

/** The player of this connection, or the "not logged in" error. */
function playerOf(state: Record<string, unknown>): Player {
  const player = state.player as Player | undefined;
  if (player === undefined) throw new RpcError(NOT_LOGGED_IN, "not logged in");
  return player;
}

/** The player and the room it is in, or the error that says which is missing. */
function inRoom(state: Record<string, unknown>): Player & { room: string } {
  const player = playerOf(state);
  if (player.room === undefined) throw new RpcError(NOT_IN_A_ROOM, "not in a room");
  return player as Player & { room: string };
}

/** The route table over `game`. */
export function routes(game: Game): RpcRoutes {
  return {
    version: () => version,
    login: route(isLogin, ({ name }, { conn, server, state, signal }) => {
      if (state.player !== undefined) throw new RpcError(ALREADY_LOGGED_IN, "already logged in");
      const player: Player = { id: conn.id, name, room: undefined, x: 0, y: 0, moved: false, chats: 0 };
      state.player = player;
      game.add(player, server);
      signal.addEventListener("abort", () => game.remove(player.id), { once: true });
      return { id: conn.id, name };
    }),
    join: route(isJoin, ({ room }, { conn, server, state }) => {
      const player = playerOf(state);
      if (player.room !== undefined) server.rooms.leave(conn, player.room);
      server.rooms.join(conn, room);
      player.room = room;
      player.moved = true; // the room sees the newcomer at the next tick
      return { room, players: server.rooms.size(room) };
    }),
    move: route(isMove, ({ x, y }, { state }) => {
      const player = inRoom(state);
      player.x = x;
      player.y = y;
      player.moved = true;
      return true;
    }),
    chat: route(isChat, ({ text }, { conn, server, state }) => {
      const player = inRoom(state);
      // Numbered per sender: its readers see a gap or a repeat.
      const message = { room: player.room, from: player.id, name: player.name, text, seq: ++player.chats };
      return game.rpc!.notifyRoom(server, player.room, "chat", message, conn);
    }),
    whisper: route(isWhisper, ({ to, text }, { server, state }) => {
      const player = playerOf(state);
      const whisper: Whisper = { from: player.id, name: player.name, text };
      if (!server.post(to, whisper)) throw new RpcError(NO_SUCH_PLAYER, "no such player", { data: { to } });
      return true;
    }),
    leave: (_params, { conn, server, state }) => {
      const player: Player = inRoom(state);
      const room = player.room!;
      server.rooms.leave(conn, room);
      player.room = undefined;
      return { room };
    },
  };
}
