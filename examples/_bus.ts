/**
 * The engine of --nats URL or --redis URL, for the example servers that can
 * be one node of a cluster over it.
 *
 * @module
 */
import { consoleWarnLogger, type EngineBus } from "spawnkit";
import { connectNatsBus } from "spawnkit/nats";
import { connectRedisBus } from "spawnkit/redis";
import { UsageError } from "./_flags.ts";

/**
 * The engine's bus of --nats or --redis, or nothing. Both flags, an engine with --workers, or an engine that cannot be
 * reached is a usage error.
 */
export async function openBus(
  nats: string | undefined,
  redis: string | undefined,
  workers: number | undefined,
): Promise<EngineBus | undefined> {
  if (nats !== undefined && redis !== undefined) throw new UsageError("--nats and --redis: choose one");
  const engine = nats !== undefined ? "nats" : redis !== undefined ? "redis" : undefined;
  if (engine !== undefined && workers !== undefined) {
    // A worker set is a cluster of its own over its hub; its threads would be a second cluster beside the engine's.
    throw new UsageError(`--workers and --${engine} go separately: run one process per core, each with --${engine}`);
  }
  try {
    if (nats !== undefined) return await connectNatsBus({ servers: nats, logger: consoleWarnLogger });
    if (redis !== undefined) return await connectRedisBus({ url: redis, logger: consoleWarnLogger });
  } catch (error) {
    throw new UsageError(`--${nats !== undefined ? "nats" : "redis"}: ${(error as Error).message}`);
  }
  return undefined;
}
