/**
 * The RPC client over a reconnecting connection (`connect({ reconnect })`):
 * it logs in and rejoins after the server restarts, calls in flight at a loss
 * reject with RpcConnectionLostError, calls made while disconnected wait
 * within their timeout (and are never sent once given up on) or fail at once.
 */
import assert from "node:assert/strict";
import {
  connect,
  type Connection,
  DisconnectedError,
  memoryTransport,
  ReconnectFailedError,
  type ReconnectingConnection,
  type ReconnectOptions,
  serve,
  type Server,
  silentLogger,
  type Transport,
} from "../mod.ts";
import {
  type RpcClient,
  rpcClient,
  RpcConnectionLostError,
  type RpcContext,
  RpcError,
  rpcHandler,
  RpcTimeoutError,
} from "../src/edges/rpc/rpc.ts";
import { test } from "./_harness.ts";
import { until } from "./_fixtures.ts";

/** A small game server's state: who is logged in on which connection, and who is in which room. */
class Lobby {
  readonly names = new Map<number, string>();
  readonly rooms = new Map<string, Set<number>>();
  readonly calls: string[] = [];
  bumps = 0;

  routes() {
    const named = (conn: Connection) => {
      const name = this.names.get(conn.id);
      if (name === undefined) throw new RpcError(4001, "not logged in");
      return name;
    };
    return {
      login: ([name]: [string], { conn }: RpcContext) => {
        this.calls.push(`login ${name}`);
        this.names.set(conn.id, name);
        // Leaves every room when its connection ends, whatever the reason.
        conn.finished.then(() => {
          this.names.delete(conn.id);
          for (const members of this.rooms.values()) members.delete(conn.id);
        });
        return true;
      },
      join: ([room]: [string], { conn }: RpcContext) => {
        this.calls.push(`join ${named(conn)} ${room}`);
        this.rooms.set(room, (this.rooms.get(room) ?? new Set()).add(conn.id));
        return true;
      },
      say: ([words]: [string], { conn }: RpcContext) => {
        this.calls.push(`say ${named(conn)} ${words}`);
        return words;
      },
      members: ([room]: [string]) => [...this.rooms.get(room) ?? []].map((id) => this.names.get(id)).sort(),
      bump: () => ++this.bumps,
      hang: (_: unknown, { signal }: RpcContext) =>
        new Promise((_, reject) => signal.addEventListener("abort", reject)),
    };
  }
}

/** A server for `lobby` on `port` (0: a free one); EADDRINUSE is retried a bounded number of times (Deno frees a closed port a tick late). */
async function lobbyServer(lobby: Lobby, port = 0, transport?: Transport): Promise<Server> {
  const handler = rpcHandler(lobby.routes(), { logger: silentLogger });
  for (let tries = 1;; tries++) {
    try {
      return await serve({ port, transport, logger: silentLogger }, handler);
    } catch (error) {
      if ((error as { code?: unknown }).code !== "EADDRINUSE" || tries === 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** Resolves at the next loss `conn` tells; rejects after `ms` without one, so that a test's cleanup still runs. */
function disconnected(conn: ReconnectingConnection, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`No disconnect in ${ms} ms`));
    }, ms);
    const stop = conn.subscribe((event) => {
      if (event.type !== "disconnect") return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}

/** A reconnecting RPC client whose hook logs in as `name` and rejoins `rooms`. */
async function player(
  port: number,
  name: string,
  rooms: string[],
  options: { transport?: Transport; reconnect?: ReconnectOptions } = {},
): Promise<{ rpc: RpcClient; conn: ReconnectingConnection }> {
  const conn = await connect({
    port,
    transport: options.transport,
    logger: silentLogger,
    reconnect: { baseDelay: 0.005, maxDelay: 0.05, ...options.reconnect },
  });
  const rpc = rpcClient(conn, { logger: silentLogger });
  const rejoin = async (signal?: AbortSignal) => {
    await rpc.call("login", [name], { signal });
    for (const room of rooms) await rpc.call("join", [room], { signal });
  };
  conn.onReconnect = (_conn, { signal }) => rejoin(signal);
  await rejoin();
  return { rpc, conn };
}

test("rpcClient over a reconnecting connection logs in and rejoins its room after the server restarts", async () => {
  const first = new Lobby();
  let server = await lobbyServer(first);
  const port = server.addr.port;
  const { rpc, conn } = await player(port, "ada", ["lobby"]);
  let other: RpcClient | undefined;
  try {
    assert.deepEqual(await rpc.call("members", ["lobby"]), ["ada"]);
    const lost = disconnected(conn);
    await server.shutdown({ quietPeriod: 0 });
    await lost;
    const said = rpc.call("say", ["back"]); // made while disconnected: waits for the next connection and the hook
    const second = new Lobby();
    server = await lobbyServer(second, port);
    assert.equal(await said, "back");
    assert.deepEqual(second.calls, ["login ada", "join ada lobby", "say ada back"], "the hook first, then what waited");
    // Someone else on the new server sees ada in the room.
    other = rpcClient(await connect({ port, logger: silentLogger }));
    assert.deepEqual(await other.call("members", ["lobby"]), ["ada"]);
    assert.equal(conn.reconnectStats.reconnects, 1);
    await other[Symbol.asyncDispose]();
    await rpc[Symbol.asyncDispose]();
    await until(() => second.rooms.get("lobby")?.size === 0, "ada gone from the room");
  } finally {
    // Also when an assertion or a bounded wait above failed.
    await other?.[Symbol.asyncDispose]();
    await rpc[Symbol.asyncDispose]();
    await server.shutdown({ quietPeriod: 0 });
  }
});

test("rpcClient over a reconnecting connection rejects a call in flight at a loss with RpcConnectionLostError", async () => {
  const lobby = new Lobby();
  let server = await lobbyServer(lobby);
  const port = server.addr.port;
  const { rpc, conn } = await player(port, "bo", []);
  try {
    // 30 seconds: the test would time out if the call waited for its timeout.
    const hanging = rpc.call("hang", [], { timeout: 30 });
    await until(() => server.size === 1 && rpc.stats.pending === 1, "the call in flight");
    const lost = disconnected(conn);
    await server.shutdown({ quietPeriod: 0 });
    const error = await hanging.catch((e) => e);
    assert.ok(error instanceof RpcConnectionLostError, String(error));
    assert.equal(error.method, "hang");
    await lost;
    server = await lobbyServer(new Lobby(), port);
    assert.deepEqual(await rpc.call("members", ["x"]), [], "calls go on over the new connection");
    assert.equal(rpc.stats.pending, 0);
  } finally {
    await rpc[Symbol.asyncDispose]();
    await server.shutdown({ quietPeriod: 0 });
  }
});

test("rpcClient over a reconnecting connection never sends a call that timed out while it waited", async () => {
  const transport = memoryTransport();
  const lobby = new Lobby();
  let server = await lobbyServer(lobby, 0, transport);
  const port = server.addr.port;
  const { rpc, conn } = await player(port, "cy", [], { transport });
  const lost = disconnected(conn);
  await server.shutdown({ quietPeriod: 0 });
  await lost;
  const aborted = new AbortController();
  const timedOut = rpc.call("bump", [], { timeout: 0.01 });
  const withdrawn = rpc.call("bump", [], { signal: aborted.signal });
  await assert.rejects(timedOut, RpcTimeoutError);
  aborted.abort(new Error("left the screen"));
  await assert.rejects(withdrawn, { message: "left the screen" });
  assert.equal(conn.reconnectStats.waitingSends, 0, "both requests taken back");
  server = await lobbyServer(lobby, port, transport);
  assert.equal(await rpc.call("bump"), 1, "only this bump reached the server");
  await rpc[Symbol.asyncDispose]();
  await server.shutdown();
});

test("rpcClient over a reconnecting connection that fails while disconnected rejects a call at once", async () => {
  const transport = memoryTransport();
  const server = await lobbyServer(new Lobby(), 0, transport);
  const { rpc, conn } = await player(server.addr.port, "di", [], {
    transport,
    reconnect: { whileDisconnected: "fail" },
  });
  const lost = disconnected(conn);
  await server.shutdown({ quietPeriod: 0 });
  await lost;
  await assert.rejects(rpc.call("bump"), DisconnectedError);
  assert.equal(rpc.stats.pending, 0);
  await rpc[Symbol.asyncDispose]();
});

test("rpcClient over a reconnecting connection that gives up rejects waiting calls with ReconnectFailedError", async () => {
  const transport = memoryTransport();
  const server = await lobbyServer(new Lobby(), 0, transport);
  const { rpc, conn } = await player(server.addr.port, "ed", [], { transport, reconnect: { maxRetries: 2 } });
  const lost = disconnected(conn);
  await server.shutdown({ quietPeriod: 0 });
  await lost;
  const waiting = rpc.call("bump");
  const error = await waiting.catch((e) => e);
  assert.ok(error instanceof ReconnectFailedError, String(error));
  assert.equal(error.attempts, 2);
  await rpc.finished;
  assert.equal(rpc.stats.pending, 0);
  assert.equal(conn.state, "closed");
});
