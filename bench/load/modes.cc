// The modes as state machines over the event loop: echo (timed, D frames in
// flight per connection), accept, idle, stall, broadcast and shutdown. See ../README.md.
#include <sys/epoll.h>

#include <cstdio>

#include "engine.h"
#include "proc.h"

namespace load {

namespace {
constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kDrainNs = 2 * kSecond;  // echoes still in flight when sending stops
constexpr uint64_t kSettleNs = kSecond / 2;  // after a GC, before reading RSS
uint64_t seconds_ns(double s) { return static_cast<uint64_t>(s * 1e9); }
}  // namespace

int Engine::run() {
  now_ = started_ = monotonic_ns();
  deadline_ = started_ + seconds_ns(o_.timeout);
  progress_at_ = started_;
  next_progress_ = started_ + kSecond / 2;
  cpu0_ = process_cpu_seconds();
  server_cpu0_ = server_cpu_seconds(o_.server_pid);
  machine0_ = machine_busy_seconds();
  if (o_.mode == "echo") {
    o_.window = o_.conns;
    fill_window();
  } else if (o_.mode == "accept") {
    phase_ = Phase::kOpening;
    first_ = now_;
    fill_window();
  } else {
    connect_control();
    if (o_.mode == "idle" || o_.mode == "stall") {
      phase_ = Phase::kGcBefore;
      queue_control(conns_[o_.conns], kGc);
    } else {
      phase_ = Phase::kOpening;
      fill_window();
    }
  }
  epoll_event events[1024];
  while (phase_ != Phase::kDone) {
    const int n = epoll_wait(epoll_, events, 1024, 20);
    now_ = monotonic_ns();
    for (int i = 0; i < n; i++) handle(conns_[events[i].data.u32], events[i].events);
    tick();
    if (o_.progress && now_ >= next_progress_) progress();
  }
  if (o_.progress) std::fprintf(stderr, "\r\033[K");
  report();
  return errors_.total() == 0 ? 0 : 1;
}

// Time-driven transitions; event-driven ones happen where the event is handled.
void Engine::tick() {
  if (phase_ != Phase::kDone && now_ >= deadline_) {
    errors_.timeout++;
    if (phase_ == Phase::kMeasure) end_measure();
    phase_ = Phase::kDone;
    return;
  }
  switch (phase_) {
    case Phase::kConnecting:
      if (connected_ + failed_ == o_.conns) {
        phase_ = Phase::kWarmup;
        phase_end_ = now_ + seconds_ns(o_.warmup);
      }
      break;
    case Phase::kWarmup:
      if (now_ >= phase_end_) begin_measure();
      break;
    case Phase::kMeasure:
      if (now_ >= phase_end_) {
        end_measure();
        phase_ = Phase::kDrain;
        phase_end_ = now_ + kDrainNs;
      }
      break;
    case Phase::kDrain: {
      bool all_back = true;
      for (uint32_t i = 0; i < o_.conns && all_back; i++) all_back = conns_[i].closed || conns_[i].received == conns_[i].sent;
      if (all_back || now_ >= phase_end_) {
        for (uint32_t i = 0; i < o_.conns; i++) {
          if (!conns_[i].closed) errors_.lost += conns_[i].sent - conns_[i].received;
        }
        phase_ = Phase::kDone;
      }
      break;
    }
    case Phase::kGcBefore:
    case Phase::kGcAfter:
      if (gc_replied_ && now_ >= phase_end_) {
        gc_replied_ = false;
        if (phase_ == Phase::kGcBefore && o_.mode == "stall" && o_.warm > 0 && !warmed_) {
          // The same traffic first, read back in full: what it leaves in the server is not the stalled peers'.
          rss_cold_ = server_rss_kb(o_.server_pid);
          phase_ = Phase::kWarming;
          fill_window();
        } else if (phase_ == Phase::kGcBefore) {
          rss_before_ = server_rss_kb(o_.server_pid);
          phase_ = Phase::kOpening;
          fill_window();
        } else if (o_.mode == "stall" && !gc_again_) {
          // Once more: a runtime counts freed buffers off a little after its GC (the server prints them).
          gc_again_ = true;
          queue_control(conns_[o_.conns], kGc);
        } else {
          rss_after_ = server_rss_kb(o_.server_pid);
          phase_ = Phase::kDone;
        }
      }
      break;
    case Phase::kOpening:
      if (o_.mode == "accept" && finished_ + failed_ == o_.conns) phase_ = Phase::kDone;
      if (o_.mode != "accept" && ready_ + failed_ == o_.conns) after_ready();
      break;
    case Phase::kWarming:
      if (finished_ + failed_ == o_.conns) {
        reset_conns();
        warmed_ = true;
        phase_ = Phase::kGcBefore;
        queue_control(conns_[o_.conns], kGc);
      }
      break;
    case Phase::kFlooding: {
      // Stalled: every connection wrote all its frames, or the kernel took nothing from any for a while.
      bool all_sent = true;
      for (uint32_t i = 0; i < o_.conns && all_sent; i++) {
        const Conn& c = conns_[i];
        all_sent = c.closed || (c.sent >= o_.frames && c.out_off == c.out_len);
      }
      if (all_sent || now_ - flood_progress_at_ >= seconds_ns(o_.quiet)) {
        phase_ = Phase::kIdle;
        phase_end_ = now_ + seconds_ns(o_.idle);
      }
      break;
    }
    case Phase::kIdle:
      if (now_ >= phase_end_) {
        // What the stalled connections cost before a GC: live memory plus garbage not yet collected.
        if (o_.mode == "stall") rss_before_gc_ = server_rss_kb(o_.server_pid);
        phase_ = Phase::kGcAfter;
        queue_control(conns_[o_.conns], kGc);
      }
      break;
    case Phase::kWaiting:
      if (finished_ == ready_) phase_ = Phase::kDone;
      break;
    case Phase::kDone:
      break;
  }
}

// Every connection is open and has echoed once: the idle, broadcast and shutdown steps.
void Engine::after_ready() {
  Conn& control = conns_[o_.conns];
  if (o_.mode == "stall") {
    // Every connection is open and writing; wait until none can write more.
    phase_ = Phase::kFlooding;
    return;
  }
  if (o_.mode == "idle") {
    // Idle for a while, as idle connections are (servers may trim buffers on a timer), then GC and read.
    phase_ = Phase::kIdle;
    phase_end_ = now_ + seconds_ns(o_.idle);
    return;
  }
  phase_ = Phase::kWaiting;
  first_ = now_;
  last_ = now_;
  queue_control(control, o_.mode == "broadcast" ? kBroadcast : kShutdown);
}

// One whole frame. Returns false when the connection was closed on the way.
bool Engine::on_frame(Conn& c, const uint8_t* payload, uint32_t length) {
  if (c.index == o_.conns) {
    on_control_reply(payload, length);
    return true;
  }
  // The broadcast frame (data frames start with 0, never '~'); anything else is checked as a data frame.
  if (phase_ == Phase::kWaiting && o_.mode == "broadcast" && is_control(payload, length, kBroadcast)) {
    if (c.got_broadcast) {
      errors_.content++;
    } else {
      c.got_broadcast = true;
      finished_++;
      last_ = now_;
    }
    return true;
  }
  const uint32_t seq = c.received++;
  if (length != o_.size) {
    errors_.length++;
  } else {
    switch (pattern_.check(payload, length, seq, c.index)) {
      case Pattern::Check::kOk: break;
      case Pattern::Check::kOrder: errors_.order++; break;
      case Pattern::Check::kContent: errors_.content++; break;
    }
  }
  const uint64_t rtt = now_ - (o_.mode == "echo" ? c.sent_at[seq % o_.depth] : c.opened_at);
  if (phase_ == Phase::kMeasure || o_.mode == "accept") hist_.add(rtt);
  if (phase_ == Phase::kMeasure) {
    frames_++;
    bytes_ += length;
  }
  progress_frames_++;
  if (phase_ == Phase::kWarming) {
    // Echo the warm-up frames, `depth` in flight, then close.
    if (!c.ready) {
      c.ready = true;
      opening_--;
    }
    if (c.received == o_.warm) {
      finished_++;
      close_conn(c);
      fill_window();
      return false;
    }
    if (c.sent < o_.warm) queue_data(c, 1);
    flush(c);
    return true;
  }
  if (o_.mode != "echo" && !c.ready) {
    c.ready = true;
    opening_--;
    if (o_.mode == "accept") {
      finished_++;
      last_ = now_;
      close_conn(c);
      fill_window();
      return false;
    }
    ready_++;
    fill_window();
  }
  return true;
}

void Engine::on_control_reply(const uint8_t* payload, uint32_t length) {
  if (is_control(payload, length, kGc)) {
    gc_replied_ = true;
    phase_end_ = now_ + kSettleNs;
  }
  // The control connection's own copy of a broadcast is not counted.
}

void Engine::on_closed(Conn& c) {
  const bool control = c.index == o_.conns;
  if (phase_ == Phase::kWaiting && o_.mode == "shutdown") {
    if (!control && c.ready) {
      finished_++;
      last_ = now_;
    }
  } else if (!control || phase_ != Phase::kDone) {
    errors_.closed++;
    if (!c.ready && o_.mode != "echo") {
      failed_++;
      opening_--;
    }
  }
  close_conn(c);
  if (phase_ == Phase::kOpening) fill_window();
}

void Engine::begin_measure() {
  phase_ = Phase::kMeasure;
  phase_end_ = now_ + seconds_ns(o_.seconds);
  t0_ = now_;
  frames_ = bytes_ = 0;
  hist_.reset();
  cpu0_ = process_cpu_seconds();
  server_cpu0_ = server_cpu_seconds(o_.server_pid);
  machine0_ = machine_busy_seconds();
}

void Engine::end_measure() {
  t1_ = now_;
  cpu1_ = process_cpu_seconds();
  server_cpu1_ = server_cpu_seconds(o_.server_pid);
  machine1_ = machine_busy_seconds();
}

}  // namespace load
