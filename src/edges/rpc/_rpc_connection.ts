/**
 * One connection's JSON-RPC loop: frames in, methods run concurrently up to
 * a bound, answers out in completion order.
 *
 * Invariants:
 * 1. At most `maxConcurrency` methods run at once. At the bound the loop asks
 *    for no frame until one finishes (pull-based: the socket is not read).
 * 2. A method's slot is held until its answer is in the outbox (a waiting
 *    send holds it too), so a peer that does not read cannot grow memory.
 *    An answer stored in a batch whose other requests still run frees its
 *    slot (a batch larger than the bound must finish), but counts toward the
 *    bound until its batch is sent: no frame is read while running methods
 *    and held answers together reach `maxConcurrency`, so a connection holds
 *    at most `maxConcurrency + maxBatchSize - 1` answers in unsent batches.
 * 3. Every Request object gets exactly one answer, every Notification none;
 *    a batch's answers go in one array, none at all when it held only
 *    notifications.
 * 4. An answer the loop writes itself (an invalid request, a parse error) is
 *    awaited before the next frame is read.
 * 5. The route is looked up in `shared.routes` at each request, never kept
 *    by the connection, so a reloaded table answers the next request; the
 *    connection's `state` lives here, beside the loop, and survives it.
 *
 * @module
 */
import { type Connection, FrameTooLargeError, type LogLimiter, type Server } from "../../../mod.ts";
import { logFailure, logOversize, logUnanswered } from "./_rpc_failures.ts";
import { Batch } from "./_batch.ts";
import { Call, checkParams } from "./_call.ts";
import {
  answerIdOf,
  errorResponse,
  isNotification,
  requestProblem,
  resultResponse,
  type RpcId,
  type RpcParams,
  type RpcRequest,
  type RpcResponse,
} from "./json_rpc.ts";
import {
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
  RpcError,
} from "./rpc_error.ts";
import type { RpcLimits } from "./rpc_options.ts";
import type { RpcCounters } from "./rpc_stats.ts";
import type { CompiledRoute } from "./routes.ts";

/** What every connection of one handler shares. */
export interface RpcShared {
  /** Looked up at every request: `reload()` replaces it, and the next request of every connection meets the new table. */
  routes: ReadonlyMap<string, CompiledRoute>;
  readonly limits: RpcLimits;
  /** Every line a peer can cause goes through it: a few of each kind a second, the rest counted in a summary line. */
  readonly log: LogLimiter;
  readonly counters: RpcCounters;
  notify(conn: Connection, method: string, params?: RpcParams): Promise<boolean>;
}

/** The JSON-RPC loop of one connection. */
export class RpcConnection {
  readonly conn: Connection;
  readonly server: Server;
  readonly shared: RpcShared;
  /** The connection's own state, handed to every method as `context.state`. */
  readonly state: Record<string, unknown> = {};
  #inFlight = 0;
  /** Answers stored in batches not yet sent. */
  #held = 0;
  // The loop waiting for a slot (or, at the end, for the last method); one waiter at a time.
  #wake: (() => void) | undefined;
  // The loop waiting, between frames, for running methods and held answers to drop under the bound.
  #wakeLoop: (() => void) | undefined;

  constructor(conn: Connection, server: Server, shared: RpcShared) {
    this.conn = conn;
    this.server = server;
    this.shared = shared;
  }

  /** Reads frames until input ends, then waits for the methods still running (their answers still go out). */
  async run(): Promise<void> {
    const max = this.shared.limits.maxConcurrency;
    try {
      for await (const frame of this.conn) {
        const waiting = this.#frame(frame);
        if (waiting !== undefined) await waiting;
        // Answers held for unsent batches count toward the bound: at it, the next frame waits (and what is
        // queued goes out now: no flush point comes while the loop waits).
        if (this.#inFlight + this.#held >= max) this.conn.flush().catch(() => {});
        while (this.#inFlight + this.#held >= max) await new Promise<void>((resolve) => this.#wakeLoop = resolve);
      }
      while (this.#inFlight > 0) await new Promise<void>((resolve) => this.#wake = resolve);
    } finally {
      // The summary of a burst that has passed, written when a connection ends if no later line wrote it.
      this.shared.log.flush();
    }
  }

  #frame(frame: Uint8Array): Promise<void> | undefined {
    const { codec, maxDepth } = this.shared.limits;
    let message: unknown;
    try {
      message = codec.decode(frame, maxDepth);
    } catch (error) {
      // A limit of ours says which; a decoder's own message would differ by runtime.
      return this.#answer(
        undefined,
        errorResponse(null, PARSE_ERROR, error instanceof RangeError ? error.message : undefined),
      );
    }
    return Array.isArray(message) ? this.#batch(message) : this.#request(message, undefined);
  }

  #batch(items: unknown[]): Promise<void> | undefined {
    this.shared.counters.batches++;
    const max = this.shared.limits.maxBatchSize;
    if (items.length === 0) return this.#answer(undefined, errorResponse(null, INVALID_REQUEST, "empty batch"));
    if (items.length > max) {
      return this.#answer(
        undefined,
        errorResponse(null, INVALID_REQUEST, `batch of ${items.length} requests over maxBatchSize ${max}`),
      );
    }
    const batch = new Batch(items.length, this.shared.limits.codec, (bytes) => this.#send(bytes, null), this.#hold);
    for (let i = 0; i < items.length; i++) {
      const waiting = this.#request(items[i], batch);
      if (waiting !== undefined) return this.#batchRest(items, i + 1, batch, waiting);
    }
    return undefined;
  }

  async #batchRest(items: unknown[], from: number, batch: Batch, waiting: Promise<void>): Promise<void> {
    await waiting;
    for (let i = from; i < items.length; i++) {
      const next = this.#request(items[i], batch);
      if (next !== undefined) await next;
    }
  }

  #request(value: unknown, batch: Batch | undefined): Promise<void> | undefined {
    const problem = requestProblem(value);
    if (problem !== undefined) return this.#answer(batch, errorResponse(answerIdOf(value), INVALID_REQUEST, problem));
    const request = value as RpcRequest;
    const notification = isNotification(request);
    const route = this.shared.routes.get(request.method);
    if (route === undefined) return this.#refuse(request, notification, batch, METHOD_NOT_FOUND);
    if (route.check !== undefined) {
      const verdict = checkParams(route.check, request.params);
      if (verdict !== true) return this.#refuse(request, notification, batch, INVALID_PARAMS, verdict.data);
    }
    const call = new Call(this, request, notification, batch);
    if (this.#inFlight < this.shared.limits.maxConcurrency) return void this.#start(route, call);
    // At the bound: what is queued goes out now (no flush point comes while the loop waits), then wait.
    this.conn.flush().catch(() => {});
    return new Promise<void>((resolve) => this.#wake = resolve).then(() => this.#start(route, call));
  }

  #start(route: CompiledRoute, call: Call): void {
    const counters = this.shared.counters;
    if (call.notification) counters.notifications++;
    else counters.requests++;
    counters.inFlight++;
    if (++this.#inFlight > counters.peakInFlight) counters.peakInFlight = this.#inFlight;
    let result: unknown;
    try {
      result = route.method(call.request.params, call);
    } catch (error) {
      result = Promise.reject(error);
    }
    Promise.resolve(result).then((value) => this.#succeeded(call, value), (error) => this.#failed(call, error))
      .catch((error) => this.#broken(call, error));
  }

  /**
   * The answer itself could not be made (a codec that cannot encode even an error response): the peer would wait
   * for it forever, so the connection closes; the slot is freed, and the fault is counted and logged, never thrown
   * to the process (nothing awaits this chain).
   */
  #broken(call: Call, error: unknown): void {
    // Its error is counted already (each path here counts before it encodes); the answer itself is lost.
    this.shared.counters.dropped++;
    logUnanswered(this.shared.log, this.conn, call.request.method, error);
    this.conn.close();
    this.#release();
  }

  #succeeded(call: Call, value: unknown): void {
    if (call.notification) return this.#settled(call, undefined);
    const id = call.request.id!;
    let bytes: Uint8Array;
    try {
      bytes = this.shared.limits.codec.encode(resultResponse(id, value));
    } catch (error) {
      logFailure(this.shared.log, this.conn, call.request.method, error, "result cannot be encoded");
      this.shared.counters.error(INTERNAL_ERROR);
      bytes = this.shared.limits.codec.encode(errorResponse(id, INTERNAL_ERROR));
    }
    this.#settled(call, bytes);
  }

  #failed(call: Call, error: unknown): void {
    const rpcError = error instanceof RpcError ? error : undefined;
    if (rpcError === undefined) logFailure(this.shared.log, this.conn, call.request.method, error, "failed");
    const code = rpcError?.code ?? INTERNAL_ERROR;
    this.shared.counters.error(code);
    if (call.notification) {
      this.shared.counters.dropped++;
      return this.#settled(call, undefined);
    }
    const id = call.request.id!;
    const codec = this.shared.limits.codec;
    let bytes: Uint8Array;
    try {
      bytes = codec.encode(errorResponse(id, code, rpcError?.data, rpcError?.message));
    } catch (encodeError) {
      // The error's data cannot be encoded: its code and message still can.
      logFailure(this.shared.log, this.conn, call.request.method, encodeError, "error data cannot be encoded");
      bytes = codec.encode(errorResponse(id, code, undefined, rpcError?.message));
    }
    this.#settled(call, bytes);
  }

  /** A method finished: its answer goes out (or into its batch), then its slot frees. */
  #settled(call: Call, bytes: Uint8Array | undefined): void {
    const sent = call.batch !== undefined
      ? call.batch.settle(bytes)
      : bytes === undefined
      ? undefined
      : this.#send(bytes, call.request.id!);
    if (sent === undefined) this.#release();
    else sent.then(this.#release);
  }

  readonly #release = (): void => {
    this.#inFlight--;
    this.shared.counters.inFlight--;
    const wake = this.#wake;
    if (wake !== undefined) {
      this.#wake = undefined;
      wake();
    }
    this.#wakeTheLoop();
  };

  /** A batch stored an answer (+1), or sent its array and let its answers go (-n). */
  readonly #hold = (answers: number): void => {
    const counters = this.shared.counters;
    this.#held += answers;
    counters.batchAnswers += answers;
    if (this.#held > counters.peakBatchAnswers) counters.peakBatchAnswers = this.#held;
    if (answers < 0) this.#wakeTheLoop();
  };

  #wakeTheLoop(): void {
    const wake = this.#wakeLoop;
    if (wake === undefined) return;
    this.#wakeLoop = undefined;
    wake();
  }

  /** A refusal before the method runs: answered, or, for a notification, counted and dropped. */
  #refuse(
    request: RpcRequest,
    notification: boolean,
    batch: Batch | undefined,
    code: number,
    data?: unknown,
  ): Promise<void> | undefined {
    if (!notification) return this.#answer(batch, errorResponse(request.id!, code, data));
    this.shared.counters.error(code);
    this.shared.counters.dropped++;
    return batch?.settle(undefined);
  }

  /** An answer the loop writes itself (no method ran); counted by its code. */
  #answer(batch: Batch | undefined, response: RpcResponse): Promise<void> | undefined {
    if ("error" in response) this.shared.counters.error(response.error.code);
    const bytes = this.shared.limits.codec.encode(response);
    return batch !== undefined ? batch.settle(bytes) : this.#send(bytes, response.id);
  }

  /** Sends an answer; never rejects. One over the frame limit becomes a -32603 error that says so. */
  #send(bytes: Uint8Array, id: RpcId): Promise<void> {
    return this.conn.send(bytes).catch((error) => {
      // Closed meanwhile (or failed): nobody will read it.
      if (!(error instanceof FrameTooLargeError)) return void this.shared.counters.dropped++;
      this.shared.counters.error(INTERNAL_ERROR);
      const data = `answer of ${error.length} bytes over the frame limit of ${error.limit} bytes`;
      logOversize(this.shared.log, this.conn, data);
      return this.conn.send(this.shared.limits.codec.encode(errorResponse(id, INTERNAL_ERROR, data)))
        .catch(() => void this.shared.counters.dropped++);
    });
  }
}
