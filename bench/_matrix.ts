/**
 * What the bench runs: the servers (two baselines and spawnkit per runtime,
 * plus the Erlang original), the scenarios (load generator flags) and the
 * figures read from each scenario's output.
 *
 * @module
 */
import { join } from "node:path";
import { BENCH_DIR } from "./_prepare.ts";

/** Where a server runs. */
export type Runtime = "deno" | "bun" | "node" | "erlang";

/** A server under test. */
export interface ServerSpec {
  readonly id: string;
  readonly label: string;
  readonly runtime: Runtime;
  /** True for the hand-written baselines. */
  readonly baseline: boolean;
  /** Run only when named in `--servers` (a measuring aid, not part of the table). */
  readonly optional?: boolean;
  /** The command line, given the runtimes' binaries. */
  argv(bin: { deno: string; bun: string; node: string }): string[];
}

const servers = join(BENCH_DIR, "servers");
const denoFlags = ["run", "-A", "--v8-flags=--expose-gc"];
// TypeScript on Node through the tsx loader (a devDependency), found from the repository root.
const nodeFlags = ["--expose-gc", "--import", "tsx"];

/** Every server, in table order. */
export const SERVERS: readonly ServerSpec[] = [
  {
    id: "erlang",
    label: "Erlang original",
    runtime: "erlang",
    baseline: true,
    argv: () => ["escript", join(servers, "echo_server.erl")],
  },
  {
    id: "raw-deno",
    label: "raw Deno",
    runtime: "deno",
    baseline: true,
    argv: (bin) => [bin.deno, ...denoFlags, join(servers, "raw_deno.ts")],
  },
  {
    id: "spawnkit-deno",
    label: "spawnkit Deno",
    runtime: "deno",
    baseline: false,
    argv: (bin) => [bin.deno, ...denoFlags, join(servers, "spawnkit_echo.ts")],
  },
  {
    id: "spawnkit-cb-deno",
    label: "spawnkit Deno, callbacks",
    runtime: "deno",
    baseline: false,
    argv: (bin) => [bin.deno, ...denoFlags, join(servers, "spawnkit_echo.ts"), "--callbacks"],
  },
  {
    id: "raw-bun",
    label: "raw Bun",
    runtime: "bun",
    baseline: true,
    argv: (bin) => [bin.bun, join(servers, "raw_bun.ts")],
  },
  {
    id: "spawnkit-bun",
    label: "spawnkit Bun",
    runtime: "bun",
    baseline: false,
    argv: (bin) => [bin.bun, join(servers, "spawnkit_echo.ts")],
  },
  {
    id: "spawnkit-cb-bun",
    label: "spawnkit Bun, callbacks",
    runtime: "bun",
    baseline: false,
    argv: (bin) => [bin.bun, join(servers, "spawnkit_echo.ts"), "--callbacks"],
  },
  {
    id: "raw-node",
    label: "raw Node",
    runtime: "node",
    baseline: true,
    optional: true,
    argv: (bin) => [bin.node, ...nodeFlags, join(servers, "raw_node.ts")],
  },
  {
    id: "spawnkit-node",
    label: "spawnkit Node",
    runtime: "node",
    baseline: false,
    optional: true,
    argv: (bin) => [bin.node, ...nodeFlags, join(servers, "spawnkit_echo.ts")],
  },
  {
    id: "spawnkit-cb-node",
    label: "spawnkit Node, callbacks",
    runtime: "node",
    baseline: false,
    optional: true,
    argv: (bin) => [bin.node, ...nodeFlags, join(servers, "spawnkit_echo.ts"), "--callbacks"],
  },
  {
    id: "floor-deno",
    label: "API floor Deno",
    runtime: "deno",
    baseline: false,
    optional: true,
    argv: (bin) => [bin.deno, "run", "-A", join(servers, "floor_echo.ts")],
  },
  {
    id: "floor-bun",
    label: "API floor Bun",
    runtime: "bun",
    baseline: false,
    optional: true,
    argv: (bin) => [bin.bun, join(servers, "floor_echo.ts")],
  },
];

/** The load generator's JSON line and the lines the server printed after its ready line. */
export interface Output {
  readonly load: Record<string, unknown>;
  readonly serverLines: readonly string[];
}

/** One figure of the table. */
export interface Metric {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  /** "info" rows (CPU use) get no ratios. */
  readonly better: "higher" | "lower" | "info";
  pick(output: Output): number | undefined;
}

/** One run of the load generator against one server. */
export interface Scenario {
  readonly id: string;
  readonly args: readonly string[];
  readonly metrics: readonly Metric[];
  /**
   * True for the timed echo scenarios: their window is steady, so CPU used by
   * other processes during it is measurable, and such a run is taken again.
   */
  readonly steady: boolean;
}

const field = (name: string, scale = 1) => (output: Output): number | undefined => {
  const value = output.load[name];
  return typeof value === "number" && value >= 0 ? value * scale : undefined;
};

const serverLine = (name: string) => (output: Output): number | undefined => {
  const line = output.serverLines.find((l) => l.startsWith(`${name}=`));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

// The servers print `array_buffers=BYTES` after each `~gc`: the first before any peer, the last with the
// stalled peers, after a second GC.
/** The growth of a figure the server prints after each `~gc` (`NAME=BYTES`) from the first to the last, per connection, in kB. */
const grownPerConn = (name: string) => (output: Output): number | undefined => {
  const lines = output.serverLines.filter((l) => l.startsWith(`${name}=`)).map((l) => Number(l.slice(name.length + 1)));
  const conns = output.load.conns;
  if (lines.length < 2 || typeof conns !== "number" || conns === 0) return undefined;
  return (lines.at(-1)! - lines[0]!) / conns / 1000;
};

function heldPerPeer(output: Output): number | undefined {
  const held = output.serverLines.filter((l) => l.startsWith("array_buffers=")).map((l) => Number(l.slice(14)));
  const peers = output.load.stalled;
  if (held.length < 2 || typeof peers !== "number" || peers === 0) return undefined;
  return (held.at(-1)! - held[0]!) / peers / 1000;
}

/** The scenarios, each with the figures it gives. `seconds` is the measured time of the echo scenarios. */
export function scenarios(seconds: number): Scenario[] {
  const echo = (conns: number, depth: number, size: number) => [
    ...["--mode", "echo", "--conns", `${conns}`, "--depth", `${depth}`, "--size", `${size}`],
    ...["--warmup", "0.5", "--seconds", `${seconds}`],
  ];
  return [
    {
      id: "latency",
      steady: true,
      args: echo(1, 1, 64),
      metrics: [
        { id: "p50", title: "Latency p50 (1 conn, depth 1, 64 B)", unit: "µs", better: "lower", pick: field("p50_us") },
        { id: "p99", title: "Latency p99 (1 conn, depth 1, 64 B)", unit: "µs", better: "lower", pick: field("p99_us") },
      ],
    },
    {
      id: "small",
      steady: true,
      args: echo(100, 16, 64),
      metrics: [
        {
          id: "small",
          title: "Small frames (100 conns, depth 16, 64 B)",
          unit: "frames/s",
          better: "higher",
          pick: field("frames_per_s"),
        },
        { id: "load-cpu", title: "…load generator CPU", unit: "%", better: "info", pick: field("client_cpu", 100) },
        { id: "server-cpu", title: "…server CPU", unit: "%", better: "info", pick: field("server_cpu", 100) },
      ],
    },
    {
      id: "bandwidth",
      steady: true,
      args: echo(8, 4, 65536),
      metrics: [{
        id: "bandwidth",
        title: "Bandwidth (8 conns, depth 4, 64 KiB)",
        unit: "MiB/s",
        better: "higher",
        pick: field("mib_per_s"),
      }],
    },
    {
      id: "accept",
      steady: false,
      args: ["--mode", "accept", "--conns", "5000", "--window", "256"],
      metrics: [{
        id: "accept",
        title: "Accept rate (5000 conns, one echo each)",
        unit: "conns/s",
        better: "higher",
        pick: field("accepts_per_s"),
      }, {
        id: "accept-load-cpu",
        title: "…load generator CPU",
        unit: "%",
        better: "info",
        pick: field("client_cpu", 100),
      }, {
        id: "accept-server-cpu",
        title: "…server CPU",
        unit: "%",
        better: "info",
        pick: field("server_cpu", 100),
      }],
    },
    {
      id: "idle",
      steady: false,
      args: ["--mode", "idle", "--conns", "10000"],
      metrics: [{
        id: "idle",
        title: "Memory per idle conn (RSS, 10 000 conns)",
        unit: "kB",
        better: "lower",
        pick: field("bytes_per_conn", 1 / 1000),
      }, {
        id: "idle-heap",
        title: "…JS heap per idle conn (after GC)",
        unit: "kB",
        better: "info",
        pick: grownPerConn("heap_used"),
      }, {
        id: "idle-external",
        title: "…external memory per idle conn (after GC)",
        unit: "kB",
        better: "info",
        pick: grownPerConn("array_buffers"),
      }],
    },
    {
      id: "stall",
      steady: false,
      // 20 peers each write up to 32 MiB of 256 KiB frames (or until the kernel takes no more) and never read.
      args: ["--mode", "stall", "--conns", "20", "--size", "262144", "--frames", "128"],
      metrics: [{
        id: "stall",
        title: "Memory per stalled peer (RSS, 20 peers, 256 KiB frames)",
        unit: "kB",
        better: "lower",
        pick: field("bytes_per_conn", 1 / 1000),
      }, {
        id: "stall-held",
        title: "…ArrayBuffers held per stalled peer (after GC)",
        unit: "kB",
        better: "lower",
        pick: heldPerPeer,
      }],
    },
    {
      id: "broadcast",
      steady: false,
      args: ["--mode", "broadcast", "--conns", "10000"],
      metrics: [{
        id: "broadcast",
        title: "Broadcast to 10 000 conns (until all have it)",
        unit: "ms",
        better: "lower",
        pick: field("broadcast_ms"),
      }],
    },
    {
      id: "shutdown",
      steady: false,
      args: ["--mode", "shutdown", "--conns", "10000"],
      metrics: [{
        id: "shutdown",
        title: "Shutdown with 10 000 conns (until finished)",
        unit: "ms",
        better: "lower",
        pick: serverLine("shutdown_ms"),
      }],
    },
  ];
}
