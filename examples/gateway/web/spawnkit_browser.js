// spawnkit/browser, built by scripts/build_browser.ts from src/browser.ts: do not edit.
// src/transport/ws_stream.ts
var STREAM_PROTOCOL = "spawnkit.stream";
var STREAM_MESSAGE_BYTES = 65536;

// src/transport/_read_queue.ts
var READ_AHEAD_BYTES = 65536;
var NOTHING = () => {};

class ReadQueue {
  #source;
  #queue = [];
  #queuedBytes = 0;
  #paused = false;
  #ended = false;
  #error;
  #reader;
  #pulling = false;
  #onChunk = NOTHING;
  #onError = NOTHING;
  constructor(source) {
    this.#source = source;
  }
  get queuedBytes() {
    return this.#queuedBytes;
  }
  read() {
    const chunk = this.#take();
    if (chunk !== undefined)
      return Promise.resolve(chunk);
    if (this.#ended)
      return this.#error === undefined ? Promise.resolve(null) : Promise.reject(this.#error);
    return new Promise((resolve, reject) => this.#reader = { resolve, reject });
  }
  pull(onChunk, onError) {
    this.#onChunk = onChunk;
    this.#onError = onError;
    this.#pulling = true;
    if (this.#queue.length > 0 || this.#ended)
      queueMicrotask(this.#deliver);
    else
      this.#take();
  }
  #take() {
    const chunk = this.#queue.shift();
    if (chunk !== undefined)
      this.#queuedBytes -= chunk.length;
    if (this.#paused && this.#queuedBytes < READ_AHEAD_BYTES && !this.#ended) {
      this.#paused = false;
      this.#source.resume();
    }
    return chunk;
  }
  #deliver = () => {
    if (!this.#pulling)
      return;
    const chunk = this.#take();
    if (chunk === undefined && !this.#ended)
      return;
    this.#pulling = false;
    if (chunk !== undefined)
      this.#onChunk(chunk);
    else if (this.#error === undefined)
      this.#onChunk(null);
    else
      this.#onError(this.#error);
  };
  hold() {
    if (this.#paused || this.#ended || this.#reader !== undefined || this.#pulling)
      return;
    this.#paused = true;
    this.#source.pause();
  }
  push(chunk) {
    if (this.#ended)
      return;
    const reader = this.#reader;
    if (reader !== undefined) {
      this.#reader = undefined;
      reader.resolve(chunk);
      return;
    }
    this.#queue.push(chunk);
    this.#queuedBytes += chunk.length;
    if (this.#pulling && this.#queue.length === 1)
      queueMicrotask(this.#deliver);
    if (this.#queuedBytes >= READ_AHEAD_BYTES && !this.#paused) {
      this.#paused = true;
      this.#source.pause();
    }
  }
  end(error) {
    if (error !== undefined && this.#error === undefined)
      this.#error = error;
    if (this.#ended)
      return;
    this.#ended = true;
    const reader = this.#reader;
    this.#reader = undefined;
    if (reader !== undefined)
      error === undefined ? reader.resolve(null) : reader.reject(error);
    if (this.#pulling)
      queueMicrotask(this.#deliver);
  }
  clear() {
    this.#queue = [];
    this.#queuedBytes = 0;
  }
}

// src/transport/ws_client.ts
var BUFFERED_BOUND = 262144;
var DRAIN_POLL_MS = 2;
var OPEN = 1;

class WsLinkError extends Error {
  code;
  constructor(code, message) {
    super(message);
    this.name = "WebSocketError";
    this.code = code;
  }
}
function dialWebSocket(options) {
  const ws = new WebSocket(options.url, [STREAM_PROTOCOL]);
  ws.binaryType = "arraybuffer";
  return new Promise((resolve, reject) => {
    const timer = options.openTimeoutMs === undefined ? undefined : setTimeout(() => {
      failed(`no answer to the handshake within ${options.openTimeoutMs} ms`);
      ws.close();
    }, options.openTimeoutMs);
    const signal = options.signal;
    const onAbort = () => {
      settle(signal.reason);
      ws.close();
    };
    const settle = (error) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      ws.onopen = ws.onerror = ws.onclose = null;
      reject(error);
    };
    const failed = (why) => settle(new Error(`Cannot connect to ${options.url}: ${why}`));
    if (signal?.aborted)
      return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    ws.onerror = () => failed(`the WebSocket did not open (no server, or one that does not take ${STREAM_PROTOCOL})`);
    ws.onclose = (event) => failed(`closed while opening (${event.code})`);
    ws.onopen = () => {
      if (ws.protocol !== STREAM_PROTOCOL) {
        ws.close(1000);
        return failed(`the server did not take the ${STREAM_PROTOCOL} subprotocol (a spawnkit WebSocket door takes it)`);
      }
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      ws.onopen = ws.onerror = ws.onclose = null;
      resolve(new WsClientSocket(ws, options));
    };
  });
}

class WsClientSocket {
  localAddr = { hostname: "", port: 0 };
  remoteAddr;
  #ws;
  #options;
  #reads = new ReadQueue({ pause() {}, resume() {} });
  #ended = false;
  #writer;
  #polling;
  constructor(ws, options) {
    this.#ws = ws;
    this.#options = options;
    const url = new URL(options.url);
    const port = url.port === "" ? url.protocol === "wss:" ? 443 : 80 : Number(url.port);
    this.remoteAddr = { hostname: url.hostname.replace(/^\[|\]$/g, ""), port };
    ws.onmessage = (event) => this.#onMessage(event.data);
    ws.onclose = (event) => this.#onEnd(event.code === 1000 || event.code === 1001 ? undefined : closeError(event.code, event.reason));
    ws.onerror = () => this.#onEnd(new WsLinkError("socket-error", "Cannot read: the WebSocket failed"));
  }
  read() {
    return this.#reads.read();
  }
  write(data) {
    if (this.#ended)
      return Promise.reject(new Error("Cannot write: WebSocket is closed"));
    const ws = this.#ws;
    const most = this.#options.messageBytes;
    try {
      for (let at = 0;at < data.length; at += most)
        ws.send(data.subarray(at, Math.min(data.length, at + most)));
    } catch (error) {
      this.#onEnd(error);
      return Promise.reject(error);
    }
    if (ws.bufferedAmount <= BUFFERED_BOUND)
      return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#writer = { resolve, reject };
      this.#polling = setTimeout(this.#poll, DRAIN_POLL_MS);
    });
  }
  close() {
    if (this.#ended)
      return;
    this.#onEnd(undefined);
    try {
      this.#ws.close(1000);
    } catch {}
  }
  #poll = () => {
    this.#polling = undefined;
    if (this.#ended || this.#ws.readyState !== OPEN)
      return;
    if (this.#ws.bufferedAmount > BUFFERED_BOUND) {
      this.#polling = setTimeout(this.#poll, DRAIN_POLL_MS);
      return;
    }
    const writer = this.#writer;
    this.#writer = undefined;
    writer?.resolve();
  };
  #onMessage(data) {
    if (this.#ended)
      return;
    if (!(data instanceof ArrayBuffer)) {
      return this.#fail(new WsLinkError("unsupported-data", "Cannot read a text message: the stream is bytes"));
    }
    if (this.#reads.queuedBytes + data.byteLength > this.#options.readAheadLimit) {
      return this.#fail(new WsLinkError("rate-limit", `Cannot read ahead: over ${this.#options.readAheadLimit} bytes wait for a reader`));
    }
    if (data.byteLength > 0)
      this.#reads.push(new Uint8Array(data));
  }
  #fail(error) {
    this.#reads.clear();
    this.#onEnd(error);
    try {
      this.#ws.close(1000, error.message.slice(0, 120));
    } catch {}
  }
  #onEnd(error) {
    if (this.#ended)
      return;
    this.#ended = true;
    clearTimeout(this.#polling);
    this.#reads.end(error);
    const writer = this.#writer;
    this.#writer = undefined;
    writer?.reject(error ?? new Error("Cannot write: WebSocket is closed"));
  }
}
function closeError(code, reason) {
  const why = reason === "" ? "" : `: ${JSON.stringify(reason.slice(0, 123))}`;
  return new WsLinkError("socket-error", `Cannot read: the WebSocket closed with ${code}${why}`);
}

// src/core/connection/deferred_flush.ts
var schedule = globalThis.setImmediate ?? ((run) => setTimeout(run, 0));

class DeferredFlush {
  #outboxes = [];
  #scheduled = false;
  runs = 0;
  add(outbox) {
    if (outbox.deferred)
      return;
    outbox.deferred = true;
    this.#outboxes.push(outbox);
    if (!this.#scheduled) {
      this.#scheduled = true;
      schedule(this.#run);
    }
  }
  #run = () => {
    this.#scheduled = false;
    this.runs++;
    const outboxes = this.#outboxes;
    this.#outboxes = [];
    for (const outbox of outboxes) {
      outbox.deferred = false;
      outbox.flush();
    }
  };
}

// src/core/errors.ts
var CLOSE_REASONS = [
  "peer-closed",
  "closed",
  "frame-too-large",
  "truncated-frame",
  "handler-error",
  "socket-error",
  "shutdown",
  "aborted",
  "idle-timeout",
  "first-frame-timeout",
  "rate-limit",
  "slow-consumer",
  "bad-proxy-header",
  "tls-handshake-timeout",
  "send-timeout",
  "unsupported-data",
  "ping-timeout",
  "unauthenticated",
  "replaced",
  "heartbeat-timeout",
  "resume-refused"
];

class FrameTooLargeError extends RangeError {
  code = "frame-too-large";
  length;
  limit;
  constructor(action, length, limit) {
    super(`Cannot ${action}: frame of ${length} bytes is over the limit of ${limit} bytes`);
    this.name = "FrameTooLargeError";
    this.length = length;
    this.limit = limit;
  }
}

class TruncatedFrameError extends Error {
  code = "truncated-frame";
  received;
  expected;
  constructor(received, expected) {
    super(`Cannot decode frame: stream ended after ${received} bytes of ` + (expected === undefined ? "a header" : `a ${expected}-byte frame`));
    this.name = "TruncatedFrameError";
    this.received = received;
    this.expected = expected;
  }
}

class ConnectionClosedError extends Error {
  reason;
  constructor(reason, options) {
    super(`Cannot send: connection is closed (${reason})`, options);
    this.name = "ConnectionClosedError";
    this.reason = reason;
  }
}

class ConnectTimeoutError extends Error {
  code = "connect-timeout";
  seconds;
  constructor(target, seconds) {
    super(`Cannot connect to ${target}: no connection within ${seconds} seconds (connectTimeout)`);
    this.name = "ConnectTimeoutError";
    this.seconds = seconds;
  }
}
class GuardError extends Error {
  code;
  detail;
  limit;
  constructor(code, detail, limit) {
    super(`Cannot continue: ${code}: ${detail}`);
    this.name = "GuardError";
    this.code = code;
    this.detail = detail;
    this.limit = limit;
  }
}

class SessionError extends Error {
  code;
  detail;
  constructor(code, detail, options) {
    super(`Cannot open session: ${code}: ${detail}`, options);
    this.name = "SessionError";
    this.code = code;
    this.detail = detail;
  }
}
function closeReasonOf(error, fallback) {
  if (error !== null && typeof error === "object" && "code" in error) {
    const code = error.code;
    if (typeof code === "string" && CLOSE_REASON_SET.has(code))
      return code;
  }
  return fallback;
}
var CLOSE_REASON_SET = new Set(CLOSE_REASONS);

// src/core/options.ts
var MAX = Number.MAX_SAFE_INTEGER;
var MAX_TIMER_SECONDS = 2147483;
var count = (min, unit) => ({ integer: true, min, max: MAX, unit });
var seconds = { integer: false, min: 0, minExclusive: true, max: MAX_TIMER_SECONDS, unit: "seconds" };
var secondsOrZero = { integer: false, min: 0, max: MAX_TIMER_SECONDS, unit: "seconds" };
var NUMBER_OPTIONS = {
  port: { integer: true, min: 0, max: 65535 },
  maxFrameSize: { integer: true, min: 0, max: 4294967295, unit: "bytes" },
  maxLineLength: { integer: true, min: 0, max: 4294967295, unit: "bytes" },
  highWaterMark: count(0, "bytes"),
  lowWaterMark: count(0, "bytes"),
  mailboxCapacity: count(0, "messages"),
  idleTimeout: seconds,
  firstFrameTimeout: seconds,
  proxyHeaderTimeout: seconds,
  tlsHandshakeTimeout: seconds,
  maxBytesPerSecond: count(1),
  maxFramesPerSecond: count(1),
  maxConnections: count(1),
  maxConnectionsPerAddress: count(1),
  tickInterval: seconds,
  closeTimeout: seconds,
  sendTimeout: secondsOrZero,
  timeout: secondsOrZero,
  quietPeriod: secondsOrZero,
  node: { integer: true, min: 0, max: 900718 },
  reportInterval: seconds,
  expireAfter: seconds,
  maxPendingBytes: count(0, "bytes"),
  workers: { integer: true, min: 0, max: 1024 },
  maxRestarts: count(0, "restarts"),
  restartPeriod: seconds,
  restartBackoff: secondsOrZero,
  baseDelay: seconds,
  maxDelay: seconds,
  maxRetries: count(0, "attempts"),
  maxWaitingBytes: count(0, "bytes"),
  maxPendingSendBytes: count(0, "bytes"),
  maxRoomsPerConnection: count(0, "rooms"),
  maxRoomNameLength: { integer: true, min: 1, max: 1024, unit: "bytes" },
  maxMessageSize: { integer: true, min: 1024, max: 64 * 1024 * 1024, unit: "bytes" },
  reconnectWait: seconds,
  connectTimeout: seconds,
  pingInterval: seconds,
  authTimeout: seconds,
  maxSessionsPerIdentity: count(1, "connections"),
  heartbeatInterval: seconds,
  heartbeatTimeout: seconds,
  keepAlive: secondsOrZero,
  resumeWindow: secondsOrZero,
  maxResumeBytes: count(0, "bytes")
};
var CHOICE_OPTIONS = {
  packet: [4, 2, 1],
  rateLimitPolicy: ["close", "pause"],
  slowConsumer: ["disconnect", "drop"],
  whileDisconnected: ["wait", "fail"]
};
var DEFAULT_MAX_FRAME_SIZE = 262144;
var DEFAULT_HIGH_WATER_MARK = 65536;
function describeNumber(spec) {
  const what = spec.integer ? "integer" : "number";
  const unit = spec.unit === undefined ? "" : spec.integer ? ` (${spec.unit})` : ` of ${spec.unit}`;
  if (spec.max !== MAX && spec.min === 0 && (spec.minExclusive || !spec.integer)) {
    return `${spec.minExclusive ? "a positive" : "a non-negative"} ${what}${unit} up to ${spec.max}`;
  }
  if (spec.max === MAX) {
    if (spec.min === 0)
      return `${spec.minExclusive ? "a positive" : "a non-negative"} ${what}${unit}`;
    if (spec.min === 1 && spec.integer)
      return `a positive integer${unit}`;
    return `${what === "integer" ? "an" : "a"} ${what} of at least ${spec.min}${unit}`;
  }
  return `${what === "integer" ? "an" : "a"} ${what} from ${spec.min} to ${spec.max}${unit}`;
}
function fitsNumber(value, spec) {
  return typeof value === "number" && Number.isFinite(value) && (!spec.integer || Number.isInteger(value)) && (spec.minExclusive ? value > spec.min : value >= spec.min) && value <= spec.max;
}
function checkNumber(name, value) {
  if (value === undefined)
    return;
  const spec = NUMBER_OPTIONS[name];
  if (!fitsNumber(value, spec)) {
    throw new RangeError(`Cannot use ${name} ${String(value)}: must be ${describeNumber(spec)}`);
  }
  return value;
}
function checkChoice(name, value) {
  const choices = CHOICE_OPTIONS[name];
  if (value === undefined)
    return choices[0];
  if (!choices.includes(value)) {
    const Refusal = typeof choices[0] === "number" ? RangeError : TypeError;
    throw new Refusal(`Cannot use ${name} ${JSON.stringify(value)}: must be one of ${choices.join(", ")}`);
  }
  return value;
}

// src/core/framing/length_prefixed.ts
function framingOf(options = {}) {
  if (options.framing !== undefined)
    return framingOfFormat(options);
  const packet = checkChoice("packet", options.packet);
  const maxFrameSize = checkNumber("maxFrameSize", options.maxFrameSize) ?? DEFAULT_MAX_FRAME_SIZE;
  return { packet, maxFrameSize };
}
function framingOfFormat(options) {
  const format = options.framing;
  if (typeof format !== "object" || format === null || typeof format.decoder !== "function" || typeof format.encode !== "function") {
    throw new TypeError(`Cannot use framing ${describe(format)}: must be a wire format (lengthPrefixed(), newlineDelimited() or an object with decoder() and encode())`);
  }
  if (options.packet !== undefined || options.maxFrameSize !== undefined) {
    throw new TypeError(`Cannot use packet or maxFrameSize with framing ${format.name}: the wire format sets its own`);
  }
  if (format.lengthPrefixed !== undefined)
    return framingOf(format.lengthPrefixed);
  if (format.maxFrameSize === undefined) {
    throw new RangeError(`Cannot use framing ${format.name}: its maxFrameSize is undefined, must be ${describeNumber(NUMBER_OPTIONS.maxFrameSize)}`);
  }
  const maxFrameSize = checkNumber("maxFrameSize", format.maxFrameSize);
  return { packet: 4, maxFrameSize, format };
}
function describe(value) {
  return typeof value === "object" && value !== null ? Object.prototype.toString.call(value) : String(value);
}
function headerCapacity(packet) {
  return packet === 4 ? 4294967295 : packet === 2 ? 65535 : 255;
}
function checkOutgoing(length, framing) {
  const limit = Math.min(framing.maxFrameSize, headerCapacity(framing.packet));
  if (length > limit)
    throw new FrameTooLargeError("send frame", length, limit);
}
function writeHeader(target, offset, length, packet) {
  if (packet === 4) {
    target[offset] = length >>> 24;
    target[offset + 1] = length >>> 16 & 255;
    target[offset + 2] = length >>> 8 & 255;
    target[offset + 3] = length & 255;
  } else if (packet === 2) {
    target[offset] = length >>> 8;
    target[offset + 1] = length & 255;
  } else {
    target[offset] = length;
  }
}
function readLength(bytes, at, packet) {
  if (packet === 4) {
    return (bytes[at] << 24 | bytes[at + 1] << 16 | bytes[at + 2] << 8 | bytes[at + 3]) >>> 0;
  }
  return packet === 2 ? bytes[at] << 8 | bytes[at + 1] : bytes[at];
}

// src/core/framing/_frame_assembly.ts
class FrameAssembly {
  #packet;
  #framed;
  #fill = 0;
  #length = 0;
  #handedOut;
  #spare;
  constructor(packet) {
    this.#packet = packet;
  }
  get active() {
    return this.#framed !== undefined;
  }
  get fill() {
    return this.#fill;
  }
  get length() {
    return this.#length;
  }
  get reserved() {
    return this.#framed?.length ?? 0;
  }
  begin(head, length, incoming) {
    this.#length = length;
    this.#fill = 0;
    const framed = this.#reserve(head.length + Math.min(incoming, length - head.length));
    writeHeader(framed, 0, length, this.#packet);
    framed.set(head, this.#packet);
    this.#fill = head.length;
  }
  recycle(held, trim) {
    const framed = this.#handedOut;
    this.#handedOut = undefined;
    if (trim)
      this.#spare = undefined;
    else if (framed !== undefined && !held.holds(framed))
      this.#spare = framed;
  }
  append(chunk, at) {
    const take = Math.min(this.#length - this.#fill, chunk.length - at);
    const framed = this.#reserve(this.#fill + take);
    framed.set(chunk.subarray(at, at + take), this.#packet + this.#fill);
    this.#fill += take;
    return at + take;
  }
  done() {
    const framed = this.#framed;
    if (framed === undefined || this.#fill < this.#length)
      return;
    this.#framed = undefined;
    this.#handedOut = framed;
    this.#fill = 0;
    return framed;
  }
  #reserve(payloadBytes) {
    const packet = this.#packet;
    const old = this.#framed;
    const need = packet + payloadBytes;
    if (old !== undefined && old.length >= need)
      return old;
    const spare = this.#spare;
    if (old === undefined && spare !== undefined && spare.length >= need && spare.length <= packet + this.#length) {
      this.#spare = undefined;
      return this.#framed = spare;
    }
    const doubled = old === undefined ? 2 * need : Math.max(need, 2 * old.length);
    const framed = new Uint8Array(Math.min(packet + this.#length, doubled + packet));
    if (old !== undefined)
      framed.set(old.subarray(0, packet + this.#fill));
    return this.#framed = framed;
  }
}
function joined(rest, chunk) {
  if (chunk.length === 0)
    return rest;
  if (rest.buffer === chunk.buffer && rest.byteOffset + rest.length === chunk.byteOffset) {
    return new Uint8Array(rest.buffer, rest.byteOffset, rest.length + chunk.length);
  }
  const both = new Uint8Array(rest.length + chunk.length);
  both.set(rest);
  both.set(chunk, rest.length);
  return both;
}

// src/core/framing/_decode_state.ts
var HEAD = { kind: "head" };
var ASSEMBLY = { kind: "assembly" };
function heldIn(state, packet, assembly) {
  switch (state.kind) {
    case "head":
      return 0;
    case "header":
      return state.fill;
    case "view":
      return packet + state.head.length;
    case "assembly":
      return packet + assembly.fill;
  }
}
function truncatedIn(state, packet, assembly) {
  switch (state.kind) {
    case "head":
      return;
    case "header":
      return state.fill > 0 ? new TruncatedFrameError(state.fill) : undefined;
    case "view":
      return new TruncatedFrameError(packet + state.head.length, packet + state.length);
    case "assembly":
      return new TruncatedFrameError(packet + assembly.fill, packet + assembly.length);
  }
}
function keptIn(state) {
  if (state.kind !== "view" || state.head.length === 0)
    return;
  const { head, start } = state;
  if (start < 0)
    return head;
  return new Uint8Array(head.buffer, start, head.byteOffset + head.length - start);
}
function movedTo(state, kept, packet) {
  if (state.kind !== "view")
    return state;
  const { head, length, start } = state;
  const at = kept.byteOffset + kept.length - head.length;
  return {
    kind: "view",
    head: new Uint8Array(kept.buffer, at, head.length),
    length,
    start: start < 0 ? -1 : at - packet
  };
}

// src/core/framing/framed_in.ts
class FramedIn {
  #packet;
  #tracking = false;
  #region;
  #frames = [];
  #next = 0;
  #nextAt = 0;
  #assembled;
  #assembledFramed;
  at = 0;
  constructor(packet) {
    this.#packet = packet;
  }
  frames() {
    if (!this.#tracking)
      return;
    this.#frames.length = 0;
    return this.#frames;
  }
  region(chunk, from) {
    this.#region = chunk;
    this.#next = 0;
    this.#nextAt = from;
  }
  assembled(payload, framed) {
    this.#assembled = payload;
    this.#assembledFramed = framed;
  }
  find(payload) {
    this.#tracking = true;
    if (payload === this.#assembled) {
      this.at = 0;
      return this.#assembledFramed;
    }
    const frames = this.#frames;
    let i = this.#next;
    let at = this.#nextAt;
    if (frames[i] !== payload) {
      i = frames.indexOf(payload);
      if (i < 0)
        return;
      at = payload.byteOffset - this.#region.byteOffset - this.#packet;
    }
    this.#next = i + 1;
    this.#nextAt = at + this.#packet + payload.length;
    this.at = at;
    return this.#region;
  }
  release() {
    this.#region = this.#assembled = this.#assembledFramed = undefined;
    this.#frames.length = 0;
  }
}

// src/core/framing/frame_decoder.ts
var EMPTY = new Uint8Array(0);
var NO_LIMIT = 1073741823;

class FrameDecoder {
  #packet;
  #max;
  #state = HEAD;
  #header;
  #assembly;
  #rest;
  #framedIn;
  framedAt = 0;
  constructor(options) {
    const { packet, maxFrameSize } = framingOf(options);
    this.#packet = packet;
    this.#max = maxFrameSize;
  }
  get buffered() {
    return heldIn(this.#state, this.#packet, this.#assembly) + (this.#rest?.length ?? 0);
  }
  get reserved() {
    return this.#assembly?.reserved ?? 0;
  }
  decode(chunk, out, limit) {
    const before = out.length;
    const stop = limit === undefined || limit > NO_LIMIT ? NO_LIMIT : before + limit;
    const packet = this.#packet;
    let bytes = chunk;
    let at = 0;
    if (this.#rest !== undefined) {
      bytes = joined(this.#rest, chunk);
      this.#rest = undefined;
    } else if (this.#state.kind === "view" && chunk.length > 0) {
      const { head, start } = this.#state;
      if (start >= 0 && head.buffer === chunk.buffer && head.byteOffset + head.length === chunk.byteOffset) {
        bytes = new Uint8Array(chunk.buffer, start, chunk.byteOffset + chunk.length - start);
        this.#state = HEAD;
      } else
        this.#assemble(chunk.length);
    }
    const end = bytes.length;
    while (at < end) {
      const state = this.#state;
      if (state.kind === "assembly") {
        at = this.#continuePayload(bytes, at, out);
        continue;
      }
      let fill = 0;
      if (state.kind === "head") {
        if (out.length < stop)
          at = this.#wholeFrames(bytes, at, out, stop);
        if (at === end)
          break;
        if (out.length >= stop) {
          this.#rest = bytes.subarray(at);
          break;
        }
        if (end - at >= packet) {
          this.#begin(bytes.subarray(at + packet), readLength(bytes, at, packet), bytes.byteOffset + at);
          break;
        }
      } else if (state.kind === "header")
        fill = state.fill;
      const take = Math.min(packet - fill, end - at);
      const header = this.#header ??= new Uint8Array(packet);
      header.set(bytes.subarray(at, at + take), fill);
      fill += take;
      at += take;
      this.#state = { kind: "header", fill };
      if (fill < packet)
        break;
      const length = readLength(header, 0, packet);
      if (length > this.#max)
        throw new FrameTooLargeError("decode frame", length, this.#max);
      if (end - at >= length) {
        out.push(bytes.subarray(at, at + length));
        at += length;
        this.#state = HEAD;
      } else {
        this.#begin(bytes.subarray(at), length, -1);
        break;
      }
    }
    return out.length - before;
  }
  framedIn(payload) {
    const framedIn = this.#framedIn ??= new FramedIn(this.#packet);
    const bytes = framedIn.find(payload);
    this.framedAt = framedIn.at;
    return bytes;
  }
  release() {
    this.#framedIn?.release();
  }
  get kept() {
    return this.#rest === undefined ? keptIn(this.#state) ?? EMPTY : undefined;
  }
  moved(to) {
    this.#state = movedTo(this.#state, to, this.#packet);
  }
  recycle(held, trim = false) {
    this.#assembly?.recycle(held, trim);
  }
  finish() {
    if (this.#rest !== undefined && this.#rest.length > 0) {
      throw new TruncatedFrameError(this.#rest.length);
    }
    const truncated = truncatedIn(this.#state, this.#packet, this.#assembly);
    if (truncated !== undefined)
      throw truncated;
  }
  #begin(head, length, start) {
    const empty = head.length === 0;
    this.#state = { kind: "view", head: empty ? EMPTY : head, length, start: empty ? -1 : start };
  }
  #assemble(incoming) {
    const { head, length } = this.#state;
    this.#state = ASSEMBLY;
    (this.#assembly ??= new FrameAssembly(this.#packet)).begin(head, length, incoming);
  }
  #wholeFrames(chunk, at, out, stop) {
    const packet = this.#packet;
    const max = this.#max;
    const end = chunk.length;
    const from = at;
    const buffer = chunk.buffer;
    const base = chunk.byteOffset + packet;
    const frames = this.#framedIn?.frames();
    while (end - at >= packet && out.length < stop) {
      const length = packet === 4 ? (chunk[at] << 24 | chunk[at + 1] << 16 | chunk[at + 2] << 8 | chunk[at + 3]) >>> 0 : readLength(chunk, at, packet);
      if (length > max)
        throw new FrameTooLargeError("decode frame", length, max);
      if (end - at - packet < length)
        break;
      const frame = new Uint8Array(buffer, base + at, length);
      out.push(frame);
      frames?.push(frame);
      at += packet + length;
    }
    if (frames !== undefined && at > from)
      this.#framedIn.region(chunk, from);
    return at;
  }
  #continuePayload(chunk, at, out) {
    const assembly = this.#assembly;
    const next = assembly.append(chunk, at);
    const framed = assembly.done();
    if (framed !== undefined) {
      const payload = new Uint8Array(framed.buffer, this.#packet, framed.length - this.#packet);
      out.push(payload);
      (this.#framedIn ??= new FramedIn(this.#packet)).assembled(payload, framed);
      this.#state = HEAD;
    }
    return next;
  }
}

// src/core/connection/flush_policy.ts
class FlushPolicy {
  #outbox;
  #marks;
  #later;
  #scheduled = false;
  #flushScheduled;
  constructor(outbox, marks, later) {
    this.#outbox = outbox;
    this.#marks = marks;
    this.#later = later;
  }
  loopWaits() {
    this.#outbox.flush();
  }
  appended(processing) {
    const outbox = this.#outbox;
    if (outbox.bytes >= this.#marks.high)
      outbox.flush();
    else if (processing)
      this.#later?.add(outbox);
    else if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#flushScheduled ??= () => {
        this.#scheduled = false;
        this.#outbox.flush();
      });
    }
  }
  now() {
    this.#outbox.flush();
  }
  drain() {
    return this.#outbox.drain();
  }
  tick() {
    this.#outbox.flush();
    this.#outbox.trim();
  }
}

// src/core/connection/inbox_queue.ts
class InboxQueue {
  #items = [];
  #head = 0;
  get items() {
    return this.#items;
  }
  get pending() {
    return this.#head < this.#items.length;
  }
  push(item) {
    this.#items.push(item);
  }
  shift() {
    const items = this.#items;
    if (this.#head === items.length)
      return;
    const item = items[this.#head++];
    if (this.#head === items.length) {
      items.length = 0;
      this.#head = 0;
    }
    return item;
  }
  frames() {
    const items = this.#items;
    const head = this.#head;
    const length = items.length;
    if (head === length || !(items[head] instanceof Uint8Array))
      return;
    let end = head + 1;
    while (end < length && items[end] instanceof Uint8Array)
      end++;
    if (head === 0 && end === length) {
      this.#items = [];
      return items;
    }
    const frames = items.slice(head, end);
    this.#head = end;
    if (end === length) {
      items.length = 0;
      this.#head = 0;
    }
    return frames;
  }
}

// src/core/connection/mailbox.ts
class Posted {
  message;
  constructor(message) {
    this.message = message;
  }
}

class Tick {
  idleSeconds;
  constructor(idleSeconds) {
    this.idleSeconds = idleSeconds;
  }
}

class Mailbox {
  #capacity;
  #queued = 0;
  tickQueued = false;
  messagesIn = 0;
  messagesDropped = 0;
  constructor(capacity) {
    this.#capacity = capacity;
  }
  admit(message, open) {
    if (!open || this.#queued >= this.#capacity) {
      this.messagesDropped++;
      return;
    }
    this.#queued++;
    return new Posted(message);
  }
  taken(item) {
    if (item instanceof Posted) {
      this.#queued--;
      this.messagesIn++;
    } else
      this.tickQueued = false;
  }
  dropDelivered() {
    this.messagesIn--;
    this.messagesDropped++;
  }
}

// src/core/connection/inbox.ts
class Inbox {
  #socket;
  #decoder;
  #framedDecoder;
  #mailboxCapacity;
  #mailbox;
  #onEnd;
  #flushes;
  #limits;
  #loans;
  #queue = new InboxQueue;
  #reading = false;
  #paused = false;
  #wake;
  #kept = false;
  done = false;
  processing = false;
  bytesIn = 0;
  framesIn = 0;
  idleTicks = 0;
  constructor(socket, decoder, mailboxCapacity, onEnd, flushes, limits, loans) {
    this.#socket = socket;
    this.bytesIn = socket.preambleBytes ?? 0;
    this.#decoder = decoder;
    this.#framedDecoder = decoder instanceof FrameDecoder ? decoder : undefined;
    this.#mailboxCapacity = mailboxCapacity;
    this.#onEnd = onEnd;
    this.#flushes = flushes;
    this.#limits = limits;
    this.#loans = loans;
  }
  get waitingForInput() {
    return (this.#reading || this.#paused) && !this.processing && !this.done && !this.#queue.pending;
  }
  take(borrow = false) {
    const item = this.#queue.shift();
    if (item === undefined) {
      this.processing = false;
      return;
    }
    if (!(item instanceof Uint8Array))
      this.#mailbox.taken(item);
    else if (!borrow)
      this.#loans?.owned();
    this.processing = true;
    return item;
  }
  takeFrames(borrow = false) {
    const frames = this.#queue.frames();
    if (frames === undefined)
      return;
    if (!borrow)
      this.#loans?.owned();
    this.processing = true;
    return frames;
  }
  park(ready) {
    if (this.#queue.pending || this.done)
      return ready();
    this.#flushes.loopWaits();
    this.#readIfWanted();
    if (this.#queue.pending || this.done)
      return ready();
    this.#wake = ready;
  }
  async next() {
    while (true) {
      const item = this.take();
      if (item !== undefined)
        return item;
      if (this.done)
        return;
      this.#flushes.loopWaits();
      this.#readIfWanted();
      if (!this.#queue.pending && !this.done) {
        await new Promise((resolve) => this.#wake = resolve);
      }
    }
  }
  get decoder() {
    return this.#framedDecoder;
  }
  get mailbox() {
    return this.#mailbox ??= new Mailbox(this.#mailboxCapacity);
  }
  get messagesIn() {
    return this.#mailbox?.messagesIn ?? 0;
  }
  get messagesDropped() {
    return this.#mailbox?.messagesDropped ?? 0;
  }
  deliver(message) {
    const posted = this.mailbox.admit(message, !this.done);
    if (posted !== undefined)
      this.#push(posted);
    return posted !== undefined;
  }
  tick(seconds, deliverTick) {
    if (++this.idleTicks > 1)
      this.#loans?.trim();
    const limits = this.#limits;
    if (limits !== undefined) {
      limits.refill(seconds);
      if (this.#paused && !limits.over && limits.frameLimit > 0) {
        this.#paused = false;
        this.#wakeUp();
      }
    }
    if (deliverTick && !this.done && !this.mailbox.tickQueued) {
      this.mailbox.tickQueued = true;
      this.#push(new Tick(this.idleTicks * seconds));
    }
  }
  end(reason, error) {
    if (this.done)
      return;
    this.done = true;
    this.#onEnd(reason, error);
    this.#wakeUp();
  }
  #push(item) {
    this.#queue.push(item);
    this.#wakeUp();
  }
  #wakeUp() {
    const wake = this.#wake;
    if (wake !== undefined) {
      this.#wake = undefined;
      wake();
    }
  }
  #readIfWanted() {
    if (!this.#reading && !this.#paused)
      this.#startRead();
  }
  #startRead() {
    const limits = this.#limits;
    if (limits !== undefined && limits.frameLimit === 0)
      return void (this.#paused = true);
    if (this.#kept) {
      this.#kept = false;
      const before = this.#queue.items.length;
      this.#decode(EMPTY2, 0);
      if (this.#queue.items.length > before || this.done || this.#paused)
        return;
    }
    this.#reading = true;
    this.#loans?.ended();
    this.#decoder.release?.();
    if (this.#socket.pull)
      this.#socket.pull(this.#onChunk, this.#onReadError);
    else
      this.#socket.read().then(this.#onChunk, this.#onReadError);
  }
  #onReadError = (error) => {
    this.#reading = false;
    this.end(closeReasonOf(error, "socket-error"), error);
  };
  #onChunk = (chunk) => {
    this.#reading = false;
    if (this.done)
      return;
    if (chunk === null) {
      try {
        this.#decoder.finish();
        this.end("peer-closed");
      } catch (error) {
        this.end("truncated-frame", error);
      }
      return;
    }
    this.bytesIn += chunk.length;
    this.#decode(chunk, chunk.length);
    this.#wakeUp();
  };
  #decode(chunk, bytes) {
    const queue = this.#queue.items;
    const before = queue.length;
    const limit = this.#limits?.frameLimit ?? Infinity;
    let failure;
    try {
      this.#decoder.decode(chunk, queue, limit);
    } catch (error) {
      failure = { error };
    }
    const frames = queue.length - before;
    this.#loans?.decoded(queue, before);
    this.#kept = frames >= limit;
    this.framesIn += frames;
    if (frames > 0)
      this.idleTicks = 0;
    if (failure !== undefined)
      this.end(closeReasonOf(failure.error, "socket-error"), failure.error);
    else if (this.#limits !== undefined)
      this.#charge(bytes, frames, before);
  }
  #charge(bytes, frames, before) {
    const limits = this.#limits;
    const budget = limits.frameLimit;
    const verdict = limits.charge(bytes, frames);
    if (verdict === "ok")
      return;
    if (verdict === "pause")
      return void (this.#paused = true);
    if (frames > budget - 1)
      this.#queue.items.length = before + budget - 1;
    this.end("rate-limit", verdict);
  }
}
var EMPTY2 = new Uint8Array(0);

// src/core/connection/fill_buffers.ts
var KEEP_BUFFER_BYTES = 1048576;
var FIRST_BUFFER_BYTES = 128;

class FillBuffers {
  fill;
  at = 0;
  from = 0;
  #spare;
  #pending;
  reserve(size) {
    const at = this.at;
    const needed = at + size;
    const fill = this.fill;
    if (fill === undefined || fill.length < needed) {
      const from = this.from;
      const grown = new Uint8Array(Math.max(FIRST_BUFFER_BYTES, needed - from, (fill?.length ?? 0) * 2));
      if (fill !== undefined && at > from)
        grown.set(fill.subarray(from, at));
      this.fill = grown;
      this.from = 0;
      this.at = at - from;
    }
    const start = this.at;
    this.at = start + size;
    return start;
  }
  closePart() {
    if (this.at <= this.from)
      return;
    const part = this.fill.subarray(this.from, this.at);
    this.from = this.at;
    return part;
  }
  reset() {
    this.at = this.from = 0;
  }
  handOff() {
    this.#pending = this.fill;
    this.fill = this.#spare;
    this.#spare = undefined;
  }
  written(keep) {
    const buffer = this.#pending;
    this.#pending = undefined;
    if (keep && buffer !== undefined && buffer.length <= KEEP_BUFFER_BYTES && this.#spare === undefined) {
      this.#spare = buffer;
    }
  }
  trim(empty) {
    this.#spare = undefined;
    if (empty)
      this.fill = undefined;
  }
  clear() {
    this.at = this.from = 0;
    this.fill = this.#spare = undefined;
  }
}

// src/core/connection/outbox_waiters.ts
class OutboxWaiters {
  #room = [];
  #drain = [];
  get waitingForRoom() {
    return this.#room.length > 0;
  }
  get waitingForDrain() {
    return this.#drain.length > 0;
  }
  wait(drain) {
    const waiters = drain ? this.#drain : this.#room;
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }
  wakeRoom() {
    release(this.#room.splice(0));
  }
  wakeDrain() {
    release(this.#drain.splice(0));
  }
  rejectAll(error) {
    const waiters = [...this.#room, ...this.#drain];
    this.#room = [];
    this.#drain = [];
    for (const waiter of waiters)
      waiter.reject(error());
  }
}
function release(waiters) {
  for (const waiter of waiters)
    waiter.resolve();
}

// src/core/connection/owned_runs.ts
var GATHER_BYTES = 65536;

class OwnedRuns {
  #buffer;
  #from = 0;
  #to = 0;
  #parts;
  #flight;
  #flightAt = 0;
  #socket;
  #onWritten;
  #onWriteError;
  get running() {
    return this.#buffer !== undefined;
  }
  get empty() {
    return this.#parts === undefined && this.#buffer === undefined;
  }
  holds(bytes) {
    const run = this.#buffer;
    return run !== undefined && overlap(run.byteOffset + this.#from, run.byteOffset + this.#to, run.buffer, bytes) || within(this.#parts, bytes) || within(this.#flight, bytes);
  }
  extend(buffer, from, to) {
    if (this.#buffer !== buffer || this.#to !== from)
      return false;
    this.#to = to;
    return true;
  }
  open(buffer, from, to) {
    this.#buffer = buffer;
    this.#from = from;
    this.#to = to;
  }
  closeRun() {
    this.push(this.#buffer.subarray(this.#from, this.#to));
    this.#buffer = undefined;
  }
  push(part) {
    (this.#parts ??= []).push(part);
  }
  take() {
    const parts = this.#parts;
    this.#parts = undefined;
    return parts;
  }
  clear() {
    this.#buffer = this.#parts = this.#flight = undefined;
  }
  writeNow(socket, parts) {
    let i = 0;
    if (socket.tryWrite !== undefined) {
      for (;i < parts.length; i++) {
        const part = parts[i];
        const taken = socket.tryWrite(part);
        if (taken < part.length) {
          parts[i] = part.subarray(taken);
          break;
        }
      }
    }
    if (i === parts.length)
      return;
    return i === 0 ? parts : parts.slice(i);
  }
  write(socket, rest, onWritten, onWriteError) {
    if (rest.length === 1)
      return void socket.write(rest[0]).then(onWritten, onWriteError);
    let left = 0;
    for (const part of rest)
      left += part.length;
    if (left <= GATHER_BYTES) {
      const gathered = new Uint8Array(left);
      let at = 0;
      for (const part of rest) {
        gathered.set(part, at);
        at += part.length;
      }
      socket.write(gathered).then(onWritten, onWriteError);
    } else {
      this.#socket = socket;
      this.#onWritten = onWritten;
      this.#onWriteError = onWriteError;
      this.#flight = rest;
      this.#flightAt = 0;
      this.#writeNextPart();
    }
  }
  #writeNextPart = () => {
    const flight = this.#flight;
    if (flight === undefined || this.#flightAt === flight.length) {
      this.#flight = undefined;
      return this.#onWritten();
    }
    this.#socket.write(flight[this.#flightAt++]).then(this.#writeNextPart, this.#onWriteError);
  };
}
function within(parts, bytes) {
  if (parts === undefined)
    return false;
  for (const part of parts) {
    if (overlap(part.byteOffset, part.byteOffset + part.length, part.buffer, bytes))
      return true;
  }
  return false;
}
function overlap(from, to, buffer, bytes) {
  return buffer === bytes.buffer && from < bytes.byteOffset + bytes.length && bytes.byteOffset < to;
}

// src/core/connection/outbox.ts
class Outbox {
  #socket;
  #marks;
  #buffers = new FillBuffers;
  #runs;
  #queued = 0;
  #inFlight = 0;
  #writing;
  #flushedSinceTrim = false;
  #failure;
  #waiters;
  written = 0;
  peak = 0;
  deferred = false;
  input;
  constructor(socket, marks) {
    this.#socket = socket;
    this.#marks = marks;
  }
  get bytes() {
    return this.#queued + this.#inFlight;
  }
  get failed() {
    return this.#failure !== undefined;
  }
  appendFrame(payload, packet) {
    const at = this.#reserve(packet + payload.length);
    const fill = this.#buffers.fill;
    writeHeader(fill, at, payload.length, packet);
    fill.set(payload, at + packet);
  }
  holds(bytes) {
    return within(this.#writing, bytes) || (this.#runs?.holds(bytes) ?? false);
  }
  appendEncoded(bytes) {
    const at = this.#reserve(bytes.length);
    this.#buffers.fill.set(bytes, at);
  }
  appendOwned(buffer, from, to) {
    const runs = this.#runs ??= new OwnedRuns;
    if (!runs.extend(buffer, from, to)) {
      this.#closeOpenPart();
      runs.open(buffer, from, to);
    }
    this.#queued += to - from;
    const bytes = this.bytes;
    if (bytes > this.peak)
      this.peak = bytes;
  }
  async writeFrame(payload, packet, framed) {
    const length = packet + payload.length;
    this.#inFlight = length;
    this.#writing = [framed ?? payload];
    if (length > this.peak)
      this.peak = length;
    this.#flushedSinceTrim = true;
    try {
      if (framed !== undefined)
        await this.#writeAll(framed);
      else {
        const header = new Uint8Array(packet);
        writeHeader(header, 0, payload.length, packet);
        await this.#writeAll(header);
        await this.#writeAll(payload);
      }
    } catch (error) {
      this.#onWriteError(error);
    }
    this.#inFlight = 0;
    this.#writing = undefined;
    if (this.#failure !== undefined)
      throw this.#error();
    this.written += length;
    this.#settled();
  }
  #writeAll(bytes) {
    const socket = this.#socket;
    const taken = socket.tryWrite?.(bytes) ?? 0;
    if (taken === bytes.length)
      return;
    const written = socket.write(taken > 0 ? bytes.subarray(taken) : bytes);
    socket.holdReads?.();
    return written;
  }
  holdReads() {
    this.#socket.holdReads?.();
  }
  flush() {
    if (this.#inFlight > 0 || this.#queued === 0 || this.#failure !== undefined)
      return;
    this.#flushedSinceTrim = true;
    const runs = this.#runs;
    if (runs === undefined || runs.empty)
      return this.#flushFill();
    this.#closeOpenPart();
    this.#writeParts(runs, runs.take());
  }
  #flushFill() {
    const buffers = this.#buffers;
    const buffer = buffers.fill;
    const length = this.#queued;
    const taken = this.#socket.tryWrite?.(buffer.subarray(0, length)) ?? 0;
    this.#queued = 0;
    buffers.reset();
    if (taken === length) {
      this.written += length;
      this.#settled();
      return;
    }
    buffers.handOff();
    this.#inFlight = length;
    this.#socket.write(buffer.subarray(taken > 0 ? taken : 0, length)).then(this.#onWritten, this.#onWriteError);
  }
  #writeParts(runs, parts) {
    const length = this.#queued;
    const usedFill = this.#buffers.at > 0;
    this.#queued = 0;
    const rest = runs.writeNow(this.#socket, parts);
    this.#buffers.reset();
    if (rest === undefined) {
      this.written += length;
      this.#settled();
      return;
    }
    if (usedFill)
      this.#buffers.handOff();
    this.#inFlight = length;
    this.#writing = rest;
    runs.write(this.#socket, rest, this.#onWritten, this.#onWriteError);
  }
  #closeOpenPart() {
    const runs = this.#runs;
    if (runs.running)
      runs.closeRun();
    else {
      const part = this.#buffers.closePart();
      if (part !== undefined)
        runs.push(part);
    }
  }
  trim() {
    if (this.#flushedSinceTrim) {
      this.#flushedSinceTrim = false;
      return;
    }
    this.#buffers.trim(this.#queued === 0);
  }
  whenRoom() {
    return this.#wait(this.#marks.hasRoom(this.bytes), false);
  }
  drain() {
    this.flush();
    return this.#wait(this.bytes === 0, true);
  }
  fail(error) {
    if (this.#failure !== undefined)
      return;
    this.#failure = error;
    this.#queued = 0;
    this.#buffers.clear();
    this.#runs?.clear();
    const waiters = this.#waiters;
    this.#waiters = undefined;
    waiters?.rejectAll(() => this.#error());
  }
  #error() {
    const failure = this.#failure;
    if (typeof failure !== "function")
      return failure;
    return this.#failure = failure();
  }
  #wait(ready, drain) {
    if (this.#failure !== undefined)
      return Promise.reject(this.#error());
    if (ready)
      return Promise.resolve();
    return (this.#waiters ??= new OutboxWaiters).wait(drain);
  }
  #onWritten = () => {
    this.#buffers.written(this.#failure === undefined);
    this.written += this.#inFlight;
    this.#inFlight = 0;
    this.#writing = undefined;
    if (this.#failure !== undefined)
      return;
    this.#settled();
  };
  #onWriteError = (error) => {
    this.#buffers.written(false);
    this.#runs?.clear();
    this.fail(new ConnectionClosedError("socket-error", { cause: error }));
    this.input?.end("socket-error", error);
  };
  #settled() {
    if (this.#failure !== undefined)
      return;
    const waiters = this.#waiters;
    if (waiters?.waitingForRoom && this.#marks.hasRoom(this.bytes))
      waiters.wakeRoom();
    if (this.#queued > 0)
      this.flush();
    else if (waiters?.waitingForDrain)
      waiters.wakeDrain();
  }
  #reserve(size) {
    if (this.#runs?.running)
      this.#closeOpenPart();
    const start = this.#buffers.reserve(size);
    this.#queued += size;
    const bytes = this.bytes;
    if (bytes > this.peak)
      this.peak = bytes;
    return start;
  }
}

// src/core/connection/read_loans.ts
var POISON = 219;
var MAX_WAITING = 4096;
function loansOf(socket, decoder, outbox, poison) {
  return decoder instanceof FrameDecoder ? new ReadLoans(socket, decoder, outbox, poison) : undefined;
}

class ReadLoans {
  #socket;
  #decoder;
  #outbox;
  sender;
  #lent;
  #owned = false;
  constructor(socket, decoder, outbox, poison) {
    this.#socket = socket;
    this.#decoder = decoder;
    this.#outbox = outbox;
    this.#lent = poison ? [] : undefined;
  }
  decoded(queue, from) {
    const lent = this.#lent;
    if (lent === undefined || this.#owned)
      return;
    for (let i = from;i < queue.length; i++)
      lent.push(queue[i]);
  }
  owned() {
    if (this.#owned)
      return;
    this.#owned = true;
    if (this.#lent !== undefined)
      this.#lent.length = 0;
  }
  ended() {
    if (this.#owned)
      return;
    const lent = this.#lent;
    if (lent !== undefined && lent.length > 0)
      this.#poison(lent);
    const decoder = this.#decoder;
    decoder.recycle(this);
    const socket = this.#socket;
    if (socket.reuse === undefined)
      return;
    const keep = decoder.kept;
    if (keep === undefined)
      return;
    const moved = socket.reuse(keep, this);
    if (moved !== undefined && keep.length > 0)
      decoder.moved(moved);
  }
  holds(bytes) {
    return this.#outbox.holds(bytes) || (this.sender?.waiting ?? 0) > 0;
  }
  trim() {
    if (this.#owned)
      return;
    this.#socket.trim?.();
    this.#decoder.recycle(this, true);
  }
  #poison(lent) {
    let waiting = 0;
    for (const frame of lent) {
      if (this.holds(frame))
        lent[waiting++] = frame;
      else
        frame.fill(POISON);
    }
    if (waiting > MAX_WAITING)
      lent.splice(0, waiting - MAX_WAITING);
    lent.length = Math.min(waiting, MAX_WAITING);
  }
}

// src/core/connection/send_waits.ts
class SendWaits {
  #ticks = 0;
  #since = [];
  begin() {
    this.#since.push(this.#ticks);
    return this.#ticks;
  }
  end(stamp) {
    const at = this.#since.indexOf(stamp);
    if (at >= 0)
      this.#since.splice(at, 1);
  }
  track(waiting) {
    const stamp = this.begin();
    return waiting.finally(() => this.end(stamp));
  }
  tick() {
    this.#ticks++;
    const oldest = this.#since[0];
    return oldest === undefined ? 0 : this.#ticks - oldest - 1;
  }
}

// src/core/connection/sender.ts
var RESOLVED = Promise.resolve();

class Sender {
  outbox;
  #framing;
  #marks;
  #input;
  #flushes;
  #limit;
  #alone;
  #chain = RESOLVED;
  #waiting = 0;
  #waitingBytes = 0;
  maxPending;
  framesOut = 0;
  framesDropped = 0;
  waits = new SendWaits;
  constructor(outbox, framing, marks, input, flushes) {
    this.outbox = outbox;
    this.#flushes = flushes ?? new FlushPolicy(outbox, marks);
    this.#framing = framing;
    this.#marks = marks;
    this.#input = input;
    this.#limit = Math.min(framing.maxFrameSize, headerCapacity(framing.packet));
    this.#alone = Math.max(marks.high, framing.packet + (framing.maxFrameSize >>> 1));
    this.maxPending = marks.maxPending;
  }
  send(payload, check) {
    if (payload.length > this.#limit)
      checkOutgoing(payload.length, this.#framing);
    if (this.#framing.format !== undefined)
      return this.#sendEncoded(this.#framing.format.encode(payload), check);
    const size = this.#framing.packet + payload.length;
    if (this.#waiting === 0 && this.#fits(size)) {
      if (size > this.#marks.high)
        return this.#sendLarge(payload, size);
      this.#append(payload);
      return RESOLVED;
    }
    return this.#sendWhenRoom(payload, size, check, undefined, 0);
  }
  get waiting() {
    return this.#waiting;
  }
  sendOwned(payload, check) {
    if (this.#framing.format !== undefined)
      return this.send(payload, check);
    const decoder = this.#input.decoder;
    const bytes = decoder?.framedIn(payload);
    if (bytes === undefined)
      return this.send(payload, check);
    const at = decoder.framedAt;
    const size = this.#framing.packet + payload.length;
    if (this.#waiting === 0 && this.#fits(size)) {
      this.#appendOwned(bytes, at, size);
      return RESOLVED;
    }
    return this.#sendWhenRoom(payload, size, check, bytes, at);
  }
  #sendEncoded(bytes, check) {
    if (this.#waiting === 0 && this.#fits(bytes.length)) {
      this.#appendOwned(bytes, 0, bytes.length);
      return RESOLVED;
    }
    return this.#sendWhenRoom(bytes, bytes.length, check, bytes, 0);
  }
  get overflowing() {
    return this.#waitingBytes > this.maxPending;
  }
  drain() {
    const drained = this.#flushes.drain();
    return this.outbox.bytes === 0 ? drained : this.waits.track(drained);
  }
  deliverEncoded(bytes) {
    if (!this.#fits(bytes.length)) {
      this.framesDropped++;
      return "full";
    }
    this.outbox.appendEncoded(bytes);
    this.framesOut++;
    this.#afterAppend();
    return "queued";
  }
  #fits(size) {
    return this.#marks.fits(this.outbox.bytes, size);
  }
  #append(payload) {
    this.outbox.appendFrame(payload, this.#framing.packet);
    this.framesOut++;
    this.#afterAppend();
  }
  #appendOwned(bytes, at, size) {
    this.outbox.appendOwned(bytes, at, at + size);
    this.framesOut++;
    this.#afterAppend();
  }
  #sendLarge(payload, size) {
    const decoder = this.#input.decoder;
    const bytes = decoder?.framedIn(payload);
    const packet = this.#framing.packet;
    if (bytes !== undefined) {
      this.framesOut++;
      const at = decoder.framedAt;
      return this.waits.track(this.outbox.writeFrame(payload, packet, bytes.subarray(at, at + size)));
    }
    if (size > this.#alone) {
      this.framesOut++;
      return this.waits.track(this.outbox.writeFrame(payload, packet));
    }
    this.#append(payload);
    return RESOLVED;
  }
  #afterAppend() {
    this.#flushes.appended(this.#input.processing);
  }
  async#sendWhenRoom(payload, size, check, owned, at) {
    this.#waiting++;
    this.#waitingBytes += size;
    this.outbox.holdReads();
    const stamp = this.waits.begin();
    const previous = this.#chain;
    let release;
    this.#chain = new Promise((resolve) => release = resolve);
    try {
      await previous;
      const outbox = this.outbox;
      while (!this.#fits(size)) {
        this.#flushes.now();
        await (this.#marks.hasRoom(outbox.bytes) ? this.#flushes.drain() : outbox.whenRoom());
      }
      check();
      if (owned !== undefined)
        this.#appendOwned(owned, at, size);
      else if (size > this.#marks.high)
        await this.#sendLarge(payload, size);
      else
        this.#append(payload);
    } finally {
      this.#waiting--;
      this.#waitingBytes -= size;
      this.waits.end(stamp);
      release();
    }
  }
}

// src/core/connection/timeouts.ts
class Timeouts {
  #settings;
  #ageTicks = 0;
  #closingTicks = 0;
  constructor(settings) {
    this.#settings = settings;
  }
  tick(seconds, ended, framesIn, idleTicks, handshaking = false, sendWaitTicks = 0) {
    const { idleTimeout, firstFrameTimeout, closeTimeout, tlsHandshakeTimeout, sendTimeout } = this.#settings;
    if (ended) {
      this.#closingTicks++;
      return closeTimeout !== undefined && reached(this.#closingTicks, seconds, closeTimeout) ? "force-close" : undefined;
    }
    this.#ageTicks++;
    if (handshaking && tlsHandshakeTimeout !== undefined && reached(this.#ageTicks, seconds, tlsHandshakeTimeout)) {
      return new GuardError("tls-handshake-timeout", `no TLS handshake within ${tlsHandshakeTimeout} seconds`, tlsHandshakeTimeout);
    }
    if (firstFrameTimeout !== undefined && framesIn === 0 && reached(this.#ageTicks, seconds, firstFrameTimeout)) {
      return new GuardError("first-frame-timeout", `no frame within ${firstFrameTimeout} seconds`, firstFrameTimeout);
    }
    if (idleTimeout !== undefined && reached(idleTicks, seconds, idleTimeout)) {
      return new GuardError("idle-timeout", `no frame for ${idleTimeout} seconds`, idleTimeout);
    }
    if (sendTimeout !== undefined && sendWaitTicks > 0 && reached(sendWaitTicks, seconds, sendTimeout)) {
      return new GuardError("send-timeout", `a send waited ${sendTimeout} seconds for the peer`, sendTimeout);
    }
    return;
  }
}
function reached(ticks, seconds, limit) {
  return ticks * seconds >= limit * (1 - 0.000000001);
}

// src/core/connection/connection_parts.ts
function connectionParts(socket, settings, ended) {
  const outbox = new Outbox(socket, settings.waterMarks);
  const flushes = new FlushPolicy(outbox, settings.waterMarks, settings.deferredFlush);
  const decoder = settings.framing.format?.decoder() ?? new FrameDecoder(settings.framing);
  const loans = loansOf(socket, decoder, outbox, settings.debugBorrowedFrames === true);
  const limits = settings.rateLimits?.budget();
  const inbox = new Inbox(socket, decoder, settings.mailboxCapacity, ended, flushes, limits, loans);
  outbox.input = inbox;
  const sender = new Sender(outbox, settings.framing, settings.waterMarks, inbox, flushes);
  if (loans !== undefined)
    loans.sender = sender;
  return { inbox, outbox, flushes, sender, timeouts: new Timeouts(settings) };
}

// src/core/stats_head.ts
function statsHead(conn, openedAt, closedAt) {
  return {
    id: conn.id,
    remoteAddr: conn.remoteAddr,
    localAddr: conn.localAddr,
    openedAt,
    closedAt,
    durationMs: (closedAt ?? Date.now()) - openedAt
  };
}

// src/core/connection/framed_stats.ts
function framedStats(conn, parts, life, session, openedAt, closedAt) {
  const { inbox, outbox, sender } = parts;
  return {
    ...statsHead(conn, openedAt, closedAt),
    bytesIn: inbox.bytesIn,
    bytesOut: outbox.written,
    framesIn: inbox.framesIn,
    framesOut: sender.framesOut,
    framesDropped: sender.framesDropped,
    messagesIn: inbox.messagesIn,
    messagesDropped: inbox.messagesDropped,
    outboxBytes: outbox.bytes,
    outboxPeak: outbox.peak,
    closeReason: life.reason,
    error: life.error,
    ...conn.identity === undefined ? undefined : { identity: conn.identity },
    ...session === undefined ? undefined : { session: { ...session } }
  };
}

// src/core/connection/lifecycle.ts
class Lifecycle {
  #controller;
  #shutdownReason;
  #reason;
  #error;
  #finished;
  #settle;
  #final;
  get reason() {
    return this.#reason;
  }
  get error() {
    return this.#error;
  }
  get signal() {
    if (this.#controller === undefined) {
      this.#controller = new AbortController;
      if (this.#reason !== undefined)
        this.#controller.abort(this.#abortReason());
      else if (this.#shutdownReason !== undefined)
        this.#controller.abort(this.#shutdownReason);
    }
    return this.#controller.signal;
  }
  get finished() {
    if (this.#finished === undefined) {
      const final = this.#final;
      this.#finished = final !== undefined ? Promise.resolve(final) : new Promise((resolve) => this.#settle = resolve);
    }
    return this.#finished;
  }
  ended(reason, error) {
    if (this.#reason === undefined) {
      this.#reason = reason;
      this.#error = error;
    }
    const controller = this.#controller;
    if (controller !== undefined && !controller.signal.aborted)
      controller.abort(this.#abortReason());
  }
  shuttingDown(reason) {
    this.#shutdownReason ??= reason;
    const controller = this.#controller;
    if (controller !== undefined && !controller.signal.aborted)
      controller.abort(reason);
  }
  closedError() {
    return new ConnectionClosedError(this.#reason ?? "closed", { cause: this.#error });
  }
  settle(stats) {
    this.#final = stats;
    this.#settle?.(stats);
  }
  #abortReason() {
    return this.#error ?? new ConnectionClosedError(this.#reason);
  }
}

// src/core/connection/callbacks.ts
function pending(result) {
  return result !== undefined && result !== RESOLVED && typeof result?.then === "function";
}

class CallbackRunner {
  #inbox;
  #source;
  #host;
  #state;
  #closed = false;
  constructor(inbox, source, host) {
    this.#inbox = inbox;
    this.#source = source;
    this.#host = host;
  }
  start(owner) {
    const open = this.#source.current.open;
    if (open === undefined)
      return this.#step();
    let state;
    try {
      state = open.call(this.#source.current, this.#host.conn, owner);
    } catch (error) {
      return void this.#host.failed(error);
    }
    if (!pending(state)) {
      this.#state = state;
      return this.#step();
    }
    state.then((value) => {
      this.#state = value;
      this.#step();
    }, this.#fail);
  }
  #step = () => {
    const inbox = this.#inbox;
    const conn = this.#host.conn;
    while (true) {
      const item = inbox.take(true);
      if (item === undefined) {
        if (inbox.done)
          return this.#close();
        return inbox.park(this.#step);
      }
      const callbacks = this.#source.current;
      let result;
      try {
        if (item instanceof Uint8Array)
          result = callbacks.frame(conn, item, this.#state);
        else if (item instanceof Posted) {
          result = callbacks.message === undefined ? this.#host.dispatch(item.message) : callbacks.message(conn, item.message, this.#state);
        } else if (callbacks.tick !== undefined)
          result = callbacks.tick(conn, item.idleSeconds, this.#state);
      } catch (error) {
        return this.#fail(error);
      }
      if (pending(result)) {
        result.then(this.#step, this.#fail);
        return;
      }
    }
  };
  #fail = (error) => {
    if (this.#closed)
      return;
    this.#closed = true;
    this.#host.failed(error);
  };
  #close() {
    if (this.#closed)
      return;
    this.#closed = true;
    const callbacks = this.#source.current;
    let result;
    try {
      result = callbacks.close?.(this.#host.conn, this.#state);
    } catch (error) {
      return void this.#host.failed(error);
    }
    if (pending(result))
      result.then(() => this.#host.returned(), (error) => this.#host.failed(error));
    else
      this.#host.returned();
  }
}

// src/core/connection/events.ts
var DONE = Object.freeze({ done: true, value: undefined });
function frameIterator(inbox, onMessage, stop) {
  const slow = async (first) => {
    let item = first;
    while (true) {
      item ??= await inbox.next();
      if (item === undefined)
        return DONE;
      if (item instanceof Uint8Array)
        return { done: false, value: item };
      if (item instanceof Posted)
        await onMessage(item.message);
      item = inbox.take();
    }
  };
  return {
    next: () => {
      const item = inbox.take();
      if (item instanceof Uint8Array)
        return Promise.resolve({ done: false, value: item });
      if (item !== undefined || inbox.done)
        return slow(item);
      return new Promise((resolve) => inbox.park(() => {
        const next = inbox.take();
        resolve(next instanceof Uint8Array ? { done: false, value: next } : slow(next));
      }));
    },
    return: () => {
      stop();
      return Promise.resolve(DONE);
    }
  };
}
function batchIterator(inbox, onMessage, stop) {
  const wait = (resolve) => inbox.park(resolve);
  const next = async () => {
    while (true) {
      const frames = inbox.takeFrames(true);
      if (frames !== undefined)
        return { done: false, value: frames };
      const item = inbox.take();
      if (item instanceof Posted)
        await onMessage(item.message);
      else if (item === undefined) {
        if (inbox.done)
          return DONE;
        await new Promise(wait);
      }
    }
  };
  const iterator = {
    next,
    return: () => {
      stop();
      return Promise.resolve(DONE);
    },
    [Symbol.asyncIterator]: () => iterator
  };
  return iterator;
}
async function* eventStream(inbox, stop) {
  try {
    while (true) {
      const item = inbox.take() ?? await inbox.next();
      if (item === undefined)
        return;
      if (item instanceof Uint8Array)
        yield { type: "frame", frame: item };
      else if (item instanceof Posted)
        yield { type: "message", message: item.message };
      else
        yield { type: "tick", idleSeconds: item.idleSeconds };
    }
  } finally {
    stop();
  }
}

// src/core/connection/streams.ts
function frameReadable(source) {
  return new ReadableStream({
    pull: (controller) => {
      const frames = source.takeFrames?.();
      if (frames !== undefined) {
        for (const frame of frames)
          controller.enqueue(frame);
        return;
      }
      return source.nextFrame().then((frame) => {
        if (frame === undefined)
          controller.close();
        else
          controller.enqueue(frame);
      });
    },
    cancel: (reason) => source.cancelInput(reason)
  }, { highWaterMark: 0 });
}
function frameWritable(sink) {
  return new WritableStream({
    write: (payload) => {
      if (!(payload instanceof Uint8Array)) {
        throw new TypeError(`Cannot write to a connection: a frame is a Uint8Array, got ${typeof payload}`);
      }
      return sink.send(payload);
    },
    close: () => sink.closeWrite(),
    abort: (reason) => void sink.forceClose(reason)
  }, { highWaterMark: 1 });
}

// src/core/connection/reader_faces.ts
class ReaderFaces {
  #inbox;
  #host;
  #reader;
  #frames;
  #readable;
  framesOnly = false;
  wantsTicks = false;
  constructor(inbox, host) {
    this.#inbox = inbox;
    this.#host = host;
  }
  frames() {
    this.claim("loop");
    this.framesOnly = true;
    return frameIterator(this.#inbox, (message) => this.#host.dispatchMessage(message), () => this.#host.stopHandling());
  }
  async receive() {
    this.#frames ??= this.frames();
    const { done, value } = await this.#frames.next();
    this.#inbox.processing = false;
    return done ? undefined : value;
  }
  batches() {
    this.claim("loop");
    this.framesOnly = true;
    return batchIterator(this.#inbox, (message) => this.#host.dispatchMessage(message), () => this.#host.stopHandling());
  }
  events(options) {
    this.claim("loop");
    this.wantsTicks = options.ticks ?? false;
    this.framesOnly = false;
    return eventStream(this.#inbox, () => {
      this.wantsTicks = false;
      this.#host.stopHandling();
    });
  }
  readable() {
    if (this.#readable !== undefined)
      return this.#readable;
    this.claim("stream");
    this.framesOnly = true;
    const frames = frameIterator(this.#inbox, (message) => this.#host.dispatchMessage(message), () => this.#host.stopHandling());
    const inbox = this.#inbox;
    return this.#readable = frameReadable({
      takeFrames: () => inbox.takeFrames(),
      nextFrame: async () => {
        const { done, value } = await frames.next();
        return done ? undefined : value;
      },
      cancelInput: (reason) => {
        if (reason === undefined)
          inbox.end("closed");
        else
          this.#host.abort(reason);
        frames.return?.();
      }
    });
  }
  claim(reader) {
    if (this.#reader !== undefined && this.#reader !== reader) {
      const id = this.#host.id;
      throw new TypeError(reader === "loop" ? `Cannot read connection ${id} in a loop: its readable stream reads it` : `Cannot read connection ${id} through readable: it is read in a loop or by callbacks`);
    }
    this.#reader = reader;
  }
}

// src/core/connection/handler_driver.ts
class HandlerDriver {
  conn;
  #inbox;
  #life;
  #flushes;
  #onMessage;
  #readers;
  #callbacks;
  constructor(parts) {
    this.conn = parts.conn;
    this.#inbox = parts.inbox;
    this.#life = parts.life;
    this.#flushes = parts.flushes;
    this.#onMessage = parts.onMessage;
  }
  get id() {
    return this.conn.id;
  }
  get faces() {
    if (this.#readers === undefined) {
      this.#readers = new ReaderFaces(this.#inbox, this);
      if (this.#callbacks !== undefined)
        this.#readers.claim("loop");
    }
    return this.#readers;
  }
  deliver(message) {
    const framesOnly = this.#callbacks === undefined ? this.#readers?.framesOnly ?? false : this.#callbacks.current.message === undefined;
    if (framesOnly && this.#onMessage === undefined) {
      this.#inbox.mailbox.messagesDropped++;
      return false;
    }
    return this.#inbox.deliver(message);
  }
  get wantsTicks() {
    return this.#readers?.wantsTicks === true || this.#callbacks?.current.tick !== undefined;
  }
  run(handler, server) {
    let result;
    try {
      result = handler(this.conn, server);
    } catch (error) {
      return this.failed(error);
    }
    return Promise.resolve(result).then(this.returned, this.failed);
  }
  runCallbacks(source, owner) {
    this.#readers?.claim("loop");
    this.#callbacks = source;
    new CallbackRunner(this.#inbox, source, this).start(owner);
  }
  returned = () => this.conn.finish();
  failed = (error) => {
    if (!(error instanceof ConnectionClosedError && this.#life.reason !== undefined)) {
      this.#inbox.end("handler-error", error);
      this.#life.ended("handler-error", error);
    }
    return this.conn.finish();
  };
  dispatch(message) {
    return this.dispatchMessage(message);
  }
  async dispatchMessage(message) {
    const onMessage = this.#onMessage;
    if (onMessage === undefined)
      this.#inbox.mailbox.dropDelivered();
    else
      await onMessage(this.conn, message);
  }
  stopHandling() {
    this.#inbox.processing = false;
    this.#flushes.now();
  }
  abort(reason) {
    this.conn.abort(reason);
  }
}

// src/core/connection/framed_connection.ts
class FramedConnection {
  id;
  remoteAddr;
  localAddr;
  identity = undefined;
  #settings;
  #socket;
  #parts;
  #inbox;
  #sender;
  #outbox;
  #life = new Lifecycle;
  #openedAt = Date.now();
  #timeouts;
  #flushes;
  #driver;
  #finishing;
  #writable;
  #writeClosed = false;
  #closedAt;
  #recheck = () => this.#checkOpen();
  constructor(socket, settings, id) {
    this.id = id;
    this.remoteAddr = socket.remoteAddr;
    this.localAddr = socket.localAddr;
    this.#settings = settings;
    this.#socket = socket;
    const parts = this.#parts = connectionParts(socket, settings, (reason, error) => this.#ended(reason, error));
    const { inbox, flushes } = parts;
    this.#inbox = inbox;
    this.#outbox = parts.outbox;
    this.#flushes = flushes;
    this.#sender = parts.sender;
    this.#timeouts = parts.timeouts;
    socket.watch?.((error) => this.abort(error));
    this.#driver = new HandlerDriver({ conn: this, inbox, life: this.#life, flushes, onMessage: settings.onMessage });
  }
  get finished() {
    return this.#life.finished;
  }
  get signal() {
    return this.#life.signal;
  }
  get stats() {
    return framedStats(this, this.#parts, this.#life, this.#socket.session, this.#openedAt, this.#closedAt);
  }
  get closing() {
    return this.#inbox.done;
  }
  send(payload) {
    try {
      this.#checkOpen();
      const sent = this.#sender.send(payload, this.#recheck);
      if (this.#sender.overflowing)
        this.#overflow();
      return sent;
    } catch (error) {
      return Promise.reject(error);
    }
  }
  sendOwned(payload) {
    try {
      this.#checkOpen();
      const sent = this.#sender.sendOwned(payload, this.#recheck);
      if (this.#sender.overflowing)
        this.#overflow();
      return sent;
    } catch (error) {
      return Promise.reject(error);
    }
  }
  flush() {
    return this.#sender.drain();
  }
  receive() {
    return this.#driver.faces.receive();
  }
  close() {
    this.#inbox.end("closed");
    this.finish();
  }
  async[Symbol.asyncDispose]() {
    this.close();
    await this.finished;
  }
  [Symbol.asyncIterator]() {
    return this.#driver.faces.frames();
  }
  batches() {
    return this.#driver.faces.batches();
  }
  events(options = {}) {
    return this.#driver.faces.events(options);
  }
  get readable() {
    return this.#driver.faces.readable();
  }
  get writable() {
    return this.#writable ??= frameWritable(this);
  }
  async closeWrite() {
    if (this.#writeClosed)
      return;
    this.#writeClosed = true;
    if (this.#socket.closeWrite === undefined)
      return void await this.finish();
    try {
      await this.#flushes.drain();
    } catch {}
    this.#socket.closeWrite();
  }
  deliver(message) {
    return this.#driver.deliver(message);
  }
  offerEncoded(bytes) {
    if (this.#inbox.done || this.#outbox.failed || this.#writeClosed)
      return "closed";
    return this.#sender.deliverEncoded(bytes);
  }
  beginShutdown(reason) {
    this.#life.shuttingDown(reason);
  }
  get bytesIn() {
    return this.#inbox.bytesIn;
  }
  get waitingForInput() {
    return this.#inbox.waitingForInput;
  }
  tick(seconds) {
    const inbox = this.#inbox;
    const waited = this.#sender.waits.tick();
    const verdict = this.#timeouts.tick(seconds, inbox.done, inbox.framesIn, inbox.idleTicks, this.#socket.handshaking === true, waited);
    if (verdict === "force-close")
      this.forceClose(this.#life.error);
    else if (verdict instanceof GuardError && verdict.code === "send-timeout")
      this.forceClose(verdict);
    else if (verdict !== undefined)
      this.abort(verdict);
    if (inbox.done)
      return;
    inbox.tick(seconds, this.#driver.wantsTicks);
    this.#flushes.tick();
  }
  abort(reason) {
    this.#inbox.end(closeReasonOf(reason, "aborted"), reason);
  }
  #overflow() {
    const limit = this.#sender.maxPending;
    this.forceClose(new GuardError("slow-consumer", `sends waiting over ${limit} bytes`, limit));
  }
  forceClose(reason) {
    this.abort(reason);
    this.#socket.close();
    this.#outbox.fail(() => this.#life.closedError());
    return this.finish();
  }
  endBeforeRun(reason, error) {
    this.#inbox.end(reason, error);
    return this.finish();
  }
  run(handler, server) {
    return this.#driver.run(handler, server);
  }
  runCallbacks(source, owner) {
    this.#driver.runCallbacks(source, owner);
  }
  #checkOpen() {
    if (this.#outbox.failed || this.#finishing !== undefined || this.#writeClosed)
      throw this.#life.closedError();
  }
  #ended(reason, error) {
    this.#life.ended(reason, error);
    if (this.#settings.finishOnEnd)
      this.finish();
  }
  finish() {
    this.#finishing ??= this.#close();
    return this.#finishing;
  }
  async#close() {
    this.#inbox.end("closed");
    try {
      await this.#flushes.drain();
    } catch {}
    this.#socket.close();
    this.#outbox.fail(() => this.#life.closedError());
    this.#closedAt = Date.now();
    const stats = this.stats;
    this.#life.settle(stats);
    this.#settings.onEnd?.(this, stats);
    return stats;
  }
}

// src/core/connection/water_marks.ts
var DEFAULT_MAX_PENDING_SEND_BYTES = 16 * 1024 * 1024;

class WaterMarks {
  high;
  low;
  maxPending;
  constructor(high, low, maxPending = Infinity) {
    if (low > high)
      throw new RangeError(`Cannot use lowWaterMark ${low}: above highWaterMark ${high}`);
    this.high = high;
    this.low = low;
    this.maxPending = maxPending;
  }
  fits(bytes, size) {
    return bytes === 0 || bytes + size <= this.high;
  }
  hasRoom(bytes) {
    return bytes <= this.low;
  }
}
function waterMarksOf(options, defaultMaxPending = Infinity) {
  const high = checkNumber("highWaterMark", options.highWaterMark) ?? DEFAULT_HIGH_WATER_MARK;
  const low = checkNumber("lowWaterMark", options.lowWaterMark) ?? Math.floor(high / 2);
  return new WaterMarks(high, low, checkNumber("maxPendingSendBytes", options.maxPendingSendBytes) ?? defaultMaxPending);
}

// src/core/log_escape.ts
var UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
var UNSAFE_BUT_NEWLINE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
var SHORT = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
function escapeOne(char) {
  return SHORT[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}
function escapeControlCharacters(text) {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text) ? text.replace(UNSAFE, escapeOne) : text;
}
function needsEscape(text) {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text);
}
var MAX_DEPTH = 4;
function escapeLogValue(value, depth = 0) {
  if (typeof value === "string")
    return escapeControlCharacters(value);
  if (typeof value !== "object" || value === null || depth >= MAX_DEPTH)
    return value;
  if (value instanceof Error)
    return escapeError(value, depth);
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    let copy;
    for (let i = 0;i < value.length && i < 1000; i++) {
      const escaped = escapeLogValue(value[i], depth + 1);
      if (escaped !== value[i])
        (copy ??= value.slice())[i] = escaped;
    }
    return copy ?? value;
  }
  if (proto !== Object.prototype && proto !== null)
    return value;
  let copy;
  for (const key of Object.keys(value)) {
    const field = value[key];
    const escaped = escapeLogValue(field, depth + 1);
    const safeKey = escapeControlCharacters(key);
    if (escaped !== field || safeKey !== key) {
      copy ??= { ...value };
      if (safeKey !== key)
        delete copy[key];
      copy[safeKey] = escaped;
    }
  }
  return copy ?? value;
}
function escapeError(error, depth) {
  let message, stack;
  try {
    message = String(error.message);
    stack = typeof error.stack === "string" ? error.stack : undefined;
  } catch {
    return error;
  }
  const cause = "cause" in error ? escapeLogValue(error.cause, depth + 1) : undefined;
  const unsafeStack = stack !== undefined && (stack.includes(message) ? needsEscape(message) : false);
  UNSAFE_BUT_NEWLINE.lastIndex = 0;
  const unsafeFrames = stack !== undefined && UNSAFE_BUT_NEWLINE.test(stack);
  if (!needsEscape(message) && !unsafeStack && !unsafeFrames && cause === error.cause)
    return error;
  const copy = Object.create(Object.getPrototypeOf(error));
  for (const key of Reflect.ownKeys(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, key);
    if ("value" in descriptor)
      descriptor.value = escapeLogValue(descriptor.value, depth + 1);
    Object.defineProperty(copy, key, descriptor);
  }
  const safeMessage = escapeControlCharacters(message);
  Object.defineProperty(copy, "message", { value: safeMessage, writable: true, configurable: true });
  if (stack !== undefined) {
    const head = stack.includes(message) ? stack.replace(message, () => safeMessage) : stack;
    UNSAFE_BUT_NEWLINE.lastIndex = 0;
    const safeStack = head.replace(UNSAFE_BUT_NEWLINE, escapeOne);
    Object.defineProperty(copy, "stack", { value: safeStack, writable: true, configurable: true });
  }
  if ("cause" in error)
    Object.defineProperty(copy, "cause", { value: cause, writable: true, configurable: true });
  return copy;
}

// src/core/logger.ts
function renderMessage(template, properties = {}) {
  return escapeControlCharacters(template.replace(/\{(\w+)\}/g, (whole, key) => {
    if (!(key in properties))
      return whole;
    const value = properties[key];
    return typeof value === "string" ? value : value instanceof Error ? `${value.name}: ${value.message}` : JSON.stringify(value) ?? String(value);
  }));
}
var consoleWarnLogger = {
  debug() {},
  info() {},
  warn: (message, properties) => console.warn(renderMessage(message, properties)),
  error: (message, properties) => {
    const error = properties?.error;
    if (error instanceof Error)
      console.error(renderMessage(message, properties), escapeLogValue(error));
    else
      console.error(renderMessage(message, properties));
  }
};
var silentLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {}
};
function escapeProperties(properties) {
  if (properties === undefined)
    return;
  return escapeLogValue(properties);
}
var ESCAPING = Symbol("spawnkit.escapingLogger");
var wrapped = new WeakMap;
function escapingLogger(logger = consoleWarnLogger) {
  if (logger === silentLogger || logger === consoleWarnLogger || ESCAPING in logger)
    return logger;
  let safe = wrapped.get(logger);
  if (safe === undefined) {
    const write = (level, message, properties) => {
      try {
        logger[level](escapeControlCharacters(message), escapeProperties(properties));
      } catch {}
    };
    safe = {
      [ESCAPING]: true,
      debug: (message, properties) => write("debug", message, properties),
      info: (message, properties) => write("info", message, properties),
      warn: (message, properties) => write("warn", message, properties),
      error: (message, properties) => write("error", message, properties)
    };
    wrapped.set(logger, safe);
  }
  return safe;
}

// src/core/reconnect/reconnect_options.ts
var DEFAULT_BASE_DELAY = 0.1;
var DEFAULT_MAX_DELAY = 10;
var DEFAULT_MAX_RETRIES = 10;
var DEFAULT_MAX_WAITING_BYTES = DEFAULT_MAX_FRAME_SIZE;
function reconnectSettingsOf(options) {
  const given = options === true ? {} : options;
  for (const name of ["onReconnect", "random"]) {
    if (given[name] !== undefined && typeof given[name] !== "function") {
      throw new TypeError(`Cannot use ${name}: must be a function`);
    }
  }
  return {
    baseDelay: checkNumber("baseDelay", given.baseDelay) ?? DEFAULT_BASE_DELAY,
    maxDelay: checkNumber("maxDelay", given.maxDelay) ?? DEFAULT_MAX_DELAY,
    maxRetries: checkNumber("maxRetries", given.maxRetries) ?? DEFAULT_MAX_RETRIES,
    whileDisconnected: checkChoice("whileDisconnected", given.whileDisconnected),
    maxWaitingBytes: checkNumber("maxWaitingBytes", given.maxWaitingBytes) ?? DEFAULT_MAX_WAITING_BYTES,
    onReconnect: given.onReconnect,
    random: given.random ?? Math.random
  };
}

// src/core/reconnect/_sum_stats.ts
var NO_STATS = {
  bytesIn: 0,
  bytesOut: 0,
  framesIn: 0,
  framesOut: 0,
  framesDropped: 0,
  outboxPeak: 0
};
function sumStats(sums, stats) {
  return {
    bytesIn: sums.bytesIn + stats.bytesIn,
    bytesOut: sums.bytesOut + stats.bytesOut,
    framesIn: sums.framesIn + stats.framesIn,
    framesOut: sums.framesOut + stats.framesOut,
    framesDropped: sums.framesDropped + stats.framesDropped,
    outboxPeak: Math.max(sums.outboxPeak, stats.outboxPeak)
  };
}

// src/core/reconnect/legs.ts
var DONE2 = Object.freeze({ done: true, value: undefined });

class Leg {
  conn;
  handed = 0;
  activated = false;
  final;
  drained = false;
  told = false;
  #frames;
  constructor(conn) {
    this.conn = conn;
  }
  get frames() {
    return this.#frames ??= this.conn[Symbol.asyncIterator]();
  }
  get lost() {
    return this.final !== undefined;
  }
  get done() {
    return this.final !== undefined && this.drained;
  }
}

class Legs {
  #host;
  #open = new Set;
  #past = NO_STATS;
  #reading;
  #wakeReader;
  live;
  last;
  activated = 0;
  constructor(first, host) {
    this.#host = host;
    this.#reading = this.last = this.adopt(first);
    this.activate(this.last);
  }
  get open() {
    return this.#open.size;
  }
  adopt(conn) {
    const leg = new Leg(conn);
    this.#open.add(leg);
    conn.finished.then((stats) => this.#gone(leg, stats));
    return leg;
  }
  activate(leg) {
    leg.activated = true;
    this.live = this.#reading = this.last = leg;
    this.activated++;
    this.wakeReader();
  }
  next(ended) {
    const leg = this.#reading;
    return leg.frames.next().then((result) => {
      if (result.done)
        return this.#afterLeg(leg, ended).then((more) => more ? this.next(ended) : DONE2);
      if (++leg.handed === 1)
        this.#host.served(leg);
      return result;
    });
  }
  async receive(ended) {
    const leg = this.#reading;
    const frame = await leg.conn.receive();
    if (frame === undefined)
      return await this.#afterLeg(leg, ended) ? this.receive(ended) : undefined;
    if (++leg.handed === 1)
      this.#host.served(leg);
    return frame;
  }
  stop() {
    this.#reading.frames.return?.();
  }
  async#afterLeg(leg, ended) {
    leg.drained = true;
    this.#host.drained(leg);
    if (this.#reading !== leg)
      return true;
    if (ended())
      return false;
    await new Promise((resolve) => this.#wakeReader = resolve);
    return true;
  }
  wakeReader() {
    const wake = this.#wakeReader;
    this.#wakeReader = undefined;
    wake?.();
  }
  sums() {
    let sums = this.#past;
    for (const leg of this.#open)
      if (leg.activated)
        sums = sumStats(sums, leg.conn.stats);
    return sums;
  }
  #gone(leg, stats) {
    leg.final = stats;
    this.#open.delete(leg);
    if (leg.activated) {
      this.#past = sumStats(this.#past, stats);
      if (stats.framesIn === leg.handed)
        leg.drained = true;
    }
    const wasLive = leg === this.live;
    if (wasLive)
      this.live = undefined;
    this.#host.gone(leg, stats, wasLive);
  }
}

// src/core/reconnect/reconnect_errors.ts
class DisconnectedError extends Error {
  queueFull;
  constructor(queueFull, waitingBytes = 0) {
    super(queueFull ? `Cannot send: disconnected, and ${waitingBytes} bytes already wait (maxWaitingBytes)` : "Cannot send: disconnected, reconnecting");
    this.name = "DisconnectedError";
    this.queueFull = queueFull;
  }
}

class ReconnectFailedError extends Error {
  attempts;
  constructor(target, attempts, options) {
    super(`Cannot reconnect to ${target}: gave up after ${attempts} attempt${attempts === 1 ? "" : "s"}`, options);
    this.name = "ReconnectFailedError";
    this.attempts = attempts;
  }
}

// src/core/reconnect/waiting_sends.ts
class WaitingSend {
  payload;
  size;
  seq;
  signal;
  onAbort;
  resolve;
  reject;
  constructor(payload, size, seq, signal) {
    this.payload = payload;
    this.size = size;
    this.seq = seq;
    this.signal = signal;
  }
}

class WaitingSends {
  #limit;
  #items = [];
  bytes = 0;
  constructor(limit) {
    this.#limit = limit;
  }
  get size() {
    return this.#items.length;
  }
  add(payload, size, seq, signal) {
    if (this.bytes > 0 && this.bytes + size > this.#limit)
      return;
    const item = new WaitingSend(payload, size, seq, signal);
    const promise = new Promise((resolve, reject) => {
      item.resolve = resolve;
      item.reject = reject;
    });
    if (signal !== undefined) {
      item.onAbort = () => {
        if (this.#remove(item))
          item.reject(signal.reason);
      };
      signal.addEventListener("abort", item.onAbort, { once: true });
    }
    const items = this.#items;
    let at = items.length;
    while (at > 0 && items[at - 1].seq > seq)
      at--;
    items.splice(at, 0, item);
    this.bytes += size;
    return promise;
  }
  takeAll() {
    const items = this.#items;
    this.#items = [];
    this.bytes = 0;
    for (const item of items) {
      if (item.onAbort !== undefined)
        item.signal.removeEventListener("abort", item.onAbort);
    }
    return items;
  }
  rejectAll(error) {
    for (const item of this.takeAll())
      item.reject(error);
  }
  #remove(item) {
    const at = this.#items.indexOf(item);
    if (at < 0)
      return false;
    this.#items.splice(at, 1);
    this.bytes -= item.size;
    return true;
  }
}

// src/core/reconnect/outgoing.ts
class Outgoing {
  waiting;
  #framing;
  #failFast;
  #ended;
  #seq = 0;
  refused = 0;
  constructor(framing, whileDisconnected, maxWaitingBytes, ended) {
    this.#framing = framing;
    this.#failFast = whileDisconnected === "fail";
    this.waiting = new WaitingSends(maxWaitingBytes);
    this.#ended = ended;
  }
  send(live, payload, signal) {
    try {
      const ended = this.#ended();
      if (ended !== undefined)
        throw ended;
      signal?.throwIfAborted();
      checkOutgoing(payload.length, this.#framing);
    } catch (error) {
      return Promise.reject(error);
    }
    const size = this.#framing.packet + payload.length;
    const seq = ++this.#seq;
    return live === undefined ? this.#wait(payload, size, seq, signal) : this.#sendOn(live, payload, size, seq, signal);
  }
  release(leg) {
    for (const item of this.waiting.takeAll()) {
      item.resolve(this.#sendOn(leg, item.payload, item.size, item.seq, item.signal));
    }
  }
  #sendOn(leg, payload, size, seq, signal) {
    return leg.conn.send(payload).then(undefined, (error) => {
      if (error instanceof ConnectionClosedError && this.#ended() === undefined) {
        return this.#wait(payload, size, seq, signal);
      }
      throw error;
    });
  }
  #wait(payload, size, seq, signal) {
    const ended = this.#ended();
    if (ended !== undefined)
      return Promise.reject(ended);
    if (signal?.aborted)
      return Promise.reject(signal.reason);
    const waiting = this.#failFast ? undefined : this.waiting.add(payload, size, seq, signal);
    if (waiting !== undefined)
      return waiting;
    this.refused++;
    return Promise.reject(new DisconnectedError(!this.#failFast, this.waiting.bytes));
  }
}

// src/core/reconnect/backoff.ts
function backoffDelay(retry, backoff, random) {
  const ceiling = Math.min(backoff.maxDelay, backoff.baseDelay * 2 ** Math.min(retry, 60));
  return ceiling * random();
}
function sleep(seconds, signal) {
  if (signal.aborted)
    return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, seconds * 1000);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

// src/core/reconnect/reconnect_loop.ts
class ReconnectLoop {
  #host;
  #wake;
  state = "open";
  attempts = 0;
  lastDelay = 0;
  reconnects = 0;
  constructor(host) {
    this.#host = host;
  }
  wake() {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
  async run(cause) {
    const { settings, legs, stop } = this.#host;
    let lastError = cause;
    while (!stop.aborted) {
      if (this.attempts >= settings.maxRetries) {
        return this.#host.giveUp(new ReconnectFailedError(settings.target, this.attempts, { cause: lastError }));
      }
      const delay = this.lastDelay = backoffDelay(this.attempts, settings, settings.random);
      this.#host.emit({ type: "retry", attempt: this.attempts + 1, delay, error: lastError });
      if (!await sleep(delay, stop))
        return;
      this.attempts++;
      let leg;
      try {
        leg = legs.adopt(await settings.dial(stop));
      } catch (error) {
        if (stop.aborted)
          return;
        lastError = error;
        settings.logger.debug("reconnect to {target} failed (attempt {attempt}): {error}", {
          target: settings.target,
          attempt: this.attempts,
          error
        });
        continue;
      }
      while (!legs.last.told && !stop.aborted)
        await new Promise((resolve) => this.#wake = resolve);
      if (stop.aborted)
        return leg.conn.close();
      if (leg.lost) {
        lastError = leg.final.error ?? new ConnectionClosedError(leg.final.closeReason ?? "closed");
        continue;
      }
      legs.activate(leg);
      this.state = "rejoining";
      const failure = await this.#rejoin(leg);
      if (stop.aborted)
        return;
      if (failure !== undefined || leg.lost) {
        lastError = failure !== undefined ? failure.error : leg.final.error ?? new ConnectionClosedError(leg.final.closeReason ?? "closed");
        if (leg === legs.live) {
          legs.live = undefined;
          this.state = "reconnecting";
          leg.conn.abort(lastError);
        }
        continue;
      }
      this.state = "open";
      const attempts = this.attempts;
      if (leg.handed > 0)
        this.served(leg);
      this.reconnects++;
      this.#host.outgoing.release(leg);
      settings.logger.info("connection {id} reconnected to {remote} after {attempts} attempts", {
        id: this.#host.conn.id,
        remote: settings.target,
        attempts
      });
      this.#host.emit({ type: "reconnect", reconnects: this.reconnects, attempts });
      return;
    }
  }
  served(leg) {
    if (this.state === "open" && leg === this.#host.legs.live)
      this.attempts = 0;
  }
  async#rejoin(leg) {
    const hook = this.#host.hook();
    if (hook === undefined)
      return;
    const conn = this.#host.conn;
    const info = { reconnects: this.reconnects + 1, attempts: this.attempts, signal: leg.conn.signal, resumed: false };
    try {
      await Promise.race([Promise.resolve().then(() => hook(conn, info)), leg.conn.finished]);
      return;
    } catch (error) {
      this.#host.settings.logger.warn("reconnect hook of connection {id} failed: {error}", { id: conn.id, error });
      return { error };
    }
  }
}

// src/core/reconnect/reconnecting_readers.ts
var DONE3 = Object.freeze({ done: true, value: undefined });

class ReconnectingReaders {
  #host;
  #legs;
  #ended = () => this.#host.closing;
  #reader;
  #readable;
  #writable;
  constructor(host, legs) {
    this.#host = host;
    this.#legs = legs;
  }
  receive() {
    try {
      this.#claim("loop");
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#legs.receive(this.#ended);
  }
  get readable() {
    if (this.#readable !== undefined)
      return this.#readable;
    this.#claim("stream");
    const host = this.#host;
    return this.#readable = frameReadable({
      nextFrame: () => this.#legs.receive(this.#ended),
      cancelInput: (reason) => reason === undefined ? host.close() : host.abort(reason)
    });
  }
  get writable() {
    const host = this.#host;
    return this.#writable ??= frameWritable({
      send: (payload) => host.send(payload),
      closeWrite: async () => {
        host.close();
        await host.finished;
      },
      forceClose: (reason) => host.abort(reason)
    });
  }
  frames() {
    this.#claim("loop");
    return {
      next: () => this.#legs.next(this.#ended),
      return: () => {
        this.#legs.stop();
        return Promise.resolve(DONE3);
      }
    };
  }
  async* batches() {
    while (true) {
      const frame = await this.receive();
      if (frame === undefined)
        return;
      yield [frame];
    }
  }
  async* events() {
    while (true) {
      const frame = await this.receive();
      if (frame === undefined)
        return;
      yield { type: "frame", frame };
    }
  }
  #claim(reader) {
    if (this.#reader !== undefined && this.#reader !== reader) {
      const id = this.#host.id;
      throw new TypeError(reader === "loop" ? `Cannot read connection ${id} in a loop: its readable stream reads it` : `Cannot read connection ${id} through readable: it is read in a loop`);
    }
    this.#reader = reader;
  }
}

// src/core/reconnect/reconnector.ts
class Reconnector {
  id;
  onReconnect;
  finished;
  #settings;
  #openedAt = Date.now();
  #legs;
  #outgoing;
  #listeners = new Set;
  #end = new AbortController;
  #settle;
  #retry;
  #running;
  #readers;
  #closeReason;
  #error;
  #closedAt;
  #resumes = 0;
  constructor(first, settings) {
    this.id = first.id;
    this.#settings = settings;
    this.onReconnect = settings.onReconnect;
    this.#outgoing = new Outgoing(settings.framing, settings.whileDisconnected, settings.maxWaitingBytes, () => this.closing ? this.#endError() : undefined);
    this.finished = new Promise((resolve) => this.#settle = resolve);
    const legs = this.#legs = new Legs(first, this);
    this.#readers = new ReconnectingReaders(this, legs);
    this.#retry = new ReconnectLoop({
      conn: this,
      settings,
      legs,
      outgoing: this.#outgoing,
      stop: this.#end.signal,
      hook: () => this.onReconnect,
      emit: (event) => this.#emit(event),
      giveUp: (error) => this.#finish("gave-up", error)
    });
  }
  get remoteAddr() {
    return this.#legs.last.conn.remoteAddr;
  }
  get localAddr() {
    return this.#legs.last.conn.localAddr;
  }
  get signal() {
    return this.#end.signal;
  }
  get closing() {
    return this.#end.signal.aborted;
  }
  get state() {
    return this.#retry.state;
  }
  get stats() {
    const live = this.#legs.live?.conn.stats;
    return {
      ...statsHead(this, this.#openedAt, this.#closedAt),
      ...this.#legs.sums(),
      messagesIn: 0,
      messagesDropped: 0,
      outboxBytes: live?.outboxBytes ?? 0,
      closeReason: this.#closeReason,
      error: this.#error,
      ...live?.session === undefined ? {} : { session: live.session }
    };
  }
  get reconnectStats() {
    return {
      state: this.#retry.state,
      connections: this.#legs.activated,
      reconnects: this.#retry.reconnects,
      attempts: this.#retry.attempts,
      lastDelay: this.#retry.lastDelay,
      waitingSends: this.#outgoing.waiting.size,
      waitingBytes: this.#outgoing.waiting.bytes,
      refusedSends: this.#outgoing.refused
    };
  }
  send(payload, options) {
    return this.#outgoing.send(this.#legs.live, payload, options?.signal);
  }
  sendOwned(payload) {
    return this.send(payload);
  }
  flush() {
    return this.#legs.live?.conn.flush() ?? Promise.resolve();
  }
  receive() {
    return this.#readers.receive();
  }
  get readable() {
    return this.#readers.readable;
  }
  get writable() {
    return this.#readers.writable;
  }
  close() {
    this.#finish("closed", undefined);
  }
  abort(reason) {
    this.#finish("aborted", reason);
  }
  async[Symbol.asyncDispose]() {
    this.close();
    await this.finished;
  }
  [Symbol.asyncIterator]() {
    return this.#readers.frames();
  }
  batches() {
    return this.#readers.batches();
  }
  events() {
    return this.#readers.events();
  }
  subscribe(listener) {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }
  gone(leg, stats, wasLive) {
    if (wasLive && !this.closing) {
      const retry = this.#retry;
      if (retry.state === "open" && stats.durationMs >= this.#settings.maxDelay * 1000)
        retry.attempts = 0;
      retry.state = "reconnecting";
      this.#settings.logger.info("connection {id} to {remote} lost: {reason}; reconnecting", {
        id: this.id,
        remote: this.#settings.target,
        reason: stats.closeReason
      });
      this.#running ??= this.#retry.run(stats.error ?? stats.closeReason).finally(() => {
        this.#running = undefined;
        this.#settleIfDone();
      });
    }
    this.drained(leg);
    this.#settleIfDone();
  }
  served(leg) {
    this.#retry.served(leg);
  }
  drained(leg) {
    if (!leg.activated || !leg.done || leg.told)
      return;
    leg.told = true;
    const stats = leg.final;
    if (!this.closing)
      this.#emit({ type: "disconnect", reason: stats.closeReason ?? "closed", error: stats.error });
    this.#wake();
  }
  #finish(how, error) {
    if (this.closing)
      return;
    this.#retry.state = "closed";
    this.#closeReason = how === "gave-up" ? this.#legs.last.final?.closeReason ?? "closed" : how;
    this.#error = error;
    const reason = error ?? new ConnectionClosedError("closed");
    this.#end.abort(reason);
    this.#outgoing.waiting.rejectAll(this.#endError());
    const live = this.#legs.live;
    if (live !== undefined) {
      if (how === "closed")
        live.conn.close();
      else
        live.conn.abort(reason);
    }
    if (how === "gave-up") {
      this.#settings.logger.warn("connection {id} gave up: {error}", { id: this.id, error });
    }
    this.#wake();
    this.#settleIfDone();
  }
  #endError() {
    if (this.#closeReason === "closed" || this.#closeReason === "aborted") {
      return new ConnectionClosedError(this.#closeReason, { cause: this.#error });
    }
    return this.#error;
  }
  #settleIfDone() {
    if (!this.closing || this.#legs.open > 0 || this.#running !== undefined || this.#closedAt !== undefined)
      return;
    this.#closedAt = Date.now();
    this.#settle(this.stats);
  }
  #wake() {
    this.#legs.wakeReader();
    this.#retry.wake();
  }
  sessionResumed() {
    const leg = this.#legs.live;
    if (leg === undefined || this.closing)
      return;
    this.#resumes++;
    this.#emit({ type: "resume", resumes: this.#resumes });
    const hook = this.onReconnect;
    if (hook === undefined)
      return;
    const info = { reconnects: this.#retry.reconnects, attempts: 0, signal: leg.conn.signal, resumed: true };
    Promise.resolve().then(() => hook(this, info)).catch((error) => this.#settings.logger.warn("reconnect hook of connection {id} failed: {error}", { id: this.id, error }));
  }
  #emit(event) {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#settings.logger.error("reconnect listener of connection {id} failed: {error}", { id: this.id, error });
      }
    }
  }
}

// src/core/session/wire/heartbeat.ts
var DEFAULT_HEARTBEAT_INTERVAL = 15;

class Heartbeat {
  ticks = 0;
  pingsSent = 0;
  pongsReceived = 0;
  pingsAnswered = 0;
  suspensions = 0;
  resumes = 0;
  bytesResent = 0;
  timedOutAt;
  #interval;
  #timeout;
  #heard = false;
  #silent = 0;
  #pingAge;
  #ping;
  #fail;
  #stop;
  constructor(interval, timeout) {
    this.#interval = interval;
    this.#timeout = timeout;
  }
  attach(ping, fail) {
    this.#ping = ping;
    this.#fail = fail;
  }
  onDetach(stop) {
    this.#stop = stop;
  }
  detach() {
    this.#ping = this.#fail = undefined;
    this.#stop?.();
    this.#stop = undefined;
  }
  heard() {
    this.#heard = true;
  }
  ponged() {
    this.pongsReceived++;
  }
  tick(seconds, listening) {
    if (this.#fail === undefined)
      return;
    this.ticks++;
    if (this.#heard || !listening) {
      this.#heard = false;
      this.#silent = 0;
      this.#pingAge = undefined;
      return;
    }
    this.#silent += seconds;
    if (this.#pingAge !== undefined) {
      this.#pingAge += seconds;
      if (this.#pingAge >= this.#timeout)
        this.#dead(`no answer to a ping within ${this.#timeout} seconds`);
    } else if (this.#interval !== undefined) {
      if (this.#silent < this.#interval)
        return;
      this.#pingAge = 0;
      this.pingsSent++;
      this.#ping?.();
    } else if (this.#silent >= this.#timeout) {
      this.#dead(`nothing heard for ${this.#timeout} seconds`);
    }
  }
  #dead(detail) {
    this.timedOutAt = this.ticks;
    this.#silent = 0;
    this.#pingAge = undefined;
    this.#fail?.(new GuardError("heartbeat-timeout", detail, this.#timeout));
  }
}

// src/core/session/wire/session_wire.ts
var EMPTY3 = 0;
var PING = 1;
var PONG = 2;
var HELLO = 5;
var ACK = 3;
var BYE = 4;
var RESUME = 6;
var WELCOME = 7;
var REJECT = 8;
var HELLO_BODY = [115, 107, 1];
var HELLO_RESUME_BODY = [115, 107, 2];
var TOKEN_BYTES = 16;
var BODY = {
  [EMPTY3]: 0,
  [PING]: 0,
  [PONG]: 0,
  [ACK]: 8,
  [BYE]: 0,
  [HELLO]: HELLO_BODY.length,
  [RESUME]: TOKEN_BYTES + 8,
  [WELCOME]: TOKEN_BYTES + 8 + 4 + 1,
  [REJECT]: 0
};
function controlRecord(kind, packet, body = []) {
  const bytes = new Uint8Array(packet + 1 + body.length);
  bytes[packet] = kind;
  bytes.set(body, packet + 1);
  return bytes;
}

class SessionWireError extends Error {
  constructor(detail) {
    super(`Cannot read session wire: ${detail}`);
    this.name = "SessionWireError";
  }
}
var HEADER = 0;
var PAYLOAD = 1;
var KIND = 2;
var BODY_BYTES = 3;

class InScanner {
  #packet;
  #state = HEADER;
  #got = 0;
  #value = 0;
  #left = 0;
  #kind = 0;
  #body = [];
  controls = [];
  bodies = [];
  accepted = 0;
  constructor(packet) {
    this.#packet = packet;
  }
  restart() {
    if (this.#state !== PAYLOAD)
      this.#state = HEADER;
    this.#got = this.#value = 0;
  }
  push(chunk) {
    const packet = this.#packet;
    const pieces = [];
    this.controls.length = 0;
    this.bodies.length = 0;
    let run = 0;
    let headerStart = this.#state === HEADER && this.#got > 0 ? -1 : 0;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      const state = this.#state;
      if (state === PAYLOAD) {
        const take = Math.min(this.#left, n - i);
        i += take;
        this.accepted += take;
        if ((this.#left -= take) === 0)
          this.#state = HEADER;
      } else if (state === HEADER) {
        if (this.#got === 0)
          headerStart = i;
        while (this.#got < packet && i < n) {
          this.#value = this.#value * 256 + chunk[i++];
          this.#got++;
        }
        if (this.#got < packet)
          break;
        const length = this.#value;
        this.#got = this.#value = 0;
        if (length === 0) {
          if (headerStart >= 0 && headerStart > run)
            pieces.push(chunk.subarray(run, headerStart));
          run = i;
          this.#state = KIND;
          continue;
        }
        if (headerStart < 0) {
          const header = new Uint8Array(packet);
          writeHeader(header, 0, length, packet);
          pieces.push(header);
          run = i;
        }
        this.#left = length;
        this.accepted += packet;
        this.#state = PAYLOAD;
      } else if (state === KIND) {
        const kind = chunk[i++];
        run = i;
        const body = BODY[kind];
        if (body === undefined)
          throw new SessionWireError(`unknown control kind ${kind}`);
        if (kind === EMPTY3) {
          pieces.push(new Uint8Array(packet));
          this.accepted += packet + 1;
          this.#state = HEADER;
        } else if (body === 0) {
          this.controls.push(kind);
          this.bodies.push(NO_BODY);
          this.#state = HEADER;
        } else {
          this.#kind = kind;
          this.#body = [];
          this.#state = BODY_BYTES;
        }
      } else {
        while (this.#body.length < BODY[this.#kind] && i < n)
          this.#body.push(chunk[i++]);
        run = i;
        if (this.#body.length < BODY[this.#kind])
          break;
        if (this.#kind === HELLO)
          checkHello(this.#body);
        this.controls.push(this.#kind);
        this.bodies.push(new Uint8Array(this.#body));
        this.#state = HEADER;
      }
    }
    const end = this.#state === HEADER && this.#got > 0 ? headerStart >= 0 ? headerStart : run : n;
    if (end > run)
      pieces.push(chunk.subarray(run, end));
    if (pieces.length === 1)
      return pieces[0];
    if (pieces.length === 0)
      return chunk.subarray(0, 0);
    return concat(pieces);
  }
}
var NO_BODY = new Uint8Array(0);
function checkHello(body) {
  const version = body[2];
  if (body[0] !== HELLO_BODY[0] || body[1] !== HELLO_BODY[1] || version !== 1 && version !== 2) {
    throw new SessionWireError(`HELLO of an unknown version (${Array.from(body).join(",")})`);
  }
  return version;
}

class OutScanner {
  #packet;
  #got = 0;
  #value = 0;
  #left = 0;
  constructor(packet) {
    this.#packet = packet;
  }
  get atBoundary() {
    return this.#got === 0 && this.#left === 0;
  }
  scan(data, commit) {
    const packet = this.#packet;
    let got = this.#got, value = this.#value, left = this.#left;
    const empties = [];
    let i = 0;
    while (i < data.length) {
      if (left > 0) {
        const take = Math.min(left, data.length - i);
        i += take;
        left -= take;
        continue;
      }
      value = value * 256 + data[i++];
      if (++got < packet)
        continue;
      if (value === 0)
        empties.push(i);
      left = value;
      got = value = 0;
    }
    if (commit) {
      this.#got = got;
      this.#value = value;
      this.#left = left;
    }
    return empties;
  }
}
function escapeEmpties(data, at) {
  const out = new Uint8Array(data.length + at.length);
  let from = 0, to = 0;
  for (const offset of at) {
    out.set(data.subarray(from, offset), to);
    to += offset - from;
    out[to++] = EMPTY3;
    from = offset;
  }
  out.set(data.subarray(from), to);
  return out;
}
function concat(pieces) {
  let total = 0;
  for (const piece of pieces)
    total += piece.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

// src/core/session/wire/handshake.ts
function putCount(body, at, count) {
  const view = new DataView(body.buffer, body.byteOffset);
  view.setUint32(at, Math.floor(count / 2 ** 32));
  view.setUint32(at + 4, count >>> 0);
}
function readCount(body, at) {
  const view = new DataView(body.buffer, body.byteOffset);
  return view.getUint32(at) * 2 ** 32 + view.getUint32(at + 4);
}
function ackRecord(received, packet) {
  const body = new Uint8Array(8);
  putCount(body, 0, received);
  return controlRecord(3, packet, Array.from(body));
}
function resumeRecord(token, received, packet) {
  const body = new Uint8Array(TOKEN_BYTES + 8);
  body.set(token);
  putCount(body, TOKEN_BYTES, received);
  return controlRecord(6, packet, Array.from(body));
}
function welcomeRecord(welcome, packet) {
  const body = new Uint8Array(BODY[7]);
  body.set(welcome.token);
  putCount(body, TOKEN_BYTES, welcome.received);
  new DataView(body.buffer).setUint32(TOKEN_BYTES + 8, Math.min(welcome.windowMs, 4294967295));
  body[TOKEN_BYTES + 12] = welcome.resumed ? 1 : 0;
  return controlRecord(7, packet, Array.from(body));
}
function readWelcome(body) {
  return {
    token: body.slice(0, TOKEN_BYTES),
    received: readCount(body, TOKEN_BYTES),
    windowMs: new DataView(body.buffer, body.byteOffset).getUint32(TOKEN_BYTES + 8),
    resumed: body[TOKEN_BYTES + 12] === 1
  };
}
function readFirstRecord(bytes, packet, kinds) {
  for (let i = 0;i < Math.min(packet, bytes.length); i++)
    if (bytes[i] !== 0)
      return { state: "plain" };
  if (bytes.length <= packet)
    return { state: "more" };
  const kind = bytes[packet];
  if (!kinds.includes(kind))
    return { state: "plain" };
  const end = packet + 1 + BODY[kind];
  if (bytes.length < end)
    return { state: "more" };
  return { state: "record", kind, body: bytes.slice(packet + 1, end), rest: bytes.subarray(end) };
}

// src/core/session/wire/write_chain.ts
class WriteChain {
  #socket;
  #pending = 0;
  #tail = Promise.resolve();
  constructor(socket) {
    this.#socket = socket;
  }
  get busy() {
    return this.#pending > 0;
  }
  write(bytes) {
    this.#pending++;
    const written = this.#tail.then(() => this.#socket.write(bytes));
    const done = () => void this.#pending--;
    this.#tail = written.then(done, done);
    return this.#tail.then(() => written);
  }
}

// src/core/session/wire/link_writer.ts
class LinkWriter {
  #owner;
  #out;
  #link;
  #chain;
  #controls = [];
  #inflight;
  constructor(link, packet, owner) {
    this.#owner = owner;
    this.#out = new OutScanner(packet);
    this.#link = link;
    this.#chain = new WriteChain(link);
  }
  get atBoundary() {
    return this.#out.atBoundary;
  }
  encode(data, state) {
    const empties = state === "plain" ? [] : this.#out.scan(data, true);
    return empties.length === 0 || state !== "wire" ? data : escapeEmpties(data, empties);
  }
  tryWrite(data, state, taken) {
    const link = this.#link;
    if (link.tryWrite === undefined || this.#chain.busy || this.#controls.length > 0 || this.#owner.suspended) {
      return 0;
    }
    if (state === "plain")
      return link.tryWrite(data);
    if (this.#out.scan(data, false).length > 0)
      return 0;
    const count = link.tryWrite(data);
    const part = count === data.length ? data : data.subarray(0, count);
    this.#out.scan(part, true);
    taken(part);
    return count;
  }
  send(bytes, resolvers) {
    const owner = this.#owner;
    const gen = owner.gen;
    this.#inflight = resolvers;
    this.#chain.write(bytes).then(() => {
      if (gen !== owner.gen)
        return;
      this.#inflight = undefined;
      resolvers.resolve();
      this.flush();
    }, (error) => {
      if (gen !== owner.gen)
        return;
      owner.lost(gen, error);
      if (owner.suspended)
        return;
      this.#inflight = undefined;
      resolvers.reject(error);
    });
  }
  takeInflight() {
    const inflight = this.#inflight;
    this.#inflight = undefined;
    return inflight;
  }
  control(record, first = false) {
    if (first)
      this.#controls.unshift(record);
    else
      this.#controls.push(record);
    this.flush();
  }
  record(record) {
    this.#chain.write(record).catch(() => {});
  }
  flush() {
    const controls = this.#controls;
    const owner = this.#owner;
    if (controls.length === 0 || this.#chain.busy || !this.#out.atBoundary || owner.ended)
      return;
    if (owner.suspended)
      return void (controls.length = 0);
    const bytes = controls.length === 1 ? controls[0] : concat(controls);
    controls.length = 0;
    const taken = this.#link.tryWrite?.(bytes) ?? 0;
    if (taken === bytes.length)
      return;
    const gen = owner.gen;
    this.#chain.write(bytes.subarray(taken)).then(() => this.flush(), (error) => owner.lost(gen, error));
  }
  closeWith(bye) {
    const link = this.#link;
    const close = () => link.close();
    if (!this.#chain.busy && (link.tryWrite?.(bye) ?? 0) === bye.length)
      close();
    else
      this.#chain.write(bye).then(close, close);
  }
  relink(link) {
    this.#link = link;
    this.#chain = new WriteChain(link);
    this.#controls.length = 0;
  }
}

// src/core/session/wire/link_io.ts
class LinkIo {
  writer;
  #reads;
  #owner;
  #link;
  #gen = 0;
  #reading = false;
  constructor(link, packet, reads, owner) {
    this.#link = link;
    this.#reads = reads;
    this.#owner = owner;
    this.writer = new LinkWriter(link, packet, this);
  }
  get link() {
    return this.#link;
  }
  get gen() {
    return this.#gen;
  }
  get reading() {
    return this.#reading;
  }
  get ended() {
    return this.#reads.ended;
  }
  get suspended() {
    return this.#owner.suspended();
  }
  lost(gen, error) {
    this.#owner.lost(gen, error);
  }
  pump() {
    const reads = this.#reads;
    if (this.#reading || reads.holding || reads.ended || this.#owner.suspended())
      return;
    this.#reading = true;
    const gen = this.#gen;
    this.#link.read().then((chunk) => {
      if (gen !== this.#gen || reads.ended)
        return;
      this.#reading = false;
      this.#owner.chunk(gen, chunk);
    }, (error) => {
      if (gen !== this.#gen)
        return;
      this.#reading = false;
      this.#owner.lost(gen, error);
    });
  }
  cut() {
    this.#gen++;
    this.#reading = false;
    this.#link.close();
  }
  switchTo(link) {
    this.#gen++;
    this.#link = link;
    this.writer.relink(link);
    this.#reading = false;
  }
  release() {
    this.#gen++;
    return this.#link;
  }
}

// src/core/session/wire/read_slot.ts
class ReadSlot {
  #held;
  #waiter;
  #end;
  get holding() {
    return this.#held !== undefined;
  }
  get ended() {
    return this.#end !== undefined;
  }
  read() {
    const held = this.#held;
    if (held !== undefined) {
      this.#held = undefined;
      return Promise.resolve(held);
    }
    if (this.#end !== undefined) {
      return "error" in this.#end ? Promise.reject(this.#end.error) : Promise.resolve(null);
    }
    return new Promise((resolve, reject) => void (this.#waiter = { resolve, reject }));
  }
  deliver(data) {
    const waiter = this.#waiter;
    if (waiter === undefined)
      return void (this.#held = data), false;
    this.#waiter = undefined;
    waiter.resolve(data);
    return true;
  }
  finish(end, quiet = false) {
    if (this.#end !== undefined)
      return false;
    this.#end = end;
    const waiter = this.#waiter;
    if (quiet || waiter === undefined || this.#held !== undefined)
      return true;
    this.#waiter = undefined;
    if ("error" in end)
      waiter.reject(end.error);
    else
      waiter.resolve(null);
    return true;
  }
}

// src/core/session/wire/link.ts
async function tryResume(dial, token, received, packet, deadline) {
  let link;
  try {
    link = await beforeDeadline(dial(), deadline);
  } catch {
    return;
  }
  const timer = setTimeout(() => link.close(), Math.max(0, deadline - Date.now()));
  try {
    await link.write(resumeRecord(token, received, packet));
    let bytes = new Uint8Array(0);
    while (true) {
      const chunk = await link.read();
      if (chunk === null)
        break;
      bytes = bytes.length === 0 ? chunk : concat([bytes, chunk]);
      const first = readFirstRecord(bytes, packet, [WELCOME, REJECT]);
      if (first.state === "more")
        continue;
      if (first.state === "plain")
        break;
      if (first.kind === REJECT)
        return { state: "refused", link };
      return { state: "resumed", link, welcome: readWelcome(first.body), rest: first.rest };
    }
  } catch {} finally {
    clearTimeout(timer);
  }
  link.close();
  return;
}
function beforeDeadline(dialing, deadline) {
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new Error("Cannot resume: no link before the attempt's deadline"));
    }, Math.max(0, deadline - Date.now()));
    dialing.then((socket) => {
      clearTimeout(timer);
      if (late)
        socket.close();
      else
        resolve(socket);
    }, (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

// src/core/session/wire/redial.ts
async function redial(how, target, packet, windowMs) {
  const deadline = Date.now() + windowMs;
  let delay = 50;
  while (target.waiting() && Date.now() < deadline) {
    const attemptEnd = Math.min(deadline, Date.now() + how.attemptMs);
    const answer = await tryResume(how.dial, target.token(), target.received(), packet, attemptEnd);
    if (!target.waiting())
      return answer?.link.close();
    if (answer?.state === "resumed") {
      if (!target.resumed(answer))
        return answer.link.close();
      return how.onResumed?.();
    }
    if (answer?.state === "refused") {
      answer.link.close();
      return target.refused();
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))));
    delay = Math.min(delay * 2, 1000);
  }
  if (target.waiting())
    target.expired();
}

// src/core/session/wire/resume_log.ts
class ResumeLog {
  #limit;
  #chunks = [];
  start = 0;
  end = 0;
  constructor(limit) {
    this.#limit = limit;
  }
  get size() {
    return this.end - this.start;
  }
  append(bytes) {
    if (bytes.length === 0)
      return;
    this.#chunks.push(bytes.slice());
    this.end += bytes.length;
    while (this.size > this.#limit && this.#chunks.length > 0)
      this.start += this.#chunks.shift().length;
  }
  ack(received) {
    while (this.#chunks.length > 0 && this.start + this.#chunks[0].length <= received) {
      this.start += this.#chunks.shift().length;
    }
  }
  from(received) {
    if (received < this.start || received > this.end)
      return;
    const out = new Uint8Array(this.end - received);
    let offset = this.start;
    let at = 0;
    for (const chunk of this.#chunks) {
      const skip = Math.max(0, received - offset);
      if (skip < chunk.length) {
        out.set(chunk.subarray(skip), at);
        at += chunk.length - skip;
      }
      offset += chunk.length;
    }
    return out;
  }
}

// src/core/session/wire/resumption.ts
var NO_TOKEN = new Uint8Array(TOKEN_BYTES);
var ACK_EVERY = 16 * 1024;

class Resumption {
  #socket;
  #redial;
  #log;
  #token;
  #windowMs = 0;
  #acked = 0;
  #byeReceived = false;
  #suspended;
  constructor(socket, logLimit, redial) {
    this.#socket = socket;
    this.#redial = redial;
    if (logLimit !== undefined)
      this.#log = new ResumeLog(logLimit);
  }
  get token() {
    return this.#token;
  }
  get windowMs() {
    return this.#windowMs;
  }
  get byeReceived() {
    return this.#byeReceived;
  }
  get awaitsWelcome() {
    return this.#redial !== undefined && this.#token === undefined;
  }
  get suspended() {
    return this.#suspended;
  }
  canSuspend(closing) {
    const granted = this.#log !== undefined && this.#token !== undefined && this.#windowMs > 0;
    return granted && !this.#byeReceived && !closing;
  }
  append(bytes) {
    this.#log?.append(bytes);
  }
  acknowledged(received) {
    this.#log?.ack(received);
  }
  resendFrom(received) {
    return this.#log?.from(received);
  }
  dropLog() {
    this.#log = undefined;
  }
  grant(token, windowMs) {
    if (token === undefined)
      this.#log = undefined;
    else {
      this.#token = token;
      this.#windowMs = windowMs;
    }
    const granted = { token: token ?? NO_TOKEN, received: 0, windowMs: this.#windowMs, resumed: false };
    this.#socket.io.writer.control(welcomeRecord(granted, this.#socket.packet), true);
  }
  welcomed(welcome) {
    this.#token = welcome.token;
    this.#windowMs = welcome.windowMs;
    if (welcome.windowMs === 0)
      this.#log = undefined;
    this.#redial?.onWelcome?.();
  }
  byeHeard() {
    this.#byeReceived = true;
  }
  ack(due) {
    const { wire, io, packet } = this.#socket;
    if (wire.state !== "wire" || this.#token === undefined || this.#windowMs === 0)
      return;
    const received = wire.accepted;
    if (received === this.#acked || !due && received - this.#acked < ACK_EVERY)
      return;
    this.#acked = received;
    io.writer.control(ackRecord(received, packet));
  }
  suspend(error) {
    const { io, heartbeat } = this.#socket;
    const suspended = { error, age: 0, write: io.writer.takeInflight() };
    this.#suspended = suspended;
    heartbeat.suspensions++;
    io.cut();
    if (this.#redial !== undefined)
      this.#redialFor(this.#redial, suspended);
  }
  age(seconds) {
    const suspended = this.#suspended;
    if (suspended !== undefined && (suspended.age += seconds) * 1000 >= this.#windowMs)
      this.expire();
  }
  adopt(link, received, rest, token) {
    const { io, wire, heartbeat, packet } = this.#socket;
    const resend = this.#log?.from(received);
    if (resend === undefined || io.ended || wire.state !== "wire")
      return false;
    if (this.#suspended === undefined)
      this.suspend(undefined);
    const write = this.endSuspension().write;
    io.switchTo(link);
    wire.restart();
    heartbeat.heard();
    heartbeat.resumes++;
    heartbeat.bytesResent += resend.length;
    this.#log.ack(received);
    if (token !== undefined) {
      this.#token = token;
      const welcome = { token, received: wire.accepted, windowMs: this.#windowMs, resumed: true };
      io.writer.record(welcomeRecord(welcome, packet));
    }
    if (resend.length > 0 || write !== undefined) {
      io.writer.send(resend, write ?? { resolve() {}, reject() {} });
    }
    this.#socket.readFrom(rest);
    return true;
  }
  expire() {
    const { error, write } = this.endSuspension() ?? {};
    const reason = error ?? Object.assign(new Error("Cannot resume: no new link within the window"), {
      code: "peer-closed"
    });
    write?.reject(reason);
    this.#socket.end(error, reason);
  }
  endSuspension() {
    const suspended = this.#suspended;
    this.#suspended = undefined;
    return suspended;
  }
  #redialFor(how, suspended) {
    const socket = this.#socket;
    const refusal = () => new SessionError("resume-refused", "the server refused the session");
    return redial(how, {
      waiting: () => this.#suspended === suspended,
      received: () => socket.wire.accepted,
      token: () => this.#token,
      resumed: (answer) => {
        if (!this.adopt(answer.link, answer.welcome.received, answer.rest))
          return false;
        this.#token = answer.welcome.token;
        return true;
      },
      refused: () => {
        this.endSuspension()?.write?.reject(refusal());
        socket.end(refusal(), undefined);
      },
      expired: () => this.expire()
    }, socket.packet, this.#windowMs);
  }
}
function noWelcomeError() {
  return Object.assign(new Error("Cannot open session: the link ended, or a frame came, before the server's WELCOME; " + "a client with resume needs a server that runs sessions()"), { code: "peer-closed" });
}

// src/core/session/wire/wire_in.ts
class WireIn {
  #packet;
  #host;
  #scanner;
  #prefix;
  constructor(packet, client, host) {
    this.#packet = packet;
    this.#host = host;
    if (client)
      this.#scanner = new InScanner(packet);
  }
  get state() {
    return this.#scanner === undefined ? "unknown" : this.#scanner === null ? "plain" : "wire";
  }
  get accepted() {
    return this.#scanner?.accepted ?? 0;
  }
  restart() {
    this.#scanner?.restart();
  }
  decode(chunk) {
    if (this.#scanner === undefined) {
      const seen = this.#prefix === undefined ? chunk : concat([this.#prefix, chunk]);
      const first = readFirstRecord(seen, this.#packet, [HELLO, RESUME]);
      this.#prefix = undefined;
      if (first.state === "more") {
        this.#prefix = seen;
        return seen.subarray(0, 0);
      }
      if (first.state === "plain") {
        this.#scanner = null;
        this.#host.start({ kind: "plain" });
        return seen;
      }
      if (first.kind === RESUME) {
        const token = first.body.subarray(0, TOKEN_BYTES);
        this.#host.start({ kind: "resume", token, received: readCount(first.body, TOKEN_BYTES), rest: first.rest });
        return seen.subarray(0, 0);
      }
      const version = checkHello(first.body);
      this.#scanner = new InScanner(this.#packet);
      this.#host.start({ kind: "hello", version });
      chunk = first.rest;
    }
    const scanner = this.#scanner;
    if (scanner === null)
      return chunk;
    const data = scanner.push(chunk);
    const { controls, bodies } = scanner;
    for (let i = 0;i < controls.length; i++)
      this.#host.control(controls[i], bodies[i]);
    return data;
  }
  settle() {
    const prefix = this.#prefix;
    if (this.#scanner !== undefined || prefix === undefined)
      return;
    this.#scanner = null;
    this.#prefix = undefined;
    this.#host.start({ kind: "plain" });
    return prefix;
  }
}

// src/core/session/wire/session_socket.ts
class SessionSocket {
  remoteAddr;
  localAddr;
  heartbeat;
  #framing;
  #host;
  #wire;
  #reads = new ReadSlot;
  #io;
  #resume;
  #dead;
  #closing = false;
  constructor(inner, framing, heartbeat, roles) {
    const client = roles.host === undefined;
    this.#framing = framing;
    this.#host = roles.host;
    this.remoteAddr = inner.remoteAddr;
    this.localAddr = inner.localAddr;
    this.heartbeat = heartbeat;
    const io = this.#io = new LinkIo(inner, framing.packet, this.#reads, {
      suspended: () => this.suspended,
      chunk: (gen, chunk) => this.#onChunk(gen, chunk),
      lost: (gen, error) => this.#lost(gen, error)
    });
    const wire = this.#wire = new WireIn(framing.packet, client, {
      start: (start) => this.#started(start),
      control: (kind, body) => this.#onControl(kind, body)
    });
    const resumeSocket = {
      io,
      wire,
      heartbeat,
      packet: framing.packet,
      readFrom: (rest) => rest.length > 0 ? this.#onChunk(io.gen, rest) : io.pump(),
      end: (error, reason) => error === undefined ? this.#end({}, reason) : this.#fail(error)
    };
    const logLimit = client && roles.redial !== undefined ? roles.logLimit ?? Infinity : roles.logLimit;
    this.#resume = new Resumption(resumeSocket, logLimit, roles.redial);
    if (client)
      io.writer.control(controlRecord(HELLO, framing.packet, roles.redial ? HELLO_RESUME_BODY : HELLO_BODY));
    heartbeat.attach(() => io.writer.control(controlRecord(PING, framing.packet)), (error) => this.#lost(io.gen, error));
    io.pump();
  }
  get session() {
    return this.heartbeat;
  }
  get preambleBytes() {
    return this.#io.link.preambleBytes;
  }
  get handshaking() {
    return this.#io.link.handshaking;
  }
  get speaksWire() {
    return this.#wire.state === "wire";
  }
  get suspended() {
    return this.#resume.suspended !== undefined;
  }
  get token() {
    return this.#resume.token;
  }
  read() {
    const chunk = this.#reads.read();
    this.#io.pump();
    return chunk;
  }
  tick(seconds) {
    if (this.suspended) {
      if (this.#host !== undefined)
        this.#resume.age(seconds);
      return;
    }
    if (this.#wire.state === "wire") {
      this.heartbeat.tick(seconds, this.#io.reading);
      return this.#resume.ack(true);
    }
    const settled = this.#wire.settle();
    if (settled !== undefined)
      this.#deliver(settled);
  }
  write(data) {
    const bytes = this.#io.writer.encode(data, this.#wire.state);
    this.#resume.append(bytes);
    return new Promise((resolve, reject) => {
      const resolvers = { resolve, reject };
      const suspended = this.#resume.suspended;
      if (suspended !== undefined)
        return void (suspended.write = resolvers);
      this.#io.writer.send(bytes, resolvers);
    });
  }
  tryWrite(data) {
    return this.#io.writer.tryWrite(data, this.#wire.state, (part) => this.#resume.append(part));
  }
  holdReads() {
    this.#io.link.holdReads?.();
  }
  watch(dead) {
    this.#dead = dead;
  }
  close() {
    if (this.#closing)
      return;
    this.#closing = true;
    const suspended = this.#resume.endSuspension();
    suspended?.write?.reject(new SessionError("resume-refused", "the session was closed while its link was lost"));
    const writer = this.#io.writer;
    if (this.#wire.state === "wire" && !this.#reads.ended && writer.atBoundary) {
      writer.closeWith(controlRecord(BYE, this.#framing.packet));
    } else
      this.#io.link.close();
    this.#finish({});
  }
  enableResume(token, windowMs) {
    this.#resume.grant(token, windowMs);
  }
  release() {
    const link = this.#io.release();
    this.#reads.finish({}, true);
    this.heartbeat.detach();
    return link;
  }
  adopt(link, received, rest, token) {
    return this.#resume.adopt(link, received, rest, token);
  }
  #onChunk(gen, chunk) {
    this.heartbeat.heard();
    if (chunk === null)
      return this.#lost(gen, undefined);
    let data;
    try {
      data = this.#wire.decode(chunk);
    } catch (error) {
      return this.#fail(error);
    }
    if (this.#reads.ended || gen !== this.#io.gen)
      return;
    this.#resume.ack(false);
    if (data.length === 0)
      return this.#io.pump();
    if (this.#resume.awaitsWelcome)
      return this.#fail(noWelcomeError());
    this.#deliver(data);
  }
  #deliver(data) {
    if (this.#reads.deliver(data))
      this.#io.pump();
  }
  #started(start) {
    if (start.kind === "resume")
      return this.#host?.resumeAsked(this, start.token, start.received, start.rest);
    const version = start.kind === "hello" ? start.version : 0;
    if (version !== 2)
      this.#resume.dropLog();
    this.#host?.started(this, version);
  }
  #onControl(kind, body) {
    const heartbeat = this.heartbeat;
    if (kind === PING) {
      heartbeat.pingsAnswered++;
      this.#io.writer.control(controlRecord(PONG, this.#framing.packet));
    } else if (kind === PONG)
      heartbeat.ponged();
    else if (kind === ACK)
      this.#resume.acknowledged(readCount(body, 0));
    else if (kind === BYE)
      this.#resume.byeHeard();
    else if (kind === WELCOME && this.#host === undefined)
      this.#resume.welcomed(readWelcome(body));
    else if (kind === REJECT)
      this.#fail(new SessionError("resume-refused", "the server refused the session"));
  }
  #lost(gen, error) {
    if (gen !== this.#io.gen || this.#reads.ended || this.suspended)
      return;
    if (this.#resume.canSuspend(this.#closing))
      return this.#resume.suspend(error);
    if ((error === undefined || this.#resume.byeReceived) && !this.#resume.awaitsWelcome)
      return this.#finish({});
    this.#fail(error ?? noWelcomeError());
  }
  #end(end, reason) {
    this.#finish(end);
    this.#dead?.(reason);
  }
  #fail(error) {
    if (this.#reads.ended)
      return;
    this.#finish({ error });
    this.#dead?.(error);
    this.#io.link.close();
  }
  #finish(end) {
    if (!this.#reads.finish(end))
      return;
    this.heartbeat.detach();
    this.#host?.ended(this);
  }
}

// src/core/session/wire/client_heartbeat.ts
function heartbeatPlanOf(options) {
  const given = options === true ? {} : options;
  const interval = checkNumber("heartbeatInterval", given.interval) ?? DEFAULT_HEARTBEAT_INTERVAL;
  return { interval, timeout: checkNumber("heartbeatTimeout", given.timeout) ?? interval };
}
function clientSessionSocket(inner, framing, plan, resume) {
  const heartbeat = new Heartbeat(plan.interval, plan.timeout);
  const roles = resume === undefined ? {} : {
    redial: {
      dial: resume.redial,
      attemptMs: plan.timeout * 1000,
      onResumed: resume.onResumed,
      onWelcome: resume.onWelcome
    }
  };
  const socket = new SessionSocket(inner, framing, heartbeat, roles);
  const timer = setInterval(() => socket.tick(plan.interval), plan.interval * 1000);
  heartbeat.onDetach(() => clearInterval(timer));
  return socket;
}

// src/core/client/open_client.ts
var DEFAULT_CONNECT_TIMEOUT = 30;
function clientPlanOf(options) {
  const framing = framingOf(options);
  const waterMarks = waterMarksOf(options);
  const reconnect = options.reconnect === undefined || options.reconnect === false ? undefined : reconnectSettingsOf(options.reconnect);
  const heartbeat = options.heartbeat === undefined || options.heartbeat === false ? options.resume === true ? heartbeatPlanOf(true) : undefined : heartbeatPlanOf(options.heartbeat);
  if (heartbeat !== undefined && framing.format !== undefined) {
    throw new TypeError("Cannot connect with a heartbeat: the session wire needs length-prefixed framing");
  }
  const logger = escapingLogger(options.logger);
  const connectTimeout = checkNumber("connectTimeout", options.connectTimeout) ?? DEFAULT_CONNECT_TIMEOUT;
  const resume = options.resume === true;
  return { framing, waterMarks, reconnect, heartbeat, resume, logger, signal: options.signal, connectTimeout };
}
var nextClientId = 1;
var deferredFlush = new DeferredFlush;
async function openClient(plan, target, link) {
  const { framing, heartbeat, logger, signal } = plan;
  signal?.throwIfAborted();
  const settings = {
    framing,
    waterMarks: plan.waterMarks,
    mailboxCapacity: 0,
    finishOnEnd: true,
    deferredFlush,
    onEnd: (_, stats) => logger.debug("connection {id} to {remote} closed: {reason}", {
      id: stats.id,
      remote: target,
      reason: stats.closeReason
    })
  };
  const seconds = plan.connectTimeout;
  const redial = () => within2(target, seconds, undefined, (signal) => abortable(link(signal), signal));
  const dial = (abort) => within2(target, seconds, abort, async (signal) => {
    const socket = await abortable(link(signal), signal);
    if (heartbeat === undefined)
      return new FramedConnection(socket, settings, nextClientId++);
    let onWelcome = () => {};
    const welcome = new Promise((resolve) => onWelcome = resolve);
    const resume = !plan.resume ? undefined : { redial, onResumed: () => reconnector?.sessionResumed(), onWelcome };
    const conn = new FramedConnection(clientSessionSocket(socket, framing, heartbeat, resume), settings, nextClientId++);
    if (resume !== undefined)
      await welcomed(conn, welcome, signal, target);
    return conn;
  });
  let reconnector;
  const first = await dial(signal);
  const conn = plan.reconnect === undefined ? first : reconnector = new Reconnector(first, {
    ...plan.reconnect,
    target,
    framing,
    logger,
    dial
  });
  if (signal !== undefined) {
    const onAbort = () => conn.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    conn.finished.then(() => signal.removeEventListener("abort", onAbort));
  }
  return conn;
}
async function within2(target, seconds, abort, attempt) {
  abort?.throwIfAborted();
  const timer = new AbortController;
  const timeout = setTimeout(() => timer.abort(new ConnectTimeoutError(target, seconds)), seconds * 1000);
  const signal = abort === undefined ? timer.signal : AbortSignal.any([abort, timer.signal]);
  try {
    return await attempt(signal);
  } finally {
    clearTimeout(timeout);
  }
}
async function welcomed(conn, welcome, signal, target) {
  let onAbort = () => {};
  const aborted = new Promise((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  const ended = conn.finished.then((stats) => {
    throw new Error(`Cannot connect to ${target}: the session ended (${stats.closeReason}) before it began`, {
      cause: stats.error
    });
  });
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
function abortable(dialing, signal) {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    dialing.then((socket) => {
      signal.removeEventListener("abort", onAbort);
      if (signal.aborted)
        socket.close();
      else
        resolve(socket);
    }, (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
  });
}

// src/core/client/connect_websocket.ts
async function connectWebSocket(options) {
  const plan = clientPlanOf(options);
  const url = String(options.url);
  if (!/^wss?:\/\//i.test(url))
    throw new TypeError(`Cannot connect to ${url}: the URL must be ws:// or wss://`);
  const maxFrameSize = plan.framing.maxFrameSize;
  const limit = options.readAheadLimit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new RangeError(`Cannot use readAheadLimit ${String(limit)}: must be a whole number of bytes`);
  }
  const link = {
    url,
    messageBytes: Math.min(maxFrameSize, STREAM_MESSAGE_BYTES),
    readAheadLimit: limit ?? Math.max(1048576, 2 * maxFrameSize),
    openTimeoutMs: plan.heartbeat === undefined ? undefined : plan.heartbeat.timeout * 1000
  };
  return await openClient(plan, url, (signal) => dialWebSocket({ ...link, signal }));
}
export {
  CLOSE_REASONS,
  ConnectTimeoutError,
  connectWebSocket
};
