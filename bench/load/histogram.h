// A log-linear latency histogram: 64 sub-buckets per power of two (about 1.6 %
// resolution), fixed size, no allocation per sample (the HdrHistogram idea).
#pragma once

#include <cstdint>
#include <cstring>

namespace load {

class Histogram {
 public:
  void add(uint64_t ns) {
    counts_[index(ns)]++;
    total_++;
    if (ns > max_) max_ = ns;
  }

  void reset() {
    std::memset(counts_, 0, sizeof counts_);
    total_ = 0;
    max_ = 0;
  }

  uint64_t total() const { return total_; }
  uint64_t max() const { return max_; }

  // The value at quantile q (0..1), in nanoseconds; 0 when empty.
  uint64_t quantile(double q) const {
    if (total_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(total_));
    if (rank >= total_) rank = total_ - 1;
    uint64_t seen = 0;
    for (int i = 0; i < kBuckets; i++) {
      seen += counts_[i];
      if (seen > rank) return value(i);
    }
    return max_;
  }

 private:
  static constexpr int kSubBits = 6;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = 64 * kSub;

  static int index(uint64_t v) {
    if (v < kSub) return static_cast<int>(v);
    const int msb = 63 - __builtin_clzll(v);
    const int shift = msb - kSubBits;
    return (shift + 1) * kSub + static_cast<int>((v >> shift) & (kSub - 1));
  }

  // The middle of bucket i.
  static uint64_t value(int i) {
    if (i < kSub) return static_cast<uint64_t>(i);
    const int shift = i / kSub - 1;
    const uint64_t low = static_cast<uint64_t>(kSub + i % kSub) << shift;
    return low + ((uint64_t{1} << shift) >> 1);
  }

  uint64_t counts_[kBuckets] = {};
  uint64_t total_ = 0;
  uint64_t max_ = 0;
};

}  // namespace load
