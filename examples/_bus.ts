/**
 * The engine of --nats URL or --redis URL, for the example servers that can
 * be one node of a cluster over it, with the engine's credentials and TLS.
 *
 * Names and file paths come as flags: --nats-user NAME, --nats-creds FILE (a
 * credentials file), --nats-ca FILE and --redis-ca FILE (the CA that signed
 * the engine's TLS certificate; TLS on). Secrets come from the environment,
 * never from a flag, because any user of the machine can read a process's
 * command line (`ps`): NATS_PASSWORD (with --nats-user), NATS_TOKEN,
 * REDIS_PASSWORD (the ACL user's password, with --redis-user, or
 * `requirepass`'s). The same names as the NATS and Redis tools'. A password
 * in the URL works too, but shows in `ps`. The address is printed without
 * its credentials.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { consoleWarnLogger, redactUrl } from "spawnkit";
import { connectNatsBus, type EngineBus } from "spawnkit/nats";
import { connectRedisBus } from "spawnkit/redis";
import { UsageError } from "./_flags.ts";

/** The flags {@linkcode openBus} reads; spread them into `parseFlags`' options. */
export const BUS_FLAGS = {
  nats: { type: "string" },
  redis: { type: "string" },
  "nats-user": { type: "string" },
  "nats-creds": { type: "string" },
  "nats-ca": { type: "string" },
  "redis-user": { type: "string" },
  "redis-ca": { type: "string" },
} as const;

/** The values of {@linkcode BUS_FLAGS}. */
export type BusFlags = Partial<Record<keyof typeof BUS_FLAGS, string | undefined>>;

/** An engine's bus, and where it is, fit to print. */
export interface OpenedBus {
  readonly bus: EngineBus;
  /** The URL without its credentials. */
  readonly address: string;
}

function caOf(flag: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`--${flag}: cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * The engine's bus of --nats or --redis, or nothing. Both flags, an engine that cannot be reached or refuses the
 * credentials is a usage error (its message names the engine without credentials).
 */
export async function openBus(
  flags: BusFlags,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<OpenedBus | undefined> {
  const { nats, redis } = flags;
  if (nats !== undefined && redis !== undefined) throw new UsageError("--nats and --redis: choose one");
  const engine = nats !== undefined ? "nats" : redis !== undefined ? "redis" : undefined;
  if (engine === undefined) {
    const stray = Object.keys(BUS_FLAGS).find((name) => name.includes("-") && flags[name as keyof BusFlags]);
    if (stray !== undefined) throw new UsageError(`--${stray} goes with --${stray.split("-")[0]}`);
    return undefined;
  }
  const logger = consoleWarnLogger;
  try {
    if (nats !== undefined) {
      const ca = caOf("nats-ca", flags["nats-ca"]);
      const bus = await connectNatsBus({
        servers: nats,
        logger,
        ...(flags["nats-user"] === undefined ? {} : { user: flags["nats-user"], pass: env.NATS_PASSWORD }),
        ...(env.NATS_TOKEN === undefined ? {} : { token: env.NATS_TOKEN }),
        ...(flags["nats-creds"] === undefined ? {} : { credentialsFile: flags["nats-creds"] }),
        ...(ca === undefined ? {} : { tls: { ca } }),
      });
      return { bus, address: redactUrl(nats) };
    }
    const ca = caOf("redis-ca", flags["redis-ca"]);
    const bus = await connectRedisBus({
      url: redis!,
      logger,
      ...(flags["redis-user"] === undefined ? {} : { username: flags["redis-user"] }),
      ...(env.REDIS_PASSWORD === undefined ? {} : { password: env.REDIS_PASSWORD }),
      ...(ca === undefined ? {} : { tls: { ca } }),
    });
    return { bus, address: redactUrl(redis!) };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--${engine}: ${(error as Error).message}`);
  }
}

/**
 * The bus of `flags` in a worker thread of a set on an engine (`serveWorkers({ engine })` calls it in every worker,
 * and the supervisor): the same flags, the secrets from this process's environment, shared by its threads.
 */
export async function connectBus(flags: BusFlags): Promise<EngineBus> {
  const opened = await openBus(flags);
  if (opened === undefined) throw new UsageError("--nats or --redis: one is needed for a worker on an engine");
  return opened.bus;
}

/** What `serveWorkers({ engine })` takes for the engine of `flags`: every worker connects with the same flags. */
export function workersEngine(flags: BusFlags): { module: URL; exportName: string; options: BusFlags } {
  const options = Object.fromEntries(Object.keys(BUS_FLAGS).map((name) => [name, flags[name as keyof BusFlags]]));
  return { module: new URL(import.meta.url), exportName: "connectBus", options };
}
