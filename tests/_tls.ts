/**
 * Test certificates, made once per test file with openssl in a temp folder: a
 * CA, a server certificate it signed for 127.0.0.1 and localhost, and a second
 * CA that signed nothing here (a client trusting only that one must refuse the
 * server). Keys are P-256, valid for two days.
 *
 * @module
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProgram } from "./_child.ts";

/** PEM text of everything the TLS tests use. */
export interface TestCertificates {
  /** The CA that signed the server's certificate. */
  ca: string;
  /** A CA that signed nothing the server holds. */
  otherCa: string;
  /** The server's certificate, for 127.0.0.1 and localhost. */
  cert: string;
  /** The server's private key. */
  key: string;
}

const SERVER_EXTENSIONS = [
  "subjectAltName=IP:127.0.0.1,DNS:localhost",
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature",
  "extendedKeyUsage=serverAuth",
].join("\n");

async function openssl(dir: string, args: string[]): Promise<void> {
  const ran = await runProgram("openssl", args.map((arg) => arg.replace("@", `${dir}/`)));
  if (ran.code !== 0) throw new Error(`openssl ${args[0]} failed (${ran.code}): ${ran.stderr}`);
}

const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(dir, [
    "req",
    "-x509",
    ...newKey,
    "-keyout",
    `@${name}.key`,
    "-out",
    `@${name}.pem`,
    "-days",
    "2",
    "-subj",
    `/CN=spawnkit test ${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

async function make(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), "spawnkit-tls-"));
  try {
    await makeCa(dir, "ca");
    await makeCa(dir, "other");
    await openssl(dir, ["req", ...newKey, "-keyout", "@server.key", "-out", "@server.csr", "-subj", "/CN=localhost"]);
    await writeFile(join(dir, "server.ext"), SERVER_EXTENSIONS);
    await openssl(dir, [
      "x509",
      "-req",
      "-in",
      "@server.csr",
      "-CA",
      "@ca.pem",
      "-CAkey",
      "@ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      "@server.ext",
      "-out",
      "@server.pem",
    ]);
    const read = (name: string) => readFile(join(dir, name), "utf8");
    return {
      ca: await read("ca.pem"),
      otherCa: await read("other.pem"),
      cert: await read("server.pem"),
      key: await read("server.key"),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let made: Promise<TestCertificates> | undefined;

/** The test certificates, made on first use. */
export function testCertificates(): Promise<TestCertificates> {
  made ??= make();
  return made;
}
