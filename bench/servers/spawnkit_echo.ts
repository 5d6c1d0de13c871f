/**
 * The spawnkit echo server the bench measures, on Deno and on Bun: the
 * README's echo handler (the `for await` loop), or with `--callbacks` the
 * callback shape (`frame` returns `conn.sendOwned(frame)`, as
 * examples/echo.ts's `echoCallbacks`), a silent logger, and the bench control frames
 * (`~gc`, `~broadcast` through `server.broadcast()`, `~shutdown` timed from
 * `shutdown({ quietPeriod: 0 })` to `finished`; see bench/README.md).
 *
 *   deno run -A --v8-flags=--expose-gc bench/servers/spawnkit_echo.ts
 *   bun bench/servers/spawnkit_echo.ts [--callbacks]
 *
 * @module
 */
import process from "node:process";
import { type CallbackHandler, type Connection, serve, type Server, silentLogger } from "../../mod.ts";
import { collectGarbage } from "./_gc.ts";

const TILDE = 0x7e;
const decoder = new TextDecoder();

async function control(server: Server, conn: Connection, frame: Uint8Array): Promise<void> {
  const name = decoder.decode(frame);
  if (name === "~gc") {
    collectGarbage();
    await conn.send(frame);
  } else if (name === "~broadcast") {
    server.broadcast(frame);
  } else if (name === "~shutdown") {
    // Not awaited: this handler is one of the connections being shut down. No quiet period: the default waits
    // 0.25 s by design for frames on their way, which the raw servers and Erlang do not, and this measures the work.
    const started = performance.now();
    void server.shutdown({ quietPeriod: 0 }).then(() => server.finished).then(() => {
      console.log(`shutdown_ms=${(performance.now() - started).toFixed(3)}`);
      process.exit(0);
    });
  }
}

async function loop(conn: Connection): Promise<void> {
  for await (const frame of conn) {
    if (frame.length < 16 && frame[0] === TILDE) await control(server, conn, frame);
    else await conn.send(frame);
  }
}

const callbacks: CallbackHandler = {
  frame(conn, frame) {
    if (frame.length < 16 && frame[0] === TILDE) return control(server, conn, frame);
    return conn.sendOwned(frame);
  },
};

const handler = process.argv.includes("--callbacks") ? callbacks : loop;
const server: Server = await serve({ port: 0, logger: silentLogger }, handler);
console.log(`listening on 127.0.0.1:${server.addr.port} pid=${process.pid}`);
