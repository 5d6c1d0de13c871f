/**
 * A full garbage collection, so that RSS figures taken after it compare live
 * memory: Bun.gc(true) on Bun, V8's gc() on Deno (run with
 * `--v8-flags=--expose-gc`). Used by the bench servers' `~gc` control frame.
 *
 * @module
 */

/** Collects garbage now, where the runtime allows it. */
export function collectGarbage(): void {
  const g = globalThis as unknown as { Bun?: { gc(force: boolean): void }; gc?: () => void };
  if (g.Bun !== undefined) g.Bun.gc(true);
  else g.gc?.();
}
