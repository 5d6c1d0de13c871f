/**
 * A BYE promises a clean close: whatever the link does after it (a reset, a
 * WebSocket dropped without its close frame) ends the session as the peer's
 * close, `peer-closed`, never as a failure. Driven by hand (a scripted link
 * under a client's session socket), so the reset comes exactly after the BYE.
 */
import assert from "node:assert/strict";
import { FramedConnection } from "../src/core/connection/framed_connection.ts";
import { framingOf } from "../src/core/framing/length_prefixed.ts";
import { clientSessionSocket, heartbeatPlanOf } from "../src/core/session/wire/client_heartbeat.ts";
import { BYE, controlRecord } from "../src/core/session/wire/session_wire.ts";
import { ScriptedSocket, settingsOf } from "./_memory.ts";
import { until } from "./_fixtures.ts";
import { test } from "./_harness.ts";

const reset = () => Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });

test("a link reset after the peer's BYE ends the session as the peer's close (peer-closed), not a failure", async () => {
  const link = new ScriptedSocket();
  const socket = clientSessionSocket(link, framingOf({}), heartbeatPlanOf({ interval: 60 }));
  const conn = new FramedConnection(socket, settingsOf({ finishOnEnd: true }), 1);
  const reading = conn.receive().catch(() => undefined); // a reader, as a client's would be
  await until(() => link.readPending, "the session's read");
  link.deliver(controlRecord(BYE, 4));
  await until(() => link.readPending, "the read after the BYE");
  link.deliver(null, reset());
  const stats = await conn.finished;
  await reading;
  assert.equal(stats.closeReason, "peer-closed");
  socket.close();
});

test("a link reset with no BYE before it is a failure: the connection ends with the reset as its error", async () => {
  const link = new ScriptedSocket();
  const socket = clientSessionSocket(link, framingOf({}), heartbeatPlanOf({ interval: 60 }));
  const conn = new FramedConnection(socket, settingsOf({ finishOnEnd: true }), 1);
  const reading = conn.receive().catch(() => undefined); // a reader, as a client's would be
  await until(() => link.readPending, "the session's read");
  link.deliver(null, reset());
  const stats = await conn.finished;
  await reading;
  assert.notEqual(stats.closeReason, "peer-closed");
  assert.equal((stats.error as { code?: string }).code, "ECONNRESET");
  socket.close();
});
