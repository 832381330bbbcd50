#pragma once
// Shingles and MinHash signatures for near-duplicate detection, with LSH band
// keys so that candidates are found without comparing every pair.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fcd::text {

// 64-bit hash of a string (XXH3); stable across runs and platforms.
std::uint64_t hash64(std::string_view bytes);

// Hashes of the overlapping n-word shingles of a text given as the hash64 of
// each of its words (each word hashed once, not once per shingle it is in);
// a text shorter than n words yields one shingle of all of them, an empty one none.
std::vector<std::uint64_t> word_shingles(std::span<const std::uint64_t> word_hashes, std::size_t n);

inline constexpr std::size_t kMinHashSize = 16;
inline constexpr std::size_t kMinHashBands = 4;  // of kMinHashSize / kMinHashBands rows each

using MinHash = std::array<std::uint32_t, kMinHashSize>;

// The MinHash signature of a set of shingle hashes (duplicates are harmless).
// An empty set gives all-ones, which estimate_jaccard treats as matching nothing.
MinHash minhash(std::span<const std::uint64_t> shingles);

// Estimated Jaccard similarity of the two shingle sets, in [0, 1].
double estimate_jaccard(const MinHash& a, const MinHash& b);

// One key per band: two signatures sharing any key are LSH candidates. With 4
// bands of 4 rows, sets at Jaccard 0.8 collide with probability 0.94, at 0.3
// with 0.03.
std::array<std::uint64_t, kMinHashBands> lsh_keys(const MinHash& signature);

}  // namespace fcd::text
