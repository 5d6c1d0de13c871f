/**
 * The server side of bench/partial_frames.ts: an echo server of the spawnkit
 * tree whose `mod.ts` is the first argument (the current tree or an earlier
 * one), so that two versions run the same script. It prints `port=N`, then
 * answers lines on stdin: `size` (`size=N`, connections open) and `gc` (a full
 * collection, then `gc`).
 *
 * @module
 */
import process from "node:process";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { collectGarbage } from "./_gc.ts";

const mod = await import(pathToFileURL(process.argv.at(-1)!).href);
const server = await mod.serve({ port: 0, logger: mod.silentLogger }, async (conn: AsyncIterable<Uint8Array>) => {
  for await (const _ of conn) { /* nothing comes whole */ }
});
console.log(`port=${server.addr.port}`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "size") console.log(`size=${server.size}`);
  else if (line === "gc") {
    collectGarbage();
    console.log("gc");
  } else if (line === "exit") break;
}
await server.shutdown({ timeout: 1 });
process.exit(0);
