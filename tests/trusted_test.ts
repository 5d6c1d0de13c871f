import assert from "node:assert/strict";
import fc from "fast-check";
import { parseCidr, TrustedSources, within } from "../src/core/server/proxy/trusted.ts";
import { formatIPv6, maskWords } from "../src/core/server/proxy/ip_text.ts";
import { test } from "./_harness.ts";

const quad = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
const words = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 });
const dotted = (q: number[]) => q.join(".");
/** The eight words, each in full four hex digits, in a random case: the longest text of one address. */
const fullForm = (w: number[], upper: boolean) =>
  w.map((word) => word.toString(16).padStart(4, "0")).join(":")[upper ? "toUpperCase" : "toLowerCase"]();

test("parseCidr reads addresses and blocks, IPv4 in its mapped form", () => {
  assert.deepEqual(parseCidr("127.0.0.1"), { words: [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1], bits: 128 });
  assert.deepEqual(parseCidr("10.0.0.0/8"), { words: [0, 0, 0, 0, 0, 0xffff, 0x0a00, 0], bits: 104 });
  assert.deepEqual(parseCidr("0.0.0.0/0"), { words: [0, 0, 0, 0, 0, 0xffff, 0, 0], bits: 96 });
  assert.deepEqual(parseCidr("::1"), { words: [0, 0, 0, 0, 0, 0, 0, 1], bits: 128 });
  assert.deepEqual(parseCidr("fd00::/8"), { words: [0xfd00, 0, 0, 0, 0, 0, 0, 0], bits: 8 });
  assert.deepEqual(parseCidr("2001:DB8::/32"), { words: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], bits: 32 });
  assert.deepEqual(parseCidr("::ffff:10.0.0.0/104"), parseCidr("10.0.0.0/8"));
  assert.deepEqual(parseCidr("::/0"), { words: [0, 0, 0, 0, 0, 0, 0, 0], bits: 0 });
});

test("parseCidr refuses a malformed entry with a TypeError that names it", () => {
  const cases: Array<[string, string]> = [
    ["", "not an IPv4 address"],
    ["10.0.0.0/", "the prefix must be a whole number from 0 to 32"],
    ["10.0.0.0/33", "the prefix must be a whole number from 0 to 32"],
    ["10.0.0.0/08", "the prefix must be a whole number from 0 to 32"],
    ["10.0.0.0/-1", "the prefix must be a whole number from 0 to 32"],
    ["10.0.0.0/8/8", "the prefix must be a whole number from 0 to 32"],
    ["fd00::/129", "the prefix must be a whole number from 0 to 128"],
    ["fd00::/ 8", "the prefix must be a whole number from 0 to 128"],
    ["10.0.0", "not an IPv4 address"],
    ["10.0.0.256", "not an IPv4 address"],
    ["010.0.0.1", "not an IPv4 address"],
    ["localhost", "not an IPv4 address"],
    [" 10.0.0.1", "not an IPv4 address"],
    ["fd00:::1", "not an IPv6 address"],
    ["1:2:3:4:5:6:7:8:9", "not an IPv6 address"],
    ["fe80::1%eth0", "a zone id names an interface, not a source"],
    ["10.0.0.1/8", "bits are set past the /8 prefix (the block is 10.0.0.0/8)"],
    ["10.1.0.0/8", "bits are set past the /8 prefix (the block is 10.0.0.0/8)"],
    ["fd12:3456::/8", "bits are set past the /8 prefix (the block is fd00::/8)"],
  ];
  for (const [entry, why] of cases) {
    assert.throws(() => parseCidr(entry), {
      name: "TypeError",
      message: `Cannot trust proxy source ${JSON.stringify(entry)}: ${why}`,
    }, entry);
  }
  assert.throws(() => parseCidr(7 as unknown as string), {
    name: "TypeError",
    message: "Cannot trust proxy source 7: not a string",
  });
});

test("parseCidr on any text: a block, or a TypeError naming the text (property)", () => {
  const pieces = fc.constantFrom("1", "0", "255", "256", ".", ":", "::", "/", "8", "ffff", "g", "%", " ", "-", "01");
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.array(pieces, { maxLength: 12 }).map((p) => p.join(""))), (entry) => {
      try {
        const block = parseCidr(entry);
        assert.ok(block.bits >= 0 && block.bits <= 128);
      } catch (error) {
        assert.ok(error instanceof TypeError);
        assert.ok(error.message.startsWith(`Cannot trust proxy source ${JSON.stringify(entry)}: `), error.message);
      }
    }),
    { numRuns: 2000 },
  );
});

test("TrustedSources: every IPv4 address of a block is trusted, plain or mapped, and none outside it (property)", () => {
  fc.assert(
    fc.property(quad, quad, fc.nat(32), (base, other, prefix) => {
      const w = [0, 0, 0, 0, 0, 0xffff, (base[0] << 8) | base[1], (base[2] << 8) | base[3]];
      const first = maskWords(w, 96 + prefix);
      const block = `${first[6]! >> 8}.${first[6]! & 0xff}.${first[7]! >> 8}.${first[7]! & 0xff}/${prefix}`;
      const trusted = new TrustedSources([block]);
      assert.ok(trusted.has(dotted(base)), `${dotted(base)} in ${block}`);
      assert.ok(trusted.has(`::ffff:${dotted(base)}`));
      const o = [0, 0, 0, 0, 0, 0xffff, (other[0] << 8) | other[1], (other[2] << 8) | other[3]];
      const inside = maskWords(o, 96 + prefix).every((word, i) => word === first[i]);
      assert.equal(trusted.has(dotted(other)), inside, `${dotted(other)} against ${block}`);
      // An IPv4 block never covers an IPv6 address that is not mapped.
      assert.ok(!trusted.has("2001:db8::1"));
    }),
    { numRuns: 1000 },
  );
});

test("TrustedSources: every IPv6 address of a block is trusted in any form, with a zone id too (property)", () => {
  fc.assert(
    fc.property(words, words, fc.nat(128), fc.boolean(), (address, other, prefix, upper) => {
      const first = maskWords(address, prefix);
      const trusted = new TrustedSources([`${formatIPv6(first)}/${prefix}`]);
      assert.ok(trusted.has(formatIPv6(address)));
      assert.ok(trusted.has(fullForm(address, upper)));
      assert.ok(trusted.has(`${formatIPv6(address)}%eth0`));
      const inside = maskWords(other, prefix).every((word, i) => word === first[i]);
      assert.equal(trusted.has(formatIPv6(other)), inside);
      assert.equal(within(other, parseCidr(`${formatIPv6(first)}/${prefix}`)), inside);
    }),
    { numRuns: 1000 },
  );
});

test("TrustedSources: a list trusts what any entry covers, and never a name that is not an address", () => {
  const trusted = new TrustedSources(["10.0.0.0/8", "127.0.0.1", "::1", "fd00::/8"]);
  for (const yes of ["10.0.0.0", "10.255.255.255", "::ffff:10.9.8.7", "127.0.0.1", "::1", "fd00::1", "fdff:ffff::9"]) {
    assert.ok(trusted.has(yes), yes);
  }
  for (const no of ["11.0.0.1", "127.0.0.2", "::2", "fc00::1", "fe00::1", "::ffff:127.0.0.2", "", "memory", "/tmp/s"]) {
    assert.ok(!trusted.has(no), no);
  }
  assert.throws(() => new TrustedSources([]), { name: "TypeError", message: /^Cannot use proxyProtocol\.trusted: / });
  assert.throws(() => new TrustedSources("10.0.0.0/8" as unknown as string[]), {
    name: "TypeError",
    message: /^Cannot use proxyProtocol\.trusted: /,
  });
});
