/**
 * Escaping of the text a log line carries, so that a peer's bytes (a room
 * name, a method name, a PROXY address, an error message quoting either)
 * cannot forge a line, move the cursor, recolour a terminal or reorder what an
 * operator reads.
 *
 * What is escaped, as JSON writes it: line feed, carriage return and tab as
 * `\n`, `\r`, `\t`; every other C0 control (U+0000 to U+001F, ESC included),
 * DEL (U+007F), every C1 control (U+0080 to U+009F, NEL U+0085 and CSI U+009B
 * included), the line and paragraph separators U+2028 and U+2029, and the
 * bidirectional controls (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to
 * U+2069) as `\u001b`-style escapes. A backslash stays as it is: an escaped
 * character and a peer's literal `\u001b` read the same, and neither can act.
 *
 * The kit applies it at the logger boundary: `escapingLogger()` (logger.ts)
 * wraps the logger a server, client or edge is given, and the kit's console
 * logger escapes what it prints, so every line is escaped whatever the site.
 *
 * @module
 */

// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// The same set without the line feed: a stack's frames stay on their own lines.
// deno-lint-ignore no-control-regex
const UNSAFE_BUT_NEWLINE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const SHORT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeOne(char: string): string {
  return SHORT[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * Returns `text` with every control character escaped (see the module's
 * list); text without one comes back as the same string, unchanged.
 *
 * @example A peer's room name with an ESC sequence and a line separator
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeControlCharacters } from "./log_escape.ts";
 * assert.equal(escapeControlCharacters("lobby\x1b[2J\u2028x\u0085"), "lobby\\u001b[2J\\u2028x\\u0085");
 * assert.equal(escapeControlCharacters("a\nb\tc"), "a\\nb\\tc");
 * assert.equal(escapeControlCharacters("plain text, ünïcode"), "plain text, ünïcode");
 * ```
 */
export function escapeControlCharacters(text: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text) ? text.replace(UNSAFE, escapeOne) : text;
}

function needsEscape(text: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text);
}

/** How deep values are walked (an error's causes, a property's fields): enough for the kit's own lines. */
const MAX_DEPTH = 4;

/**
 * Returns `value` with the strings it carries escaped: a string; an error's
 * message and stack (the stack's line breaks between frames kept), its
 * `cause` and other own fields, in a copy with the same prototype (so it is
 * still `instanceof` its class); the fields of a plain object or array. A
 * value with nothing to escape is returned as it is, not copied.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeLogValue } from "./log_escape.ts";
 * const error = escapeLogValue(new RangeError("Cannot use room \"\x1b[31m\"")) as RangeError;
 * assert.ok(error instanceof RangeError);
 * assert.equal(error.message, 'Cannot use room "\\u001b[31m"');
 * assert.ok(!error.stack!.includes("\x1b"));
 * ```
 */
export function escapeLogValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return escapeControlCharacters(value);
  if (typeof value !== "object" || value === null || depth >= MAX_DEPTH) return value;
  if (value instanceof Error) return escapeError(value, depth);
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length && i < 1000; i++) {
      const escaped = escapeLogValue(value[i], depth + 1);
      if (escaped !== value[i]) (copy ??= value.slice())[i] = escaped;
    }
    return copy ?? value;
  }
  if (proto !== Object.prototype && proto !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    const escaped = escapeLogValue(field, depth + 1);
    const safeKey = escapeControlCharacters(key);
    if (escaped !== field || safeKey !== key) {
      copy ??= { ...(value as Record<string, unknown>) };
      if (safeKey !== key) delete copy[key];
      copy[safeKey] = escaped;
    }
  }
  return copy ?? value;
}

function escapeError(error: Error, depth: number): Error {
  let message: string, stack: string | undefined;
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
  if (!needsEscape(message) && !unsafeStack && !unsafeFrames && cause === error.cause) return error;
  const copy = Object.create(Object.getPrototypeOf(error)) as Error;
  for (const key of Reflect.ownKeys(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, key)!;
    if ("value" in descriptor) descriptor.value = escapeLogValue(descriptor.value, depth + 1);
    Object.defineProperty(copy, key, descriptor);
  }
  const safeMessage = escapeControlCharacters(message);
  Object.defineProperty(copy, "message", { value: safeMessage, writable: true, configurable: true });
  if (stack !== undefined) {
    // The message's own line breaks are a peer's; the ones between frames are the runtime's.
    const head = stack.includes(message) ? stack.replace(message, () => safeMessage) : stack;
    UNSAFE_BUT_NEWLINE.lastIndex = 0;
    const safeStack = head.replace(UNSAFE_BUT_NEWLINE, escapeOne);
    Object.defineProperty(copy, "stack", { value: safeStack, writable: true, configurable: true });
  }
  if ("cause" in error) Object.defineProperty(copy, "cause", { value: cause, writable: true, configurable: true });
  return copy;
}
