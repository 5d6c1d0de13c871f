/**
 * A worker set on an engine (NATS, Redis): each worker connects a bus of its
 * own to the engine and is a node of the engine's cluster, reachable from the
 * other machines' nodes; the supervisor connects one more, to observe.
 *
 * Why each worker a node, not the hub bridging to the engine: a bridge in the
 * supervisor's thread would put every cross-machine message through one
 * thread (and one more hop, a structured clone each way), where a worker on
 * the engine publishes and receives on its own thread; and with presence at
 * O(nodes + rooms), 16 nodes per machine cost the others a count and a few
 * rooms each. What it costs: traffic between two workers of one machine goes
 * through the engine (a loopback or LAN hop, about 1 ms for a post's round
 * trip on NATS in bench/CLUSTER.md) instead of MessagePorts.
 *
 * @module
 */
import { type Bus, claimNode } from "../../../mod.ts";

/** How each worker (and the supervisor) connects its bus to the engine. */
export interface WorkerEngine {
  /** A module every worker imports (a path is resolved from the working directory). */
  readonly module: URL | string;
  /** Its export: a function of `options` that settles with a connected bus. @default {"connectBus"} */
  readonly exportName?: string;
  /** Given to that function in every thread (structured-cloned: plain data, no secrets in it you would not put in a thread). */
  readonly options?: unknown;
}

/** `engine` with its module's URL resolved, fit to cross to a thread. */
export function resolveEngine(engine: WorkerEngine | undefined, cwd: string): WorkerEngine | undefined {
  if (engine === undefined) return undefined;
  if (
    typeof engine !== "object" || engine === null ||
    !(typeof engine.module === "string" || engine.module instanceof URL)
  ) {
    throw new TypeError("Cannot serve workers on this engine: engine.module must be a path or a URL");
  }
  const module = new URL(engine.module, `file://${cwd}/`).href;
  return { module, exportName: engine.exportName ?? "connectBus", options: engine.options };
}

/** Connects a bus to `engine` (resolved) from this thread. */
export async function connectEngine(engine: WorkerEngine): Promise<Bus> {
  const module = await import(String(engine.module)) as Record<string, unknown>;
  const connect = module[engine.exportName ?? "connectBus"];
  if (typeof connect !== "function") {
    throw new TypeError(`Cannot serve workers on this engine: ${engine.module} has no function ${engine.exportName}`);
  }
  return await connect(engine.options) as Bus;
}

/** A bus on `engine` and a node number claimed on it. */
export async function joinEngine(engine: WorkerEngine): Promise<{ bus: Bus; node: number }> {
  const bus = await connectEngine(engine);
  try {
    return { bus, node: await claimNode(bus) };
  } catch (error) {
    await bus.close();
    throw error;
  }
}
