/**
 * spawnkit's echo through the stream faces, for the bench's echo scenarios:
 * `serve()` with the handler `conn.readable.pipeTo(conn.writable)`, a silent
 * logger, nothing else. Beside `spawnkit_echo.ts` (the `for await` loop) and
 * `webstreams_echo.ts` (the runtime's socket streams through
 * FrameDecoderStream and FrameEncoderStream), it shows what the faces cost.
 * Opt-in: `--servers spawnkit-deno,pipe-deno,webstreams-deno --scenarios latency,small`.
 *
 *   deno run -A bench/servers/spawnkit_pipe_echo.ts     bun bench/servers/spawnkit_pipe_echo.ts
 *
 * @module
 */
import process from "node:process";
import { serve, silentLogger } from "../../mod.ts";

const server = await serve({ port: 0, logger: silentLogger }, (conn) => conn.readable.pipeTo(conn.writable));
console.log(`listening on 127.0.0.1:${server.addr.port} pid=${process.pid}`);
