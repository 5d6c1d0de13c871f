/**
 * The acceptor (ranch_acceptor's role): takes each socket the listener
 * accepts, admits it as a connection or refuses it, and, behind a PROXY
 * protocol gate, admits it once its header names the client. It counts
 * accept errors; the handler is started by the server (`start`).
 *
 * Invariants:
 * 1. A socket is refused by the registry's limits (`maxConnections`, per
 *    address) before a connection is made for it: a refused peer costs no
 *    connection, only a log line (through the limiter) and an optional goodbye.
 * 2. Behind the gate, sockets waiting for their header count against
 *    `maxConnections`; the per-address count waits for the client's address.
 * 3. Once closed (the server shuts down), every socket is closed at once.
 *
 * @module
 */
import type { ConnectionSettings } from "../connection/connection_settings.ts";
import { FramedConnection } from "../connection/framed_connection.ts";
import type { CloseReason } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { RawSocket } from "../../transport/types.ts";
import { AcceptErrors } from "./accept_errors.ts";
import type { CloseLog } from "./close_log.ts";
import { sayGoodbye } from "./goodbye.ts";
import { ProxyGate, type ProxyPlan } from "./proxy/gate.ts";
import type { Registry } from "./registry.ts";
import type { ServerHooks } from "./server.ts";
import type { Admission, AdmissionExits } from "./admission.ts";
import { encodeWith } from "../framing/length_prefixed.ts";

/** The first connection id of a server alone (in a cluster, the hooks' `firstId`). */
const FIRST_CONNECTION_ID = 1;

/** What the acceptor works with: the server's registry, settings, log, and how to start a handler. */
export interface AcceptorHost<Message> {
  readonly registry: Registry<FramedConnection<Message>>;
  readonly settings: ConnectionSettings;
  readonly log: CloseLog;
  readonly logger: Logger;
  /** The frame written to a refused peer before closing, if any. */
  readonly goodbye: Uint8Array | undefined;
  readonly hooks: ServerHooks<Message> | undefined;
  /** The session layer's gate in front of the handler, if any. */
  readonly admission: Admission | undefined;
  /** Runs the handler of an admitted connection. */
  start(conn: FramedConnection<Message>): void;
}

/** Accepts, admits and refuses the sockets of one listener. */
export class Acceptor<Message> {
  /** The accept errors and pauses, for the server's stats and the listener's error callback. */
  readonly errors: AcceptErrors;
  readonly #host: AcceptorHost<Message>;
  readonly #gate: ProxyGate | undefined;
  // In a cluster, ids carry the node (node * 10^10 + n), so they are unique across nodes.
  #nextId: number;
  #closed = false;

  constructor(host: AcceptorHost<Message>, proxy: ProxyPlan | undefined) {
    this.#host = host;
    this.errors = new AcceptErrors(host.logger);
    this.#nextId = host.hooks?.firstId ?? FIRST_CONNECTION_ID;
    this.#gate = proxy === undefined ? undefined : new ProxyGate(proxy, {
      admit: (socket) => this.#admit(socket),
      // No header: a connection from the balancer's address all the same, so that the log, the stats and the
      // records say what came; its handler never runs.
      fail: (socket, reason, error) => this.#failed(socket, reason, error),
    });
  }

  /** Takes a socket the listener accepted (handed to `transport.listen`). */
  readonly accept = (socket: RawSocket): void => {
    this.errors.onAccept();
    const gate = this.#gate;
    if (gate === undefined || this.#closed) return this.#admit(socket);
    // Only a trusted proxy's header is read (PP 2): from anyone else a header would be a client choosing its
    // address, and no header is a bad one on this port. The total is known at once; the per-address count
    // waits for the client's address.
    const registry = this.#host.registry;
    const refusal = gate.trusts(socket)
      ? registry.refusal(undefined, gate.size)
      : registry.refuse("untrusted-proxy-source");
    if (refusal !== undefined) return this.#refuse(socket, refusal);
    gate.take(socket);
  };

  /**
   * Takes a socket whose client address its listener knows already (a door: a WebSocket, whose upgrade request said
   * it): past no PROXY gate, straight to the limits.
   */
  readonly admitDirect = (socket: RawSocket): void => {
    this.errors.onAccept();
    this.#admit(socket);
  };

  /** One tick of the server's ticker: a socket past the PROXY header timeout fails. */
  tick(seconds: number): void {
    this.#gate?.tick(seconds);
    this.#host.admission?.tick(seconds);
  }

  /** Stops admitting (the server shuts down): every socket from now on, and every one still waiting, is closed. */
  close(): void {
    this.#closed = true;
    this.#gate?.close();
    this.#host.admission?.close();
  }

  // A socket whose remote address is the client's: straight from accept, or past its PROXY header.
  #admit(socket: RawSocket): void {
    if (this.#closed) return socket.close();
    const admission = this.#host.admission;
    const waiting = (this.#gate?.size ?? 0) + (admission?.size ?? 0);
    const refusal = this.#host.registry.refusal(socket.remoteAddr.hostname, waiting);
    if (refusal !== undefined) return this.#refuse(socket, refusal);
    if (admission !== undefined) return admission.take(socket, this.#exits);
    this.#host.start(this.#open(socket));
  }

  // Bound once: the session layer opens or refuses through these.
  readonly #exits: AdmissionExits = {
    open: (socket, identity) => {
      const conn = this.#open(socket);
      conn.identity = identity;
      if (!this.#closed) this.#host.start(conn);
      else void conn.endBeforeRun("shutdown");
      return conn;
    },
    refuse: (socket, reason, error, goodbye) => {
      const conn = this.#open(socket);
      if (goodbye !== undefined) conn.offerEncoded(encodeWith(goodbye, this.#host.settings.framing));
      void conn.endBeforeRun(reason, error);
    },
  };

  #failed(socket: RawSocket, reason: CloseReason, error: unknown): void {
    if (this.#closed) return socket.close();
    void this.#open(socket).endBeforeRun(reason, error);
  }

  /** A connection for `socket`, registered, announced and logged. */
  #open(socket: RawSocket): FramedConnection<Message> {
    const host = this.#host;
    const conn = new FramedConnection<Message>(socket, host.settings, this.#nextId++);
    host.registry.add(conn);
    host.hooks?.opened(conn);
    host.log.opened(conn.id, socket.remoteAddr);
    return conn;
  }

  #refuse(socket: RawSocket, reason: string): void {
    this.#host.log.refused(socket.remoteAddr, reason);
    const goodbye = this.#host.goodbye;
    if (goodbye === undefined) return socket.close();
    // Closed once written, or after a short bound: a peer that does not read cannot hold a socket that no longer counts.
    void sayGoodbye(socket, goodbye);
  }
}
