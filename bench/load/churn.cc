// The churn mode (see churn.h). A connection's serial picks its frame sizes
// and how it ends, so every run makes the same mix:
//
//   serial % 10   0 1 2 8   close (FIN) once the burst is back
//                 3 4 5     reset (RST) once the burst is back
//                 6         reset as soon as the burst is written, echoes unread
//                           (often before the server accepted it; with
//                           --unread-reset 0, once the burst is back instead)
//                 7         half a frame more, then FIN (a truncated frame)
//                 9         held idle: every other one for --hold seconds, then
//                           FIN; the rest until the server's idle timeout
//
// Frames of a burst cycle through 64 B, 512 B, 4 KiB, 16 KiB and 200 B (16 KiB
// spans the servers' reads). A slow reader keeps 64 frames of 16 KiB in flight
// and reads 8 KiB every 50 ms (160 KiB/s), so the server's outbox fills and
// its reads stop; after 20 s it ends (FIN or RST in turn) and another opens.
#include "churn.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "proc.h"

namespace load {

namespace {
constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kStallNs = 10 * kSecond;     // a burst must be back within this
constexpr uint32_t kSizes[] = {64, 512, 4096, 16384, 200};
constexpr uint32_t kMaxSize = 16384;
constexpr uint32_t kSlowSize = 16384;
constexpr uint32_t kSlowInFlight = 64;
constexpr size_t kSlowReadBytes = 8192;
constexpr uint64_t kSlowReadEveryNs = kSecond / 20;
constexpr uint64_t kSlowLifeNs = 20 * kSecond;
constexpr int kSlowRcvBuf = 16384;
constexpr uint32_t kSlowBit = 0x8000'0000u;
constexpr const char* kKindNames[kKinds] = {"close",       "reset",       "reset_unread", "truncated",
                                            "idle_client", "idle_server", "slow"};

uint64_t seconds_ns(double s) { return static_cast<uint64_t>(s * 1e9); }

Kind kind_of(uint32_t serial, bool unread_reset) {
  switch (serial % 10) {
    case 3: case 4: case 5: return Kind::kReset;
    case 6: return unread_reset ? Kind::kResetUnread : Kind::kReset;
    case 7: return Kind::kTruncated;
    case 9: return (serial / 10) % 2 == 0 ? Kind::kIdleClient : Kind::kIdleServer;
    default: return Kind::kClose;
  }
}

uint32_t size_of(uint32_t serial, uint32_t seq) { return kSizes[(serial + seq) % 5]; }
}  // namespace

Churn::Churn(const Options& options)
    : o_(options), pattern_(kMaxSize), peers_(options.max_open + options.slow) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  for (uint32_t i = static_cast<uint32_t>(peers_.size()); i-- > 0;) free_.push_back(i);
  // Ten waves a second, or one connection a wave below 10 a second.
  wave_size_ = std::max<uint32_t>(1, o_.rate / 10);
  wave_every_ = kSecond * wave_size_ / std::max<uint32_t>(1, o_.rate);
}

Churn::~Churn() {
  for (Peer& p : peers_) {
    if (p.fd >= 0) close(p.fd);
  }
  if (epoll_ >= 0) close(epoll_);
}

int Churn::run() {
  now_ = started_ = monotonic_ns();
  stop_opening_ = started_ + seconds_ns(o_.seconds);
  deadline_ = started_ + seconds_ns(o_.timeout);
  next_wave_ = next_slow_read_ = started_;
  next_progress_ = started_ + kSecond / 2;
  cpu0_ = process_cpu_seconds();
  for (uint32_t i = 0; i < o_.slow; i++) open(Kind::kSlow, kSlowBit | slow_serial_++);
  epoll_event events[1024];
  bool done = false;
  while (!done) {
    const int n = epoll_wait(epoll_, events, 1024, 10);
    now_ = monotonic_ns();
    for (int i = 0; i < n; i++) handle(peers_[events[i].data.u32], events[i].events);
    tick();
    if (o_.progress && now_ >= next_progress_) progress();
    if (now_ >= deadline_) {
      errors_.timeout++;
      done = true;
    }
    done = done || (now_ >= stop_opening_ && open_ == 0);
  }
  if (o_.progress) std::fprintf(stderr, "\r\033[K");
  report();
  return errors_.total() == 0 ? 0 : 1;
}

void Churn::tick() {
  const bool opening = now_ < stop_opening_;
  if (opening) {
    // After a pause (the machine busy), open at the set rate again rather than all the missed waves at once.
    if (next_wave_ + kSecond < now_) next_wave_ = now_;
    while (now_ >= next_wave_) {
      open_wave();
      next_wave_ += wave_every_;
    }
  }
  const bool slow_read = now_ >= next_slow_read_;
  if (slow_read) next_slow_read_ = now_ + kSlowReadEveryNs;
  for (Peer& p : peers_) {
    if (p.fd < 0) continue;
    if (p.kind == Kind::kSlow) {
      if (!opening || now_ >= p.deadline) {
        ended_[static_cast<int>(Kind::kSlow)]++;
        end(p, (p.serial & 1) == 1);
        if (opening) open(Kind::kSlow, kSlowBit | slow_serial_++);
      } else if (slow_read && !p.connecting) {
        on_readable(p, kSlowReadBytes);
      }
      continue;
    }
    if (now_ < p.deadline) continue;
    if (p.connecting) {
      errors_.connect++;
      end(p, true);
    } else if (!p.echoed) {
      errors_.stalled++;
      end(p, true);
    } else if (p.kind == Kind::kIdleClient) {
      ended_[static_cast<int>(Kind::kIdleClient)]++;
      end(p, false);
    } else {
      errors_.kept++;
      end(p, false);
    }
  }
}

void Churn::open_wave() {
  for (uint32_t i = 0; i < wave_size_; i++) {
    if (open_ - open_slow_ >= o_.max_open) {
      waves_short_++;
      return;
    }
    const uint32_t serial = serial_++;
    open(kind_of(serial, o_.unread_reset), serial);
  }
}

void Churn::open(Kind kind, uint32_t serial) {
  if (free_.empty()) return;
  const uint32_t index = free_.back();
  Peer& p = peers_[index];
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    errors_.connect++;
    return;
  }
  free_.pop_back();
  p.fd = fd;
  p.serial = serial;
  p.kind = kind;
  p.connecting = true;
  p.echoed = false;
  p.sent = p.received = 0;
  p.in_len = p.out_off = p.out_len = 0;
  if (p.in.empty()) p.in.resize(2 * (4 + kMaxSize));
  p.opened_at = now_;
  p.deadline = now_ + (kind == Kind::kSlow ? kSlowLifeNs : kStallNs);
  open_++;
  if (kind == Kind::kSlow) open_slow_++;
  opened_++;
  max_seen_ = std::max(max_seen_, open_);
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // A small receive buffer, so that what the slow reader does not read backs up into the server.
  if (kind == Kind::kSlow) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSlowRcvBuf, sizeof kSlowRcvBuf);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o_.port));
  inet_pton(AF_INET, o_.host.c_str(), &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 && errno != EINPROGRESS) {
    errors_.connect++;
    release(p);
    return;
  }
  epoll_event ev{EPOLLOUT, {}};
  ev.data.u32 = index;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  p.armed_out = true;
}

void Churn::handle(Peer& p, uint32_t events) {
  if (p.fd < 0) return;
  if (p.connecting) {
    int error = 0;
    socklen_t len = sizeof error;
    getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0 || (events & (EPOLLERR | EPOLLHUP))) {
      errors_.connect++;
      return release(p);
    }
    return on_connected(p);
  }
  if ((events & EPOLLOUT) && !flush(p)) return;
  if (p.fd < 0) return;
  // A slow reader is not armed for reading; a hang-up or error is reported anyway.
  if (p.kind == Kind::kSlow) {
    if (events & (EPOLLHUP | EPOLLERR)) on_server_closed(p);
    return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(p, p.in.size());
}

void Churn::on_connected(Peer& p) {
  p.connecting = false;
  connected_++;
  if (p.kind == Kind::kSlow) {
    arm(p, false, false);
    return refill_slow(p);
  }
  for (uint32_t seq = 0; seq < o_.burst; seq++) queue_frame(p, size_of(p.serial, seq));
  arm(p, true, false);
  flush(p);
}

// Writes what is queued. Returns false when the peer was released on the way.
bool Churn::flush(Peer& p) {
  while (p.out_off < p.out_len) {
    const ssize_t n = send(p.fd, p.out.data() + p.out_off, p.out_len - p.out_off, MSG_NOSIGNAL);
    if (n > 0) {
      p.out_off += static_cast<size_t>(n);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!p.armed_out) arm(p, p.kind != Kind::kSlow, true);
      return true;
    } else if (errno != EINTR) {
      on_server_closed(p);
      return false;
    }
  }
  p.out_off = p.out_len = 0;
  if (p.armed_out) arm(p, p.kind != Kind::kSlow, false);
  if (p.kind == Kind::kResetUnread) {
    ended_[static_cast<int>(Kind::kResetUnread)]++;
    end(p, true);
    return false;
  }
  return true;
}

void Churn::on_readable(Peer& p, size_t most) {
  const size_t room = std::min(most, p.in.size() - p.in_len);
  const ssize_t n = recv(p.fd, p.in.data() + p.in_len, room, 0);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return on_server_closed(p);
  if (n < 0) return;
  p.in_len += static_cast<size_t>(n);
  size_t at = 0;
  while (p.in_len - at >= 4) {
    const uint32_t length = read_header(p.in.data() + at);
    if (length > kMaxSize) {
      // Larger than any frame sent: the stream is lost.
      errors_.length++;
      return end(p, true);
    }
    if (p.in_len - at - 4 < length) break;
    if (!on_frame(p, p.in.data() + at + 4, length)) return;
    at += 4 + length;
  }
  if (at > 0) {
    std::memmove(p.in.data(), p.in.data() + at, p.in_len - at);
    p.in_len -= at;
  }
  if (p.kind == Kind::kSlow) refill_slow(p);
}

// One whole echo. Returns false when the peer was released on the way.
bool Churn::on_frame(Peer& p, const uint8_t* payload, uint32_t length) {
  if (p.echoed || p.received >= p.sent) {
    errors_.content++;  // nobody sent it
    return true;
  }
  const uint32_t seq = p.received++;
  const uint32_t expected = p.kind == Kind::kSlow ? kSlowSize : size_of(p.serial, seq);
  if (length != expected) {
    errors_.length++;
  } else {
    switch (pattern_.check(payload, length, seq, p.serial)) {
      case Pattern::Check::kOk: break;
      case Pattern::Check::kOrder: errors_.order++; break;
      case Pattern::Check::kContent: errors_.content++; break;
    }
  }
  frames_++;
  bytes_ += length;
  if (p.kind == Kind::kSlow || p.received < o_.burst) return true;
  session_.add(now_ - p.opened_at);
  on_echoed(p);
  return p.fd >= 0;
}

void Churn::on_echoed(Peer& p) {
  p.echoed = true;
  const int kind = static_cast<int>(p.kind);
  switch (p.kind) {
    case Kind::kIdleClient:
      p.deadline = now_ + seconds_ns(o_.hold);
      return;
    case Kind::kIdleServer:
      p.deadline = now_ + seconds_ns(o_.idle_wait);
      return;
    case Kind::kTruncated: {
      // The header of a 1000-byte frame and 10 bytes of it.
      uint8_t half[14] = {};
      write_header(half, 1000);
      (void)send(p.fd, half, sizeof half, MSG_NOSIGNAL);
      ended_[kind]++;
      return end(p, false);
    }
    default:
      ended_[kind]++;
      return end(p, p.kind == Kind::kReset);
  }
}

void Churn::on_server_closed(Peer& p) {
  if (p.kind == Kind::kIdleServer && p.echoed) {
    ended_[static_cast<int>(Kind::kIdleServer)]++;
  } else {
    errors_.closed++;
  }
  release(p);
}

void Churn::queue_frame(Peer& p, uint32_t size) {
  if (p.out_off > 0) {
    std::memmove(p.out.data(), p.out.data() + p.out_off, p.out_len - p.out_off);
    p.out_len -= p.out_off;
    p.out_off = 0;
  }
  if (p.out.size() < p.out_len + 4 + size) p.out.resize(p.out_len + 4 + size);
  uint8_t* at = p.out.data() + p.out_len;
  write_header(at, size);
  pattern_.fill(at + 4, size, p.sent, p.serial);
  p.sent++;
  p.out_len += 4 + size;
}

void Churn::refill_slow(Peer& p) {
  while (p.sent - p.received < kSlowInFlight) queue_frame(p, kSlowSize);
  flush(p);
}

void Churn::arm(Peer& p, bool readable, bool writable) {
  epoll_event ev{(readable ? static_cast<uint32_t>(EPOLLIN) : 0u) | (writable ? static_cast<uint32_t>(EPOLLOUT) : 0u),
                 {}};
  ev.data.u32 = static_cast<uint32_t>(&p - peers_.data());
  epoll_ctl(epoll_, EPOLL_CTL_MOD, p.fd, &ev);
  p.armed_out = writable;
}

void Churn::end(Peer& p, bool reset) {
  if (reset) {
    const linger now{1, 0};
    setsockopt(p.fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
  }
  release(p);
}

void Churn::release(Peer& p) {
  if (p.fd < 0) return;
  close(p.fd);  // also takes it out of the epoll set
  p.fd = -1;
  open_--;
  if (p.kind == Kind::kSlow) open_slow_--;
  free_.push_back(static_cast<uint32_t>(&p - peers_.data()));
}

void Churn::progress() {
  std::fprintf(stderr, "\r\033[K[churn] %6.1fs  open %u  opened %llu  frames %llu  errors %llu",
               static_cast<double>(now_ - started_) / 1e9, open_, static_cast<unsigned long long>(opened_),
               static_cast<unsigned long long>(frames_), static_cast<unsigned long long>(errors_.total()));
  next_progress_ = now_ + kSecond / 2;
}

void Churn::report() {
  const double elapsed = static_cast<double>(now_ - started_) / 1e9;
  const auto ull = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  const auto ms = [](uint64_t ns) { return static_cast<double>(ns) / 1e6; };
  std::printf("{\"mode\":\"churn\",\"elapsed_s\":%.3f,\"client_cpu\":%.3f,\"opened\":%llu,\"connected\":%llu,", elapsed,
              elapsed > 0 ? (process_cpu_seconds() - cpu0_) / elapsed : 0, ull(opened_), ull(connected_));
  std::printf("\"max_open\":%u,\"waves_short\":%llu,\"frames\":%llu,\"bytes\":%llu,", max_seen_, ull(waves_short_),
              ull(frames_), ull(bytes_));
  std::printf("\"session_p50_ms\":%.3f,\"session_p99_ms\":%.3f,\"session_max_ms\":%.3f,\"ended\":{",
              ms(session_.quantile(0.5)), ms(session_.quantile(0.99)), ms(session_.max()));
  for (int k = 0; k < kKinds; k++) std::printf("%s\"%s\":%llu", k == 0 ? "" : ",", kKindNames[k], ull(ended_[k]));
  const ChurnErrors& e = errors_;
  std::printf(
      "},\"errors\":%llu,\"error_kinds\":{\"connect\":%llu,\"length\":%llu,\"order\":%llu,\"content\":%llu,"
      "\"closed\":%llu,\"stalled\":%llu,\"kept\":%llu,\"timeout\":%llu}}\n",
      ull(e.total()), ull(e.connect), ull(e.length), ull(e.order), ull(e.content), ull(e.closed), ull(e.stalled),
      ull(e.kept), ull(e.timeout));
  std::fflush(stdout);
}

}  // namespace load
