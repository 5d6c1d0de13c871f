/**
 * A chat room: every frame a client sends goes to every other client, as
 * "<id>: <text>". It shows broadcast with a filter, post() into a connection's
 * mailbox, the receive-loop shape of `conn.events()` with ticks, and guards.
 *
 *   deno run -A examples/chat_server.ts --port 7001
 *   bun examples/chat_server.ts --port 7001
 *
 * Commands: a frame "/who" answers with the ids online; "/to ID TEXT" posts TEXT
 * to one connection's mailbox, which sends it as "<from> (private): TEXT".
 * A client idle for 60 seconds gets a "ping" frame on every tick after that.
 *
 * @module
 */
import process from "node:process";
import { type Connection, serve, type Server, silentLogger } from "../mod.ts";
import { intFlag, parseFlags, runCli } from "./_flags.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Private {
  readonly from: number;
  readonly text: string;
}

/** The chat handler: one receive loop per connection. */
export async function chat(conn: Connection, server: Server): Promise<void> {
  server.broadcast(encoder.encode(`${conn.id} joined`), (other) => other !== conn);
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
  server.broadcast(encoder.encode(`${conn.id} left`), (other) => other !== conn);
}

async function handleLine(server: Server, conn: Connection, line: string): Promise<void> {
  if (line === "/who") {
    await conn.send(encoder.encode(`online: ${[...server.connections()].map((c) => c.id).join(" ")}`));
    return;
  }
  const direct = /^\/to (\d+) (.*)$/s.exec(line);
  if (direct !== null) {
    const delivered = server.post(Number(direct[1]), { from: conn.id, text: direct[2]! } satisfies Private);
    if (!delivered) await conn.send(encoder.encode(`no connection ${direct[1]}`));
    return;
  }
  server.broadcast(encoder.encode(`${conn.id}: ${line}`), (other) => other !== conn);
}

if (import.meta.main) {
  await runCli("chat_server", async () => {
    const flags = parseFlags(process.argv.slice(2), { port: { type: "string" }, host: { type: "string" } });
    const port = intFlag("port", flags.port, 0, 65535) ?? 7001;
    const server = await serve(
      // A chat peer that stops reading is dropped rather than allowed to hold the room's memory.
      { port, hostname: flags.host ?? "127.0.0.1", logger: silentLogger, slowConsumer: "disconnect", idleTimeout: 600 },
      chat,
    );
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await server.shutdown({ timeout: 5 });
      process.exit(0);
    };
    process.on("SIGINT", () => void stop());
    process.on("SIGTERM", () => void stop());
    console.log(`listening on ${server.addr.hostname}:${server.addr.port}`);
  });
}
