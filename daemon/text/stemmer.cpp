#include "text/stemmer.hpp"

#include <libstemmer.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <vector>

namespace fcd::text {

namespace {

// News repeats its words: a few thousand cover most of a day's text, and a
// Snowball call costs far more than a hash and a compare. The cache is
// direct-mapped (a new word overwrites the entry it hashes to), so it never
// allocates after warming up and its memory is fixed.
constexpr std::size_t kCachedStems = 1 << 14;

// 32 bytes, two to a cache line: the word, then the stem less the start it
// shares with the word (a Snowball stem is mostly a prefix of its word, a
// letter or two changed at most), so words of up to 28 bytes fit and the
// cache takes half the memory of two std::strings an entry.
struct alignas(32) CachedStem {
  static constexpr std::size_t kBytes = 29;
  std::uint8_t word_size = 0;  // 0: unused
  std::uint8_t shared = 0;     // bytes the stem shares with the start of the word
  std::uint8_t tail_size = 0;  // stem bytes after those
  std::array<char, kBytes> bytes{};  // the word, then the stem's tail

  std::string_view word() const { return {bytes.data(), word_size}; }
  std::string_view tail() const { return {bytes.data() + word_size, tail_size}; }
};
static_assert(sizeof(CachedStem) == 32);

const char* algorithm_for(Language language) {
  switch (language) {
    case Language::kEnglish: return "english";
    case Language::kGerman: return "german";
    case Language::kFrench: return "french";
    case Language::kSpanish: return "spanish";
    case Language::kItalian: return "italian";
    case Language::kPortuguese: return "portuguese";
    case Language::kDutch: return "dutch";
    case Language::kRussian: return "russian";
    default: return nullptr;
  }
}

}  // namespace

struct Stemmer::Handle {
  struct Deleter {
    void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
  };
  std::unique_ptr<sb_stemmer, Deleter> stemmer;
  std::vector<CachedStem> cache;
  std::string stem;  // a cached stem that is not a prefix of its word, put together
};

Stemmer::Stemmer(Language language) : handle_(std::make_unique<Handle>()) {
  if (const char* algorithm = algorithm_for(language)) {
    handle_->stemmer.reset(sb_stemmer_new(algorithm, "UTF_8"));
    if (!handle_->stemmer) throw std::runtime_error(std::string("libstemmer has no algorithm ") + algorithm);
    handle_->cache.resize(kCachedStems);
  }
}

Stemmer::~Stemmer() = default;
Stemmer::Stemmer(Stemmer&&) noexcept = default;
Stemmer& Stemmer::operator=(Stemmer&&) noexcept = default;

void Stemmer::prefetch(std::uint64_t word_hash) const {
  if (handle_->stemmer) __builtin_prefetch(&handle_->cache[word_hash & (kCachedStems - 1)]);
}

std::string_view Stemmer::stem(std::string_view word, std::uint64_t word_hash) {
  if (!handle_->stemmer || word.empty()) return word;
  CachedStem& entry = handle_->cache[word_hash & (kCachedStems - 1)];
  if (entry.word() == word) {
    if (entry.tail_size == 0) return word.substr(0, entry.shared);
    handle_->stem.assign(word.substr(0, entry.shared)).append(entry.tail());
    return handle_->stem;
  }
  const sb_symbol* out = sb_stemmer_stem(handle_->stemmer.get(), reinterpret_cast<const sb_symbol*>(word.data()),
                                         static_cast<int>(word.size()));
  if (out == nullptr) throw std::bad_alloc();
  const std::string_view stem(reinterpret_cast<const char*>(out),
                              static_cast<std::size_t>(sb_stemmer_length(handle_->stemmer.get())));
  const auto shared = static_cast<std::size_t>(
      std::mismatch(word.begin(), word.end(), stem.begin(), stem.end()).first - word.begin());
  const std::string_view tail = stem.substr(shared);
  if (word.size() + tail.size() <= CachedStem::kBytes) {
    entry.word_size = static_cast<std::uint8_t>(word.size());
    entry.shared = static_cast<std::uint8_t>(shared);
    entry.tail_size = static_cast<std::uint8_t>(tail.size());
    std::copy(word.begin(), word.end(), entry.bytes.begin());
    std::copy(tail.begin(), tail.end(), entry.bytes.begin() + static_cast<std::ptrdiff_t>(word.size()));
  }
  return stem;  // libstemmer's buffer, valid until its next call
}

}  // namespace fcd::text
