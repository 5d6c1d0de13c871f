/**
 * A node for the cluster bench (bench/cluster.ts): `cluster_node.ts none`
 * (one server alone) or `cluster_node.ts nats|redis URL`. Control frames:
 *
 *   ~broadcast          server.broadcast() of the frame to every connection of every node
 *   ~ping ID            posts to connection ID (any node); its handler posts back, and this
 *                       connection gets "~pong" (the cross-node post round trip)
 *   ~id                 answers the connection's id
 *   ~size               answers server.size
 *
 * Prints `listening on 127.0.0.1:PORT pid=PID`.
 *
 * @module
 */
import process from "node:process";
import { claimNode, type Cluster, joinCluster, serve, silentLogger } from "../../mod.ts";
import type { EngineBus } from "../../src/_internal.ts";
import { connectNatsBus } from "../../src/edges/nats/nats.ts";
import { connectRedisBus } from "../../src/edges/redis/redis.ts";

type Note = { readonly ping?: number; readonly pong?: true };
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const PONG = encoder.encode("~pong");

const [engine = "none", url = ""] = process.argv.slice(2);
let bus: EngineBus | undefined;
if (engine === "nats") bus = await connectNatsBus({ servers: url, logger: silentLogger });
if (engine === "redis") bus = await connectRedisBus({ url, logger: silentLogger });
let cluster: Cluster | undefined;
if (bus !== undefined) cluster = joinCluster<Note>({ bus, node: await claimNode(bus), logger: silentLogger });

const server = await serve<Note>(
  { port: 0, logger: silentLogger, cluster, maxConnections: 20_000, maxConnectionsPerAddress: 20_000 },
  async (conn, server) => {
    for await (const event of conn.events()) {
      if (event.type === "message") {
        if (event.message.ping !== undefined) server.post(event.message.ping, { pong: true });
        else await conn.send(PONG);
        continue;
      }
      if (event.type !== "frame" || event.frame[0] !== 0x7e) continue;
      const [command, arg] = decoder.decode(event.frame).split(" ");
      if (command === "~broadcast") server.broadcast(event.frame);
      else if (command === "~ping") server.post(Number(arg), { ping: conn.id });
      else if (command === "~id") await conn.send(encoder.encode(String(conn.id)));
      else if (command === "~size") await conn.send(encoder.encode(String(server.size)));
    }
  },
);
console.log(`listening on 127.0.0.1:${server.addr.port} pid=${process.pid}`);
