// The load generator's event loop: one thread, epoll, non-blocking sockets,
// no allocation per frame. Each mode is a small state machine over it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "frames.h"
#include "histogram.h"

namespace load {

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string mode = "echo";  // echo | accept | idle | broadcast | shutdown | stall | churn
  uint32_t conns = 1;
  uint32_t depth = 1;
  uint32_t size = 64;
  uint32_t window = 256;  // connections being opened at once (accept, idle, broadcast, shutdown)
  double seconds = 2;     // measured time (echo)
  double warmup = 0.5;    // unmeasured time before it (echo)
  double timeout = 30;    // the whole run, whatever the mode
  double idle = 2;        // idle, stall: seconds the connections stay idle (stall: stalled) before the RSS is read
  uint32_t frames = 128;  // stall: frames each connection writes at most (128 of 256 KiB = 32 MiB)
  uint32_t warm = 0;      // stall: frames each connection echoes (and reads back) before the peers stall
  double quiet = 1;       // stall: seconds in which the kernel took no byte from any connection = all stalled
  int server_pid = 0;     // for server CPU and RSS, read from /proc
  // churn (see churn.h)
  uint32_t rate = 200;      // connections opened a second, in ten waves
  uint32_t burst = 16;      // frames each sends at once
  uint32_t max_open = 2000; // connections open at once, slow readers aside
  uint32_t slow = 4;        // slow readers open throughout
  double hold = 3;          // seconds a client-closed idle connection is held
  double idle_wait = 20;    // seconds an idle connection waits for the server's idle timeout
  bool unread_reset = true; // 1 in 10 resets as soon as its burst is written (else once it is back)
  bool progress = false;
};

struct Errors {
  uint64_t connect = 0;  // connect failed
  uint64_t length = 0;   // a frame of the wrong length
  uint64_t order = 0;    // an intact frame out of place
  uint64_t content = 0;  // a damaged frame
  uint64_t closed = 0;   // the server closed or reset a connection it should have kept
  uint64_t lost = 0;     // frames sent and never echoed
  uint64_t timeout = 0;  // the run did not finish in time
  uint64_t total() const { return connect + length + order + content + closed + lost + timeout; }
};

struct Conn {
  int fd = -1;
  uint32_t index = 0;
  uint32_t sent = 0;
  uint32_t received = 0;
  uint64_t opened_at = 0;
  bool connecting = false;
  bool armed_out = false;
  bool ready = false;
  bool got_broadcast = false;
  bool closed = false;
  std::vector<uint8_t> in;
  size_t in_len = 0;
  std::vector<uint8_t> out;
  size_t out_off = 0;
  size_t out_len = 0;
  std::vector<uint64_t> sent_at;  // send time of each frame in flight, by seq % depth
};

enum class Phase {
  kConnecting,
  kWarmup,
  kMeasure,
  kDrain,
  kGcBefore,
  kWarming,
  kOpening,
  kFlooding,
  kIdle,
  kGcAfter,
  kWaiting,
  kDone
};

class Engine {
 public:
  explicit Engine(const Options& options);
  ~Engine();
  // Runs the mode to its end and prints one JSON line on stdout. Returns the exit code.
  int run();

 private:
  void tick();
  void after_ready();
  void start_connect(Conn& c);
  void connect_control();
  void handle(Conn& c, uint32_t events);
  void on_readable(Conn& c);
  bool on_frame(Conn& c, const uint8_t* payload, uint32_t length);
  void on_control_reply(const uint8_t* payload, uint32_t length);
  void on_closed(Conn& c);
  void queue_data(Conn& c, uint32_t n);
  void queue_control(Conn& c, const char* name);
  void flush(Conn& c);
  void arm(Conn& c, bool writable);
  void close_conn(Conn& c);
  void fill_window();
  void begin_measure();
  void end_measure();
  void progress();
  void report();
  bool sending() const { return phase_ == Phase::kConnecting || phase_ == Phase::kWarmup || phase_ == Phase::kMeasure; }
  // A stall connection writes and never reads: its echoes pile up in the server. (Warm-up connections read.)
  bool stalling(const Conn& c) const {
    return o_.mode == "stall" && c.index != o_.conns && phase_ != Phase::kWarming;
  }
  void reset_conns();

  Options o_;
  Pattern pattern_;
  Histogram hist_;
  Errors errors_;
  std::vector<Conn> conns_;  // conns_[o_.conns] is the control connection
  int epoll_ = -1;
  Phase phase_ = Phase::kConnecting;
  uint64_t now_ = 0;
  uint64_t started_ = 0;
  uint64_t phase_end_ = 0;
  uint64_t deadline_ = 0;
  uint64_t next_progress_ = 0;
  uint64_t progress_at_ = 0;
  uint32_t started_conns_ = 0;
  uint32_t opening_ = 0;
  uint32_t connected_ = 0;
  uint32_t ready_ = 0;
  uint32_t failed_ = 0;
  uint32_t finished_ = 0;  // accept: echoed and closed; broadcast: got it; shutdown: closed
  bool gc_replied_ = false;
  // Measurement window.
  uint64_t t0_ = 0, t1_ = 0, first_ = 0, last_ = 0;
  uint64_t frames_ = 0, bytes_ = 0, progress_frames_ = 0;
  double cpu0_ = 0, cpu1_ = 0, server_cpu0_ = 0, server_cpu1_ = 0, machine0_ = 0, machine1_ = 0;
  long rss_before_ = -1, rss_after_ = -1;
  // stall: when the kernel last took a byte of any connection; the server's RSS before any traffic (after a GC)
  // and before the last GC; whether the warm-up is over.
  uint64_t flood_progress_at_ = 0;
  long rss_cold_ = -1, rss_before_gc_ = -1;
  bool warmed_ = false;
  bool gc_again_ = false;
};

}  // namespace load
