/**
 * Picks the runtime's own WebSocket server: Deno's or Bun's, each loaded by a
 * dynamic import of a static string; `undefined` on Node, whose server needs
 * a package (the websocket edge brings it).
 *
 * @module
 */
import { isBun, isDeno } from "./select.ts";
import type { WsListen } from "./ws_types.ts";

/** The WebSocket listener of Deno or Bun, or `undefined` elsewhere. */
export async function runtimeWebSocketListen(): Promise<WsListen | undefined> {
  if (isDeno()) return (await import("./ws_deno.ts")).denoWebSocketListen;
  if (isBun()) return (await import("./ws_bun.ts")).bunWebSocketListen;
  return undefined;
}
