// The churn mode of the load generator, for the soak (bench/soak.ts): for
// --seconds, connections open in waves (--rate a second, ten waves a second),
// each sends --burst frames at once and checks their echoes, then ends as its
// serial says (see churn.cc); 1 in 10 is held idle; --slow slow readers stay
// open throughout, each replaced after a while. At most --max-open at once.
#pragma once

#include <cstdint>
#include <vector>

#include "engine.h"
#include "frames.h"
#include "histogram.h"

namespace load {

// How a connection ends once its burst is back.
enum class Kind : uint8_t {
  kClose,        // close(): FIN
  kReset,        // SO_LINGER 0, then close(): RST
  kResetUnread,  // RST as soon as the burst is written, its echoes unread
  kTruncated,    // half a frame more, then FIN: the server sees a truncated frame
  kIdleClient,   // held idle for --hold seconds, then FIN
  kIdleServer,   // held idle until the server's idle timeout closes it (at most --idle-wait)
  kSlow,         // a slow reader: keeps frames in flight and reads a little at a time
};
constexpr int kKinds = 7;

struct Peer {
  int fd = -1;
  uint32_t serial = 0;  // the pattern's connection index (slow readers have the top bit set)
  Kind kind = Kind::kClose;
  bool connecting = false;
  bool armed_out = false;
  bool echoed = false;  // the whole burst came back
  uint32_t sent = 0;
  uint32_t received = 0;
  uint64_t opened_at = 0;
  uint64_t deadline = 0;  // burst: stalled after it; idle: close or give up; slow: end of its life
  std::vector<uint8_t> in;
  size_t in_len = 0;
  std::vector<uint8_t> out;
  size_t out_off = 0;
  size_t out_len = 0;
};

struct ChurnErrors {
  uint64_t connect = 0;  // connect failed or never completed
  uint64_t length = 0;   // an echo of the wrong length
  uint64_t order = 0;    // an intact echo out of place
  uint64_t content = 0;  // a damaged echo, or a frame nobody sent
  uint64_t closed = 0;   // the server closed or reset a connection it should have kept
  uint64_t stalled = 0;  // a burst not echoed within the stall time
  uint64_t kept = 0;     // an idle connection the server's idle timeout never closed
  uint64_t timeout = 0;  // the run did not end in time
  uint64_t total() const { return connect + length + order + content + closed + stalled + kept + timeout; }
};

class Churn {
 public:
  explicit Churn(const Options& options);
  ~Churn();
  // Runs to the end and prints one JSON line on stdout. Returns the exit code.
  int run();

 private:
  void tick();
  void open_wave();
  void open(Kind kind, uint32_t serial);
  void handle(Peer& p, uint32_t events);
  void on_connected(Peer& p);
  void on_readable(Peer& p, size_t most);
  bool on_frame(Peer& p, const uint8_t* payload, uint32_t length);
  void on_echoed(Peer& p);
  void on_server_closed(Peer& p);
  void queue_frame(Peer& p, uint32_t size);
  void refill_slow(Peer& p);
  bool flush(Peer& p);
  void arm(Peer& p, bool readable, bool writable);
  void end(Peer& p, bool reset);
  void release(Peer& p);
  void report();
  void progress();

  Options o_;
  Pattern pattern_;
  Histogram session_;  // from connect() until the whole burst was back
  ChurnErrors errors_;
  std::vector<Peer> peers_;
  std::vector<uint32_t> free_;
  int epoll_ = -1;
  uint64_t now_ = 0, started_ = 0, stop_opening_ = 0, deadline_ = 0;
  uint64_t next_wave_ = 0, wave_every_ = 0, next_slow_read_ = 0, next_progress_ = 0;
  uint32_t wave_size_ = 1;
  uint32_t serial_ = 0, slow_serial_ = 0;
  uint32_t open_ = 0, open_slow_ = 0, max_seen_ = 0;
  uint64_t opened_ = 0, connected_ = 0, waves_short_ = 0, frames_ = 0, bytes_ = 0;
  uint64_t ended_[kKinds] = {};
  double cpu0_ = 0;
};

}  // namespace load
