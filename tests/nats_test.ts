/**
 * spawnkit/nats against a real nats-server (Debian's), started for each test
 * on a free loopback port: see _engine_cluster.ts.
 *
 * @module
 */
import { silentLogger } from "../mod.ts";
import { connectNatsBus } from "../src/edges/nats/nats.ts";
import { engineTests } from "./_engine_cluster.ts";

engineTests("nats", (url, options) => connectNatsBus({ servers: url, logger: silentLogger, ...options }));
