// spawnkit's load generator. Opens connections to a {packet, 4} echo server on
// loopback, drives it in one of seven modes, checks every echoed frame (length,
// order, connection, every byte), and prints one JSON line. See ../README.md.
//
//   load --port P --mode echo --conns 100 --depth 16 --size 64 --seconds 2
//   load --port P --mode accept|idle|broadcast|shutdown --conns 10000 [--server-pid PID]
//   load --port P --mode stall --conns 20 --size 262144 --frames 128 --server-pid PID
//   load --port P --mode churn --seconds 600 --rate 200 --burst 16 --slow 4 --hold 3 --idle-wait 20
//
// Exit code 0 when no error was seen, 1 when some were (the JSON says which), 2 on bad flags.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "churn.h"
#include "engine.h"

namespace {

[[noreturn]] void usage(const char* message) {
  std::fprintf(stderr,
               "load: %s\nusage: load --port N [--host 127.0.0.1] [--mode echo|accept|idle|broadcast|shutdown|stall|churn]\n"
               "  [--conns N] [--depth N] [--size BYTES] [--seconds S] [--warmup S] [--window N]\n"
               "  [--timeout S] [--idle S] [--frames N] [--warm N] [--quiet S] [--server-pid PID] [--progress]\n"
               "  churn: [--rate N] [--burst N] [--max-open N] [--slow N] [--hold S] [--idle-wait S] [--unread-reset 0|1]\n",
               message);
  std::exit(2);
}

uint32_t count(const char* value, uint32_t min, uint32_t max, const char* name) {
  char* end = nullptr;
  const unsigned long n = std::strtoul(value, &end, 10);
  if (*end != 0 || n < min || n > max) {
    std::fprintf(stderr, "load: --%s %s: must be an integer from %u to %u\n", name, value, min, max);
    std::exit(2);
  }
  return static_cast<uint32_t>(n);
}

double seconds(const char* value, const char* name) {
  char* end = nullptr;
  const double s = std::strtod(value, &end);
  if (*end != 0 || !(s >= 0 && s <= 3600)) {
    std::fprintf(stderr, "load: --%s %s: must be seconds from 0 to 3600\n", name, value);
    std::exit(2);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  load::Options o;
  o.progress = isatty(2) != 0;
  for (int i = 1; i < argc; i++) {
    const std::string flag = argv[i];
    if (flag == "--progress") {
      o.progress = true;
      continue;
    }
    if (flag == "--no-progress") {
      o.progress = false;
      continue;
    }
    if (i + 1 >= argc) usage(("missing value for " + flag).c_str());
    const char* value = argv[++i];
    if (flag == "--host") o.host = value;
    else if (flag == "--port") o.port = static_cast<int>(count(value, 1, 65535, "port"));
    else if (flag == "--mode") o.mode = value;
    else if (flag == "--conns") o.conns = count(value, 1, 1'000'000, "conns");
    else if (flag == "--depth") o.depth = count(value, 1, 1'000'000, "depth");
    else if (flag == "--size") o.size = count(value, 1, 262'144, "size");
    else if (flag == "--window") o.window = count(value, 1, 1'000'000, "window");
    else if (flag == "--seconds") o.seconds = seconds(value, "seconds");
    else if (flag == "--warmup") o.warmup = seconds(value, "warmup");
    else if (flag == "--timeout") o.timeout = seconds(value, "timeout");
    else if (flag == "--idle") o.idle = seconds(value, "idle");
    else if (flag == "--frames") o.frames = count(value, 1, 1'000'000, "frames");
    else if (flag == "--quiet") o.quiet = seconds(value, "quiet");
    else if (flag == "--warm") o.warm = count(value, 0, 1'000'000, "warm");
    else if (flag == "--rate") o.rate = count(value, 1, 100'000, "rate");
    else if (flag == "--burst") o.burst = count(value, 1, 1000, "burst");
    else if (flag == "--max-open") o.max_open = count(value, 1, 100'000, "max-open");
    else if (flag == "--slow") o.slow = count(value, 0, 1000, "slow");
    else if (flag == "--hold") o.hold = seconds(value, "hold");
    else if (flag == "--idle-wait") o.idle_wait = seconds(value, "idle-wait");
    else if (flag == "--unread-reset") o.unread_reset = count(value, 0, 1, "unread-reset") == 1;
    else if (flag == "--server-pid") o.server_pid = static_cast<int>(count(value, 1, 1u << 30, "server-pid"));
    else usage(("unknown flag " + flag).c_str());
  }
  if (o.port == 0) usage("--port is required");
  if (o.mode != "echo" && o.mode != "accept" && o.mode != "idle" && o.mode != "broadcast" && o.mode != "shutdown" &&
      o.mode != "stall" && o.mode != "churn") {
    usage(("unknown mode " + o.mode).c_str());
  }
  // Only loopback: this tool is for measuring servers on this machine.
  if (o.host.rfind("127.", 0) != 0) usage("--host must be a loopback address (127.x.x.x)");
  if (o.mode == "churn") {
    load::Churn churn(o);
    return churn.run();
  }
  load::Engine engine(o);
  return engine.run();
}
