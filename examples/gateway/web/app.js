// The gateway's web page: JSON-RPC 2.0 over spawnkit's own client for browsers
// (spawnkit_browser.js, the bundle of spawnkit/browser: scripts/build_browser.ts),
// one JSON-RPC message per frame, over the WebSocket door's stream subprotocol.
// With resume on, a lost link is dialled again and the session goes on: still
// logged in, still in the room, the pushes sent meanwhile delivered once.
// No framework.
import { connectWebSocket } from "./spawnkit_browser.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const $ = (id) => document.getElementById(id);

/** A JSON-RPC client over one connection: call() answers by id, notifications go to onNotify. */
function rpcOver(conn, onNotify) {
  let nextId = 1;
  const pending = new Map();
  (async () => {
    for await (const frame of conn) {
      const message = JSON.parse(decoder.decode(frame));
      for (const one of Array.isArray(message) ? message : [message]) {
        if (one.id === undefined || one.id === null) {
          if (typeof one.method === "string") onNotify(one.method, one.params);
          continue;
        }
        const waiter = pending.get(one.id);
        pending.delete(one.id);
        if (one.error !== undefined) waiter?.reject(new Error(`${one.error.code}: ${one.error.message}`));
        else waiter?.resolve(one.result);
      }
    }
  })().catch(() => {}).finally(() => {
    for (const waiter of pending.values()) waiter.reject(new Error("connection closed"));
    pending.clear();
  });
  return {
    async call(method, params) {
      const id = nextId++;
      const answer = new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
      await conn.send(encoder.encode(JSON.stringify({ jsonrpc: "2.0", id, method, params })));
      return answer;
    },
  };
}

/** Shows the link's state from the session's counters: "reconnecting…" while suspended, "resumed" after. */
function watchLink(conn) {
  let shown = "";
  const timer = setInterval(() => {
    const session = conn.stats.session;
    if (session === undefined) return;
    const state = session.suspensions > session.resumes ? "reconnecting" : session.resumes > 0 ? "resumed" : "";
    if (state === shown) return;
    shown = state;
    document.body.dataset.link = state;
    $("link").textContent = state === "reconnecting"
      ? "reconnecting…"
      : state === "resumed"
      ? `resumed (${session.resumes})`
      : "";
  }, 200);
  conn.finished.then(() => clearInterval(timer));
}

const players = new Map();
let me;
let position = { x: 0, y: 0 };

function log(line) {
  const div = document.createElement("div");
  div.textContent = line;
  $("log").append(div);
  $("log").scrollTop = $("log").scrollHeight;
}

function showPlayers() {
  const list = $("players");
  const field = $("field");
  list.replaceChildren();
  field.replaceChildren();
  for (const player of [...players.values()].sort((a, b) => a.id - b.id)) {
    const item = document.createElement("li");
    item.textContent = `${player.name} (${player.x}, ${player.y})${player.id === me?.id ? " — you" : ""}`;
    item.dataset.id = String(player.id);
    list.append(item);
    const dot = document.createElement("div");
    dot.className = player.id === me?.id ? "dot me" : "dot";
    dot.style.left = `${155 + player.x * 10}px`;
    dot.style.top = `${115 + player.y * 10}px`;
    field.append(dot);
  }
}

function onNotify(method, params) {
  if (method === "positions") {
    for (const player of params.players) players.set(player.id, player);
    showPlayers();
  } else if (method === "chat") {
    log(`${params.name}: ${params.text}`);
  } else if (method === "whisper") {
    log(`${params.name} (whisper): ${params.text}`);
  }
}

async function start() {
  const config = await (await fetch("./config.json")).json();
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const conn = await connectWebSocket({
    url: config.webSocket,
    resume: true,
    heartbeat: { interval: 5 },
    logger: silent,
    // A session that could not resume (its window passed): a new one, and the player logs in again.
    reconnect: {
      onReconnect(_conn, info) {
        if (info.resumed) return;
        me = undefined;
        $("status").textContent = "reconnected: log in again";
        document.body.dataset.state = "connected";
      },
    },
  });
  const rpc = rpcOver(conn, onNotify);
  watchLink(conn);
  conn.finished.then((stats) => $("status").textContent = `disconnected (${stats.closeReason})`);
  $("status").textContent = "connected";
  document.body.dataset.state = "connected";

  $("login").addEventListener("click", async () => {
    try {
      me = await rpc.call("login", { name: $("name").value });
      $("status").textContent = `logged in as ${me.name} (#${me.id})`;
      document.body.dataset.state = "logged-in";
      $("join").disabled = false;
    } catch (error) {
      $("status").textContent = `login failed: ${error.message}`;
    }
  });
  $("join").addEventListener("click", async () => {
    const joined = await rpc.call("join", { room: $("room").value });
    players.clear();
    players.set(me.id, { ...me, ...position });
    showPlayers();
    $("room-status").textContent = `in ${joined.room} (${joined.players} players)`;
    document.body.dataset.state = "joined";
    for (const id of ["left", "up", "down", "right", "say"]) $(id).disabled = false;
  });
  const steps = { left: [-1, 0], right: [1, 0], up: [0, -1], down: [0, 1] };
  for (const [id, [dx, dy]] of Object.entries(steps)) {
    $(id).addEventListener("click", async () => {
      position = { x: position.x + dx, y: position.y + dy };
      $("position").textContent = `(${position.x}, ${position.y})`;
      await rpc.call("move", position);
    });
  }
  const say = async () => {
    const text = $("text").value;
    if (text === "") return;
    $("text").value = "";
    await rpc.call("chat", { text });
    log(`${me.name}: ${text}`);
  };
  $("say").addEventListener("click", say);
  $("text").addEventListener("keydown", (event) => event.key === "Enter" && say());
}

start().catch((error) => $("status").textContent = `error: ${error.message}`);
