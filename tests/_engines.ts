/**
 * NATS and Redis servers for the tests: Debian's `nats-server` and
 * `redis-server` (scripts/engines.sh installs them), each started on a
 * loopback port of its own, killed and restarted on the same port when a test
 * says so, and stopped by its PID. A test whose engine is not installed is a
 * skip with its reason, except in CI (`CI=true`), where it runs and fails.
 *
 * Ports: nats-server listens on a port the kernel picks (`-p -1`) and says
 * which; redis-server cannot, so it gets a free port and, if another socket
 * took that port before the server bound it, starts again on a fresh one. A
 * restart binds the same port again, retrying a bounded number of times while
 * the port is still taken.
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

/** Why `kind` cannot be started here, or undefined when it can. */
function whyMissing(kind: EngineKind): string | undefined {
  if (engineProgram(kind) !== undefined) return undefined;
  return `${
    PROGRAMS[kind]
  } is not installed (scripts/engines.sh installs it from Debian's packages; it could not here)`;
}

/**
 * Why the tests of `kind` are skipped here, or undefined when they run. In CI
 * (`CI=true`) they always run: a missing engine fails them (startEngine throws
 * the reason) rather than letting them skip while the run stays green.
 */
export function engineMissing(kind: EngineKind): string | undefined {
  return process.env.CI === "true" ? undefined : whyMissing(kind);
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

/** `port` -1: nats-server picks one (redis-server has no such choice: 0 turns its TCP listener off). */
function argsOf(kind: EngineKind, port: number, extra: string[]): string[] {
  if (kind === "nats") return ["-a", "127.0.0.1", "-p", String(port), ...extra];
  return ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...extra];
}

/** How each engine says its port was taken, and which port it listens on. */
const IN_USE = /address already in use/i;
const NATS_PORT = /Listening for client connections on \S*:(\d+)/;
/** Tries to bind before giving up, 50 ms apart: a port still held by a socket in TIME_WAIT or by another test. */
const BIND_TRIES = 40;

/** Starts `kind` on a port of its own; `extra` goes on its command line (a function of the port: for a TLS port). */
export async function startEngine(
  kind: EngineKind,
  extra: string[] | ((port: number) => string[]) = [],
): Promise<Engine> {
  const program = engineProgram(kind);
  if (program === undefined) throw new Error(whyMissing(kind));
  let port = 0;
  let output = "";
  let child: Spawned | undefined;
  /** One start on `wanted` (-1: the kernel's choice); the port it listens on. */
  const once = async (wanted: number) => {
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => ready = resolve);
    const at = output.length;
    const onText = (text: string) => {
      output += text;
      if (READY[kind].test(output.slice(at))) ready();
    };
    const more = typeof extra === "function" ? extra(wanted) : extra;
    const started = spawnProgram(program, argsOf(kind, wanted, more), onText, onText);
    child = started;
    const exited = started.exited.then((code) => {
      const error = new Error(`${PROGRAMS[kind]} exited (${code}) before it was ready:\n${output.slice(at)}`);
      throw Object.assign(error, { inUse: IN_USE.test(output.slice(at)) });
    });
    await Promise.race([isReady, exited]);
    exited.catch(() => {});
    if (wanted !== -1) return wanted;
    const said = NATS_PORT.exec(output.slice(at))?.[1];
    if (said === undefined) throw new Error(`${PROGRAMS[kind]} did not say its port:\n${output.slice(at)}`);
    return Number(said);
  };
  /** Starts on `fixed` or, when undefined, on a port of its own; retries while the port is taken. */
  const launch = async (fixed?: number) => {
    for (let tries = 1;; tries++) {
      try {
        return await once(fixed ?? (kind === "nats" ? -1 : await freePort()));
      } catch (error) {
        if ((error as { inUse?: boolean }).inUse !== true || tries === BIND_TRIES) throw error;
        // A fresh port at once; the same port once its holder has had time to let go.
        if (fixed !== undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (running === undefined) return;
    running.kill("SIGKILL");
    await running.exited;
  };
  port = await launch();
  return {
    kind,
    port,
    url: `${kind}://127.0.0.1:${port}`,
    kill,
    restart: async () => void await launch(port),
    stop: kill,
    output: () => output,
  };
}
