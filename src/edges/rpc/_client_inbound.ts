/**
 * What the server sends an RPC client (rpc_client.ts): answers, matched to
 * the pending calls by id; notifications, to the client's handler; calls,
 * which a client does not serve; and what is dropped and counted. Nothing
 * the server sends can throw out of here (the client's invariant 3).
 *
 * @module
 */
import type { LogLimiter } from "../../../mod.ts";
import type { RpcCodec } from "./codec.ts";
import { errorResponse, isNotification, requestProblem, responseProblem, type RpcRequest } from "./json_rpc.ts";
import { METHOD_NOT_FOUND, RpcError } from "./rpc_error.ts";
import type { PendingCall, PendingCalls } from "./_pending_calls.ts";

/** The client the inbound side serves. */
export interface InboundHost {
  readonly onNotification: ((method: string, params: unknown) => void) | undefined;
  /** Sends an answer back (the specification's answer to a call the client cannot serve). */
  reply(bytes: Uint8Array): void;
}

/** The inbound side of one RPC client, and its counts. */
export class ClientInbound {
  readonly #host: InboundHost;
  readonly #codec: RpcCodec;
  readonly #maxDepth: number;
  readonly #pending: PendingCalls;
  readonly #log: LogLimiter;
  /** Error answers received, by code. */
  readonly errors = new Map<number, number>();
  notificationsReceived = 0;
  dropped = 0;

  constructor(host: InboundHost, codec: RpcCodec, maxDepth: number, pending: PendingCalls, log: LogLimiter) {
    this.#host = host;
    this.#codec = codec;
    this.#maxDepth = maxDepth;
    this.#pending = pending;
    this.#log = log;
  }

  /** One frame from the server. */
  frame(frame: Uint8Array): void {
    let message: unknown;
    try {
      message = this.#codec.decode(frame, this.#maxDepth);
    } catch {
      this.dropped++;
      return;
    }
    // The answers of a batch come as one array; so could several pushes.
    if (Array.isArray(message)) { for (const item of message) this.#message(item); }
    else this.#message(message);
  }

  #message(value: unknown): void {
    if (responseProblem(value) === undefined) return this.#answer(value as Record<string, unknown>);
    if (requestProblem(value) !== undefined) return void this.dropped++;
    const request = value as RpcRequest;
    if (!isNotification(request)) {
      // The server called the client, which serves no methods: the specification's answer.
      return this.#host.reply(this.#codec.encode(errorResponse(request.id!, METHOD_NOT_FOUND)));
    }
    this.notificationsReceived++;
    try {
      this.#host.onNotification?.(request.method, request.params);
    } catch (error) {
      this.#log.write(
        "notification",
        "error",
        "rpc notification {method} handler failed: {error}",
        { method: request.method, error },
        "{count} more rpc notification handlers failed in the last second",
      );
    }
  }

  #answer(response: Record<string, unknown>): void {
    const call: PendingCall | undefined = typeof response.id === "number" ? this.#pending.take(response.id) : undefined;
    if ("error" in response) {
      const error = response.error as { code: number; message: string; data?: unknown };
      this.errors.set(error.code, (this.errors.get(error.code) ?? 0) + 1);
      if (call === undefined) return void this.dropped++;
      const options = Object.hasOwn(error, "data") ? { data: error.data } : {};
      call.reject(new RpcError(error.code, error.message, options));
    } else if (call === undefined) this.dropped++;
    else call.resolve(response.result);
  }
}
