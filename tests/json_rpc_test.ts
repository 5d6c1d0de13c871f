/**
 * Property tests of the JSON-RPC messages (fast-check): random values never crash
 * the validators or the JSON codec, and over a real socket every frame the
 * server answers is a valid Response object (or a batch of them), exactly as
 * many as the specification asks for.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { jsonCodec, requestProblem, responseProblem, route, RpcError } from "../src/edges/rpc/rpc.ts";
import { test } from "./_harness.ts";
import { rawPeer, rpcServer } from "./_rpc_fixtures.ts";

const MAX_BATCH = 8;

/** Nesting depth of a JSON value: 0 for a scalar, 1 for a flat array or object. */
function depthOf(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce((max: number, child) => Math.max(max, depthOf(child)), 0);
}

const own = (value: object, key: string) => Object.prototype.hasOwnProperty.call(value, key);
const isPlainObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);

/** The specification, written out again as plainly as it reads: is `value` a valid Request or Notification? */
function isValidRequest(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  const v = value as Record<string, unknown>;
  const structured = (p: unknown) => Array.isArray(p) || isPlainObject(p);
  const validId = (id: unknown) => typeof id === "string" || typeof id === "number" || id === null;
  return v.jsonrpc === "2.0" && typeof v.method === "string" && (!own(v, "params") || structured(v.params)) &&
    (!own(v, "id") || validId(v.id));
}

const isNotification = (value: unknown) => isValidRequest(value) && !own(value as object, "id");

/** How many Response objects the specification asks for, and whether they come as an array. */
function expectedAnswers(message: unknown): { count: number; array: boolean } {
  if (!Array.isArray(message)) return { count: isNotification(message) ? 0 : 1, array: false };
  if (message.length === 0 || message.length > MAX_BATCH) return { count: 1, array: false };
  const count = message.filter((item) => !isNotification(item)).length;
  return { count, array: count > 0 };
}

/** Something shaped like a request, with every member sometimes missing and sometimes of a wrong type. */
const requestLike = fc.record({
  jsonrpc: fc.oneof(fc.constant("2.0"), fc.constant("1.0"), fc.jsonValue()),
  method: fc.oneof(fc.constantFrom("echo", "fail", "crash", "checked", "missing", "toString", "rpc.x"), fc.jsonValue()),
  params: fc.oneof(
    fc.array(fc.jsonValue(), { maxLength: 3 }),
    fc.dictionary(fc.string(), fc.jsonValue()),
    fc.jsonValue(),
  ),
  id: fc.oneof(
    fc.integer(),
    fc.string(),
    fc.constant(null),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.jsonValue(),
  ),
}, { requiredKeys: [] });

const message = fc.oneof(
  { weight: 3, arbitrary: requestLike },
  { weight: 2, arbitrary: fc.array(fc.oneof(requestLike, fc.jsonValue()), { maxLength: MAX_BATCH + 2 }) },
  { weight: 1, arbitrary: fc.jsonValue() },
);

test("requestProblem and responseProblem never throw, and requestProblem agrees with the specification", () => {
  fc.assert(
    fc.property(fc.oneof(fc.anything(), requestLike), (value) => {
      const problem = requestProblem(value);
      assert.equal(problem === undefined, isValidRequest(value), JSON.stringify(value));
      const answer = responseProblem(value);
      assert.ok(answer === undefined || typeof answer === "string");
    }),
    { numRuns: 2000 },
  );
});

test("jsonCodec writes JSON text and reads it back, literally", () => {
  const text = (s: string) => new TextEncoder().encode(s);
  assert.deepEqual(
    [...jsonCodec.encode({ jsonrpc: "2.0", method: "sum", params: [1, 2], id: 1 })],
    [...text('{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":1}')],
  );
  assert.deepEqual(jsonCodec.decode(text('[{"a":[1,"]]]"]}]'), 3), [{ a: [1, "]]]"] }]);
  assert.deepEqual(jsonCodec.decode(text('"[[[[["'), 1), "[[[[[");
  assert.throws(() => jsonCodec.decode(text('[{"a":[1]}]'), 2), {
    name: "RangeError",
    message: "Cannot decode JSON: nested deeper than 2",
  });
  assert.throws(() => jsonCodec.decode(Uint8Array.of(0x22, 0xff, 0x22), 4), { name: "TypeError" });
  assert.throws(() => jsonCodec.decode(text("{oops"), 4), { name: "SyntaxError" });
});

test("jsonCodec decodes what it encodes, with a depth bound that is exact", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      // The platform's JSON is the oracle: the codec's bytes are its text, in UTF-8.
      const json = JSON.stringify(value);
      const frame = jsonCodec.encode(value);
      assert.deepEqual([...frame], [...new TextEncoder().encode(json)]);
      const depth = depthOf(JSON.parse(json));
      assert.deepEqual(jsonCodec.decode(frame, Math.max(depth, 1)), JSON.parse(json));
      if (depth > 1) {
        assert.throws(() => jsonCodec.decode(frame, depth - 1), {
          name: "RangeError",
          message: `Cannot decode JSON: nested deeper than ${depth - 1}`,
        });
      }
    }),
    { numRuns: 1000 },
  );
});

/** How deep `[` and `{` nest outside strings, as the bytes say, well-formed or not (the bound is checked first). */
function bracketDepth(bytes: Uint8Array): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = String.fromCharCode(bytes[i]!);
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "[" || c === "{") deepest = Math.max(deepest, ++depth);
    else if (c === "]" || c === "}") depth--;
  }
  return deepest;
}

/** What the platform says of `bytes`: its UTF-8 decoder's error, JSON.parse's error, or the value. */
function platformOutcome(bytes: Uint8Array): { error: Error } | { value: unknown } {
  try {
    return { value: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) };
  } catch (error) {
    return { error: error as Error };
  }
}

test("jsonCodec's decode of random bytes: the nesting error, else exactly the platform's UTF-8 or JSON outcome", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        fc.string().map((s) => new TextEncoder().encode(s)),
        fc.array(fc.constantFrom("[", "]", "{", "}", '"', "\\", ",", ":", "1", "a"), { maxLength: 24 })
          .map((parts) => new TextEncoder().encode(parts.join(""))),
      ),
      (bytes) => {
        const expected: { error: Error } | { value: unknown } = bracketDepth(bytes) > 4
          ? { error: new RangeError("Cannot decode JSON: nested deeper than 4") }
          : platformOutcome(bytes);
        let actual: { error: Error } | { value: unknown };
        try {
          actual = { value: jsonCodec.decode(bytes, 4) };
        } catch (error) {
          actual = { error: error as Error };
        }
        if ("value" in expected) return assert.deepEqual(actual, expected);
        assert.ok("error" in actual, `no error for ${JSON.stringify([...bytes])}`);
        assert.equal(actual.error.name, expected.error.name);
        assert.equal(actual.error.message, expected.error.message);
      },
    ),
    { numRuns: 1000 },
  );
});

test("rpcHandler answers every random frame with valid Response objects, as many as the specification asks", async () => {
  const { server } = await rpcServer({
    echo: (params) => params ?? "no params",
    fail: () => {
      throw new RpcError(7, "fails", { data: [1] });
    },
    crash: () => {
      throw new Error("crash");
    },
    checked: route((p): p is unknown[] => Array.isArray(p), (p) => p.length),
  }, { maxBatchSize: MAX_BATCH });
  const peer = await rawPeer(server);
  let barrier = 0;
  await fc.assert(
    fc.asyncProperty(message, async (value) => {
      await peer.send(value);
      // A request after it: its answer ends what the random frame got (every method here settles at once).
      const id = `barrier-${barrier++}`;
      await peer.send({ jsonrpc: "2.0", method: "echo", params: [id], id });
      const frames: unknown[] = [];
      while (true) {
        const frame = await peer.next();
        if (isPlainObject(frame) && (frame as { id?: unknown }).id === id) break;
        frames.push(frame);
      }
      // What was sent, as JSON sends it (undefined members dropped), from the platform's JSON, not the codec.
      const expected = expectedAnswers(JSON.parse(JSON.stringify(value)));
      if (expected.count === 0) return assert.deepEqual(frames, []);
      assert.equal(frames.length, 1, `one frame for ${JSON.stringify(value)}`);
      const [frame] = frames;
      assert.equal(Array.isArray(frame), expected.array);
      const answers = Array.isArray(frame) ? frame : [frame];
      assert.equal(answers.length, expected.count);
      for (const answer of answers) assert.equal(responseProblem(answer), undefined, JSON.stringify(answer));
    }),
    { numRuns: 400 },
  );
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "echo", id: 0 }), {
    jsonrpc: "2.0",
    id: 0,
    result: "no params",
  });
  assert.equal(server.stats.closedByReason["handler-error"], undefined);
  peer.close();
  await server.shutdown();
});
