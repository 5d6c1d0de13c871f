/**
 * The web-streams baseline of the bench's echo scenarios: the runtime's own
 * socket streams piped through the kit's framing stages,
 * `readable.pipeThrough(new FrameDecoderStream()).pipeThrough(new FrameEncoderStream()).pipeTo(writable)`,
 * with no connection object, guards or outbox (one write per frame, as the
 * stream hands them on). On Deno the streams of `Deno.listen`; on Bun and
 * Node, node:net's socket as web streams (`Duplex.toWeb`). Opt-in, like
 * `spawnkit_pipe_echo.ts`.
 *
 *   deno run -A bench/servers/webstreams_echo.ts     bun bench/servers/webstreams_echo.ts
 *
 * @module
 */
import { createServer, type Socket } from "node:net";
import process from "node:process";
import { Duplex } from "node:stream";
import { FrameDecoderStream, FrameEncoderStream } from "../../mod.ts";

interface DenoConn {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  setNoDelay(on: boolean): void;
}
const deno = (globalThis as unknown as {
  Deno?: { listen(options: { hostname: string; port: number }): AsyncIterable<DenoConn> & { addr: { port: number } } };
}).Deno;

function echo(readable: ReadableStream<Uint8Array>, writable: WritableStream<Uint8Array>): void {
  readable.pipeThrough(new FrameDecoderStream()).pipeThrough(new FrameEncoderStream()).pipeTo(writable).catch(() => {});
}

if (deno !== undefined) {
  const listener = deno.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(`listening on 127.0.0.1:${listener.addr.port} pid=${process.pid}`);
  for await (const conn of listener) {
    conn.setNoDelay(true);
    echo(conn.readable, conn.writable);
  }
} else {
  const server = createServer({ noDelay: true }, (socket: Socket) => {
    const { readable, writable } = Duplex.toWeb(socket);
    echo(readable as ReadableStream<Uint8Array>, writable as WritableStream<Uint8Array>);
  });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address() as { port: number };
    console.log(`listening on 127.0.0.1:${address.port} pid=${process.pid}`);
  });
}
