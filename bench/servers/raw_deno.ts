/**
 * The raw Deno baseline: Deno.listen with conn.read/conn.write and framing by
 * hand. Each read's complete frames go back in one write, as the bytes came;
 * a partial frame waits at the front of the buffer for the next read. It
 * understands the bench control frames (`~gc`, `~broadcast`, `~shutdown`, see
 * bench/README.md), sent alone on a connection of their own.
 *
 *   deno run -A --v8-flags=--expose-gc bench/servers/raw_deno.ts
 *
 * @module
 */
import { collectGarbage } from "./_gc.ts";

const TILDE = 0x7e;
const FIRST_BUFFER = 4096;

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const conns = new Set<Deno.TcpConn>();
const loops = new Set<Promise<void>>();
console.log(`listening on 127.0.0.1:${listener.addr.port} pid=${Deno.pid}`);

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

async function echo(conn: Deno.TcpConn): Promise<void> {
  conns.add(conn);
  let buf = new Uint8Array(FIRST_BUFFER);
  let len = 0;
  try {
    conn.setNoDelay(true);
    while (true) {
      const n = await conn.read(buf.subarray(len));
      if (n === null) break;
      len += n;
      let at = 0;
      let need = 0;
      while (len - at >= 4) {
        const size = ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
        if (len - at - 4 < size) {
          need = 4 + size;
          break;
        }
        if (size < 16 && buf[at + 4] === TILDE) {
          if (at > 0) await writeAll(conn, buf.subarray(0, at));
          await control(conn, buf.slice(at, at + 4 + size));
          buf.copyWithin(0, at + 4 + size, len);
          len -= at + 4 + size;
          at = 0;
          continue;
        }
        at += 4 + size;
      }
      if (at > 0) {
        await writeAll(conn, buf.subarray(0, at));
        buf.copyWithin(0, at, len);
        len -= at;
      }
      if (need > buf.length || len === buf.length) {
        const grown = new Uint8Array(Math.max(need, buf.length * 2));
        grown.set(buf.subarray(0, len));
        buf = grown;
      }
    }
  } catch {
    /* reset or closed by shutdown: the connection is over */
  } finally {
    conns.delete(conn);
    try {
      conn.close();
    } catch { /* already closed */ }
  }
}

async function control(conn: Deno.TcpConn, frame: Uint8Array): Promise<void> {
  const name = new TextDecoder().decode(frame.subarray(4));
  if (name === "~gc") {
    collectGarbage();
    await writeAll(conn, frame);
  } else if (name === "~broadcast") {
    for (const c of conns) c.write(frame).catch(() => {});
  } else if (name === "~shutdown") {
    void shutdown();
  }
}

async function shutdown(): Promise<void> {
  const started = performance.now();
  listener.close();
  for (const c of conns) {
    try {
      c.close();
    } catch { /* already closed */ }
  }
  await Promise.allSettled(loops);
  console.log(`shutdown_ms=${(performance.now() - started).toFixed(3)}`);
  Deno.exit(0);
}

try {
  for await (const conn of listener) {
    const loop = echo(conn);
    loops.add(loop);
    loop.finally(() => loops.delete(loop));
  }
} catch { /* the listener closed */ }
