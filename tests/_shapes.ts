/**
 * The handler shapes side by side, for tests that assert they behave alike:
 * one protocol (echo every frame; the frame "hold" waits for the test's gate,
 * then answers "held"; a posted message is answered "msg:<message>") written
 * as the `for await` loop, as loops over `conn.batches()`, and as callbacks,
 * each run on a FramedConnection over a ScriptedSocket, so that every read
 * and write happens when the test says.
 *
 * @module
 */
import type { CallbackHandler } from "../mod.ts";
import type { Connection } from "../src/core/connection/connection.ts";
import { DeferredFlush } from "../src/core/connection/deferred_flush.ts";
import type { ConnectionSettings } from "../src/core/connection/connection_settings.ts";
import { FramedConnection } from "../src/core/connection/framed_connection.ts";
import type { Server } from "../src/core/server/server.ts";
import { decoder, text } from "./_fixtures.ts";
import { ScriptedSocket, settingsOf } from "./_memory.ts";

/** Opens and closes the gate a "hold" frame waits for. */
export class Gate {
  #open: Promise<void> = Promise.resolve();
  #release: () => void = () => {};
  /** Frames that reached the gate. */
  arrived = 0;

  close(): void {
    this.#open = new Promise((resolve) => this.#release = resolve);
  }

  open(): void {
    this.#release();
  }

  wait(): Promise<void> {
    this.arrived++;
    return this.#open;
  }
}

const isHold = (frame: Uint8Array) => frame.length === 4 && decoder.decode(frame) === "hold";
const HELD = text("held");
const answerOf = (message: unknown) => text(`msg:${String(message)}`);

type Send = (conn: Connection, frame: Uint8Array) => Promise<void>;
const copying: Send = (conn, frame) => conn.send(frame);
const owning: Send = (conn, frame) => conn.sendOwned(frame);

/** A loop or callback handler for the protocol, started on a connection. */
export interface Shape {
  readonly name: string;
  /** True when posted messages go to the server's onMessage (a frames-only shape). */
  readonly usesOnMessage: boolean;
  start(conn: FramedConnection, gate: Gate): void;
}

function loopOf(name: string, send: Send): Shape {
  return {
    name,
    usesOnMessage: true,
    start(conn, gate) {
      void conn.run(async (c: Connection) => {
        for await (const frame of c) {
          if (isHold(frame)) {
            await gate.wait();
            await c.send(HELD);
          } else await send(c, frame);
        }
      }, undefined);
    },
  };
}

function batchesOf(name: string, send: Send): Shape {
  return {
    name,
    usesOnMessage: true,
    start(conn, gate) {
      void conn.run(async (c: Connection) => {
        for await (const frames of c.batches()) {
          for (const frame of frames) {
            if (isHold(frame)) {
              await gate.wait();
              await c.send(HELD);
            } else await send(c, frame);
          }
        }
      }, undefined);
    },
  };
}

function callbacksOf(name: string, send: Send, withMessage: boolean): Shape {
  const handler: CallbackHandler = {
    frame(conn, frame) {
      if (isHold(frame)) return gateOf(conn).wait().then(() => conn.send(HELD));
      return send(conn, frame);
    },
  };
  if (withMessage) handler.message = (conn, message) => conn.send(answerOf(message));
  const gates = new WeakMap<Connection, Gate>();
  const gateOf = (conn: Connection) => gates.get(conn)!;
  return {
    name,
    usesOnMessage: !withMessage,
    start(conn, gate) {
      gates.set(conn, gate);
      conn.runCallbacks({ current: handler }, undefined as unknown as Server);
    },
  };
}

/** The `for await` loop first: every other shape is compared with it. */
export const SHAPES: readonly Shape[] = [
  loopOf("for await loop", copying),
  loopOf("for await loop, sendOwned", owning),
  batchesOf("batches", copying),
  batchesOf("batches, sendOwned", owning),
  callbacksOf("callbacks with message()", copying, true),
  callbacksOf("callbacks, sendOwned, onMessage", owning, false),
];

/** One shape running over a scripted socket. */
export interface Running {
  readonly shape: Shape;
  readonly conn: FramedConnection;
  readonly socket: ScriptedSocket;
  readonly gate: Gate;
  readonly flush: DeferredFlush;
}

/** Starts `shape` on a connection over a fresh ScriptedSocket, with `settings` over serve()'s defaults. */
export function runShape(shape: Shape, settings: Partial<ConnectionSettings> = {}): Running {
  const socket = new ScriptedSocket();
  const flush = new DeferredFlush();
  const conn = new FramedConnection(
    socket,
    settingsOf({
      deferredFlush: flush,
      onMessage: shape.usesOnMessage ? (c, message) => c.send(answerOf(message)) : undefined,
      ...settings,
    }),
    1,
  );
  const gate = new Gate();
  shape.start(conn, gate);
  return { shape, conn, socket, gate, flush };
}
