#include "text/stemmer.hpp"

#include <libstemmer.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <vector>

#include "text/stopwords.hpp"

namespace fcd::text {

namespace {

// News repeats its words: a few thousand cover most of a day's text, and a
// Snowball call costs far more than a hash and a compare. The cache is
// direct-mapped (a new word overwrites the entry it hashes to), so it never
// allocates after warming up and its memory is fixed.
constexpr std::size_t kCachedStems = 1 << 14;

// 32 bytes, two to a cache line: the word, then the stem less the start it
// shares with the word (a Snowball stem is mostly a prefix of its word, a
// letter or two changed at most), so words of up to 27 bytes fit and the
// cache takes half the memory of two std::strings an entry. The entry also
// says whether the word is a stop word: the analyzer asks both of every
// token, and the stop-word set's own hash and probe per token cost more than
// the byte.
struct alignas(32) CachedStem {
  static constexpr std::size_t kBytes = 28;
  std::uint8_t word_size = 0;  // 0: unused
  std::uint8_t shared = 0;     // bytes the stem shares with the start of the word
  std::uint8_t tail_size = 0;  // stem bytes after those
  bool stop_word = false;      // is_stop_word(the stemmer's language, word)
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
  struct Answer {
    std::string_view stem;
    bool stop_word = false;
  };

  Language language{};
  std::unique_ptr<sb_stemmer, Deleter> stemmer;
  std::vector<CachedStem> cache;
  std::string stem;  // a cached stem that is not a prefix of its word, put together

  CachedStem& entry_for(std::uint64_t word_hash) { return cache[word_hash & (kCachedStems - 1)]; }

  // The answer entry holds for word (entry.word() == word).
  Answer cached(const CachedStem& entry, std::string_view word) {
    if (entry.tail_size == 0) return {word.substr(0, entry.shared), entry.stop_word};
    stem.assign(word.substr(0, entry.shared)).append(entry.tail());
    return {stem, entry.stop_word};
  }

  // Asks libstemmer and the stop-word list, and keeps the answer in entry
  // when the word and the stem's tail fit there. The stem may be
  // libstemmer's buffer, valid until its next call.
  Answer fresh(CachedStem& entry, std::string_view word) {
    const sb_symbol* out =
        sb_stemmer_stem(stemmer.get(), reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()));
    if (out == nullptr) throw std::bad_alloc();
    const Answer answer{std::string_view(reinterpret_cast<const char*>(out),
                                         static_cast<std::size_t>(sb_stemmer_length(stemmer.get()))),
                        is_stop_word(language, word)};
    const auto shared = static_cast<std::size_t>(
        std::mismatch(word.begin(), word.end(), answer.stem.begin(), answer.stem.end()).first - word.begin());
    const std::string_view tail = answer.stem.substr(shared);
    if (word.size() + tail.size() <= CachedStem::kBytes) {
      entry.word_size = static_cast<std::uint8_t>(word.size());
      entry.shared = static_cast<std::uint8_t>(shared);
      entry.tail_size = static_cast<std::uint8_t>(tail.size());
      entry.stop_word = answer.stop_word;
      std::copy(word.begin(), word.end(), entry.bytes.begin());
      std::copy(tail.begin(), tail.end(), entry.bytes.begin() + static_cast<std::ptrdiff_t>(word.size()));
    }
    return answer;
  }

  Answer lookup(std::string_view word, std::uint64_t word_hash) {
    CachedStem& entry = entry_for(word_hash);
    return entry.word() == word ? cached(entry, word) : fresh(entry, word);
  }
};

Stemmer::Stemmer(Language language) : handle_(std::make_unique<Handle>()) {
  handle_->language = language;
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
  return handle_->lookup(word, word_hash).stem;
}

std::optional<std::string_view> Stemmer::content_stem(std::string_view word, std::uint64_t word_hash) {
  if (!handle_->stemmer || word.empty()) {
    if (is_stop_word(handle_->language, word)) return std::nullopt;
    return word;
  }
  const Handle::Answer answer = handle_->lookup(word, word_hash);
  if (answer.stop_word) return std::nullopt;
  return answer.stem;
}

}  // namespace fcd::text
