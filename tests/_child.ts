/**
 * Starts an example as a child process on the runtime running the tests, and
 * waits for its "listening on HOST:PORT" line. Node runs .ts through the tsx
 * loader, as the test suite itself does.
 *
 * Deno runs children with Deno.Command: its node:child_process reports a child
 * that exited 0 after handling SIGTERM as killed by the signal.
 *
 * @module
 */
import { spawn as nodeSpawn } from "node:child_process";
import process from "node:process";
import { isDeno, isNode } from "../src/transport/select.ts";

// The few Deno APIs used here, declared so that tsc (for Node) needs no Deno typings.
interface DenoChild {
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly status: Promise<{ code: number; signal: string | null }>;
  kill(signal: string): void;
}
interface DenoCommandApi {
  Command: new (program: string, options: Record<string, unknown>) => { spawn(): DenoChild };
}

/** A child process: its output as it comes, its end, and a way to signal it. */
export interface Spawned {
  kill(signal: "SIGTERM" | "SIGINT" | "SIGKILL" | "SIGHUP"): void;
  /** Settles with the exit code, or the signal's name when a signal ended it. */
  readonly exited: Promise<number | string>;
}

/** A running example that printed its listening line. */
export interface Child extends Spawned {
  readonly port: number;
  readonly output: () => string;
}

/** The command line that runs `script` with `args` on this runtime. */
export function runtimeArgs(script: string, args: string[]): string[] {
  if (isDeno()) return ["run", "-A", script, ...args];
  return isNode() ? ["--import", "tsx", script, ...args] : [script, ...args];
}

/** Spawns `script` on this runtime; `onStdout`/`onStderr` get text as it comes. */
export function spawnScript(
  script: string,
  args: string[],
  onStdout: (text: string) => void,
  onStderr: (text: string) => void,
): Spawned {
  return spawnProgram(process.execPath, runtimeArgs(script, args), onStdout, onStderr);
}

/** Spawns any program; `onStdout`/`onStderr` get text as it comes; `env` adds to the environment. */
export function spawnProgram(
  program: string,
  args: string[],
  onStdout: (text: string) => void,
  onStderr: (text: string) => void,
  env: Record<string, string> = {},
): Spawned {
  if (isDeno()) {
    const deno = (globalThis as unknown as { Deno: DenoCommandApi }).Deno;
    const child = new deno.Command(program, { args, env, stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
    const pump = async (stream: ReadableStream<Uint8Array>, sink: (text: string) => void) => {
      for await (const text of stream.pipeThrough(new TextDecoderStream())) sink(text);
    };
    const drained = Promise.all([pump(child.stdout, onStdout), pump(child.stderr, onStderr)]);
    return {
      kill: (signal) => child.kill(signal),
      exited: Promise.all([child.status, drained]).then(([status]) => status.signal ?? status.code),
    };
  }
  const child = nodeSpawn(program, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (data) => onStdout(String(data)));
  child.stderr!.on("data", (data) => onStderr(String(data)));
  return {
    kill: (signal) => void child.kill(signal),
    exited: new Promise((resolve) => child.on("close", (code, signal) => resolve(signal ?? code ?? "unknown"))),
  };
}

/** What a program that ran to its end left: its exit code (or signal) and output. */
export interface Ran {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs `script` on this runtime to its end. */
export function runToEnd(script: string, args: string[]): Promise<Ran> {
  return runProgram(process.execPath, runtimeArgs(script, args));
}

/** Runs any program to its end; `env` adds to the environment. */
export async function runProgram(program: string, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  const child = spawnProgram(program, args, (t) => stdout += t, (t) => stderr += t, env);
  const code = await child.exited;
  return { code, stdout, stderr };
}

/** Starts `script` and waits (up to 30 s) for its listening line; `env` adds to the environment. */
export function startChild(script: string, args: string[], env: Record<string, string> = {}): Promise<Child> {
  return startProgram(process.execPath, runtimeArgs(script, args), script, env);
}

/** Starts a program and waits (up to 30 s) for its listening line; `env` adds to the environment. */
export function startProgram(
  program: string,
  args: string[],
  label = program,
  env: Record<string, string> = {},
): Promise<Child> {
  let output = "";
  return new Promise((resolve, reject) => {
    let listening = false;
    const onText = (text: string) => {
      output += text;
      const match = /^listening on [^\s:]+:(\d+)$/m.exec(output);
      if (match !== null && !listening) {
        listening = true;
        clearTimeout(timer);
        resolve({ ...child, port: Number(match[1]), output: () => output });
      }
    };
    const child = spawnProgram(program, args, onText, (text) => output += text, env);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`No listening line from ${label} in 30 s:\n${output}`));
    }, 30_000);
    void child.exited.then((code) => {
      clearTimeout(timer);
      if (!listening) reject(new Error(`${label} exited (${code}) before listening:\n${output}`));
    });
  });
}
