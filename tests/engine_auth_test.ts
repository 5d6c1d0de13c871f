/**
 * The engines' own authentication and TLS reach them: a real nats-server
 * with --user/--pass, with --auth (a token) and with TLS; a real
 * redis-server with requirepass, with an ACL user (ACL SETUSER) and with
 * TLS (--tls-port). Credentials from the URL and from options; wrong ones
 * refused with a message that names the engine without them; and no log
 * line ever holds a password, through an outage and back.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { EngineBus } from "../src/_internal.ts";
import { connectNatsBus, type NatsBusOptions } from "../src/edges/nats/nats.ts";
import { connectRedisBus, type RedisBusOptions } from "../src/edges/redis/redis.ts";
import { type EngineKind, engineMissing, startEngine } from "./_engines.ts";
import { skip, test } from "./_harness.ts";
import { testCertificates } from "./_tls.ts";
import { isDeno } from "../src/transport/select.ts";
import { recordingLogger, text, until } from "./_fixtures.ts";

const SECRET = "s3cret/@:pass";
const ENCODED = encodeURIComponent(SECRET);
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Two buses on one engine: a message published on one reaches the other. */
async function crosses(connect: () => Promise<EngineBus>): Promise<void> {
  const [a, b] = [await connect(), await connect()];
  try {
    const got: Uint8Array[] = [];
    b.subscribe("spawnkit.auth", (payload) => got.push(Uint8Array.from(payload)));
    await b.flush();
    assert.equal(a.publish("spawnkit.auth", text("hi")), true);
    await until(() => got.length === 1, "the message to cross");
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/**
 * On Deno, a NATS connection the server refuses sometimes ends in an uncaught ECONNRESET from the client's socket (the
 * client removes its listeners and destroys the socket; Deno's node:net still emits the reset): a few times in a
 * hundred, measured with the client alone, on no other runtime. Those checks run on Node and Bun.
 */
const natsRefusals = !isDeno();

/** Connecting is refused, with a message that does not hold the secret. */
async function refused(connect: () => Promise<EngineBus>, pattern: RegExp): Promise<void> {
  await assert.rejects(connect(), (error: Error) => {
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes(SECRET) && !error.message.includes(ENCODED), error.message);
    return true;
  });
}

/** Files of the test certificates, for the engines' command lines. */
async function certificateFiles(): Promise<{ dir: string; ca: string; cert: string; key: string }> {
  const certs = await testCertificates();
  const dir = await mkdtemp(join(tmpdir(), "spawnkit-engine-tls-"));
  const file = async (name: string, pem: string) => {
    await writeFile(join(dir, name), pem);
    return join(dir, name);
  };
  return {
    dir,
    ca: await file("ca.pem", certs.ca),
    cert: await file("cert.pem", certs.cert),
    key: await file("key.pem", certs.key),
  };
}

function engineTest(kind: EngineKind, name: string, body: () => Promise<void>): void {
  const missing = engineMissing(kind);
  if (missing === undefined) test(name, body);
  else skip(name, missing);
}

const nats = (options: Omit<NatsBusOptions, "servers">, servers: string) =>
  connectNatsBus({ servers, logger: silent, ...options });
const redis = (options: Omit<RedisBusOptions, "url">, url: string) =>
  connectRedisBus({ url, logger: silent, reconnectWait: 0.1, ...options });

engineTest("nats", "connectNatsBus: a user and password reach nats-server, from the URL or as options", async () => {
  const engine = await startEngine("nats", ["--user", "spawn", "--pass", SECRET]);
  const at = `127.0.0.1:${engine.port}`;
  try {
    await crosses(() => nats({}, `nats://spawn:${ENCODED}@${at}`));
    await crosses(() => nats({ user: "spawn", pass: SECRET }, `nats://${at}`));
    if (natsRefusals) {
      await refused(() => nats({}, `nats://${at}`), /Cannot connect to NATS at nats:\/\/127.*Authorization/i);
      await refused(() => nats({}, `nats://spawn:wrong@${at}`), /nats:\/\/\*\*\*@127/);
    }
  } finally {
    await engine.stop();
  }
});

engineTest("nats", "connectNatsBus: a token reaches nats-server (--auth), from the URL or as an option", async () => {
  const engine = await startEngine("nats", ["--auth", "t0ken-of-spawn"]);
  const at = `127.0.0.1:${engine.port}`;
  try {
    await crosses(() => nats({}, `nats://t0ken-of-spawn@${at}`));
    await crosses(() => nats({ token: "t0ken-of-spawn" }, `nats://${at}`));
    if (natsRefusals) await refused(() => nats({ token: "wrong" }, `nats://${at}`), /Authorization/i);
  } finally {
    await engine.stop();
  }
});

engineTest(
  "nats",
  "connectNatsBus: TLS to nats-server with a private CA; a tls:// URL without it is refused",
  async () => {
    const files = await certificateFiles();
    const engine = await startEngine("nats", ["--tls", "--tlscert", files.cert, "--tlskey", files.key]);
    const at = `127.0.0.1:${engine.port}`;
    try {
      const { ca } = await testCertificates();
      await crosses(() => nats({ tls: { ca } }, `nats://${at}`));
      await crosses(() => nats({ tls: { caFile: files.ca } }, `tls://${at}`));
      await refused(() => nats({}, `tls://${at}`), /Cannot connect to NATS/);
    } finally {
      await engine.stop();
      await rm(files.dir, { recursive: true, force: true });
    }
  },
);

engineTest(
  "redis",
  "connectRedisBus: requirepass, from the URL or as an option; none or a wrong one refused",
  async () => {
    const engine = await startEngine("redis", ["--requirepass", SECRET]);
    const at = `127.0.0.1:${engine.port}`;
    try {
      await crosses(() => redis({}, `redis://:${ENCODED}@${at}`));
      await crosses(() => redis({ password: SECRET }, `redis://${at}`));
      await refused(() => redis({}, `redis://${at}`), /Cannot connect to Redis at redis:\/\/127.*NOAUTH/);
      await refused(() => redis({}, `redis://:wrong@${at}`), /redis:\/\/\*\*\*@127/);
    } finally {
      await engine.stop();
    }
  },
);

engineTest(
  "redis",
  "connectRedisBus: an ACL user (ACL SETUSER) from the URL or as options; its connections are its",
  async () => {
    const engine = await startEngine("redis");
    const admin = new Redis(engine.url);
    try {
      await admin.call("ACL", "SETUSER", "spawn", "on", `>${SECRET}`, "~*", "&*", "+@all");
      await admin.call("ACL", "SETUSER", "default", "off");
      await crosses(() => redis({}, `redis://spawn:${ENCODED}@127.0.0.1:${engine.port}`));
      const bus = await redis({ username: "spawn", password: SECRET }, `redis://127.0.0.1:${engine.port}`);
      const clients = String(await admin.auth("spawn", SECRET).then(() => admin.call("CLIENT", "LIST")));
      assert.match(clients, /name=spawnkit-pub .*user=spawn/);
      await bus.close();
      await refused(() => redis({}, `redis://spawn:wrong@127.0.0.1:${engine.port}`), /WRONGPASS/);
    } finally {
      admin.disconnect();
      await engine.stop();
    }
  },
);

engineTest(
  "redis",
  "connectRedisBus: rediss:// to redis-server's TLS port with a private CA; without it refused",
  async () => {
    const files = await certificateFiles();
    const engine = await startEngine("redis", (port) => [
      "--port",
      "0",
      "--tls-port",
      String(port),
      ...["--tls-cert-file", files.cert, "--tls-key-file", files.key, "--tls-ca-cert-file", files.ca],
      ...["--tls-auth-clients", "no"],
    ]);
    try {
      const { ca } = await testCertificates();
      await crosses(() => redis({ tls: { ca } }, `rediss://127.0.0.1:${engine.port}`));
      await refused(() => redis({}, `rediss://127.0.0.1:${engine.port}`), /Cannot connect to Redis/);
    } finally {
      await engine.stop();
      await rm(files.dir, { recursive: true, force: true });
    }
  },
);

for (const kind of ["nats", "redis"] as const) {
  engineTest(kind, `${kind}: no log line holds the password, through an outage and back`, async () => {
    const engine = await startEngine(
      kind,
      kind === "nats" ? ["--user", "spawn", "--pass", SECRET] : ["--requirepass", SECRET],
    );
    const logger = recordingLogger();
    const url = kind === "nats"
      ? `nats://spawn:${ENCODED}@127.0.0.1:${engine.port}`
      : `redis://:${ENCODED}@127.0.0.1:${engine.port}`;
    const bus = kind === "nats"
      ? await connectNatsBus({ servers: url, logger, reconnectWait: 0.1 })
      : await connectRedisBus({ url, logger, reconnectWait: 0.1 });
    try {
      await engine.kill();
      await until(() => !bus.stats.connected, "the outage seen");
      await engine.restart();
      await until(() => bus.stats.connected, "the engine back", 15_000);
      await until(() => logger.records.some((record) => /is back/.test(record.message)), "the line of its return");
      // Every line and every property, errors by message and cause.
      const logged = JSON.stringify(logger.records.map((record) => [
        record.message,
        ...Object.values(record.properties ?? {}).map((value) =>
          value instanceof Error ? `${value.message} ${String(value.cause)}` : String(value)
        ),
      ]));
      assert.match(logged, /\*\*\*@127\.0\.0\.1/, "the address, without its credentials");
      assert.ok(!logged.includes(SECRET) && !logged.includes(ENCODED) && !logged.includes("s3cret"), logged);
    } finally {
      await bus.close();
      await engine.stop();
    }
  });
}
