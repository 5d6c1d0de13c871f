/**
 * What every client of the kit shares, whatever carries its bytes: the
 * options of framing, outbox, reconnecting, heartbeat and resume, checked
 * once, and the assembly of a connection over links that a `dial` function
 * opens (TCP for `connect()`, a WebSocket for `connectWebSocket()`):
 *
 * ```text
 *  link (RawSocket) ─► session client socket (heartbeat, resume, redial) ─► FramedConnection ─► Reconnector
 * ```
 *
 * Nothing here knows a runtime or a socket API: the link comes from the
 * caller, so that a browser's client imports no `node:` module.
 *
 * @module
 */
import type { Connection } from "../connection/connection.ts";
import type { ConnectionSettings } from "../connection/connection_settings.ts";
import { DeferredFlush } from "../connection/deferred_flush.ts";
import { FramedConnection } from "../connection/framed_connection.ts";
import { type OutboxOptions, type WaterMarks, waterMarksOf } from "../connection/water_marks.ts";
import { type Framing, framingOf, type FramingOptions } from "../framing/length_prefixed.ts";
import { ConnectTimeoutError } from "../errors.ts";
import { escapingLogger, type Logger } from "../logger.ts";
import { checkNumber } from "../options.ts";
import { type ReconnectOptions, type ReconnectSettings, reconnectSettingsOf } from "../reconnect/reconnect_options.ts";
import { Reconnector } from "../reconnect/reconnector.ts";
import {
  clientSessionSocket,
  type HeartbeatOptions,
  type HeartbeatPlan,
  heartbeatPlanOf,
} from "../session/wire/client_heartbeat.ts";
import type { RawSocket } from "../../transport/types.ts";

/** The options every client takes, whatever carries its bytes. */
export interface ClientOptions extends FramingOptions, OutboxOptions {
  /** Aborting it closes the connection; while connecting, the dial rejects with its reason. */
  signal?: AbortSignal;
  /** Where the client logs (its close, at debug). @default warnings and errors to the console */
  logger?: Logger;
  /**
   * Dial again whenever the connection is lost, with back-off, and return a
   * `ReconnectingConnection` (`true` takes every default). The first dial is
   * not retried: it rejects as without it.
   * @default no reconnecting
   */
  reconnect?: boolean | ReconnectOptions;
  /**
   * Keep a heartbeat over the session wire (sessions.md; the server must run
   * `sessions()`): ping after `interval` seconds of silence, end the
   * connection (`heartbeat-timeout`) when nothing answers within `timeout`;
   * a reconnecting client then dials again. `true` takes every default.
   * @default no heartbeat: the plain {packet, N} wire
   */
  heartbeat?: boolean | HeartbeatOptions;
  /**
   * Ask a server with `resumeWindow` for a session that survives the link
   * (sessions.md): a link lost without a clean close is dialled again within
   * the window, and the session goes on over the new one with nothing lost
   * and nothing twice; the connection sees no drop. Turns `heartbeat` on.
   * @default {false}
   */
  resume?: boolean;
  /**
   * Seconds one dial may take (for `connect()` the TCP connect and the TLS
   * handshake, for `connectWebSocket()` the opening handshake): past it the
   * dial is given up, its socket closed, and the client rejects with a
   * {@linkcode ConnectTimeoutError} (a reconnecting client counts it as a
   * failed attempt and tries again). A host that drops the SYN would
   * otherwise hold a dial for the kernel's minutes, and a server that never
   * answers the TLS hello, for ever.
   * @default {30}
   */
  connectTimeout?: number;
}

/** The default `connectTimeout`, in seconds (Netty's connect timeout). */
export const DEFAULT_CONNECT_TIMEOUT = 30;

/** A client's options, checked. */
export interface ClientPlan {
  readonly framing: Framing;
  readonly waterMarks: WaterMarks;
  readonly reconnect: ReconnectSettings | undefined;
  readonly heartbeat: HeartbeatPlan | undefined;
  readonly resume: boolean;
  readonly logger: Logger;
  readonly signal: AbortSignal | undefined;
  /** Seconds one dial may take. */
  readonly connectTimeout: number;
}

/**
 * Checks a client's options.
 * @throws {RangeError} a bad number (packet, maxFrameSize, water marks, the reconnect and heartbeat numbers).
 * @throws {TypeError} a heartbeat over a framing that is not length-prefixed.
 */
export function clientPlanOf(options: ClientOptions): ClientPlan {
  const framing = framingOf(options);
  const waterMarks = waterMarksOf(options);
  const reconnect = options.reconnect === undefined || options.reconnect === false
    ? undefined
    : reconnectSettingsOf(options.reconnect);
  const heartbeat = options.heartbeat === undefined || options.heartbeat === false
    ? (options.resume === true ? heartbeatPlanOf(true) : undefined)
    : heartbeatPlanOf(options.heartbeat);
  if (heartbeat !== undefined && framing.format !== undefined) {
    throw new TypeError("Cannot connect with a heartbeat: the session wire needs length-prefixed framing");
  }
  const logger = escapingLogger(options.logger);
  const connectTimeout = checkNumber("connectTimeout", options.connectTimeout) ?? DEFAULT_CONNECT_TIMEOUT;
  const resume = options.resume === true;
  return { framing, waterMarks, reconnect, heartbeat, resume, logger, signal: options.signal, connectTimeout };
}

let nextClientId = 1;
// Replies a client's handler sends while busy go out at the end of the turn: one flush for every client.
const deferredFlush = new DeferredFlush();

/**
 * A connection over the links `link` opens, to the peer named `target` (for
 * the logs): the first link now, the next ones when a session resumes or the
 * client reconnects.
 */
export async function openClient(
  plan: ClientPlan,
  target: string,
  link: (signal: AbortSignal) => Promise<RawSocket>,
): Promise<Connection> {
  const { framing, heartbeat, logger, signal } = plan;
  signal?.throwIfAborted();
  const settings: ConnectionSettings = {
    framing,
    waterMarks: plan.waterMarks,
    mailboxCapacity: 0,
    finishOnEnd: true,
    deferredFlush,
    onEnd: (_, stats) =>
      logger.debug("connection {id} to {remote} closed: {reason}", {
        id: stats.id,
        remote: target,
        reason: stats.closeReason,
      }),
  };
  const seconds = plan.connectTimeout;
  const redial = () => within(target, seconds, undefined, (signal) => abortable(link(signal), signal));
  // One dial, within connectTimeout: the link, and for a session that resumes, the server's first WELCOME (a link
  // lost before it has no token to resume with, so the connection is handed over only once it came).
  const dial = (abort: AbortSignal | undefined) =>
    within(target, seconds, abort, async (signal): Promise<FramedConnection> => {
      const socket = await abortable(link(signal), signal);
      if (heartbeat === undefined) return new FramedConnection(socket, settings, nextClientId++);
      let onWelcome = () => {};
      const welcome = new Promise<void>((resolve) => onWelcome = resolve);
      const resume = !plan.resume ? undefined : { redial, onResumed: () => reconnector?.sessionResumed(), onWelcome };
      const conn = new FramedConnection(
        clientSessionSocket(socket, framing, heartbeat, resume),
        settings,
        nextClientId++,
      );
      if (resume !== undefined) await welcomed(conn, welcome, signal, target);
      return conn;
    });
  // Set below: a session that resumes under one of its connections tells it (its hook and listeners).
  let reconnector: Reconnector | undefined;
  const first = await dial(signal);
  const conn = plan.reconnect === undefined ? first : reconnector = new Reconnector(first, {
    ...plan.reconnect,
    target,
    framing,
    logger,
    dial,
  });
  if (signal !== undefined) {
    const onAbort = () => conn.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    conn.finished.then(() => signal.removeEventListener("abort", onAbort));
  }
  return conn;
}

/**
 * `attempt` (one dial), given up after `seconds` (a
 * {@linkcode ConnectTimeoutError}) or when `abort` aborts (its reason): the
 * signal it gets aborts then, so that it closes what it opened.
 */
async function within<T>(
  target: string,
  seconds: number,
  abort: AbortSignal | undefined,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  abort?.throwIfAborted();
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(new ConnectTimeoutError(target, seconds)), seconds * 1000);
  const signal = abort === undefined ? timer.signal : AbortSignal.any([abort, timer.signal]);
  try {
    return await attempt(signal);
  } finally {
    clearTimeout(timeout);
  }
}

/**
 * Settles once `welcome` does (the server's first WELCOME came); when the
 * connection ends first (a server that does not run `sessions()` closes at
 * the HELLO) or `signal` aborts, ends the connection and rejects.
 */
async function welcomed(
  conn: FramedConnection,
  welcome: Promise<void>,
  signal: AbortSignal,
  target: string,
): Promise<void> {
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  const ended = conn.finished.then((stats) => {
    throw new Error(`Cannot connect to ${target}: the session ended (${stats.closeReason}) before it began`, {
      cause: stats.error,
    });
  });
  // Raced below, and settled for good after the race: their later outcome is nobody's.
  aborted.catch(() => {});
  ended.catch(() => {});
  try {
    await Promise.race([welcome, aborted, ended]);
  } catch (error) {
    conn.abort(error);
    throw error;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * The socket `dialing` gives, or a rejection with the signal's reason if it
 * aborts first; a socket that arrives after the abort is closed.
 */
function abortable(dialing: Promise<RawSocket>, signal: AbortSignal): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    dialing.then((socket) => {
      signal.removeEventListener("abort", onAbort);
      if (signal.aborted) socket.close();
      else resolve(socket);
    }, (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
  });
}
