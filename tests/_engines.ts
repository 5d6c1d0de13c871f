/**
 * NATS and Redis servers for the tests: Debian's `nats-server` and
 * `redis-server` (scripts/engines.sh installs them), each started on a free
 * loopback port, killed and restarted on the same port when a test says so,
 * and stopped by its PID. A test whose engine is not installed is a skip with
 * its reason.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import process from "node:process";
import { type Spawned, spawnProgram } from "./_child.ts";

/** Which engine. */
export type EngineKind = "nats" | "redis";

/** A running engine. */
export interface Engine {
  readonly kind: EngineKind;
  readonly port: number;
  /** `nats://127.0.0.1:PORT` or `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** SIGKILLs the server; settles once it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port; settles once it is ready. */
  restart(): Promise<void>;
  /** Stops it for good (SIGKILL: the tests keep no data). */
  stop(): Promise<void>;
  /** What it printed. */
  output(): string;
}

const PROGRAMS: Record<EngineKind, string> = { nats: "nats-server", redis: "redis-server" };
const READY: Record<EngineKind, RegExp> = { nats: /Server is ready/, redis: /Ready to accept connections/ };

/** The engine's program, or undefined when it is not installed. */
export function engineProgram(kind: EngineKind): string | undefined {
  const name = PROGRAMS[kind];
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/bin", "/usr/local/bin"];
  return dirs.map((dir) => `${dir}/${name}`).find((path) => existsSync(path));
}

/** Why the tests of `kind` cannot run here, or undefined when they can. */
export function engineMissing(kind: EngineKind): string | undefined {
  if (engineProgram(kind) !== undefined) return undefined;
  return `${
    PROGRAMS[kind]
  } is not installed (scripts/engines.sh installs it from Debian's packages; it could not here)`;
}

/** A free loopback port, as the kernel hands one out. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function argsOf(kind: EngineKind, port: number, extra: string[]): string[] {
  if (kind === "nats") return ["-a", "127.0.0.1", "-p", String(port), ...extra];
  return ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...extra];
}

/** Starts `kind` on a free port; `extra` goes on its command line (a function of the port: for a TLS port). */
export async function startEngine(
  kind: EngineKind,
  extra: string[] | ((port: number) => string[]) = [],
): Promise<Engine> {
  const program = engineProgram(kind);
  if (program === undefined) throw new Error(engineMissing(kind));
  const port = await freePort();
  let output = "";
  let child: Spawned | undefined;
  const launch = async () => {
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => ready = resolve);
    const at = output.length;
    const onText = (text: string) => {
      output += text;
      if (READY[kind].test(output.slice(at))) ready();
    };
    const more = typeof extra === "function" ? extra(port) : extra;
    const started = spawnProgram(program, argsOf(kind, port, more), onText, onText);
    child = started;
    const exited = started.exited.then((code) => {
      throw new Error(`${PROGRAMS[kind]} exited (${code}) before it was ready:\n${output}`);
    });
    await Promise.race([isReady, exited]);
    exited.catch(() => {});
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (running === undefined) return;
    running.kill("SIGKILL");
    await running.exited;
  };
  await launch();
  return {
    kind,
    port,
    url: `${kind}://127.0.0.1:${port}`,
    kill,
    restart: launch,
    stop: kill,
    output: () => output,
  };
}
