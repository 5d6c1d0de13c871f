/**
 * A silent link made by the kernel, not by a proxy: inside a network
 * namespace this test creates (root, `ip netns`, iptables), a DROP rule on the
 * namespace's own loopback swallows every packet of the server's port. The
 * heartbeat must find the link dead, the session must resume on a new
 * connection once the rule is gone, with every push, in order, once, and the
 * handler's state intact. The namespace is removed afterwards. Skipped, with
 * the reason, where the machine does not allow it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import process from "node:process";
import { skip, test } from "./_harness.ts";
import { runtimeArgs, spawnProgram } from "./_child.ts";

const NAME = "silent link through an iptables DROP in a network namespace: heartbeat, resume, nothing lost";

function run(program: string, args: string[]): void {
  execFileSync(program, args, { stdio: "ignore" });
}

/** Why this machine cannot run the test, or undefined when it can. */
function cannotRun(): string | undefined {
  if (process.platform !== "linux") return "network namespaces are Linux's";
  if (process.getuid?.() !== 0) return "creating a network namespace needs root";
  try {
    run("ip", ["-V"]);
  } catch {
    return "no `ip` (iproute2)";
  }
  try {
    run("iptables", ["--version"]);
  } catch {
    return "no `iptables`";
  }
  return undefined;
}

const reason = cannotRun();
if (reason !== undefined) skip(NAME, reason);
else {
  test(NAME, async () => {
    const ns = `spawnkit-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
    run("ip", ["netns", "add", ns]);
    try {
      run("ip", ["netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
      const rules = (port: number, action: "-A" | "-D") => {
        for (const side of ["--dport", "--sport"]) {
          run("ip", ["netns", "exec", ns, "iptables", action, "INPUT", "-p", "tcp", side, String(port), "-j", "DROP"]);
        }
      };
      let output = "";
      let port = 0;
      let dropped = false;
      let restored = false;
      const script = new URL("./fixtures/netns_silent_link.ts", import.meta.url).pathname;
      const child = spawnProgram("ip", ["netns", "exec", ns, process.execPath, ...runtimeArgs(script, [])], (text) => {
        output += text;
        port ||= Number(/ready (\d+)/.exec(output)?.[1] ?? 0);
        if (!dropped && /alive \d+/.test(output)) {
          dropped = true;
          rules(port, "-A");
        }
        if (!restored && output.includes("suspended")) {
          restored = true;
          rules(port, "-D");
        }
      }, (text) => void (output += text));
      const code = await child.exited;
      assert.equal(code, 0, output);
      const done = JSON.parse(/done (.*)/.exec(output)![1]!);
      const pushes = Array.from({ length: 10 }, (_, i) => `push ${i + 1}`);
      assert.deepEqual(done.frames, ["hello:1", ...pushes, "after:2"], "every push once, in order; the state went on");
      assert.equal(done.session.resumes, 1);
      assert.equal(done.size, 1, "one connection all along");
      const intervals = done.timedOutAt - done.atAlive;
      assert.ok(intervals >= 2 && intervals <= 4, `found silent after ${intervals} intervals`);
    } finally {
      run("ip", ["netns", "del", ns]);
    }
  });
}
