import process from "node:process";
import { serve } from "spawnkit";

// One loop per connection: each frame comes back in capitals, until the client leaves.
const server = await serve({ port: Number(process.argv[2] ?? 7000) }, async (conn) => {
  for await (const frame of conn) {
    const text = new TextDecoder().decode(frame);
    await conn.send(new TextEncoder().encode(text.toUpperCase()));
  }
});
console.log(`listening on ${server.addr.hostname}:${server.addr.port}`);
