/**
 * The chat room's handler: every frame a client sends goes to every other
 * client, as "<id>: <text>". It shows broadcast to all but one (by id, so
 * that it crosses to every node of a cluster), post() into a
 * connection's mailbox, and the receive-loop shape of `conn.events()` with
 * ticks. examples/chat_server.ts serves it.
 *
 * Commands: a frame "/who" answers with the count online and the ids on this
 * server (a node of a cluster lists its own: listing every node's is an
 * explicit request, `cluster.fetchConnections()`); "/to ID TEXT" posts TEXT
 * to one connection's mailbox, which sends it as "<from> (private): TEXT".
 * A client idle for 60 seconds gets a "ping" frame on every tick after that.
 *
 * @module
 */
import type { Connection, Server } from "spawnkit";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Private {
  readonly from: number;
  readonly text: string;
}

/** The chat handler: one receive loop per connection. */
export async function chat(conn: Connection, server: Server): Promise<void> {
  server.broadcast(encoder.encode(`${conn.id} joined`), { except: [conn.id] });
  for await (const event of conn.events({ ticks: true })) {
    if (event.type === "tick") {
      if (event.idleSeconds >= 60) await conn.send(encoder.encode("ping"));
    } else if (event.type === "message") {
      const { from, text } = event.message as Private;
      await conn.send(encoder.encode(`${from} (private): ${text}`));
    } else {
      await handleLine(server, conn, decoder.decode(event.frame));
    }
  }
  server.broadcast(encoder.encode(`${conn.id} left`), { except: [conn.id] });
}

async function handleLine(server: Server, conn: Connection, line: string): Promise<void> {
  if (line === "/who") {
    const here = [...server.connections()].map((c) => c.id).join(" ");
    await conn.send(encoder.encode(`online: ${server.size}, here: ${here}`));
    return;
  }
  const direct = /^\/to (\d+) (.*)$/s.exec(line);
  if (direct !== null) {
    const delivered = server.post(Number(direct[1]), { from: conn.id, text: direct[2]! } satisfies Private);
    if (!delivered) await conn.send(encoder.encode(`no connection ${direct[1]}`));
    return;
  }
  server.broadcast(encoder.encode(`${conn.id}: ${line}`), { except: [conn.id] });
}
