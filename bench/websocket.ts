/**
 * WebSocket echo: spawnkit's door against the runtime's own server written
 * by hand (Deno.serve + upgradeWebSocket, Bun.serve websocket, node:http +
 * ws), on each runtime, in one run, with 64 B and 64 KiB messages. The load
 * is bench/_ws_load.ts, Node 24's own WebSocket client in a process of its
 * own (pinned apart from the server where there are two cores). Figures:
 * echoes a second, and the server's CPU time per echo (from /proc/PID/stat),
 * which holds when the load generator, not the server, is the limit; the
 * ratio is spawnkit's over the raw server's on the same runtime.
 *
 *   deno run -A bench/websocket.ts [--seconds 2] [--runtimes deno,bun,node]
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { runLoad, startServer } from "./_processes.ts";

const arg = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : process.argv[at + 1]!;
};
const seconds = arg("seconds", "2");
const runtimes = arg("runtimes", "deno,bun,node").split(",");
const NODE = "node_modules/node24/bin/node";
const COMMANDS: Record<string, string[]> = {
  deno: ["node_modules/.bin/deno", "run", "-A"],
  bun: ["node_modules/.bin/bun"],
  node: [NODE, "--import", "tsx"],
};
const SIZES = [64, 65_536];

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Figure {
  readonly echoes: number;
  readonly cpuMicros: number;
}

async function measure(runtime: string, kind: string, size: number): Promise<Figure> {
  const server = await startServer([...COMMANDS[runtime]!, "bench/servers/ws_echo.ts", "--kind", kind]);
  try {
    const before = cpuSeconds(server.pid);
    const connections = size > 1024 ? "8" : "20";
    const result = await runLoad(NODE, [
      "bench/_ws_load.ts",
      "--url",
      `ws://127.0.0.1:${server.port}/`,
      "--size",
      String(size),
      "--seconds",
      seconds,
      "--connections",
      connections,
    ]);
    const used = cpuSeconds(server.pid) - before;
    if (result.bad !== 0) throw new Error(`${runtime} ${kind}: ${result.bad} echoes were wrong`);
    const echoes = result.messagesPerSecond as number;
    // CPU over the warm-up and the measured time, per echo of the measured rate over both.
    const total = echoes * (Number(seconds) + 0.5);
    return { echoes, cpuMicros: used / total * 1e6 };
  } finally {
    await server.stop();
  }
}

const rows: string[] = [];
for (const runtime of runtimes) {
  for (const size of SIZES) {
    const raw = await measure(runtime, "raw", size);
    const kit = await measure(runtime, "kit", size);
    const label = size === 64 ? "64 B" : "64 KiB";
    rows.push(
      `| ${runtime} | ${label} | ${raw.echoes} | ${kit.echoes} | ${(kit.echoes / raw.echoes).toFixed(2)} | ` +
        `${raw.cpuMicros.toFixed(1)} | ${kit.cpuMicros.toFixed(1)} | ${(kit.cpuMicros / raw.cpuMicros).toFixed(2)} |`,
    );
    console.error(rows.at(-1));
  }
}
console.log(
  "| runtime | message | raw echoes/s | spawnkit echoes/s | ratio | raw CPU µs/echo | spawnkit CPU µs/echo | ratio |",
);
console.log(
  "| ------- | ------- | -----------: | ----------------: | ----: | --------------: | -------------------: | ----: |",
);
for (const row of rows) console.log(row);
