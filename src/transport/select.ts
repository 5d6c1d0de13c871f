/**
 * Picks the transport for the runtime the kit is running on. This is the one
 * place that asks which runtime it is; each adapter is loaded by a dynamic
 * import of a static string, so bundlers still see every adapter.
 *
 * @module
 */
import type { Transport } from "./types.ts";

/** True on Deno. */
export function isDeno(): boolean {
  return typeof (globalThis as { Deno?: { version?: { deno?: string } } }).Deno?.version?.deno === "string";
}

/** True on Bun. */
export function isBun(): boolean {
  return typeof (globalThis as { Bun?: { version?: string } }).Bun?.version === "string";
}

/** True on Node (and not on Deno or Bun, which also answer to `process.versions.node`). */
export function isNode(): boolean {
  const process = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return !isDeno() && !isBun() && typeof process?.versions?.node === "string";
}

let chosen: Promise<Transport> | undefined;

/**
 * The transport for this runtime, loaded once.
 *
 * @throws {Error} on a runtime without an adapter.
 */
export function defaultTransport(): Promise<Transport> {
  chosen ??= load();
  return chosen;
}

async function load(): Promise<Transport> {
  if (isDeno()) return (await import("./deno.ts")).denoTransport;
  if (isBun()) return (await import("./bun.ts")).bunTransport;
  if (isNode()) return (await import("./node.ts")).nodeTransport;
  throw new Error("Cannot choose a transport: this runtime is neither Deno, Bun nor Node");
}
