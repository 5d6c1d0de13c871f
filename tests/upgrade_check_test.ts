/**
 * checkUpgrade, the rules of a public WebSocket port, on its own.
 *
 * @module
 */
import assert from "node:assert/strict";
import { checkUpgrade, type UpgradeRules } from "../src/edges/websocket/upgrade_check.ts";
import { TrustedSources } from "../src/core/server/proxy/trusted.ts";
import { test } from "./_harness.ts";

const rules = (more: Partial<UpgradeRules> = {}): UpgradeRules => ({
  path: "/",
  origins: undefined,
  protocols: undefined,
  maxHeaderBytes: 8192,
  trusted: undefined,
  ...more,
});
const request = (headers: Record<string, string>, peer = "10.0.0.1", path = "/", headerBytes = 200) => ({
  path,
  header: (name: string) =>
    ({ "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", ...headers })[name] ?? null,
  headerBytes,
  peer: { hostname: peer, port: 4000 },
});
const statusOf = (verdict: ReturnType<typeof checkUpgrade>) => "status" in verdict ? verdict.status : 101;
const addressOf = (verdict: ReturnType<typeof checkUpgrade>) => "status" in verdict ? undefined : verdict.remoteAddr;

test("checkUpgrade refuses by header size, version, key, path, Origin and subprotocol, in that order", () => {
  assert.equal(statusOf(checkUpgrade(rules(), request({}, "10.0.0.1", "/", 9000))), 431);
  assert.equal(statusOf(checkUpgrade(rules(), request({ "sec-websocket-version": "8" }))), 426);
  assert.equal(statusOf(checkUpgrade(rules(), request({ "sec-websocket-key": "short" }))), 400);
  assert.equal(statusOf(checkUpgrade(rules(), request({}, "10.0.0.1", "/other"))), 404);
  const origins = new Set(["https://game.example"]);
  assert.equal(statusOf(checkUpgrade(rules({ origins }), request({ origin: "https://evil.example" }))), 403);
  assert.equal(statusOf(checkUpgrade(rules({ origins }), request({ origin: "https://game.example" }))), 101);
  const protocols = ["b", "a"];
  assert.equal(statusOf(checkUpgrade(rules({ protocols }), request({}))), 400);
  const chosen = checkUpgrade(rules({ protocols }), request({ "sec-websocket-protocol": "a, b" }));
  assert.equal("protocol" in chosen ? chosen.protocol : undefined, "b", "the server's order");
});

test("checkUpgrade reads X-Forwarded-For from the right, only from a trusted proxy, never a malformed hop", () => {
  const trusted = new TrustedSources(["10.0.0.0/8"]);
  const xff = (value: string, peer = "10.0.0.1") =>
    addressOf(checkUpgrade(rules({ trusted }), request({ "x-forwarded-for": value }, peer)));
  assert.deepEqual(xff("198.51.100.7, 203.0.113.9, 10.2.3.4"), { hostname: "203.0.113.9", port: 0 });
  assert.deepEqual(xff("203.0.113.9", "192.0.2.1"), { hostname: "192.0.2.1", port: 4000 }, "an untrusted peer");
  assert.deepEqual(xff("203.0.113.9, not-an-ip"), { hostname: "10.0.0.1", port: 4000 }, "a malformed hop");
  assert.deepEqual(xff("10.9.9.9, 10.2.3.4"), { hostname: "10.9.9.9", port: 0 }, "every hop trusted: the leftmost");
  const none = addressOf(checkUpgrade(rules(), request({ "x-forwarded-for": "203.0.113.9" })));
  assert.deepEqual(none, { hostname: "10.0.0.1", port: 4000 }, "no trusted proxies: never read");
});
