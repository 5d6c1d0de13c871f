/**
 * A client's calls waiting for their answers, by id. Taking a call out
 * forgets it for good: its timer is cleared, its abort listener removed, and
 * a request still waiting for a reconnecting connection taken back, so it
 * settles once, a late answer finds nothing, and a call given up on is never sent.
 *
 * @module
 */

// The reason a request still waiting for a connection is taken back with: its call has settled.
const SETTLED = new Error("Cannot send: the call has settled");

/** One call waiting for its answer. */
export class PendingCall {
  timer: ReturnType<typeof setTimeout> | undefined;
  onAbort: (() => void) | undefined;
  /** Over a reconnecting connection: aborting it takes back a request that still waits for a connection. */
  withdraw: AbortController | undefined;
  /** Over a reconnecting connection: true once a connection took the request (its answer can come only on that one). */
  sent = false;

  constructor(
    readonly method: string,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
    readonly signal: AbortSignal | undefined,
  ) {}
}

/** The calls of one client waiting for their answers. */
export class PendingCalls {
  readonly #calls = new Map<number, PendingCall>();
  #next = 1;

  /** Calls waiting now. */
  get size(): number {
    return this.#calls.size;
  }

  /** An id no waiting call has. */
  nextId(): number {
    let id = this.#next;
    while (this.#calls.has(id)) id = id >= Number.MAX_SAFE_INTEGER ? 1 : id + 1;
    this.#next = id >= Number.MAX_SAFE_INTEGER ? 1 : id + 1;
    return id;
  }

  /** Adds a waiting call; aborting `signal` takes it out and rejects it with the signal's reason. */
  add(
    id: number,
    method: string,
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
    signal?: AbortSignal,
  ): PendingCall {
    const call = new PendingCall(method, resolve, reject, signal);
    if (signal !== undefined) {
      call.onAbort = () => this.take(id)?.reject(signal.reason);
      signal.addEventListener("abort", call.onAbort, { once: true });
    }
    this.#calls.set(id, call);
    return call;
  }

  /** Takes the call with `id` out, if it is still waiting. */
  take(id: number): PendingCall | undefined {
    const call = this.#calls.get(id);
    if (call === undefined) return undefined;
    this.#calls.delete(id);
    if (call.timer !== undefined) clearTimeout(call.timer);
    if (call.onAbort !== undefined) call.signal!.removeEventListener("abort", call.onAbort);
    if (call.withdraw !== undefined && !call.sent) call.withdraw.abort(SETTLED);
    return call;
  }

  /** Takes every call out and rejects it with `error`. */
  rejectAll(error: unknown): void {
    for (const id of [...this.#calls.keys()]) this.take(id)?.reject(error);
  }

  /** Takes out every call whose request a connection took, rejecting each with the error `error` makes for it. */
  rejectSent(error: (call: PendingCall) => unknown): void {
    for (const [id, call] of [...this.#calls]) if (call.sent) this.take(id)?.reject(error(call));
  }
}
