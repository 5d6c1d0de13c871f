/**
 * bench/CLUSTER.md holds two benches' results: bench/cluster.ts writes the
 * file, bench/cluster_scale.ts the section after `SCALE_MARK`. Each keeps the
 * other's part when it rewrites its own.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";

/** Where the scale section begins. */
export const SCALE_MARK = "<!-- cluster_scale.ts -->";

/** `report` (bench/cluster.ts's) followed by the scale section already in `path`, if any. */
export function keepScaleSection(path: string, report: string): string {
  const old = existsSync(path) ? readFileSync(path, "utf8") : "";
  const at = old.indexOf(SCALE_MARK);
  return at === -1 ? report : `${report}\n${old.slice(at)}`;
}

/** What is in `path` before the scale section, followed by `section`. */
export function withScaleSection(path: string, section: string): string {
  const old = existsSync(path) ? readFileSync(path, "utf8") : "";
  const at = old.indexOf(SCALE_MARK);
  return `${(at === -1 ? old : old.slice(0, at)).trimEnd()}\n\n${SCALE_MARK}\n\n${section}`;
}
