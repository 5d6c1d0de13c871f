/**
 * What the bench needs before it measures: the load generator built from
 * bench/load/ with g++, the runtimes found, and Erlang installed from Debian's
 * packages where it can be. Anything missing is skipped with a printed reason.
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { run } from "./_processes.ts";

/** The folder of this file. */
export const BENCH_DIR: string = dirname(new URL(import.meta.url).pathname);
/** The repository root. */
export const ROOT: string = dirname(BENCH_DIR);

/** Builds the load generator if a source is newer than the binary; returns its path. */
export async function buildLoadGenerator(): Promise<string> {
  const sources = join(BENCH_DIR, "load");
  const binary = join(BENCH_DIR, ".build", "load");
  const files = readdirSync(sources).map((name) => join(sources, name));
  const newest = Math.max(...files.map((file) => statSync(file).mtimeMs));
  if (existsSync(binary) && statSync(binary).mtimeMs >= newest) return binary;
  mkdirSync(dirname(binary), { recursive: true });
  const cc = files.filter((file) => file.endsWith(".cc"));
  // Built under a name of its own, then renamed into place: two test runs building at once (the suite's two lanes)
  // each get a whole binary, never one the other is halfway through writing.
  const building = `${binary}.${process.pid}.${Date.now()}`;
  const { code, output } = await run("g++", ["-O2", "-std=c++17", "-Wall", "-o", building, ...cc]);
  if (code !== 0) {
    rmSync(building, { force: true });
    throw new Error(`Cannot build the load generator (g++ ${code}):\n${output}`);
  }
  renameSync(building, binary);
  return binary;
}

/** The path of a runtime's binary: node_modules/.bin first (npm install puts deno and bun there), then PATH. */
export async function findRuntime(name: "deno" | "bun" | "node"): Promise<string | undefined> {
  const local = join(ROOT, "node_modules", ".bin", name);
  if (existsSync(local)) return local;
  const { code } = await run(name, ["--version"]);
  return code === 0 ? name : undefined;
}

/** The runtime's version line, for the results header. */
export async function versionOf(command: string, args = ["--version"]): Promise<string> {
  const { code, output } = await run(command, args);
  return code === 0 ? output.trim().split("\n")[0]! : "unknown";
}

/**
 * Makes sure `erl` and `escript` exist, installing Debian's erlang-base when allowed
 * (root, apt-get present). Returns undefined when ready, else why Erlang is skipped.
 */
export async function ensureErlang(install: boolean): Promise<string | undefined> {
  if (await erlangRelease() !== undefined) return undefined;
  if (!install) return "escript not found and --no-install given";
  if (process.getuid?.() !== 0) return "escript not found, and installing erlang-base needs root";
  if ((await run("apt-get", ["--version"])).code !== 0) return "escript not found and apt-get is not available";
  process.env.DEBIAN_FRONTEND = "noninteractive";
  console.error("installing erlang-base from Debian's packages (apt-get update, apt-get install)...");
  const update = await run("apt-get", ["update"]);
  if (update.code !== 0) return `apt-get update failed: ${update.output.trim().split("\n").pop()}`;
  const installed = await run("apt-get", ["install", "-y", "--no-install-recommends", "erlang-base"]);
  if (installed.code !== 0) return `apt-get install erlang-base failed: ${installed.output.trim().split("\n").pop()}`;
  return await erlangRelease() === undefined ? "erl still not found after installing erlang-base" : undefined;
}

/** The OTP release of the installed Erlang, or undefined when there is none. */
export async function erlangRelease(): Promise<string | undefined> {
  const { code, output } = await run("erl", [
    "-noshell",
    "-eval",
    'io:format("~s~n", [erlang:system_info(otp_release)]), halt().',
  ]);
  return code === 0 ? output.trim() : undefined;
}
