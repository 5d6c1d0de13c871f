/**
 * The path of an HTTP request's target, read without `new URL()`: a target
 * such as `//` or `http://` makes the URL parser throw, and a request is a
 * peer's bytes. Origin form (`/metrics?x`) and absolute form
 * (`http://host/metrics`, which RFC 9112 §3.2.2 says a server must accept)
 * give their path; anything else is a bad request.
 *
 * @module
 */

/** The longest request target read, in bytes (UTF-16 units); a longer one is a 414. */
export const MAX_TARGET_LENGTH = 2048;

/** The path of a request target, or the status that refuses it: 400 (malformed) or 414 (too long). */
export type TargetPath = { path: string } | { status: 400 | 414; problem: string };

// A percent sign not followed by two hex digits (RFC 3986 §2.1).
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
// Control characters, space and DEL never belong in a target (RFC 3986 §2; RFC 9112 §3.2).
// deno-lint-ignore no-control-regex
const FORBIDDEN = /[\x00-\x20\x7f]/;
const ABSOLUTE = /^https?:\/\/[^/?#]*/i;

/**
 * Reads the path of `target` (what node:http gives as `req.url`): the part
 * before `?` or `#`, compared byte for byte with the served path (no decoding,
 * so `/%6Detrics` is not `/metrics`).
 *
 * @example Origin form, absolute form, and what is refused
 * ```ts
 * import assert from "node:assert/strict";
 * import { targetPath } from "./_request_target.ts";
 * assert.deepEqual(targetPath("/metrics?name[]=x"), { path: "/metrics" });
 * assert.deepEqual(targetPath("http://host:9464/metrics"), { path: "/metrics" });
 * assert.deepEqual(targetPath("//"), { path: "//" });
 * const status = (target: string) => (targetPath(target) as { status?: number }).status;
 * assert.equal(status("/%zz"), 400);
 * assert.equal(status("*"), 400);
 * assert.equal(status("/" + "a".repeat(70_000)), 414);
 * ```
 */
export function targetPath(target: string | undefined): TargetPath {
  if (typeof target !== "string" || target.length === 0) return { status: 400, problem: "no request target" };
  if (target.length > MAX_TARGET_LENGTH) {
    return { status: 414, problem: `a request target of ${target.length} bytes (limit ${MAX_TARGET_LENGTH})` };
  }
  if (FORBIDDEN.test(target)) return { status: 400, problem: "a control character in the request target" };
  const absolute = ABSOLUTE.exec(target);
  const rest = absolute === null ? target : target.slice(absolute[0].length) || "/";
  if (!rest.startsWith("/")) return { status: 400, problem: "a request target that is not a path" };
  const end = rest.search(/[?#]/);
  const path = end === -1 ? rest : rest.slice(0, end);
  if (BAD_ESCAPE.test(path)) return { status: 400, problem: "a bad percent-escape in the path" };
  return { path };
}
