/**
 * An engine for the cluster benches: Debian's nats-server or redis-server on a
 * free loopback port, stopped by its PID.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";

/** A running engine. */
export interface Engine {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts `kind` on a free loopback port. */
export async function startEngine(kind: "nats" | "redis"): Promise<Engine> {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const [program, args, ready] = kind === "nats"
    ? ["nats-server", ["-a", "127.0.0.1", "-p", String(port)], /Server is ready/]
    : [
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      /Ready to accept/,
    ];
  const child = spawn(program as string, args as string[], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Uint8Array) => {
      output += new TextDecoder().decode(chunk);
      if ((ready as RegExp).test(output)) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`${program} exited (${code}): ${output}`)));
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    url: `${kind}://127.0.0.1:${port}`,
    async stop() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}
