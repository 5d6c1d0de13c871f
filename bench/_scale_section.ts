/**
 * bench/CLUSTER.md holds three parts: bench/cluster.ts writes the file's top
 * (2 nodes against one, every runtime) and, when run with `--nodes` other
 * than 2, the section after `NODES_MARK` (N nodes); bench/cluster_scale.ts
 * writes the section after `SCALE_MARK`. Each keeps the others' parts when it
 * rewrites its own.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";

/** Where the scale section begins. */
export const SCALE_MARK = "<!-- cluster_scale.ts -->";

/** Where the N-nodes section begins (it comes before the scale section). */
export const NODES_MARK = "<!-- cluster.ts --nodes -->";

/** `report` (bench/cluster.ts's top) followed by the N-nodes and scale sections already in `path`, if any. */
export function keepScaleSection(path: string, report: string): string {
  const old = existsSync(path) ? readFileSync(path, "utf8") : "";
  const nodes = old.indexOf(NODES_MARK);
  const at = nodes === -1 ? old.indexOf(SCALE_MARK) : nodes;
  return at === -1 ? report : `${report}\n${old.slice(at)}`;
}

/** The top already in `path`, then `section` (N nodes, after `NODES_MARK`), then the scale section, if any. */
export function withNodesSection(path: string, section: string): string {
  const old = existsSync(path) ? readFileSync(path, "utf8") : "";
  const nodes = old.indexOf(NODES_MARK);
  const scale = old.indexOf(SCALE_MARK);
  const top = old.slice(0, nodes !== -1 ? nodes : scale !== -1 ? scale : old.length).trimEnd();
  const rest = scale === -1 ? "" : `\n${old.slice(scale)}`;
  return `${top}\n\n${NODES_MARK}\n\n${section}${rest}`;
}

/** What is in `path` before the scale section, followed by `section`. */
export function withScaleSection(path: string, section: string): string {
  const old = existsSync(path) ? readFileSync(path, "utf8") : "";
  const at = old.indexOf(SCALE_MARK);
  return `${(at === -1 ? old : old.slice(0, at)).trimEnd()}\n\n${SCALE_MARK}\n\n${section}`;
}
