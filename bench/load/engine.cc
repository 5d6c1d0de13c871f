// The socket plumbing: connecting, reading whole frames, writing, closing.
#include "engine.h"

#include <arpa/inet.h>
#include <fcntl.h>
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

Engine::Engine(const Options& options) : o_(options), pattern_(options.size), conns_(options.conns + 1) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  const size_t frame = 4 + o_.size;
  for (uint32_t i = 0; i < conns_.size(); i++) {
    Conn& c = conns_[i];
    c.index = i;
    c.sent_at.resize(o_.depth);
    c.in.resize(std::max<size_t>(4096, 2 * frame));
  }
}

// Fresh connections in place of those of a finished phase (the stall mode's warm-up).
void Engine::reset_conns() {
  const size_t frame = 4 + o_.size;
  for (uint32_t i = 0; i < o_.conns; i++) {
    close_conn(conns_[i]);
    Conn& c = conns_[i] = Conn{};
    c.index = i;
    c.sent_at.resize(o_.depth);
    c.in.resize(std::max<size_t>(4096, 2 * frame));
  }
  started_conns_ = opening_ = connected_ = ready_ = failed_ = finished_ = 0;
  bytes_ = frames_ = 0;
}

Engine::~Engine() {
  for (Conn& c : conns_) close_conn(c);
  if (epoll_ >= 0) close(epoll_);
}

void Engine::fill_window() {
  while (started_conns_ < o_.conns && opening_ < o_.window) start_connect(conns_[started_conns_++]);
}

void Engine::start_connect(Conn& c) {
  opening_++;
  c.opened_at = now_;
  c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o_.port));
  inet_pton(AF_INET, o_.host.c_str(), &addr.sin_addr);
  const int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 && errno != EINPROGRESS) {
    errors_.connect++;
    failed_++;
    opening_--;
    close_conn(c);
    return;
  }
  c.connecting = true;
  epoll_event ev{EPOLLOUT, {}};
  ev.data.u32 = c.index;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
  c.armed_out = true;
}

// The control connection is opened before any other, and waited for.
void Engine::connect_control() {
  Conn& c = conns_[o_.conns];
  start_connect(c);
  opening_--;
  while (c.connecting && !c.closed && monotonic_ns() < deadline_) {
    epoll_event ev;
    if (epoll_wait(epoll_, &ev, 1, 20) == 1) handle(c, ev.events);
  }
}

void Engine::handle(Conn& c, uint32_t events) {
  if (c.closed) return;
  if (c.connecting) {
    int error = 0;
    socklen_t len = sizeof error;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0 || (events & (EPOLLERR | EPOLLHUP))) {
      errors_.connect++;
      failed_++;
      opening_--;
      close_conn(c);
      fill_window();
      return;
    }
    c.connecting = false;
    arm(c, false);
    if (c.index == o_.conns) return;  // the control connection
    connected_++;
    if (stalling(c)) {
      // Open as soon as connected (it will never see an echo): start writing its frames.
      c.ready = true;
      opening_--;
      ready_++;
      flood_progress_at_ = now_;
      queue_data(c, 1);
      flush(c);
      fill_window();
      return;
    }
    const uint32_t first = o_.mode == "echo" ? o_.depth : phase_ == Phase::kWarming ? std::min(o_.depth, o_.warm) : 1;
    queue_data(c, first);
    flush(c);
    return;
  }
  if (stalling(c) && (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return on_closed(c);
  if (events & EPOLLOUT) flush(c);
  if (!c.closed && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) on_readable(c);
}

void Engine::on_readable(Conn& c) {
  const ssize_t n = recv(c.fd, c.in.data() + c.in_len, c.in.size() - c.in_len, 0);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return on_closed(c);
  if (n < 0) return;
  c.in_len += static_cast<size_t>(n);
  const uint32_t before = c.received;
  size_t at = 0;
  while (c.in_len - at >= 4) {
    const uint32_t length = read_header(c.in.data() + at);
    if (length > c.in.size() - 4) {
      // Larger than any frame we sent: the stream is lost.
      errors_.length++;
      if (!c.ready && o_.mode != "echo") {
        failed_++;
        opening_--;
      }
      return close_conn(c);
    }
    if (c.in_len - at - 4 < length) break;
    if (!on_frame(c, c.in.data() + at + 4, length)) return;
    at += 4 + length;
  }
  if (at > 0) {
    std::memmove(c.in.data(), c.in.data() + at, c.in_len - at);
    c.in_len -= at;
  }
  if (o_.mode == "echo" && sending() && c.received > before) {
    queue_data(c, c.received - before);
    flush(c);
  }
}

void Engine::queue_data(Conn& c, uint32_t n) {
  const size_t frame = 4 + o_.size;
  const size_t need = n * frame;
  if (c.out_off == c.out_len) c.out_off = c.out_len = 0;
  if (c.out.size() - c.out_len < need) c.out.resize(c.out_len + need);
  uint8_t* p = c.out.data() + c.out_len;
  for (uint32_t i = 0; i < n; i++, p += frame) {
    write_header(p, o_.size);
    pattern_.fill(p + 4, o_.size, c.sent, c.index);
    c.sent_at[c.sent % o_.depth] = now_;
    c.sent++;
  }
  c.out_len += need;
}

void Engine::queue_control(Conn& c, const char* name) {
  const uint32_t length = static_cast<uint32_t>(std::strlen(name));
  if (c.out_off == c.out_len) c.out_off = c.out_len = 0;
  c.out.resize(c.out_len + 4 + length);
  write_header(c.out.data() + c.out_len, length);
  std::memcpy(c.out.data() + c.out_len + 4, name, length);
  c.out_len += 4 + length;
  flush(c);
}

void Engine::flush(Conn& c) {
  while (true) {
    while (c.out_off < c.out_len) {
      const ssize_t n = send(c.fd, c.out.data() + c.out_off, c.out_len - c.out_off, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_off += static_cast<size_t>(n);
        if (stalling(c)) {
          flood_progress_at_ = now_;
          bytes_ += static_cast<uint64_t>(n);
        }
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return arm(c, true);
      } else if (errno != EINTR) {
        return on_closed(c);
      }
    }
    c.out_off = c.out_len = 0;
    // A stall connection writes its frames one after another until the kernel stops taking them.
    const bool flooding = phase_ == Phase::kOpening || phase_ == Phase::kFlooding;
    if (!stalling(c) || !flooding || c.sent >= o_.frames) break;
    queue_data(c, 1);
  }
  if (c.armed_out) arm(c, false);
}

void Engine::arm(Conn& c, bool writable) {
  // A stall connection never reads (level-triggered EPOLLIN would spin), but hears the server close it.
  const uint32_t in = stalling(c) ? static_cast<uint32_t>(EPOLLRDHUP) : static_cast<uint32_t>(EPOLLIN);
  epoll_event ev{in | (writable ? static_cast<uint32_t>(EPOLLOUT) : 0u), {}};
  ev.data.u32 = c.index;
  epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
  c.armed_out = writable;
}

void Engine::close_conn(Conn& c) {
  if (c.fd < 0) return;
  close(c.fd);  // also takes it out of the epoll set
  c.fd = -1;
  c.closed = true;
}

}  // namespace load
