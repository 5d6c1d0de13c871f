// The load generator's frames: what it sends and how it checks what comes back.
//
// A data frame of S bytes is a 4-byte big-endian length, then a payload cut
// from a fixed pseudo-random pattern at an offset derived from (seq, conn):
//
//   byte 0      0x00 (a data frame; control frames start with '~')
//   bytes 1-4   seq, little-endian (when S >= 5)
//   bytes 5-8   connection index, little-endian (when S >= 9)
//   bytes 9..   pattern[(seq * 7 + conn) % 256 + i]
//
// So an echo checks its length, its order (seq), the connection it belongs to,
// and every byte of its content, with two memcmp calls and no allocation.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace load {

// Control frames the bench servers understand (never the start of a data frame).
constexpr const char* kGc = "~gc";
constexpr const char* kBroadcast = "~broadcast";
constexpr const char* kShutdown = "~shutdown";

class Pattern {
 public:
  explicit Pattern(size_t max_size) : bytes_(max_size + 256 + 16) {
    uint32_t x = 2463534242u;  // xorshift32: fixed, so runs are comparable
    for (size_t i = 0; i < 256; i++) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      bytes_[i] = static_cast<uint8_t>(x);
    }
    for (size_t i = 256; i < bytes_.size(); i++) bytes_[i] = bytes_[i & 255];
  }

  // Writes the payload of frame `seq` of connection `conn` into `out`.
  void fill(uint8_t* out, uint32_t size, uint32_t seq, uint32_t conn) const {
    std::memcpy(out, bytes_.data() + offset(seq, conn), size);
    stamp(out, size, seq, conn);
  }

  // Why a received payload is not frame `seq` of `conn`.
  enum class Check { kOk, kOrder, kContent };

  Check check(const uint8_t* payload, uint32_t size, uint32_t seq, uint32_t conn) const {
    uint8_t head[9];
    const uint32_t n = size < 9 ? size : 9;
    const uint8_t* expected = bytes_.data() + offset(seq, conn);
    std::memcpy(head, expected, n);
    stamp(head, n, seq, conn);
    if (std::memcmp(payload, head, n) == 0) {
      return std::memcmp(payload + n, expected + n, size - n) == 0 ? Check::kOk : Check::kContent;
    }
    // A whole, intact frame of another seq or connection is out of order; anything else is damaged.
    if (size < 9 || payload[0] != 0) return Check::kContent;
    uint32_t other_seq, other_conn;
    std::memcpy(&other_seq, payload + 1, 4);
    std::memcpy(&other_conn, payload + 5, 4);
    const uint8_t* other = bytes_.data() + offset(other_seq, other_conn);
    return std::memcmp(payload + 9, other + 9, size - 9) == 0 ? Check::kOrder : Check::kContent;
  }

 private:
  static size_t offset(uint32_t seq, uint32_t conn) { return (seq * 7u + conn) & 255u; }

  static void stamp(uint8_t* out, uint32_t size, uint32_t seq, uint32_t conn) {
    if (size >= 1) out[0] = 0;
    if (size >= 5) std::memcpy(out + 1, &seq, 4);
    if (size >= 9) std::memcpy(out + 5, &conn, 4);
  }

  std::vector<uint8_t> bytes_;
};

inline void write_header(uint8_t* out, uint32_t length) {
  out[0] = static_cast<uint8_t>(length >> 24);
  out[1] = static_cast<uint8_t>(length >> 16);
  out[2] = static_cast<uint8_t>(length >> 8);
  out[3] = static_cast<uint8_t>(length);
}

inline uint32_t read_header(const uint8_t* in) {
  return (uint32_t{in[0]} << 24) | (uint32_t{in[1]} << 16) | (uint32_t{in[2]} << 8) | uint32_t{in[3]};
}

inline bool is_control(const uint8_t* payload, uint32_t length, const char* name) {
  return length == std::strlen(name) && std::memcmp(payload, name, length) == 0;
}

}  // namespace load
