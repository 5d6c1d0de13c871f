import assert from "node:assert/strict";
import fc from "fast-check";
import { addressKeyOf } from "../src/core/server/address_key.ts";
import { Registry } from "../src/core/server/registry.ts";
import { test } from "./_harness.ts";
import { framedConnection } from "./_memory.ts";

test("addressKeyOf: IPv4 is one address by default, IPv4-mapped IPv6 is the same address", () => {
  const key = addressKeyOf();
  assert.equal(key("203.0.113.7"), "203.0.113.7");
  assert.equal(key("::ffff:203.0.113.7"), "203.0.113.7");
  assert.equal(key("::FFFF:cb00:7107"), "203.0.113.7");
  assert.equal(key("0:0:0:0:0:ffff:203.0.113.7"), "203.0.113.7");
  assert.notEqual(key("203.0.113.7"), key("203.0.113.8"));
});

test("addressKeyOf: IPv6 shares a /64 by default, whatever the form of the text", () => {
  const key = addressKeyOf();
  const forms = [
    "2001:db8:0:1::1",
    "2001:db8:0:1:ffff:ffff:ffff:ffff",
    "2001:0db8:0000:0001:0000:0000:0000:0001",
    "2001:DB8:0:1:AAAA:BBBB:CCCC:DDDD",
    "2001:db8:0:1::1%eth0",
    "2001:db8:0:1::1%25",
    "2001:db8:0:1:0:0:1.2.3.4",
  ];
  for (const form of forms) assert.equal(key(form), "2001:db8:0:1::/64", form);
  assert.equal(key("2001:db8:0:2::1"), "2001:db8:0:2::/64");
  assert.equal(key("::1"), "::/64");
  assert.equal(key("fe80::1%lo"), "fe80::/64");
});

test("addressKeyOf: the prefixes are the option's, and out of range is a RangeError", () => {
  assert.equal(addressKeyOf({ ipv6: 128 })("2001:0db8::0001"), "2001:db8::1");
  assert.equal(addressKeyOf({ ipv6: 48 })("2001:db8:aa:bb::1"), "2001:db8:aa::/48");
  assert.equal(addressKeyOf({ ipv6: 1 })("ffff::1"), "8000::/1");
  assert.equal(addressKeyOf({ ipv4: 24 })("203.0.113.7"), "203.0.113.0/24");
  assert.equal(addressKeyOf({ ipv4: 24 })("::ffff:203.0.113.99"), "203.0.113.0/24");
  assert.equal(addressKeyOf({ ipv4: 1 })("203.0.113.7"), "128.0.0.0/1");
  for (
    const [option, value, max] of [["ipv4", 0, 32], ["ipv4", 33, 32], ["ipv6", 0, 128], ["ipv6", 64.5, 128]] as const
  ) {
    assert.throws(() => addressKeyOf({ [option]: value }), {
      name: "RangeError",
      message: `Cannot use addressPrefix.${option} ${value}: must be a whole number from 1 to ${max}`,
    });
  }
  assert.throws(() => addressKeyOf({ ipv6: Number.NaN }), { name: "RangeError", message: /addressPrefix\.ipv6 NaN/ });
  assert.throws(() => addressKeyOf("64" as never), {
    name: "TypeError",
    message: "Cannot use addressPrefix 64: must be an object such as { ipv6: 64 }",
  });
});

test("addressKeyOf: a name that is not an IP address is its own key", () => {
  const key = addressKeyOf({ ipv4: 8 });
  for (const name of ["memory", "/tmp/socket", "", "1.2.3", "2001:db8:::1"]) assert.equal(key(name), name);
});

test("addressKeyOf: two IPv6 addresses share a key exactly when their first bits agree (property)", () => {
  const words = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 });
  const text = (w: number[]) => w.map((n) => n.toString(16)).join(":");
  fc.assert(
    fc.property(words, words, fc.integer({ min: 1, max: 128 }), (a, b, prefix) => {
      // Not IPv4-mapped: those are keyed as IPv4.
      fc.pre(!(a.slice(0, 5).every((n) => n === 0) && a[5] === 0xffff));
      fc.pre(!(b.slice(0, 5).every((n) => n === 0) && b[5] === 0xffff));
      const key = addressKeyOf({ ipv6: prefix });
      const big = (w: number[]) => w.reduce((n, word) => (n << 16n) | BigInt(word), 0n) >> BigInt(128 - prefix);
      assert.equal(key(text(a)) === key(text(b)), big(a) === big(b));
    }),
    { numRuns: 1000 },
  );
});

test("Registry with a key: addresses of one /64 share the per-address count, and leave it one by one", async () => {
  const registry = new Registry(Infinity, 2, addressKeyOf());
  const open = async (id: number, hostname: string) => {
    const made = await framedConnection(id, { onEnd: (conn, stats) => registry.remove(conn, stats) }, { hostname });
    registry.add(made.conn);
    return made.conn;
  };
  assert.equal(registry.refusal("2001:db8::1"), undefined);
  const a = await open(1, "2001:db8::1");
  await open(2, "2001:db8::ffff:2");
  assert.equal(registry.refusal("2001:db8::3"), "max-connections-per-address");
  assert.equal(registry.refusal("2001:0db8:0000:0000:abcd::3"), "max-connections-per-address", "the full form");
  assert.equal(registry.refusal("2001:db8:0:1::3"), undefined, "another /64");
  a.close();
  await a.finished;
  assert.equal(registry.refusal("2001:0db8::7"), undefined, "an ended connection frees its /64's slot");
  await open(3, "2001:db8::1%eth0");
  assert.equal(registry.refusal("2001:db8::9"), "max-connections-per-address");
  assert.deepEqual(registry.stats().refused, { "max-connections-per-address": 3 });
});
