#include "text/stemmer.hpp"

#include <libstemmer.h>

#include <stdexcept>
#include <vector>

namespace fcd::text {

namespace {

// News repeats its words: a few thousand cover most of a day's text, and a
// Snowball call costs far more than a hash and a compare. The cache is
// direct-mapped (a new word overwrites the entry it hashes to), so it never
// allocates after warming up and its memory is fixed.
constexpr std::size_t kCachedStems = 1 << 14;

// One cache line each, so a lookup costs one miss, not two when an entry
// straddles lines.
struct alignas(64) CachedStem {
  std::string word;
  std::string stem;
};

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
  if (!handle_->stemmer) return word;
  CachedStem& entry = handle_->cache[word_hash & (kCachedStems - 1)];
  if (entry.word == word) return entry.stem;
  const sb_symbol* out = sb_stemmer_stem(handle_->stemmer.get(), reinterpret_cast<const sb_symbol*>(word.data()),
                                         static_cast<int>(word.size()));
  if (out == nullptr) throw std::bad_alloc();
  entry.word = word;
  entry.stem.assign(reinterpret_cast<const char*>(out),
                    static_cast<std::size_t>(sb_stemmer_length(handle_->stemmer.get())));
  return entry.stem;
}

}  // namespace fcd::text
