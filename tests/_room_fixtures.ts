/**
 * A room handler for the rooms' tests: each frame is a command.
 *
 *   join R | leave R | say R TEXT (to all of R) | sayx R TEXT (to R but the sender)
 *   sayto R ID TEXT (to R but connection ID) | rooms | size R | id | crash | quit
 *
 * Answers (rooms, size, id, join's result) come back as one frame.
 *
 * @module
 */
import type { Connection, Server } from "../mod.ts";
import { decoder, text } from "./_fixtures.ts";

/** Runs the room commands of one connection. */
export async function roomCommands(conn: Connection, server: Server): Promise<void> {
  for await (const frame of conn) {
    const [command, room = "", ...rest] = decoder.decode(frame).split(" ");
    const { rooms } = server;
    switch (command) {
      case "join":
        try {
          await conn.send(text(String(rooms.join(conn, room))));
        } catch (error) {
          await conn.send(text(`${(error as Error).name}: ${(error as Error).message}`));
        }
        break;
      case "leave":
        await conn.send(text(String(rooms.leave(conn, room))));
        break;
      case "say":
        rooms.broadcast(room, text(rest.join(" ")));
        break;
      case "sayx":
        rooms.broadcast(room, text(rest.join(" ")), conn);
        break;
      case "sayto":
        rooms.broadcast(room, text(rest.slice(1).join(" ")), Number(rest[0]));
        break;
      case "rooms":
        await conn.send(text(rooms.of(conn).sort().join(",")));
        break;
      case "size":
        await conn.send(text(String(rooms.size(room))));
        break;
      case "id":
        await conn.send(text(String(conn.id)));
        break;
      case "crash":
        throw new Error("crash requested");
      case "quit":
        return;
    }
  }
}

/** Sends `command` and reads its one-frame answer. */
export async function ask(conn: Connection, command: string): Promise<string> {
  await conn.send(text(command));
  return decoder.decode((await conn.receive())!);
}
