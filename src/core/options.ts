/**
 * Every numeric and choice option of the kit in one table: its range, its
 * unit, and the one check that `serve()`, `connect()`, `shutdown()`, the CSV
 * server table and the example servers' flags all use. A value outside its
 * range is refused once, where it enters, with a `RangeError` that names the
 * option and the value (`NaN`, a negative, a fraction where an integer is
 * meant): no option can silently turn a bound off.
 *
 * @module
 */

/** The range of one numeric option. */
export interface NumberSpec {
  /** Whole numbers only. */
  readonly integer: boolean;
  /** The smallest value allowed. */
  readonly min: number;
  /** True when `min` itself is not allowed (a timeout of 0 seconds, say). */
  readonly minExclusive?: boolean;
  /** The largest value allowed. */
  readonly max: number;
  /** What the number counts, for messages: "bytes", "seconds". */
  readonly unit?: string;
}

const MAX = Number.MAX_SAFE_INTEGER;
/**
 * The longest wait of any seconds option: setTimeout and setInterval hold at most 2^31 - 1 milliseconds, and
 * a longer one fires after 1 ms (with a warning on stderr), so every seconds option is bounded
 * here, whether the kit arms it as a timer or counts it in ticks: one rule for all of them.
 */
export const MAX_TIMER_SECONDS = 2_147_483;
const count = (min: number, unit?: string): NumberSpec => ({ integer: true, min, max: MAX, unit });
const seconds: NumberSpec = { integer: false, min: 0, minExclusive: true, max: MAX_TIMER_SECONDS, unit: "seconds" };
const secondsOrZero: NumberSpec = { integer: false, min: 0, max: MAX_TIMER_SECONDS, unit: "seconds" };

/**
 * The name of a numeric option of `ServeOptions`, `ConnectOptions` (and its `reconnect`), `ShutdownOptions`,
 * `ClusterOptions`, `PortHubOptions`, the workers' `WorkersOptions` or the NATS and Redis buses' options.
 */
export type NumberOption =
  | "port"
  | "maxFrameSize"
  | "maxLineLength"
  | "highWaterMark"
  | "lowWaterMark"
  | "mailboxCapacity"
  | "idleTimeout"
  | "firstFrameTimeout"
  | "proxyHeaderTimeout"
  | "tlsHandshakeTimeout"
  | "maxBytesPerSecond"
  | "maxFramesPerSecond"
  | "maxConnections"
  | "maxConnectionsPerAddress"
  | "tickInterval"
  | "closeTimeout"
  | "sendTimeout"
  | "timeout"
  | "quietPeriod"
  | "node"
  | "reportInterval"
  | "expireAfter"
  | "maxPendingBytes"
  | "workers"
  | "maxRestarts"
  | "restartPeriod"
  | "restartBackoff"
  | "baseDelay"
  | "maxDelay"
  | "maxRetries"
  | "maxWaitingBytes"
  | "maxPendingSendBytes"
  | "maxRoomsPerConnection"
  | "maxRoomNameLength"
  | "maxMessageSize"
  | "reconnectWait"
  | "connectTimeout"
  | "pingInterval"
  | "authTimeout"
  | "maxSessionsPerIdentity"
  | "heartbeatInterval"
  | "heartbeatTimeout"
  | "keepAlive"
  | "resumeWindow"
  | "maxResumeBytes";

/** The numeric options, by their name in the options that {@linkcode NumberOption} lists. */
export const NUMBER_OPTIONS: Readonly<Record<NumberOption, NumberSpec>> = {
  port: { integer: true, min: 0, max: 65535 },
  // A 4-byte header holds at most 0xFFFFFFFF.
  maxFrameSize: { integer: true, min: 0, max: 0xffff_ffff, unit: "bytes" },
  maxLineLength: { integer: true, min: 0, max: 0xffff_ffff, unit: "bytes" },
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
  // 0 turns it off.
  sendTimeout: secondsOrZero,
  timeout: secondsOrZero,
  quietPeriod: secondsOrZero,
  // A connection id is node * 10^10 + n: the largest node keeps every id a safe integer.
  node: { integer: true, min: 0, max: 900_718 },
  reportInterval: seconds,
  expireAfter: seconds,
  maxPendingBytes: count(0, "bytes"),
  // 0: one per core.
  workers: { integer: true, min: 0, max: 1024 },
  maxRestarts: count(0, "restarts"),
  restartPeriod: seconds,
  restartBackoff: secondsOrZero,
  // The reconnecting client's back-off (ReconnectOptions): a delay of 0 would retry a dead server in a tight loop.
  baseDelay: seconds,
  maxDelay: seconds,
  maxRetries: count(0, "attempts"),
  maxWaitingBytes: count(0, "bytes"),
  maxPendingSendBytes: count(0, "bytes"),
  maxRoomsPerConnection: count(0, "rooms"),
  // A room's name goes into a topic (NATS subject, Redis channel) and into every room message.
  maxRoomNameLength: { integer: true, min: 1, max: 1024, unit: "bytes" },
  // The cluster's own messages need a few hundred bytes.
  maxMessageSize: { integer: true, min: 1024, max: 64 * 1024 * 1024, unit: "bytes" },
  reconnectWait: seconds,
  // connect(): the TCP connect and the TLS handshake of one dial.
  connectTimeout: seconds,
  pingInterval: seconds,
  // The session layer (sessions.md).
  authTimeout: seconds,
  maxSessionsPerIdentity: count(1, "connections"),
  heartbeatInterval: seconds,
  heartbeatTimeout: seconds,
  keepAlive: secondsOrZero,
  resumeWindow: secondsOrZero,
  maxResumeBytes: count(0, "bytes"),
};

/** The options that take one of a few values, and their values. */
export interface ChoiceOptions {
  packet: 4 | 2 | 1;
  rateLimitPolicy: "close" | "pause";
  slowConsumer: "disconnect" | "drop";
  whileDisconnected: "wait" | "fail";
}

/** The name of a choice option. */
export type ChoiceOption = keyof ChoiceOptions;

/** The values of each choice option; the first is the default. */
export const CHOICE_OPTIONS: { readonly [N in ChoiceOption]: readonly ChoiceOptions[N][] } = {
  packet: [4, 2, 1],
  rateLimitPolicy: ["close", "pause"],
  slowConsumer: ["disconnect", "drop"],
  whileDisconnected: ["wait", "fail"],
};

/** The default `maxFrameSize`: 256 KiB, the original's `{packet_size, 256 * 1024}`. */
export const DEFAULT_MAX_FRAME_SIZE = 262_144;

/** The default `highWaterMark` of a connection's outbox, in bytes. */
export const DEFAULT_HIGH_WATER_MARK = 65_536;

/** The default `maxRoomsPerConnection`. */
export const DEFAULT_MAX_ROOMS_PER_CONNECTION = 64;

/** The default `maxRoomNameLength`, in bytes of UTF-8. */
export const DEFAULT_MAX_ROOM_NAME_LENGTH = 128;

/** The default `mailboxCapacity`, in messages. */
export const DEFAULT_MAILBOX_CAPACITY = 1024;

/**
 * What a good value of `spec` is, in words: "an integer from 0 to 65535",
 * "a positive number of seconds".
 */
export function describeNumber(spec: NumberSpec): string {
  const what = spec.integer ? "integer" : "number";
  // "a positive number of seconds", "an integer from 0 to 4294967295 (bytes)".
  const unit = spec.unit === undefined ? "" : spec.integer ? ` (${spec.unit})` : ` of ${spec.unit}`;
  if (spec.max !== MAX && spec.min === 0 && (spec.minExclusive || !spec.integer)) {
    return `${spec.minExclusive ? "a positive" : "a non-negative"} ${what}${unit} up to ${spec.max}`;
  }
  if (spec.max === MAX) {
    if (spec.min === 0) return `${spec.minExclusive ? "a positive" : "a non-negative"} ${what}${unit}`;
    if (spec.min === 1 && spec.integer) return `a positive integer${unit}`;
    return `${what === "integer" ? "an" : "a"} ${what} of at least ${spec.min}${unit}`;
  }
  return `${what === "integer" ? "an" : "a"} ${what} from ${spec.min} to ${spec.max}${unit}`;
}

/** True when `value` is a number within `spec`. */
export function fitsNumber(value: unknown, spec: NumberSpec): value is number {
  return typeof value === "number" && Number.isFinite(value) && (!spec.integer || Number.isInteger(value)) &&
    (spec.minExclusive ? value > spec.min : value >= spec.min) && value <= spec.max;
}

/**
 * Checks a numeric option; undefined passes (the caller applies the default).
 *
 * @throws {RangeError} the value is not a number within the option's range.
 * @example A mailbox capacity of NaN is refused, naming the option
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkNumber } from "./options.ts";
 * assert.equal(checkNumber("mailboxCapacity", 16), 16);
 * assert.equal(checkNumber("mailboxCapacity", undefined), undefined);
 * assert.throws(() => checkNumber("mailboxCapacity", NaN), {
 *   name: "RangeError",
 *   message: "Cannot use mailboxCapacity NaN: must be a non-negative integer (messages)",
 * });
 * ```
 */
export function checkNumber(name: NumberOption, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const spec: NumberSpec = NUMBER_OPTIONS[name];
  if (!fitsNumber(value, spec)) {
    throw new RangeError(`Cannot use ${name} ${String(value)}: must be ${describeNumber(spec)}`);
  }
  return value;
}

/**
 * Checks a choice option and applies its default (the first choice).
 *
 * @throws {RangeError} a number not among the sizes allowed (`packet` 3).
 * @throws {TypeError} a value not among the words allowed (`slowConsumer: "ignore"`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkChoice } from "./options.ts";
 * assert.equal(checkChoice("slowConsumer", undefined), "disconnect");
 * assert.throws(() => checkChoice("slowConsumer", "ignore" as "drop"), TypeError);
 * ```
 */
export function checkChoice<N extends ChoiceOption>(name: N, value: ChoiceOptions[N] | undefined): ChoiceOptions[N] {
  const choices: readonly ChoiceOptions[N][] = CHOICE_OPTIONS[name];
  if (value === undefined) return choices[0]!;
  if (!choices.includes(value)) {
    const Refusal = typeof choices[0] === "number" ? RangeError : TypeError;
    throw new Refusal(`Cannot use ${name} ${JSON.stringify(value)}: must be one of ${choices.join(", ")}`);
  }
  return value;
}

/**
 * Reads a numeric option from text (a CSV cell, a command-line flag): the
 * digits of an integer, or a decimal number where fractions are allowed.
 * Returns undefined when the text is not a good value of the option; the
 * caller says where it came from, with {@linkcode describeNumber} for what
 * was expected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNumber } from "./options.ts";
 * assert.equal(parseNumber("port", "7000"), 7000);
 * assert.equal(parseNumber("port", "-1"), undefined);
 * assert.equal(parseNumber("idleTimeout", "0.5"), 0.5);
 * assert.equal(parseNumber("maxConnections", "1e3"), undefined);
 * ```
 */
export function parseNumber(name: NumberOption, text: string): number | undefined {
  const spec: NumberSpec = NUMBER_OPTIONS[name];
  const pattern = spec.integer ? /^-?\d+$/ : /^-?(\d+\.?\d*|\.\d+)$/;
  if (!pattern.test(text.trim())) return undefined;
  const value = Number(text);
  return fitsNumber(value, spec) ? value : undefined;
}
