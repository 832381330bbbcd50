#include "text/minhash.hpp"

#include <xxhash.h>

#include <limits>

namespace fcd::text {

namespace {

constexpr std::uint32_t kEmpty = std::numeric_limits<std::uint32_t>::max();

// splitmix64 finaliser: a cheap, well-mixed family of hash functions when
// combined with a different seed per signature row.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::uint64_t hash64(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

std::vector<std::uint64_t> word_shingles(std::span<const std::uint64_t> word_hashes, std::size_t n) {
  std::vector<std::uint64_t> out;
  if (word_hashes.empty() || n == 0) return out;
  const std::size_t width = std::min(n, word_hashes.size());
  out.reserve(word_hashes.size() - width + 1);
  for (std::size_t i = 0; i + width <= word_hashes.size(); ++i) {
    std::uint64_t h = 0;
    for (std::size_t j = i; j < i + width; ++j) h = mix(h ^ word_hashes[j]);
    out.push_back(h);
  }
  return out;
}

MinHash minhash(std::span<const std::uint64_t> shingles) {
  MinHash signature;
  signature.fill(kEmpty);
  for (std::uint64_t s : shingles)
    for (std::size_t i = 0; i < kMinHashSize; ++i) {
      const auto h = static_cast<std::uint32_t>(mix(s ^ (0x51ed27ULL * (i + 1))) >> 32);
      if (h < signature[i]) signature[i] = h;
    }
  return signature;
}

double estimate_jaccard(const MinHash& a, const MinHash& b) {
  std::size_t equal = 0;
  for (std::size_t i = 0; i < kMinHashSize; ++i) equal += a[i] == b[i] && a[i] != kEmpty;
  return static_cast<double>(equal) / kMinHashSize;
}

std::array<std::uint64_t, kMinHashBands> lsh_keys(const MinHash& signature) {
  constexpr std::size_t rows = kMinHashSize / kMinHashBands;
  std::array<std::uint64_t, kMinHashBands> keys{};
  for (std::size_t band = 0; band < kMinHashBands; ++band) {
    std::uint64_t h = mix(band);
    for (std::size_t r = 0; r < rows; ++r) h = mix(h ^ signature[band * rows + r]);
    keys[band] = h;
  }
  return keys;
}

}  // namespace fcd::text
