import process from "node:process";
import { connect } from "spawnkit";

const conn = await connect({ port: Number(process.argv[2] ?? 7000) });
await conn.send(new TextEncoder().encode("hello"));
console.log(new TextDecoder().decode(await conn.receive())); // HELLO
conn.close();
