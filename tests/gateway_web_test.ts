/**
 * The gateway's web page in a real browser: Debian's chromium, headless,
 * driven by puppeteer-core (which downloads no browser). The page logs in
 * over spawnkit/browser's client (the browser's own WebSocket, the stream
 * subprotocol), a TCP bot's chat reaches the page, and the page's move
 * reaches the TCP bot. Then a fault proxy between chromium and the
 * WebSocket port resets the page's link: the page shows "reconnecting…",
 * resumes its session (still logged in, same room), and the bot's chat sent
 * while it was away arrives once. The browser runs once per suite:
 * under Node 24's runner, against a gateway on Node 24; the other runners
 * register the same test as skipped, with the reason.
 *
 * Without chromium: a skip with its reason, or, under CI=true, a failure
 * (scripts/engines.sh installs it).
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import process from "node:process";
import { connect, silentLogger } from "../mod.ts";
import { rpcClient } from "../src/edges/rpc/rpc.ts";
import { isNode } from "../src/transport/select.ts";
import { startChild } from "./_child.ts";
import { until } from "./_fixtures.ts";
import { startFaultProxy } from "../examples/_fault_proxy.ts";
import { skip, test } from "./_harness.ts";

const NAME =
  "gateway web page: logs in over WebSocket in chromium, chats and moves with a TCP bot, resumes after a reset link";
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const here = isNode() && process.versions.node.split(".")[0] === "24";
if (!here) {
  skip(NAME, "the browser runs once per suite, under Node 24's runner");
} else if (CHROMIUM === undefined && process.env.CI !== "true") {
  skip(NAME, "chromium is not installed (scripts/engines.sh installs it from Debian's packages)");
} else {
  test(NAME, async () => {
    assert.ok(CHROMIUM !== undefined, "chromium is not installed, and CI=true: scripts/engines.sh must install it");
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const puppeteer = (await import("puppeteer-core")).default;
    const child = await startChild("examples/gateway/server.ts", ["--port", "0", "--ws-port", "0", "--web-port", "0"]);
    const profile = mkdtempSync(join(tmpdir(), "spawnkit-chromium-"));
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      args: [...FLAGS, `--user-data-dir=${profile}`],
      headless: true,
    });
    const pushes: Array<{ method: string; params: unknown }> = [];
    const bot = rpcClient(await connect({ port: child.port, logger: silentLogger }), {
      onNotification: (method, params) => void pushes.push({ method, params }),
    });
    const wsPort = Number(/websocket on ws:\/\/[^:]+:(\d+)\//.exec(child.output())?.[1]);
    // The page's link goes through the proxy: its config.json names the proxy's port.
    await using proxy = await startFaultProxy(wsPort);
    try {
      const origin = /web page on (http:\/\/\S+)\//.exec(child.output())?.[1];
      assert.ok(origin !== undefined, child.output());
      await bot.call("login", { name: "tcp-bot" });
      await bot.call("join", { room: "lobby" });

      const page = await browser.newPage();
      await page.setRequestInterception(true);
      page.on("request", (request) => {
        if (!request.url().endsWith("/config.json")) return void request.continue();
        void request.respond({
          status: 200,
          contentType: "application/json",
          body: JSON.stringify({ webSocket: `ws://127.0.0.1:${proxy.port}/` }),
        });
      });
      await page.goto(`${origin}/`);
      await page.waitForSelector("body[data-state=connected]");
      await page.type("#name", "web-player");
      await page.click("#login");
      await page.waitForSelector("body[data-state=logged-in]");
      await page.click("#join");
      await page.waitForSelector("body[data-state=joined]");

      // The bot's chat, over TCP, reaches the page over WebSocket.
      await bot.call("chat", { text: "hello from tcp" });
      await page.waitForFunction(`document.getElementById("log").textContent.includes("tcp-bot: hello from tcp")`);

      // The page's move, over WebSocket, reaches the bot over TCP (the game's positions push).
      await page.click("#right");
      await page.click("#right");
      const moved = () =>
        pushes.some(({ method, params }) =>
          method === "positions" &&
          (params as { players: Array<{ name: string; x: number }> }).players.some((p) =>
            p.name === "web-player" && p.x === 2
          )
        );
      await until(moved, "the page's move at the bot", 15_000);
      // And the page shows the other player where it moved.
      await bot.call("move", { x: 3, y: -1 });
      await page.waitForFunction(`document.getElementById("players").textContent.includes("tcp-bot (3, -1)")`);

      // The link drops (a reset), and the redial stays silent until healed: the bot chats meanwhile.
      assert.equal(proxy.counters.accepted, 1);
      proxy.stall("both");
      proxy.reset();
      await page.waitForSelector("body[data-link=reconnecting]");
      await bot.call("chat", { text: "while you were away" });
      proxy.heal();
      await page.waitForSelector("body[data-link=resumed]", { timeout: 30_000 });
      await page.waitForFunction(`document.getElementById("log").textContent.includes("tcp-bot: while you were away")`);
      assert.equal(proxy.counters.resets, 1);
      assert.ok(proxy.counters.accepted >= 2, "a new link");
      // Still logged in and in the room: a move after the resume reaches the bot.
      assert.equal(await page.evaluate(`document.body.dataset.state`), "joined");
      await page.click("#down");
      const movedDown = () =>
        pushes.some(({ method, params }) =>
          method === "positions" &&
          (params as { players: Array<{ name: string; y: number }> }).players.some((p) =>
            p.name === "web-player" && p.y === 1
          )
        );
      await until(movedDown, "the page's move after the resume at the bot", 15_000);
      // The chat sent during the drop arrived once, and nothing said before it came again.
      const lines = await page.evaluate(`[...document.getElementById("log").children].map((d) => d.textContent)`);
      assert.deepEqual(
        (lines as string[]).filter((line) => line.startsWith("tcp-bot:")),
        ["tcp-bot: hello from tcp", "tcp-bot: while you were away"],
      );
      assert.match(await page.evaluate(`document.getElementById("link").textContent`) as string, /resumed \(1\)/);
    } finally {
      await bot.close?.();
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
      child.kill("SIGTERM");
      await child.exited;
    }
  });
}
