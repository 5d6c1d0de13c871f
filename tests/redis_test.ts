/**
 * spawnkit/redis against a real redis-server (Debian's), started for each
 * test on a free loopback port: see _engine_cluster.ts.
 *
 * @module
 */
import { silentLogger } from "../mod.ts";
import { connectRedisBus } from "../src/edges/redis/redis.ts";
import { engineTests } from "./_engine_cluster.ts";

engineTests("redis", (url, options) => connectRedisBus({ url, logger: silentLogger, ...options }));
