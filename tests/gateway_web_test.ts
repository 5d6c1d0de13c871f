/**
 * The gateway's web page in a real browser: Debian's chromium, headless,
 * driven by puppeteer-core (which downloads no browser). The page logs in
 * over the browser's own WebSocket, a TCP bot's chat reaches the page, and
 * the page's move reaches the TCP bot. The browser runs once per suite:
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
import { skip, test } from "./_harness.ts";

const NAME =
  "gateway web page: logs in over WebSocket in chromium, a TCP bot's chat reaches it, its move reaches the bot";
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
    try {
      const origin = /web page on (http:\/\/\S+)\//.exec(child.output())?.[1];
      assert.ok(origin !== undefined, child.output());
      await bot.call("login", { name: "tcp-bot" });
      await bot.call("join", { room: "lobby" });

      const page = await browser.newPage();
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
    } finally {
      await bot.close?.();
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
      child.kill("SIGTERM");
      await child.exited;
    }
  });
}
