#pragma once
// Snowball stemming (Debian's libstemmer) per language.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "text/language.hpp"
#include "text/minhash.hpp"

namespace fcd::text {

// One Snowball stemmer with a bounded cache of the stems it gave. Not
// thread-safe (libstemmer keeps per-stemmer state): use one per thread. Languages without a Snowball algorithm here (kUnknown,
// kOther, kJapanese, kChinese) return words unchanged.
class Stemmer {
 public:
  explicit Stemmer(Language language);
  ~Stemmer();
  Stemmer(Stemmer&&) noexcept;
  Stemmer& operator=(Stemmer&&) noexcept;
  Stemmer(const Stemmer&) = delete;
  Stemmer& operator=(const Stemmer&) = delete;

  // Stem of a folded UTF-8 word: a view into this stemmer's cache (or into
  // word itself), valid until the next call. Copying a stem per token was a
  // tenth of analysing.
  std::string_view stem(std::string_view word) { return stem(word, hash64(word)); }
  // The same, given hash64(word), which the analyzer has already computed.
  std::string_view stem(std::string_view word, std::uint64_t word_hash);
  // The stem of a word that is not a stop word of this stemmer's language
  // (is_stop_word), nullopt for a stop word, given hash64(word): the
  // analyzer asks both of every token, and one cache entry answers both.
  std::optional<std::string_view> content_stem(std::string_view word, std::uint64_t word_hash);

  // Starts loading the cache entry of a word about to be stemmed, given its
  // hash64: a text's lookups are cache misses, and asked for together they
  // overlap instead of queueing.
  void prefetch(std::uint64_t word_hash) const;

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
};

}  // namespace fcd::text
