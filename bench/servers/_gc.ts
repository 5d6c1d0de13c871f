/**
 * A full garbage collection, so that RSS figures taken after it compare live
 * memory: Bun.gc(true) on Bun, V8's gc() on Deno and Node (run with
 * `--v8-flags=--expose-gc`, `--expose-gc`). Used by the bench servers' `~gc`
 * control frame, which also prints the memory of live ArrayBuffers
 * (`array_buffers=BYTES` on stdout): what the server holds, apart from what
 * its allocator keeps of freed memory, which RSS counts too; then the JS heap
 * in use (`heap_used=BYTES`).
 *
 * @module
 */
import process from "node:process";

/** Collects garbage now, where the runtime allows it, then prints `array_buffers=BYTES` and `heap_used=BYTES`. */
export function collectGarbage(): void {
  const g = globalThis as unknown as { Bun?: { gc(force: boolean): void }; gc?: () => void };
  if (g.Bun !== undefined) g.Bun.gc(true);
  else g.gc?.();
  // Node counts them in arrayBuffers. Deno reports 0 there, and Bun counts only the runtime's own (not those
  // made in JS): on both, external memory is mostly their backing stores. Freed ones are counted off a little
  // after a GC, so the stall scenario asks for a second GC and reads the last line.
  const memory = process.memoryUsage();
  console.log(`array_buffers=${"Deno" in globalThis || g.Bun !== undefined ? memory.external : memory.arrayBuffers}`);
  console.log(`heap_used=${memory.heapUsed}`);
}
