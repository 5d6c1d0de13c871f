/**
 * Starting and stopping the bench's processes: a server under test pinned to
 * one core, the load generator pinned to the other, each with `ulimit -n`
 * raised to the hard limit (10 000 connections need more than the usual 1024).
 * Written against node: built-ins so the bench runs on Deno and on Bun.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { dirname } from "node:path";
import process from "node:process";

// Servers start in the repository root: Node resolves `--import tsx` from the working directory.
const ROOT_DIR = dirname(dirname(new URL(import.meta.url).pathname));

/** The cores the server and the load generator are pinned to; none on a one-core machine. */
export const PINNING: { server: string; load: string } | undefined = availableParallelism() >= 2
  ? { server: "0", load: "1" }
  : undefined;

/** A server that printed its ready line: `listening on HOST:PORT pid=PID`. */
export interface RunningServer {
  /** The port it listens on. */
  readonly port: number;
  /** The process id it reported (the runtime's own, for /proc). */
  readonly pid: number;
  /** Lines it printed on stdout after the ready line. */
  readonly lines: string[];
  /** Settles when the process has exited. */
  readonly exited: Promise<void>;
  /** Kills it (SIGKILL) unless it has exited, and waits for the exit. */
  stop(): Promise<void>;
}

/** Wraps `argv` so that it runs with the fd limit raised, pinned to `core` if given. */
function wrapped(argv: string[], core: string | undefined): string[] {
  const pin = core === undefined ? [] : ["taskset", "-c", core];
  return ["bash", "-c", 'ulimit -n "$(ulimit -Hn)" && exec "$@"', "bench", ...pin, ...argv];
}

/**
 * Starts a server and waits for its ready line; pinned to `core` (the
 * server's core by default; undefined for none).
 *
 * @throws {Error} it exited or stayed silent for `timeoutMs` before printing the line.
 */
export function startServer(
  argv: string[],
  timeoutMs = 20_000,
  core: string | undefined = PINNING?.server,
): Promise<RunningServer> {
  const [command, ...args] = wrapped(argv, core);
  const child = spawn(command!, args, { cwd: ROOT_DIR, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  let buffered = "";
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`Cannot start ${argv.join(" ")}: no ready line after ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.stderr!.on("data", (chunk: Uint8Array) => stderr = (stderr + new TextDecoder().decode(chunk)).slice(-4000));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Cannot start ${argv.join(" ")}: exited with ${code}\n${stderr}`));
    });
    child.stdout!.on("data", (chunk: Uint8Array) => {
      buffered += new TextDecoder().decode(chunk);
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        const ready = /^listening on [\d.]+:(\d+) pid=(\d+)$/.exec(line);
        if (ready === null) {
          lines.push(line);
          continue;
        }
        clearTimeout(timer);
        const pid = Number(ready[2]);
        let gone = false;
        exited.then(() => gone = true);
        resolve({
          port: Number(ready[1]),
          pid,
          lines,
          exited,
          async stop() {
            if (!gone) {
              child.kill("SIGKILL");
              // escript and shells may fork: the reported pid is ours too.
              if (pid !== child.pid) {
                try {
                  process.kill(pid, "SIGKILL");
                } catch { /* already gone */ }
              }
            }
            await exited;
          },
        });
      }
    });
  });
}

/**
 * Runs the load generator with `args` and parses its JSON line, pinned to
 * `core` (the load's core by default; undefined for none). Its progress line
 * goes to this process's stderr.
 *
 * @throws {Error} it printed no JSON (a crash or a bad flag).
 */
export function runLoad(
  binary: string,
  args: string[],
  core: string | undefined = PINNING?.load,
): Promise<Record<string, unknown>> {
  const [command, ...rest] = wrapped([binary, ...args], core);
  const child = spawn(command!, rest, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (chunk: Uint8Array) => out += new TextDecoder().decode(chunk));
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`load ${args.join(" ")} exited with ${code} and printed: ${out.slice(-500)}`));
      }
    });
  });
}

/** Runs a command to its end; resolves with its exit code and output. */
export function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk: Uint8Array) => output = (output + new TextDecoder().decode(chunk)).slice(-20_000);
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    child.on("error", (error) => resolve({ code: -1, output: String(error) }));
    child.on("exit", (code) => resolve({ code: code ?? -1, output }));
  });
}
