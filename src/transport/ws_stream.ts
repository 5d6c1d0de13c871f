/**
 * The stream subprotocol of the kit's WebSockets, shared by the door's
 * socket (ws_socket.ts) and the client's (ws_client.ts): a WebSocket whose
 * messages carry the kit's byte stream as it is, cut anywhere, instead of
 * one frame per message, so that the session wire's records (which travel
 * between frames) and everything above the transport run as on TCP.
 *
 * @module
 */

/**
 * The subprotocol that makes a WebSocket carry the kit's byte stream as it
 * is, instead of one frame per message: what the session wire (heartbeats,
 * resume) needs, since its records travel between frames.
 */
export const STREAM_PROTOCOL = "spawnkit.stream";

/**
 * The largest message a stream-mode socket sends: a write is cut into
 * messages of at most this many bytes (views, no copy), so that a peer
 * reading them holds no more per message.
 */
export const STREAM_MESSAGE_BYTES = 65_536;
