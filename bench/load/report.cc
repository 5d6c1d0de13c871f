// The load generator's output: a live progress line on stderr, one JSON line on stdout.
#include <cstdio>

#include "engine.h"
#include "proc.h"

namespace load {

void Engine::progress() {
  const double since = static_cast<double>(now_ - progress_at_) / 1e9;
  const unsigned open = o_.mode == "echo" ? connected_ : ready_ + (o_.mode == "accept" ? finished_ : 0);
  std::fprintf(stderr, "\r\033[K[%s] %5.1fs  conns %u/%u  frames/s %9.0f  errors %llu", o_.mode.c_str(),
               static_cast<double>(now_ - started_) / 1e9, open, o_.conns,
               static_cast<double>(progress_frames_) / since, static_cast<unsigned long long>(errors_.total()));
  progress_frames_ = 0;
  progress_at_ = now_;
  next_progress_ = now_ + 500'000'000;
}

void Engine::report() {
  if (o_.mode != "echo") {
    t0_ = started_;
    t1_ = now_;
    cpu1_ = process_cpu_seconds();
    server_cpu1_ = server_cpu_seconds(o_.server_pid);
    machine1_ = machine_busy_seconds();
  }
  const double window = t1_ > t0_ ? static_cast<double>(t1_ - t0_) / 1e9 : 0;
  const double client_cpu = window > 0 ? (cpu1_ - cpu0_) / window : 0;
  const bool server_known = window > 0 && server_cpu0_ >= 0 && server_cpu1_ >= 0;
  const double server_cpu = server_known ? (server_cpu1_ - server_cpu0_) / window : -1;
  // Cores busy with anything else meanwhile: other processes skew a figure, and the bench retries it.
  const double others = server_known && machine0_ >= 0 ? (machine1_ - machine0_) / window - client_cpu - server_cpu : -1;
  const auto us = [](uint64_t ns) { return static_cast<double>(ns) / 1e3; };
  const auto ms = [](uint64_t ns) { return static_cast<double>(ns) / 1e6; };
  std::printf("{\"mode\":\"%s\",\"conns\":%u,\"depth\":%u,\"size\":%u,\"elapsed_s\":%.3f,", o_.mode.c_str(), o_.conns,
              o_.depth, o_.size, static_cast<double>(now_ - started_) / 1e9);
  std::printf("\"client_cpu\":%.3f,\"server_cpu\":%.3f,\"other_cpu\":%.3f,", client_cpu, server_cpu, others);
  if (o_.mode == "echo") {
    std::printf("\"frames\":%llu,\"seconds\":%.3f,\"frames_per_s\":%.1f,\"mib_per_s\":%.2f,",
                static_cast<unsigned long long>(frames_), window, window > 0 ? static_cast<double>(frames_) / window : 0,
                window > 0 ? static_cast<double>(bytes_) / window / 1048576.0 : 0);
  } else if (o_.mode == "accept") {
    const double span = last_ > first_ ? static_cast<double>(last_ - first_) / 1e9 : 0;
    std::printf("\"accepted\":%u,\"accepts_per_s\":%.1f,", finished_, span > 0 ? finished_ / span : 0);
  } else {
    std::printf("\"ready\":%u,", ready_);
  }
  if (o_.mode == "echo" || o_.mode == "accept") {
    std::printf("\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,", us(hist_.quantile(0.5)), us(hist_.quantile(0.99)),
                us(hist_.max()));
  } else if (o_.mode == "idle") {
    const double per_conn =
        rss_before_ >= 0 && rss_after_ >= 0 && ready_ > 0 ? (rss_after_ - rss_before_) * 1024.0 / ready_ : -1;
    std::printf("\"rss_before_kb\":%ld,\"rss_after_kb\":%ld,\"bytes_per_conn\":%.0f,", rss_before_, rss_after_,
                per_conn);
  } else if (o_.mode == "stall") {
    uint32_t stalled = 0;
    for (uint32_t i = 0; i < o_.conns; i++) stalled += conns_[i].closed ? 0 : 1;
    const auto per = [&](long kb) {
      return rss_before_ >= 0 && kb >= 0 && stalled > 0 ? (kb - rss_before_) * 1024.0 / stalled : -1;
    };
    // bytes_per_conn: against the RSS after the warm-up (what the stalled peers hold); _cold: against the RSS
    // before any traffic (adds what the traffic left behind, which does not grow with the peers).
    const double cold = rss_cold_ >= 0 && rss_after_ >= 0 && stalled > 0 ? (rss_after_ - rss_cold_) * 1024.0 / stalled
                                                                         : -1;
    std::printf(
        "\"stalled\":%u,\"sent_bytes_per_conn\":%.0f,\"rss_cold_kb\":%ld,\"rss_before_kb\":%ld,"
        "\"rss_stalled_kb\":%ld,\"rss_after_kb\":%ld,\"bytes_per_conn_before_gc\":%.0f,\"bytes_per_conn\":%.0f,"
        "\"bytes_per_conn_cold\":%.0f,",
        stalled, o_.conns > 0 ? static_cast<double>(bytes_) / o_.conns : 0, rss_cold_, rss_before_, rss_before_gc_,
        rss_after_, per(rss_before_gc_), per(rss_after_), cold);
  } else if (o_.mode == "broadcast") {
    std::printf("\"received\":%u,\"broadcast_ms\":%.3f,", finished_, ms(last_ - first_));
  } else if (o_.mode == "shutdown") {
    std::printf("\"closed\":%u,\"shutdown_ms\":%.3f,", finished_, ms(last_ - first_));
  }
  const Errors& e = errors_;
  std::printf(
      "\"errors\":%llu,\"error_kinds\":{\"connect\":%llu,\"length\":%llu,\"order\":%llu,\"content\":%llu,"
      "\"closed\":%llu,\"lost\":%llu,\"timeout\":%llu}}\n",
      static_cast<unsigned long long>(e.total()), static_cast<unsigned long long>(e.connect),
      static_cast<unsigned long long>(e.length), static_cast<unsigned long long>(e.order),
      static_cast<unsigned long long>(e.content), static_cast<unsigned long long>(e.closed),
      static_cast<unsigned long long>(e.lost), static_cast<unsigned long long>(e.timeout));
  std::fflush(stdout);
}

}  // namespace load
