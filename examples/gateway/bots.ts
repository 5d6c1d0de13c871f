/**
 * Bots for the game gateway: N bots log in, join rooms, then move, chat and
 * whisper at a rate for a time, counting every call's time, every push and
 * every error. While they run, one progress line (rewritten in place on a
 * terminal, a line a second otherwise); at the end a summary, the last line
 * of which is `summary {JSON}`, and a chart of the run (SVG) in a file.
 *
 *   deno run -A examples/gateway/bots.ts --port 7100 --bots 50 --seconds 10
 *
 * Flags: --host (default 127.0.0.1; loopback only), --port (default 7100),
 * --bots N (default 20, at most 5000), --seconds S (default 10, at most
 * 3600), --rate R (calls a second per bot, default 5, at most 1000), --rooms
 * K (default one per 10 bots), --chart FILE (default gateway-bots.svg),
 * --chaos P (default 0: each bot's link dropped with probability P a second,
 * by a reset or a stall, through a relay in this process: chaos.ts). Each
 * bot's session resumes (docs/sessions.md); each push's number is checked
 * (push_sequences.ts). Exits 1, after a line that says why, on any error it
 * did not expect (the only one expected is "no such player" (4004) for a
 * whisper to a bot that has just left), and on any push lost or seen twice.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import process from "node:process";
import { connect, ConnectionClosedError, silentLogger } from "spawnkit";
import { rpcClient, RpcError, RpcTimeoutError } from "spawnkit/rpc";
import { timelineChart } from "../../bench/_timeline_chart.ts";
import { optionFlag, parseFlags, positiveFlag, runCli, UsageError } from "../_flags.ts";
import { ChaosRelay } from "./chaos.ts";
import { NO_SUCH_PLAYER } from "./game.ts";
import { callFaultsOf, chatCallOf, PushSequences, streamOf } from "./push_sequences.ts";
import { type BotsSummary, report } from "./bots_report.ts";

export type { BotsSummary } from "./bots_report.ts";

/** The errors a healthy run may meet: a whisper racing its target's departure. */
const EXPECTED = new Set([String(NO_SUCH_PLAYER)]);

/** One second of the run. */
interface Second {
  readonly t: number;
  readonly connected: number;
  readonly calls: number;
  readonly pushes: number;
  readonly errors: number;
  readonly p99: number | undefined;
}

/** A bot's link dropped by the chaos is found within about two heartbeat intervals of this many seconds. */
const CHAOS_HEARTBEAT = { interval: 0.25, timeout: 0.25 };

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function codeOf(error: unknown): string {
  if (error instanceof RpcError) return String(error.code);
  if (error instanceof RpcTimeoutError) return "timeout";
  if (error instanceof ConnectionClosedError) return "closed";
  return (error as Error)?.name ?? String(error);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

await runCli("bots", async () => {
  const flags = parseFlags(process.argv.slice(2), {
    host: { type: "string" },
    port: { type: "string" },
    bots: { type: "string" },
    seconds: { type: "string" },
    rate: { type: "string" },
    rooms: { type: "string" },
    chart: { type: "string" },
    chaos: { type: "string" },
  });
  const hostname = flags.host ?? "127.0.0.1";
  if (!LOOPBACK.test(hostname)) throw new UsageError(`--host must be a loopback address, got "${hostname}"`);
  const port = optionFlag("port", "port", flags.port) ?? 7100;
  const bots = positiveFlag("bots", flags.bots) ?? 20;
  const seconds = positiveFlag("seconds", flags.seconds) ?? 10;
  const rate = positiveFlag("rate", flags.rate) ?? 5;
  if (!Number.isInteger(bots) || bots > 5000) throw new UsageError(`--bots must be an integer up to 5000`);
  if (seconds > 3600) throw new UsageError(`--seconds must be at most 3600`);
  if (rate > 1000) throw new UsageError(`--rate must be at most 1000`);
  const rooms = positiveFlag("rooms", flags.rooms) ?? Math.ceil(bots / 10);
  const chartFile = flags.chart ?? "gateway-bots.svg";
  const chaos = flags.chaos === undefined ? 0 : Number(flags.chaos);
  if (flags.chaos?.trim() === "" || !(chaos >= 0 && chaos <= 1)) {
    throw new UsageError(`--chaos must be a probability from 0 to 1, got "${flags.chaos}"`);
  }

  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const pushesByMethod: Record<string, number> = {};
  const pushesPerBot = new Array<number>(bots).fill(0);
  let connected = 0;
  let sent = 0;
  let resumed = 0;
  const drops = { resets: 0, stalls: 0 };
  const seqs: PushSequences[] = [];
  let tick = { calls: 0, pushes: 0, errors: 0, latencies: [] as number[] };
  const failed = (error: unknown) => {
    const code = codeOf(error);
    errors[code] = (errors[code] ?? 0) + 1;
    tick.errors++;
  };

  const started = performance.now();
  const deadline = started + seconds * 1000;
  const bot = async (index: number) => {
    const known = new Set<number>();
    const pushes = new PushSequences();
    seqs.push(pushes);
    // Under chaos the bot dials its own relay, and a short heartbeat finds a stalled link soon.
    const relay = chaos === 0 ? undefined : await ChaosRelay.open(hostname, port, chaos);
    const conn = await (relay === undefined
      ? connect({ hostname, port, logger: silentLogger, resume: true })
      : connect({ port: relay.port, logger: silentLogger, resume: true, heartbeat: CHAOS_HEARTBEAT }))
      .catch(async (error) => {
        await relay?.close(); // a relay left listening would keep the process alive
        throw error;
      });
    // connect() settled once the session had its token (the server's WELCOME): from here on a drop resumes.
    relay?.start();
    const client = rpcClient(conn, {
      timeout: 10,
      onNotification: (method, params) => {
        pushesPerBot[index]!++;
        pushesByMethod[method] = (pushesByMethod[method] ?? 0) + 1;
        tick.pushes++;
        const stream = streamOf(method, params as Record<string, unknown>);
        try {
          if (stream !== undefined) {
            const { seq, text } = params as { seq?: unknown; text?: unknown };
            pushes.see(stream, seq);
            const chatCall = method === "chat" ? chatCallOf(text) : undefined;
            if (chatCall !== undefined) {
              pushes.seeCall(stream, seq as number, chatCall);
            }
          }
        } catch (error) {
          failed(error); // a push without its number: the gateway broke its word
        }
        if (method === "positions") {
          for (const player of (params as { players: { id: number }[] }).players) {
            known.add(player.id);
          }
        }
      },
    });
    const call = async (method: string, params?: Record<string, unknown>) => {
      const begun = performance.now();
      sent++;
      try {
        await client.call(method, params);
        const ms = performance.now() - begun;
        latencies.push(ms);
        tick.latencies.push(ms);
        tick.calls++;
      } catch (error) {
        failed(error);
      }
    };
    connected++;
    try {
      const { id } = await client.call<{ id: number }>("login", { name: `bot-${index}` });
      known.delete(id);
      await call("join", { room: `room-${index % rooms}` });
      let x = 0;
      let y = 0;
      // Numbered in their text, so that the room's readers see a chat call the gateway handled twice.
      let chats = 0;
      for (let k = 1; performance.now() < deadline; k++) {
        const roll = Math.random();
        const others = [...known].filter((other) =>
          other !== id
        );
        if (roll < 0.1 && others.length > 0) {
          const to = others[Math.floor(Math.random() * others.length)]!;
          await call("whisper", { to, text: `psst from ${index}` });
        } else if (roll < 0.3) await call("chat", { text: `bot ${index} chat ${++chats}` });
        else {await call("move", {
            x: x += Math.round(Math.random() * 2 - 1),
            y: y += Math.round(Math.random() * 2 - 1),
          });}
        await sleep(started + (index / bots + k) * (1000 / rate) - performance.now());
      }
      relay?.stop();
      await call("leave");
    } catch (error) {
      failed(error);
    } finally {
      connected--;
      resumed += conn.stats.session?.resumes ?? 0;
      await client.close();
      if (relay !== undefined) {
        drops.resets += relay.drops.resets;
        drops.stalls += relay.drops.stalls;
        await relay.close();
      }
    }
  };

  const secondsLog: Second[] = [];
  const tty = process.stdout.isTTY === true;
  const sampler = setInterval(() => {
    const sorted = tick.latencies.sort((a, b) => a - b);
    const second: Second = {
      t: Math.round((performance.now() - started) / 1000),
      connected,
      calls: tick.calls,
      pushes: tick.pushes,
      errors: tick.errors,
      p99: sorted.length === 0 ? undefined : quantile(sorted, 0.99),
    };
    tick = { calls: 0, pushes: 0, errors: 0, latencies: [] };
    secondsLog.push(second);
    const line = `bots ${second.connected}/${bots} · ${second.calls} calls/s · ${second.pushes} pushes/s · ` +
      `${Object.values(errors).reduce((a, b) => a + b, 0)} errors`;
    if (tty) process.stdout.write(`\r${line.padEnd(72)}`);
    else console.log(line);
  }, 1000);
  // Bots start in groups of 50, 10 ms apart, not all in one instant.
  const runs: Promise<void>[] = [];
  for (let i = 0; i < bots; i++) {
    runs.push(bot(i).catch(failed));
    if (i % 50 === 49) await sleep(10);
  }
  await Promise.all(runs);
  clearInterval(sampler);
  if (tty) process.stdout.write("\n");

  const sorted = latencies.sort((a, b) => a - b);
  const perBot = [...pushesPerBot].sort((a, b) => a - b);
  const elapsed = (performance.now() - started) / 1000;
  const callFaults = callFaultsOf(seqs);
  const summary: BotsSummary = {
    bots,
    seconds: Math.round(elapsed * 10) / 10,
    sent,
    calls: sorted.length,
    callsPerSecond: Math.round(sorted.length / elapsed),
    p50Ms: Math.round(quantile(sorted, 0.5) * 100) / 100,
    p99Ms: Math.round(quantile(sorted, 0.99) * 100) / 100,
    pushes: perBot.reduce((a, b) => a + b, 0),
    pushesPerBot: { min: perBot[0] ?? 0, median: quantile(perBot, 0.5), max: perBot.at(-1) ?? 0 },
    pushesByMethod,
    errors,
    unexpectedErrors: Object.entries(errors).reduce((sum, [code, n]) => sum + (EXPECTED.has(code) ? 0 : n), 0),
    chaos,
    drops,
    resumed,
    lostPushes: seqs.reduce((sum, s) => sum + s.lost, 0),
    duplicatePushes: seqs.reduce((sum, s) => sum + s.duplicated, 0),
    duplicateCalls: callFaults.duplicated,
    lostCalls: callFaults.lost,
  };
  writeFileSync(
    chartFile,
    timelineChart({
      title: `gateway bots: ${bots} bots for ${seconds} s at ${rate} calls/s each` +
        (chaos > 0 ? `, chaos ${chaos}` : ""),
      notes: [
        `${summary.calls} calls, p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms · ${summary.pushes} pushes` +
        ` (per bot: ${summary.pushesPerBot.min} to ${summary.pushesPerBot.max}) · errors ${JSON.stringify(errors)}`,
      ],
      samples: secondsLog,
      time: (s) => s.t,
      panels: [
        { title: "bots connected", value: (s) => s.connected, format: (v) => v.toFixed(0) },
        { title: "calls per second", value: (s) => s.calls, format: (v) => v.toFixed(0) },
        { title: "pushes per second", value: (s) => s.pushes, format: (v) => v.toFixed(0) },
        { title: "call p99 of each second (ms)", value: (s) => s.p99, format: (v) => v.toFixed(1) },
      ],
    }),
  );
  const failures = report(summary, chartFile);
  if (failures.length > 0) {
    console.log(`FAILED: ${failures.join(", ")}`);
    process.exit(1);
  }
});
