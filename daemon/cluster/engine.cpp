#include "cluster/engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <unordered_map>

#include "core/ascii.hpp"
#include "text/flat_map.hpp"
#include "text/language.hpp"
#include "text/minhash.hpp"
#include "text/tfidf.hpp"
#include "url/url.hpp"

namespace fcd::cluster {

namespace {

using text::SparseVector;
using text::TermId;
using Seq = std::uint32_t;  // position in the arrival stream; 2^31 articles per engine lifetime
constexpr std::uint32_t kListTag = 0x80000000u;  // marks a posting list index in the postings map

constexpr std::size_t kMatchedTerms = 6;
constexpr double kMinCandidateCosine = 0.05;
constexpr std::size_t kFullHeadlineScan = 32;
constexpr std::size_t kMergeCandidates = 8;

// A window article's terms, sorted by id, unit length.
using TermSpan = std::span<const text::WeightedTerm>;

// The term vectors and titles of the window's articles, end to end in
// arrival order, in chunks of kChunkBytes. Articles leave the window oldest
// first, so a chunk is freed once the newest article written into it has
// left; a freed chunk is kept for the next one. A std::vector and a
// std::string per article cost two allocations and frees per article, and
// on the heap a header, rounding and slack each.
class ArrivalStore {
 public:
  struct Entry {
    const text::WeightedTerm* terms = nullptr;
    const char* title = nullptr;
    std::uint32_t term_count = 0, title_size = 0;
  };

  // Copies the terms and title of article seq (newer than any appended before).
  Entry append(Seq seq, TermSpan terms, std::string_view title) {
    const std::size_t term_bytes = terms.size_bytes();
    const std::size_t need = term_bytes + title.size() + alignof(text::WeightedTerm);
    if (chunks_.empty() || chunks_.back().used + need > chunks_.back().size) add_chunk(need);
    Chunk& chunk = chunks_.back();
    constexpr std::size_t align = alignof(text::WeightedTerm);
    const std::size_t at = (chunk.used + align - 1) / align * align;
    std::byte* const data = chunk.data.get() + at;
    // An article with no indexable word has no terms, and an empty title no
    // bytes: their data() may be null, which memcpy may not be given.
    if (term_bytes > 0) std::memcpy(data, terms.data(), term_bytes);
    if (!title.empty()) std::memcpy(data + term_bytes, title.data(), title.size());
    chunk.used = at + term_bytes + title.size();
    chunk.newest = seq;
    return {std::launder(reinterpret_cast<const text::WeightedTerm*>(data)),
            reinterpret_cast<const char*>(data + term_bytes), static_cast<std::uint32_t>(terms.size()),
            static_cast<std::uint32_t>(title.size())};
  }

  // Frees the chunks that hold only articles older than oldest_kept.
  void release_before(Seq oldest_kept) {
    while (!chunks_.empty() && chunks_.front().newest < oldest_kept) {
      if (chunks_.front().size == kChunkBytes) spare_ = std::move(chunks_.front().data);
      chunks_.pop_front();
    }
  }

  std::size_t bytes() const {
    std::size_t bytes = spare_ ? kChunkBytes : 0;
    for (const Chunk& c : chunks_) bytes += c.size + sizeof(Chunk);
    return bytes;
  }

 private:
  static constexpr std::size_t kChunkBytes = std::size_t{16} << 10;

  struct Chunk {
    std::unique_ptr<std::byte[]> data;
    std::size_t size = 0;
    std::size_t used = 0;
    Seq newest = 0;  // the newest article with data here
  };

  void add_chunk(std::size_t need) {
    Chunk chunk;
    chunk.size = std::max(need, kChunkBytes);
    if (chunk.size == kChunkBytes && spare_)
      chunk.data = std::move(spare_);
    else
      chunk.data = std::make_unique_for_overwrite<std::byte[]>(chunk.size);
    chunks_.push_back(std::move(chunk));
  }

  std::deque<Chunk> chunks_;
  std::unique_ptr<std::byte[]> spare_;  // a freed chunk of kChunkBytes
};

// 128 bytes, four to a block of the window's deque: the duplicate flag sits
// beside the other flags rather than in an optional duplicate_of.
struct Slot {
  core::ArticleId id = 0;
  core::ArticleId original = 0;  // the earliest copy, when this is a duplicate
  core::TimePoint time{};
  std::uint64_t url_key = 0;  // 0: no URL
  ArrivalStore::Entry data;  // vector and title
  text::MinHash signature{};
  bool live = true;
  bool body_signature = false;  // signature of body shingles (else of the title)
  bool duplicate = false;
  std::uint32_t instrument = 0;  // the market instrument it reports on; 0: none named

  TermSpan vector() const { return {data.terms, data.term_count}; }  // top terms, unit length
  std::string_view title() const { return {data.title, data.title_size}; }
  std::optional<core::ArticleId> duplicate_of() const {
    return duplicate ? std::optional<core::ArticleId>(original) : std::nullopt;
  }
};
static_assert(sizeof(Slot) == 128);

// One entry of a term's posting list: an article holding the term and the
// term's weight there, so a scan reads one contiguous array and never the
// articles' own vectors (those reads were cache misses, most of the time).
struct Posting {
  Seq seq = 0;
  float weight = 0;
};

// The posting lists of all terms, each in arrival order, oldest first, at
// most max_postings_scan of them: only that many newest are ever scanned, so
// older ones are dropped as new ones come, which bounds memory and eviction.
// A list lives in a block of 2, 3, 4, 6, 8, 12, ... postings taken from the
// pool of its size; it moves to the next size when full and back to the one
// below when a half-full block would do, since the list of a term that
// fades keeps losing its oldest postings. Pools hand out blocks from chunks
// of kChunkBlocks and reuse freed ones, so blocks stay mostly full and a
// list costs no heap block, header or allocator overhead of its own
// (bench/cluster/README.md has the measurements).
class PostingStore {
 public:
  // A new list of two postings; returns its id.
  std::uint32_t create(Posting older, Posting newer) {
    std::uint32_t id;
    if (free_heads_.empty()) {
      id = static_cast<std::uint32_t>(heads_.size());
      heads_.emplace_back();
    } else {
      id = free_heads_.back();
      free_heads_.pop_back();
    }
    Head& h = heads_[id];
    h = {allocate(0), 2, 0};
    Posting* p = data(h);
    p[0] = older;
    p[1] = newer;
    return id;
  }

  std::span<const Posting> list(std::uint32_t id) const {
    const Head& h = heads_[id];
    return {data(h), h.size};
  }

  void push_back(std::uint32_t id, Posting posting) {
    Head& h = heads_[id];
    if (h.size == capacity_of(h.size_class)) relocate(h, h.size_class + 1);
    data(h)[h.size++] = posting;
  }

  void pop_front(std::uint32_t id) {
    Head& h = heads_[id];
    Posting* p = data(h);
    std::copy(p + 1, p + h.size, p);
    --h.size;
    // Down one size only, so the list has room to grow again before it
    // would move back up.
    if (h.size_class >= 2 && h.size <= capacity_of(h.size_class - 2)) relocate(h, h.size_class - 1);
  }

  // Frees the list; its id and block are reused.
  void release(std::uint32_t id) {
    Head& h = heads_[id];
    pools_[h.size_class].free_blocks.push_back(h.block);
    h = {};
    free_heads_.push_back(id);
  }

  std::size_t bytes() const {
    std::size_t bytes = heads_.capacity() * sizeof(Head) + free_heads_.capacity() * sizeof(std::uint32_t);
    for (std::size_t c = 0; c < pools_.size(); ++c)
      bytes += pools_[c].chunks.size() * kChunkBlocks * capacity_of(c) * sizeof(Posting) +
               pools_[c].chunks.capacity() * sizeof(void*) + pools_[c].free_blocks.capacity() * sizeof(std::uint32_t);
    return bytes;
  }

 private:
  // Small enough that the first chunk of each of the nine sizes, which even
  // a small window pays for, is not a large part of it (16 KiB for 32 postings).
  static constexpr std::uint32_t kChunkBlocks = 64;

  struct Head {
    std::uint32_t block = 0;  // in the pool of its size class
    std::uint32_t size = 0;
    std::uint32_t size_class = 0;  // blocks of capacity_of(size_class) postings
  };

  struct Pool {
    std::vector<std::unique_ptr<Posting[]>> chunks;
    std::uint32_t blocks = 0;  // handed out from the chunks so far
    std::vector<std::uint32_t> free_blocks;
  };

  // 2, 3, 4, 6, 8, 12, 16, ...: growing by half or a third, so a block is
  // on average less empty than with doubling.
  static std::size_t capacity_of(std::size_t size_class) {
    return std::size_t{2 + size_class % 2} << (size_class / 2);
  }

  // Copies the list into a block of another size and frees its old block.
  void relocate(Head& h, std::uint32_t size_class) {
    const std::uint32_t block = allocate(size_class);
    const Posting* from = data(h);
    std::copy(from, from + h.size, address(size_class, block));
    pools_[h.size_class].free_blocks.push_back(h.block);
    h.block = block;
    h.size_class = size_class;
  }

  std::uint32_t allocate(std::uint32_t size_class) {
    if (pools_.size() <= size_class) pools_.resize(size_class + 1);
    Pool& pool = pools_[size_class];
    if (!pool.free_blocks.empty()) {
      const std::uint32_t block = pool.free_blocks.back();
      pool.free_blocks.pop_back();
      return block;
    }
    if (pool.blocks == pool.chunks.size() * kChunkBlocks)
      pool.chunks.push_back(std::make_unique<Posting[]>(kChunkBlocks * capacity_of(size_class)));
    return pool.blocks++;
  }

  Posting* address(std::uint32_t size_class, std::uint32_t block) const {
    return pools_[size_class].chunks[block / kChunkBlocks].get() + (block % kChunkBlocks) * capacity_of(size_class);
  }
  Posting* data(const Head& h) const { return address(h.size_class, h.block); }

  std::vector<Head> heads_;
  std::vector<std::uint32_t> free_heads_;
  std::vector<Pool> pools_;  // by size class
};

struct Story {
  core::StoryId id = 0;
  std::vector<Seq> members;
  SparseVector sum;  // sum of member vectors, canonical
  double norm = 0;
  core::TimePoint first{}, last{};
  Seq headline = 0;
  // The instrument its members report on (0: none) and how many name it.
  std::uint32_t instrument = 0;
  std::uint32_t instrument_members = 0;
  bool dirty = false;  // changed since the last merge pass (and listed in dirty_stories)
};

using Days = std::chrono::duration<std::int64_t, std::ratio<86400>>;

// A market instrument's story is one (UTC) day of trading in it: the day's
// move is the event, and the next day's reports, however alike in wording
// (the same outlet, the same analysts, "US Dollar"), are the next event.
// Reports on two different instruments (EUR/USD and GBP/USD, or a bank's
// notes on each) are different stories likewise. Instrument stories of
// different days or instruments never join or merge.
bool markets_differ(std::uint32_t a, core::TimePoint a_day, std::uint32_t b, core::TimePoint b_day) {
  if (a == 0 || b == 0) return false;
  return a != b || std::chrono::floor<Days>(a_day) != std::chrono::floor<Days>(b_day);
}

// Reports on one instrument from one (UTC) day are one story, however
// differently worded: a price forecast, a bank's note and a market wrap on
// EUR/USD share little beyond the pair, so the join bar is waived for them.
bool same_market_report(std::uint32_t instrument, core::TimePoint t, const Story& story) {
  return instrument != 0 && instrument == story.instrument &&
         std::chrono::floor<Days>(t) == std::chrono::floor<Days>(story.first);
}

// Terms are keyed by the low 32 bits of their hash64.
TermId term_id(std::uint64_t term_hash) { return static_cast<TermId>(term_hash); }

double norm_of(const SparseVector& v) {
  double sum = 0;
  for (const auto& t : v) sum += static_cast<double>(t.weight) * t.weight;
  return std::sqrt(sum);
}

// The first of len terms from first whose id is not below term. Branch-free
// halving: a story sum is searched for each term of each candidate, and
// which half holds the term is a coin toss the branch predictor loses.
const text::WeightedTerm* lower_bound_term(const text::WeightedTerm* first, std::size_t len, TermId term) {
  if (len == 0) return first;
  while (len > 1) {
    const std::size_t half = len / 2;
    first = first[half].term < term ? first + half : first;
    len -= half;
  }
  return first + (first->term < term);
}

// Dot product of a short vector with a long one, by binary search in the long one.
// Each search covers the whole of it and the sum takes a product or keeps its
// value without a branch: the searches then depend on nothing but their own
// term, so the processor runs several at once instead of each waiting for
// the last one's cache misses in a story sum. The sum is the same: the same
// products added in the same order.
double dot_lookup(TermSpan small, TermSpan large) {
  double sum = 0;
  if (large.empty()) return sum;
  const text::WeightedTerm* const last = large.data() + large.size() - 1;
  for (const auto& t : small) {
    const text::WeightedTerm* found = std::min(lower_bound_term(large.data(), large.size(), t.term), last);
    const double with = sum + static_cast<double>(t.weight) * found->weight;
    sum = found->term == t.term ? with : sum;
  }
  return sum;
}

// One vector's weights by term, for many dot products with it: a story's
// sum with each merge candidate's, or an article's vector with each
// candidate story's sum. Each term of the other vector is looked up without
// a branch and without waiting for the last lookup, where a merge of the
// two waited at every step for the last compare, and a binary search in a
// story sum for each of the article's terms waited on its cache misses
// level by level (the sum read front to back instead streams in). The
// products are added in the other vector's term order, as text::dot and
// dot_lookup add them; a term it lacks adds a product of zero, which leaves
// the sum as it was, so the dot products are the same to the bit.
class TermTable {
 public:
  void assign(TermSpan v) {
    std::size_t capacity = 16;
    shift_ = 28;
    // A quarter full at most, where cuckoo hashing seldom fails.
    while (capacity < 4 * v.size()) {
      capacity *= 2;
      --shift_;
    }
    while (!fill(v, capacity)) {
      capacity *= 2;
      --shift_;
    }
  }

  double dot(TermSpan other) const {
    double sum = 0;
    for (const auto& t : other) {
      const std::size_t at = home(t.term);
      const text::WeightedTerm& a = cells_[at];
      const text::WeightedTerm& b = cells_[at ^ step(t.term)];
      const float weight = (a.term == t.term ? a.weight : 0.0f) + (b.term == t.term ? b.weight : 0.0f);
      sum += static_cast<double>(t.weight) * weight;
    }
    return sum;
  }

 private:
  // Cuckoo hashing: a term is in one of two cells, its home or the cell a
  // step away, so a lookup reads both and needs no loop. Empty cells weigh
  // 0 (no term of a vector weighs 0, and one that did would add nothing).
  bool fill(TermSpan v, std::size_t capacity) {
    cells_.assign(capacity, {});
    for (const auto& t : v) {
      text::WeightedTerm moving = t;
      std::size_t at = home(t.term);
      for (int evictions = 0; cells_[at].weight != 0.0f; ++evictions) {
        if (evictions == 32) return false;
        std::swap(moving, cells_[at]);
        at ^= step(moving.term);
      }
      cells_[at] = moving;
    }
    return true;
  }

  // Term ids are hash bits already; the multiplies spread the low ones up.
  std::size_t home(TermId term) const { return static_cast<std::uint32_t>(term * 0x9E3779B1u) >> shift_; }
  // Never 0, so a term's two cells differ; the same from either of them.
  std::size_t step(TermId term) const { return (static_cast<std::uint32_t>(term * 0x85EBCA77u) >> shift_) | 1; }

  std::vector<text::WeightedTerm> cells_;
  unsigned shift_ = 28;
};

// The k heaviest terms of v, the ones keep_top would keep, without copying
// all of v first (a story sum holds hundreds of terms; the merge pass wants 8).
SparseVector top_terms(const SparseVector& v, std::size_t k) {
  const auto heavier = [](const text::WeightedTerm& a, const text::WeightedTerm& b) {
    return a.weight != b.weight ? a.weight > b.weight : a.term < b.term;
  };
  SparseVector top;  // heaviest first while collecting
  if (k == 0) return top;
  top.reserve(k + 1);
  for (const auto& t : v) {
    if (top.size() == k && !heavier(t, top.back())) continue;
    top.insert(std::upper_bound(top.begin(), top.end(), t, heavier), t);
    if (top.size() > k) top.pop_back();
  }
  std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.term < b.term; });
  return top;
}

// a += sign * b, dropping terms that cancel out. With only_present, terms
// of b that a lacks are skipped: taking a member out of a pruned sum must
// not put back the light terms the pruning dropped, as negative weights.
// Merged in place from the back: a story sum holds hundreds of terms and is
// updated on every join, so a new vector each time was mostly copying.
void accumulate(SparseVector& a, TermSpan b, float sign, bool only_present = false) {
  std::size_t added = 0;
  if (!only_present) {
    std::size_t i = 0;
    for (const auto& t : b) {
      while (i < a.size() && a[i].term < t.term) ++i;
      added += i == a.size() || a[i].term != t.term;
    }
  }
  std::size_t i = a.size(), j = b.size();
  // Grown by b's size only, not doubled: story sums are much of the state.
  if (a.size() + added > a.capacity()) a.reserve(a.size() + b.size());
  a.resize(a.size() + added);
  std::size_t out = a.size();
  bool cancelled = false;
  while (j > 0) {
    if (i > 0 && a[i - 1].term > b[j - 1].term) {
      a[--out] = a[--i];
    } else if (i > 0 && a[i - 1].term == b[j - 1].term) {
      const float w = a[--i].weight + sign * b[--j].weight;
      const bool cancels = std::fabs(w) <= 1e-5f;
      a[--out] = {a[i].term, cancels ? std::numeric_limits<float>::quiet_NaN() : w};
      cancelled = cancelled || cancels;
    } else {
      --j;
      if (!only_present) a[--out] = {b[j].term, sign * b[j].weight};
    }
  }
  if (cancelled) std::erase_if(a, [](const text::WeightedTerm& t) { return std::isnan(t.weight); });
}

// The words of slug (lower case, one space apart) that title does not
// spell out, ASCII case aside: a slug mostly repeats its title, and then
// costs no second analysis.
std::string words_not_in(std::string_view slug, std::string_view title) {
  const std::string folded = core::to_lower(title);
  const auto is_word_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || static_cast<unsigned char>(c) >= 0x80;
  };
  const auto in_title = [&](std::string_view word) {
    for (std::size_t at = folded.find(word); at != std::string::npos; at = folded.find(word, at + 1)) {
      const std::size_t end = at + word.size();
      if ((at == 0 || !is_word_char(folded[at - 1])) && (end == folded.size() || !is_word_char(folded[end])))
        return true;
    }
    return false;
  };
  std::string out;
  for (std::size_t start = 0; start < slug.size();) {
    const std::size_t end = std::min(slug.find(' ', start), slug.size());
    const std::string_view word = slug.substr(start, end - start);
    start = end + 1;
    if (in_title(word)) continue;
    if (!out.empty()) out.push_back(' ');
    out.append(word);
  }
  return out;
}

}  // namespace

struct Engine::State {
  explicit State(EngineOptions o) : options(o), analyzer(o.analyzer), df(o.df_half_life) {
    df.set_prior(text::news_prior(), options.prior_documents);
  }

  EngineOptions options;
  text::Analyzer analyzer;
  text::DocumentFrequencies df;

  std::deque<Slot> slots;
  ArrivalStore arrival;  // the slots' vectors and titles
  // What candidate search reads and writes per window article, apart from
  // the slots and in one 16-byte entry, so that a posting costs one cache
  // miss, not one each for the story, the score and the shared-term count.
  struct SeqState {
    core::StoryId story = 0;  // 0 once the article is retired
    float score = 0;          // candidate search scratch, zero between searches
    std::uint8_t shared = 0;  // likewise
  };
  std::deque<SeqState> at_seq;
  Seq base = 0;  // seq of slots.front()
  text::detail::FlatMap<core::ArticleId> by_id;
  // term -> the seq of its only posting, or kListTag | its list id in
  // posting_lists: most terms are held by one article in the window, and a
  // list of its own would cost such a term three times the bytes.
  text::detail::FlatMap<TermId> postings;
  PostingStore posting_lists;
  std::size_t posting_count = 0;
  text::detail::FlatMap<std::uint64_t> by_url;  // earliest live article per canonical URL
  // Newest article per LSH band key: a copy of a copy still finds the chain
  // through the newest one, and one entry per key keeps memory flat. Keys
  // are 32 bits: every candidate is checked by its Jaccard estimate, so a
  // key collision costs one comparison, and each cell takes half the bytes.
  text::detail::FlatMap<std::uint32_t> lsh;
  // Hashed: candidate search looks up hundreds of stories an article, and a
  // tree walk per lookup was a fifth of the engine's time. Merge passes sort
  // the ids they visit, so decisions stay deterministic.
  std::unordered_map<core::StoryId, Story> stories;
  core::StoryId next_story = 1;
  // Stories marked dirty since the last merge pass (ids may repeat, and may
  // be gone): walking every story's node to find them cost more than the
  // comparisons of the pass.
  std::vector<core::StoryId> dirty_stories;
  // Instrument -> the newest story reporting on it: its same-day reports
  // join that story even when it is not among the candidates that their
  // wording finds (a bank's note shares more words with its notes on other
  // pairs). An entry leaves with its story or when the story no longer
  // names the instrument, so it holds only stories of the window.
  std::unordered_map<std::uint32_t, core::StoryId> report_story;
  core::TimePoint now{};
  bool started = false;
  std::size_t since_merge = 0;

  // Candidate search and the merge pass: the postings of each query term (a
  // term's only posting kept in query_singles); candidate search: the seq -
  // base of each article it scored.
  std::vector<std::span<const Posting>> query_postings;
  std::vector<Posting> query_singles;
  SparseVector indexed;  // indexed_terms' answer
  std::vector<std::uint32_t> touched;
  // What candidate search found per story, and where each story's entry is.
  struct Evidence {
    core::StoryId story;
    double best;  // cosine of its best-matching member
    std::uint32_t best_shared;  // terms shared with that member
    std::uint32_t supporting;  // members with cosine >= support_cosine
  };
  std::vector<Evidence> evidence;
  std::vector<const Story*> candidate_stories;  // of choose_story's evidence kept, or the merge pass's candidates
  text::detail::FlatMap<core::StoryId> evidence_of;
  text::detail::FlatMap<TermId> seen_ids;  // scratch of repeats_an_id
  // Scratch of the merge pass: how often each story was met, and where.
  std::vector<std::pair<std::size_t, core::StoryId>> merge_hits;
  text::detail::FlatMap<core::StoryId> merge_hits_of;
  // The sum of the story the merge pass compares, by term.
  TermTable story_terms;
  // The vector of the article candidate search places, by term.
  TermTable query_terms;

  Slot* slot(Seq seq) {
    if (seq < base || seq - base >= slots.size()) return nullptr;
    Slot& s = slots[seq - base];
    return s.live ? &s : nullptr;
  }
  const Slot* slot(Seq seq) const { return const_cast<State*>(this)->slot(seq); }
  core::StoryId& story_of_seq(Seq seq) { return at_seq[seq - base].story; }

  static std::array<std::uint32_t, text::kMinHashBands> keys_of(const Slot& s) {
    const auto wide = text::lsh_keys(s.signature);
    std::array<std::uint32_t, text::kMinHashBands> keys{};
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const std::uint64_t k = wide[i] ^ (s.body_signature ? 0x9e3779b97f4a7c15ULL : 0);
      keys[i] = static_cast<std::uint32_t>(k ^ (k >> 32));
    }
    return keys;
  }

  // ---- stories -------------------------------------------------------------

  double centroid_cosine(TermSpan v, const Story& story) const {
    return story.norm > 0 ? dot_lookup(v, story.sum) / story.norm : 0.0;
  }

  // How a member ranks as its story's headline under the current centroid.
  struct HeadlineRank {
    bool original = false;
    double centrality = 0;
    Seq seq = 0;
  };

  HeadlineRank headline_rank(const Story& story, Seq seq) const {
    const Slot& s = *slot(seq);
    return {!s.duplicate, centroid_cosine(s.vector(), story), seq};
  }

  // Is a a better headline than b: an original before a copy, then the more
  // central, then the earlier.
  static bool better_headline(const HeadlineRank& a, const HeadlineRank& b) {
    if (a.original != b.original) return a.original;
    if (std::fabs(a.centrality - b.centrality) > 1e-9) return a.centrality > b.centrality;
    return a.seq < b.seq;
  }

  // The most central member, originals before copies; returns true when it
  // changed. Small stories, and large ones each time their size doubles, are
  // scanned whole (each member's centrality computed once); otherwise only
  // the newcomer challenges the current headline, so a join costs O(1)
  // members, not O(story size).
  bool choose_headline(Story& story, std::optional<Seq> newcomer) {
    const Seq before = story.headline;
    const std::size_t n = story.members.size();
    if (!newcomer || n <= kFullHeadlineScan || (n & (n - 1)) == 0 || slot(story.headline) == nullptr) {
      // Each member's vector is a cache miss behind a cache miss (its slot);
      // asked for all at once, the misses overlap instead of queueing.
      for (Seq seq : story.members) __builtin_prefetch(slot(seq)->data.terms);
      HeadlineRank best = headline_rank(story, story.members.front());
      for (Seq seq : story.members) {
        if (seq == best.seq) continue;
        const HeadlineRank rank = headline_rank(story, seq);
        if (better_headline(rank, best)) best = rank;
      }
      story.headline = best.seq;
    } else if (better_headline(headline_rank(story, *newcomer), headline_rank(story, story.headline))) {
      story.headline = *newcomer;
    }
    return story.headline != before;
  }

  // A large story's sum holds the union of its members' terms, thousands of
  // them; its light tail moves a cosine little and would cost more memory
  // than the members themselves. Pruned to the heaviest max_story_terms
  // when it reaches twice that, so pruning costs O(1) amortised per term.
  void prune_sum(Story& story) const {
    if (story.sum.size() < 2 * options.max_story_terms) return;
    text::keep_top(story.sum, options.max_story_terms);
    story.sum.shrink_to_fit();  // sums are updated in place, so nothing else gives the memory back
  }

  void mark_dirty(Story& story) {
    if (story.dirty) return;
    story.dirty = true;
    dirty_stories.push_back(story.id);
  }

  void add_member(Story& story, Seq seq) {
    Slot& s = *slot(seq);
    story_of_seq(seq) = story.id;
    if (story.members.empty()) {
      story.first = story.last = s.time;
    } else {
      story.first = std::min(story.first, s.time);
      story.last = std::max(story.last, s.time);
    }
    story.members.push_back(seq);
    if (s.instrument != 0 && story.instrument == 0) story.instrument = s.instrument;
    story.instrument_members += s.instrument != 0 && s.instrument == story.instrument;
    accumulate(story.sum, s.vector(), 1.0f);
    prune_sum(story);
    story.norm = norm_of(story.sum);
    mark_dirty(story);
  }

  // Takes an article out of its story; drops the story when it empties.
  void remove_member(Seq seq) {
    Slot& s = *slot(seq);
    auto it = stories.find(story_of_seq(seq));
    if (it == stories.end()) return;
    Story& story = it->second;
    story.members.erase(std::find(story.members.begin(), story.members.end(), seq));
    if (s.instrument != 0 && s.instrument == story.instrument && --story.instrument_members == 0) {
      if (auto report = report_story.find(story.instrument); report != report_story.end() && report->second == story.id)
        report_story.erase(report);
      story.instrument = 0;
    }
    if (story.members.empty()) {
      stories.erase(it);
      return;
    }
    accumulate(story.sum, s.vector(), -1.0f, true);
    story.norm = norm_of(story.sum);
    if (story.headline == seq) choose_headline(story, std::nullopt);
  }

  // ---- index ---------------------------------------------------------------

  // The heaviest index_terms terms of an article, which alone go into the
  // posting lists: the light ones are mostly one-off phrases and words whose
  // lists would hold a single entry each, at a cost per list, and they add
  // little to a cosine.
  // They are the terms keep_top would keep, in the vector's term order:
  // the lightest one kept is found in a copy, and the vector filtered by it,
  // instead of sorting the kept terms back into term order. In indexed,
  // valid until the next call.
  const SparseVector& indexed_terms(const Slot& s) {
    const TermSpan v = s.vector();
    indexed.assign(v.begin(), v.end());
    if (v.size() <= options.index_terms) return indexed;
    const auto heavier = [](const text::WeightedTerm& a, const text::WeightedTerm& b) {
      return a.weight != b.weight ? a.weight > b.weight : a.term < b.term;
    };
    const auto lightest_kept = indexed.begin() + static_cast<std::ptrdiff_t>(options.index_terms) - 1;
    std::nth_element(indexed.begin(), lightest_kept, indexed.end(), heavier);
    const text::WeightedTerm bar = *lightest_kept;
    indexed.clear();
    for (const auto& t : v)
      if (!heavier(bar, t)) indexed.push_back(t);
    return indexed;
  }

  // The weight of term in a window article's vector (which holds it).
  float weight_in(Seq seq, TermId term) const {
    const TermSpan v = slots[seq - base].vector();
    const auto it = std::lower_bound(v.begin(), v.end(), term,
                                     [](const text::WeightedTerm& w, TermId t) { return w.term < t; });
    return it->weight;
  }

  void index(Seq seq) {
    Slot& s = *slot(seq);
    const SparseVector& terms = indexed_terms(s);
    // Each term's map entry is a cache miss, and the loop's mispredicted
    // branches kept the next term's lookup from starting early; asked for
    // all at once first, the misses overlap.
    for (const auto& t : terms) postings.prefetch(t.term);
    for (const auto& t : terms) {
      ++posting_count;
      const std::optional<std::uint32_t> found = postings.find(t.term);
      if (!found) {
        postings.set(t.term, seq);
        continue;
      }
      if ((*found & kListTag) == 0 && options.max_postings_scan == 1) {
        postings.set(t.term, seq);
        --posting_count;
        continue;
      }
      if ((*found & kListTag) == 0) {
        const std::uint32_t list = posting_lists.create({*found, weight_in(*found, t.term)}, {seq, t.weight});
        postings.set(t.term, list | kListTag);
        continue;
      }
      const std::uint32_t list = *found & ~kListTag;
      if (posting_lists.list(list).size() >= options.max_postings_scan) {
        posting_lists.pop_front(list);
        --posting_count;
      }
      posting_lists.push_back(list, {seq, t.weight});
    }
    if (s.url_key != 0) by_url.try_set(s.url_key, seq);
    for (auto key : keys_of(s)) lsh.set(key, seq);
  }

  // The newest max_postings_scan window articles holding term (retired
  // ones included), oldest first; a term's only posting is written to single
  // and returned from there.
  std::span<const Posting> postings_of(TermId term, Posting& single) const {
    const std::optional<std::uint32_t> found = postings.find(term);
    if (!found) return {};
    if ((*found & kListTag) == 0) {
      single = {*found, weight_in(*found, term)};
      return {&single, 1};
    }
    return posting_lists.list(*found & ~kListTag);
  }

  // Sets query_postings[i] to postings_of(query[i].term). Every term's
  // postings are found before any is scanned: the lookups depend on nothing
  // but their term, so their cache misses overlap, where a scan between two
  // lookups kept the next one waiting. Likewise the window entries the
  // postings name, in random places of the window: prefetched all at once
  // before the scan needs the first.
  void gather_postings(TermSpan query) {
    query_singles.resize(query.size());
    query_postings.resize(query.size());
    for (const auto& t : query) postings.prefetch(t.term);  // as in index()
    for (std::size_t i = 0; i < query.size(); ++i) query_postings[i] = postings_of(query[i].term, query_singles[i]);
    for (const std::span<const Posting> p : query_postings)
      for (const Posting& posting : p) __builtin_prefetch(&at_seq[posting.seq - base]);
  }

  // Drops the postings of the oldest slot, which come first for each of its
  // terms unless newer ones already pushed them out. A list left with one
  // entry goes back to being stored in the map.
  void drop_postings(Seq leaving_seq, const Slot& leaving) {
    const SparseVector& terms = indexed_terms(leaving);
    for (const auto& t : terms) postings.prefetch(t.term);  // as in index()
    for (const auto& t : terms) {
      const std::uint32_t found = *postings.find(t.term);
      if ((found & kListTag) == 0) {
        if (found == leaving_seq) {
          postings.erase(t.term);
          --posting_count;
        }
        continue;
      }
      const std::uint32_t list = found & ~kListTag;
      if (posting_lists.list(list).front().seq != leaving_seq) continue;
      posting_lists.pop_front(list);
      --posting_count;
      if (posting_lists.list(list).size() == 1) {
        postings.set(t.term, posting_lists.list(list).front().seq);
        posting_lists.release(list);
      }
    }
  }

  // Removes what points at a live slot from the URL and LSH maps; posting
  // entries are skipped while the slot is dead and dropped when it leaves.
  void unindex(Seq seq) {
    const Slot& s = *slot(seq);
    if (s.url_key != 0 && by_url.find(s.url_key) == seq) by_url.erase(s.url_key);
    for (auto key : keys_of(s))
      if (lsh.find(key) == seq) lsh.erase(key);
  }

  void retire(Seq seq) {
    remove_member(seq);
    unindex(seq);
    Slot& s = *slot(seq);
    by_id.erase(s.id);
    story_of_seq(seq) = 0;
    s.live = false;  // its vector stays: its postings are dropped when it leaves the window
  }

  void evict() {
    const core::TimePoint horizon = now - options.window;
    while (!slots.empty()) {
      Slot& front = slots.front();
      if (front.live && front.time >= horizon) break;
      if (front.live) retire(base);
      drop_postings(base, front);
      slots.pop_front();
      at_seq.pop_front();
      ++base;
    }
    arrival.release_before(base);
  }

  // ---- placing -------------------------------------------------------------

  struct Vectorised {
    SparseVector vector;
    std::vector<TermId> ids;  // the term id of each feature of the analysis
    text::Analysis analysis;
    std::vector<TermId> words;  // the distinct term ids of its one-word features
  };

  bool repeats_an_id(const SparseVector& v) {
    seen_ids.clear();
    seen_ids.reserve(v.size());
    for (std::uint32_t i = 0; i < v.size(); ++i)
      if (seen_ids.try_set(v[i].term, i) != i) return true;
    return false;
  }

  // Aggregators cut long headlines short ("... as it's revealed she 'once
  // hoped to  ..."); the slug then mostly holds the rest of the headline.
  static bool is_truncated(std::string_view title) {
    while (!title.empty() && (title.back() == ' ' || title.back() == '\t')) title.remove_suffix(1);
    return title.ends_with("...") || title.ends_with("\u2026");
  }

  // A headline-only article's URL slug often words the event otherwise than
  // its title (an earlier headline, the editor's keywords: "fda-change-food-
  // labels-first-time-20-years-american-diet"); the words the title lacks
  // count as a body's would. Only single words: the title's phrases stand.
  void add_slug_words(text::Analysis& analysis, std::string_view url, std::string_view title) {
    const std::string slug = words_not_in(url::slug_words(url), title);
    if (slug.empty()) return;
    const bool title_truncated = is_truncated(title);
    const text::Analysis slug_analysis = analyzer.analyze(slug, "", analysis.language);
    const std::size_t title_features = analysis.features.size();
    for (const text::Feature& f : slug_analysis.features) {
      if (f.kind != text::Feature::Kind::kWord) continue;
      const auto end = analysis.features.begin() + static_cast<std::ptrdiff_t>(title_features);
      if (std::any_of(analysis.features.begin(), end, [&f](const text::Feature& g) { return g.hash == f.hash; }))
        continue;
      text::Feature added = f;
      added.term_begin = static_cast<std::uint32_t>(analysis.terms.size());
      added.weight = title_truncated ? options.analyzer.title_weight : static_cast<float>(options.url_slug_weight);
      analysis.terms.append(slug_analysis.term(f));
      analysis.features.push_back(added);
    }
  }

  Vectorised vectorise(const Article& article, core::TimePoint t) {
    Vectorised out;
    out.analysis = analyzer.analyze(article.title, article.text, text::language_from_code(article.language));
    if (options.url_slug_weight > 0 && out.analysis.headline_only)
      add_slug_words(out.analysis, article.url, article.title);
    const auto& features = out.analysis.features;
    // Word idfs first, each looked up once; a two-word feature is taken to
    // be as rare as its rarer word (counting every phrase would fill the
    // frequency table with one-off pairs), read from the words' entries.
    out.ids.resize(features.size());
    std::vector<TermId> word_ids;
    std::vector<std::uint32_t> word_features;
    word_ids.reserve(features.size());
    word_features.reserve(features.size());
    for (std::size_t i = 0; i < features.size(); ++i) {
      out.ids[i] = term_id(features[i].hash);
      if (features[i].first_word == text::Feature::kNoWord) {
        word_ids.push_back(out.ids[i]);
        word_features.push_back(static_cast<std::uint32_t>(i));
      }
    }
    std::vector<double> idf(features.size());
    std::vector<double> word_idf(word_ids.size());
    df.idf(word_ids, t, word_idf);
    for (std::size_t k = 0; k < word_ids.size(); ++k) idf[word_features[k]] = word_idf[k];
    SparseVector raw;
    raw.reserve(features.size());
    for (std::size_t i = 0; i < features.size(); ++i) {
      const auto& f = features[i];
      if (f.first_word != text::Feature::kNoWord) idf[i] = std::max(idf[f.first_word], idf[f.second_word]);
      // Sub-linear term frequency: a word repeated in a long body should not
      // outweigh a rare name said once.
      const double tf = f.weight >= 1.0f ? 1.0 + std::log(f.weight) : f.weight;
      raw.push_back({out.ids[i], static_cast<float>(tf * idf[i])});
    }
    // Two features' ids collide rarely. Without a collision canonicalising
    // is only a sort by id, and keep_top picks the same terms from unsorted
    // input, so only the kept terms need sorting (bench/cluster/README.md
    // has the measurement). Nor do the word ids then need sorting to be
    // made distinct: the document frequencies take them in any order. (A
    // short vector is not checked: its canonicalising sorts it anyway.)
    const bool distinct_ids = raw.size() > options.max_terms && !repeats_an_id(raw);
    if (!distinct_ids) text::canonicalise(raw);
    text::keep_top(raw, options.max_terms);
    text::normalise(raw);
    if (!distinct_ids) {
      std::sort(word_ids.begin(), word_ids.end());
      word_ids.erase(std::unique(word_ids.begin(), word_ids.end()), word_ids.end());
    }
    out.words = std::move(word_ids);
    out.vector = std::move(raw);
    return out;
  }

  // Counts a new article in the document frequencies once it is placed:
  // all its words, or for a headline joining a story only the words the
  // story's sum does not hold (headline_frequencies_by_story).
  void count_frequencies(const Vectorised& v, const Story* joined, core::TimePoint t) {
    if (joined == nullptr || !v.analysis.headline_only || !options.headline_frequencies_by_story) {
      df.add(v.words, t);
      return;
    }
    std::vector<TermId> new_words;
    for (TermId word : v.words) {
      const auto it = std::lower_bound(joined->sum.begin(), joined->sum.end(), word,
                                       [](const text::WeightedTerm& w, TermId term) { return w.term < term; });
      if (it == joined->sum.end() || it->term != word) new_words.push_back(word);
    }
    df.add(new_words, t);
  }

  std::vector<std::string> matched_terms(const Vectorised& v, TermSpan other) const {
    std::vector<std::pair<double, TermId>> shared_terms;
    auto from = other.begin();
    for (const auto& t : v.vector) {
      from = std::lower_bound(from, other.end(), t.term,
                              [](const text::WeightedTerm& w, TermId term) { return w.term < term; });
      if (from == other.end()) break;
      if (from->term == t.term) shared_terms.emplace_back(static_cast<double>(t.weight) * from->weight, t.term);
    }
    std::sort(shared_terms.begin(), shared_terms.end(),
              [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    std::vector<std::string> out;
    for (const auto& [weight, term] : shared_terms) {
      if (out.size() == kMatchedTerms) break;
      // The first feature with the term's id names it (ids of two terms can collide).
      const auto it = std::find(v.ids.begin(), v.ids.end(), term);
      out.emplace_back(v.analysis.term(v.analysis.features[static_cast<std::size_t>(it - v.ids.begin())]));
    }
    return out;
  }

  // The earliest copy this article duplicates, with the similarity.
  std::optional<std::pair<Seq, double>> find_duplicate(const Slot& candidate) const {
    if (candidate.url_key != 0)
      if (auto seq = by_url.find(candidate.url_key)) return std::pair{*seq, 1.0};
    std::optional<std::pair<Seq, double>> best;
    for (auto key : keys_of(candidate)) {
      const auto found = lsh.find(key);
      if (!found) continue;
      const Seq seq = *found;
      const Slot* other = slot(seq);
      if (other == nullptr || other->body_signature != candidate.body_signature) continue;
      // A market report that repeats another day's words ("India Gold price
      // today: Gold rises") is that day's report, not a copy: a new event.
      if (markets_differ(candidate.instrument, candidate.time, other->instrument, other->time)) continue;
      const double j = text::estimate_jaccard(candidate.signature, other->signature);
      const bool same = candidate.body_signature
                            ? j >= options.duplicate_jaccard
                            : j >= options.duplicate_title_jaccard &&
                                  text::dot(candidate.vector(), other->vector()) >= options.duplicate_title_cosine;
      if (same && (!best || j > best->second + 1e-9 || (std::fabs(j - best->second) <= 1e-9 && seq < best->first)))
        best = std::pair{seq, j};
    }
    return best;
  }

  // How much of a score survives the time between a span [first, last] and
  // a story's span: all of it within time_grace, then exp(-excess / time_scale).
  double time_factor(core::TimePoint first, core::TimePoint last, const Story& story) const {
    const auto gap = last < story.first   ? story.first - last
                     : first > story.last ? first - story.last
                                          : core::Duration{0};
    const double excess = static_cast<double>(std::max<long long>(0, (gap - options.time_grace).count()));
    return std::exp(-excess / static_cast<double>(std::max<long long>(1, options.time_scale.count())));
  }

  struct Choice {
    core::StoryId story = 0;
    double score = 0;
    double threshold = 0;
    double margin = -1e9;
    bool same_report = false;  // a same-day report on the story's market instrument
  };

  // Asks for the first lines of a story sum about to be read front to back.
  static void prefetch_start(const SparseVector& sum) {
    for (std::size_t at = 0; at < std::min<std::size_t>(sum.size(), 32); at += 8) __builtin_prefetch(&sum[at]);
  }

  Choice choose_story(const Slot& candidate) {
    // The scratch arrays are all zero between calls: only touched entries are
    // reset afterwards, so a call costs what it visits, not the window size.
    touched.clear();
    gather_postings(candidate.vector());
    for (std::size_t i = 0; i < query_postings.size(); ++i) {
      const float query_weight = candidate.vector()[i].weight;
      const std::span<const Posting> p = query_postings[i];
      for (std::size_t k = p.size(); k-- > 0;) {
        SeqState& entry = at_seq[p[k].seq - base];
        if (entry.story == 0) continue;
        if (entry.shared == 0) touched.push_back(p[k].seq - base);
        entry.score += query_weight * p[k].weight;
        if (entry.shared < 255) ++entry.shared;
      }
    }
    // One entry per story: its best member and how many members support
    // it, gathered through a small map rather than by sorting every member.
    evidence.clear();
    evidence_of.clear();
    for (std::uint32_t index : touched) {
      SeqState& entry = at_seq[index];
      const auto next = static_cast<std::uint32_t>(evidence.size());
      const std::uint32_t at = evidence_of.try_set(entry.story, next);
      if (at == next) evidence.push_back({entry.story, 0.0, 0, 0});
      Evidence& e = evidence[at];
      if (at == next || entry.score > e.best) {
        e.best = entry.score;
        e.best_shared = entry.shared;
      }
      e.supporting += entry.score >= options.support_cosine ? 1u : 0u;
      entry.score = 0.0f;
      entry.shared = 0;
    }

    // Stories ranked by their best member's cosine. Only the best
    // max_candidate_stories are scored against their centroid; a story whose
    // best member is far behind theirs does not win.
    std::erase_if(evidence, [&](const Evidence& e) {
      return e.best < kMinCandidateCosine || e.best_shared < options.min_shared_terms;
    });
    std::vector<Evidence>& candidates = evidence;
    if (candidates.size() > options.max_candidate_stories) {
      const auto keep = candidates.begin() + static_cast<std::ptrdiff_t>(options.max_candidate_stories);
      std::nth_element(candidates.begin(), keep, candidates.end(), [](const Evidence& a, const Evidence& b) {
        return a.best != b.best ? a.best > b.best : a.story < b.story;
      });
      candidates.erase(keep, candidates.end());
    }
    if (candidate.instrument != 0) {
      const auto it = report_story.find(candidate.instrument);
      if (it != report_story.end() && stories.contains(it->second) &&
          std::none_of(candidates.begin(), candidates.end(), [&](const Evidence& e) { return e.story == it->second; }))
        candidates.push_back({it->second, 0.0, 0, 0});
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const Evidence& a, const Evidence& b) { return a.story < b.story; });

    // Each candidate's sum is read front to back, and its first lines are
    // cache misses before the hardware prefetcher follows: asked for while
    // the candidate before is scored, they arrive in time.
    candidate_stories.clear();
    for (const Evidence& top : candidates) candidate_stories.push_back(&stories.at(top.story));
    if (!candidates.empty()) query_terms.assign(candidate.vector());
    Choice choice;
    for (std::size_t c = 0; c < candidates.size(); ++c) {
      if (c + 1 < candidates.size()) prefetch_start(candidate_stories[c + 1]->sum);
      const Evidence& top = candidates[c];
      const std::uint32_t supporting = top.supporting;
      const Story& story = *candidate_stories[c];
      if (markets_differ(candidate.instrument, candidate.time, story.instrument, story.first)) continue;
      const double n = static_cast<double>(story.members.size());
      const double centroid = story.norm > 0 ? query_terms.dot(story.sum) / story.norm : 0.0;
      double s = options.centroid_share * centroid + (1.0 - options.centroid_share) * top.best +
                 options.support_bonus * (supporting / n);
      const double decay = time_factor(candidate.time, candidate.time, story);
      const bool specific_match = candidate.body_signature && candidate.instrument == 0 &&
                                  top.best >= options.long_gap_cosine && top.best_shared >= options.long_gap_terms;
      s *= specific_match ? std::max(decay, options.long_gap_floor) : decay;
      // Two headlines, not a headline and a report whose body holds every
      // word of it: a long body shares two words with most headlines of its
      // topic.
      const bool corroborated_pair = story.members.size() == 1 && !candidate.body_signature &&
                                     !slot(story.members.front())->body_signature && top.best_shared >= 2;
      const double threshold =
          options.join_threshold_large + (options.join_threshold_pair - options.join_threshold_large) / n -
          (corroborated_pair ? options.corroborated_pair_relief : 0.0);
      const bool same_report = same_market_report(candidate.instrument, candidate.time, story);
      const double margin = same_report ? std::max(0.0, s - threshold) : s - threshold;
      // A report on an instrument belongs to that instrument's story of the
      // day, even when its wording matches another story better ("Gold rises
      // as traders brace for US Nonfarm Payrolls" and the payrolls previews).
      const bool better = same_report != choice.same_report ? same_report : margin > choice.margin + 1e-12;
      if (better) choice = Choice{story.id, s, threshold, margin, same_report};
    }
    return choice;
  }

  Decision add(const Article& article) {
    Decision decision;
    decision.article = article.id;
    core::StoryId previous_story = 0;
    if (auto seq = by_id.find(article.id)) {
      decision.update = true;
      previous_story = story_of_seq(*seq);
      retire(*seq);
    }
    const core::TimePoint t = article.published.value_or(now);
    if (!started || t > now) now = t;
    started = true;
    evict();

    Vectorised v = vectorise(article, t);
    Slot incoming;
    incoming.id = article.id;
    incoming.time = t;
    // The daemon hands over the stored canonical URL; only a caller without one
    // (a corpus, a benchmark) leaves it to be derived here.
    const std::string canonical =
        article.canonical_url.empty() ? url::canonicalize(article.url).value_or("") : article.canonical_url;
    incoming.url_key = canonical.empty() ? 0 : text::hash64(canonical) | 1;
    incoming.body_signature = v.analysis.shingles.size() >= options.duplicate_min_shingles &&
                              !article.text.empty();
    incoming.signature =
        text::minhash(incoming.body_signature ? v.analysis.shingles : v.analysis.title_shingles);
    const Seq seq = base + static_cast<Seq>(slots.size());
    incoming.data = arrival.append(seq, v.vector, article.title);
    if (options.market_instruments && v.analysis.instrument != 0)
      incoming.instrument = static_cast<std::uint32_t>(v.analysis.instrument) | 1;

    std::optional<core::StoryId> target;
    auto dup = find_duplicate(incoming);
    // An updated original that matches its own copy stays the original: it
    // rejoins the copy's story, never becomes a duplicate of itself.
    if (dup && slot(dup->first)->duplicate_of() == article.id) {
      target = story_of_seq(dup->first);
      decision.placement = Decision::Placement::kJoined;
      decision.score = dup->second;
      decision.matched_terms = matched_terms(v, slot(dup->first)->vector());
    } else if (dup) {
      const Slot& original = *slot(dup->first);
      target = story_of_seq(dup->first);
      incoming.duplicate = true;
      incoming.original = original.duplicate_of().value_or(original.id);
      decision.duplicate_of = incoming.original;
      decision.placement = Decision::Placement::kDuplicate;
      decision.score = dup->second;
      decision.matched_terms = matched_terms(v, original.vector());
    } else {
      const Choice choice = choose_story(incoming);
      decision.score = std::max(0.0, choice.score);
      decision.threshold = choice.threshold;
      if (choice.story != 0 && choice.margin >= 0) {
        target = choice.story;
        decision.placement = Decision::Placement::kJoined;
        decision.matched_terms = matched_terms(v, stories.at(choice.story).sum);
      }
    }

    slots.push_back(incoming);
    at_seq.push_back({});
    by_id.set(article.id, seq);
    index(seq);

    if (!decision.update) count_frequencies(v, target ? &stories.at(*target) : nullptr, t);

    Story* story = nullptr;
    if (target) {
      story = &stories.at(*target);
      add_member(*story, seq);
      decision.events.push_back({StoryEvent::Kind::kGrew, story->id, 0, {}});
      if (choose_headline(*story, seq))
        decision.events.push_back({StoryEvent::Kind::kHeadlineChanged, story->id, 0, std::string(slot(story->headline)->title())});
    } else {
      // An update that leaves its old story empty founds it again under the
      // same id, so links to it stay valid.
      const bool reuse = previous_story != 0 && !stories.contains(previous_story);
      const core::StoryId id = reuse ? previous_story : next_story++;
      story = &stories.emplace(id, Story{}).first->second;
      story->id = id;
      add_member(*story, seq);
      story->headline = seq;
      decision.placement = Decision::Placement::kFounded;
      decision.events.push_back({StoryEvent::Kind::kCreated, id, 0, article.title});
    }
    decision.story = story->id;
    if (const std::uint32_t instrument = slot(seq)->instrument; instrument != 0 && instrument == story->instrument)
      report_story[instrument] = story->id;

    if (options.merge_every > 0 && ++since_merge >= options.merge_every) {
      auto events = merge_pass();
      decision.events.insert(decision.events.end(), events.begin(), events.end());
    }
    return decision;
  }

  // ---- merging -------------------------------------------------------------

  std::vector<StoryEvent> merge_pass() {
    since_merge = 0;
    std::vector<StoryEvent> events;
    std::vector<core::StoryId> dirty = std::move(dirty_stories);
    dirty_stories.clear();
    std::sort(dirty.begin(), dirty.end());
    dirty.erase(std::unique(dirty.begin(), dirty.end()), dirty.end());
    for (core::StoryId id : dirty) {
      auto it = stories.find(id);
      if (it == stories.end()) continue;
      Story& story = it->second;
      story.dirty = false;
      const SparseVector top = top_terms(story.sum, options.merge_top_terms);
      gather_postings(top);
      // The stories met most often through the top terms; the centroid
      // comparison is O(terms), so only a few are compared. Counted through
      // a small map: sorting every hit to count them was a hundredth of the run.
      std::vector<std::pair<std::size_t, core::StoryId>>& counted = merge_hits;
      counted.clear();
      merge_hits_of.clear();
      for (const std::span<const Posting> p : query_postings) {
        for (std::size_t k = p.size(); k-- > 0;) {
          const core::StoryId other = at_seq[p[k].seq - base].story;
          if (other == 0 || other == id) continue;
          const auto next = static_cast<std::uint32_t>(counted.size());
          const std::uint32_t at = merge_hits_of.try_set(other, next);
          if (at == next) counted.emplace_back(0, other);
          ++counted[at].first;
        }
      }
      const std::size_t keep_n = std::min(kMergeCandidates, counted.size());
      std::partial_sort(counted.begin(), counted.begin() + static_cast<std::ptrdiff_t>(keep_n), counted.end(),
                        [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
      std::vector<core::StoryId> candidates;
      for (std::size_t i = 0; i < keep_n; ++i) candidates.push_back(counted[i].second);
      std::sort(candidates.begin(), candidates.end());
      core::StoryId partner = 0;
      double best = options.merge_threshold;
      if (!candidates.empty()) story_terms.assign(story.sum);
      candidate_stories.clear();
      for (core::StoryId other_id : candidates) candidate_stories.push_back(&stories.at(other_id));
      for (std::size_t k = 0; k < candidates.size(); ++k) {
        if (k + 1 < candidates.size()) prefetch_start(candidate_stories[k + 1]->sum);  // as in choose_story()
        const core::StoryId other_id = candidates[k];
        const Story& other = *candidate_stories[k];
        if (markets_differ(story.instrument, story.first, other.instrument, other.first)) continue;
        // Decayed as a join is: two stories days apart that share a topic
        // (a star, a product line) are separate events, and comparing
        // centroids without the time let them chain.
        const double c = story.norm > 0 && other.norm > 0
                             ? story_terms.dot(other.sum) / (story.norm * other.norm) *
                                   time_factor(story.first, story.last, other)
                             : 0.0;
        if (c >= best) {
          best = c;
          partner = other_id;
        }
      }
      if (partner == 0) continue;
      const core::StoryId older = std::min(id, partner), younger = std::max(id, partner);
      Story& kept = stories.at(older);
      Story& gone = stories.at(younger);
      for (Seq seq : gone.members) {
        story_of_seq(seq) = older;
        kept.members.push_back(seq);
      }
      accumulate(kept.sum, gone.sum, 1.0f);
      prune_sum(kept);
      kept.norm = norm_of(kept.sum);
      if (auto it = report_story.find(gone.instrument); it != report_story.end() && it->second == younger)
        it->second = older;
      if (kept.instrument == 0) kept.instrument = gone.instrument;
      if (gone.instrument == kept.instrument) kept.instrument_members += gone.instrument_members;
      kept.first = std::min(kept.first, gone.first);
      kept.last = std::max(kept.last, gone.last);
      mark_dirty(kept);
      stories.erase(younger);
      events.push_back({StoryEvent::Kind::kMerged, younger, older, {}});
      if (choose_headline(kept, std::nullopt))
        events.push_back({StoryEvent::Kind::kHeadlineChanged, older, 0, std::string(slot(kept.headline)->title())});
    }
    return events;
  }

  Stats stats() const {
    Stats s;
    s.stories = stories.size();
    s.postings = posting_count;
    s.vocabulary = df.terms();
    std::size_t bytes = slots.size() * (sizeof(Slot) + sizeof(SeqState));
    for (const auto& slot : slots) s.articles += slot.live;
    bytes += arrival.bytes();
    bytes += by_id.bytes() + by_url.bytes() + postings.bytes() + lsh.bytes();
    bytes += posting_lists.bytes();
    for (const auto& [id, story] : stories)
      bytes += 4 * sizeof(void*) + sizeof(Story) + story.members.capacity() * sizeof(Seq) +
               story.sum.capacity() * sizeof(text::WeightedTerm);
    bytes += df.bytes();
    bytes += report_story.size() * (sizeof(std::uint32_t) + sizeof(core::StoryId) + 2 * sizeof(void*));
    s.state_bytes = bytes;
    return s;
  }
};

Engine::Engine(EngineOptions options) : state_(std::make_unique<State>(options)) {}
Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

Decision Engine::add(const Article& article) { return state_->add(article); }

std::vector<StoryEvent> Engine::merge_pass() { return state_->merge_pass(); }

std::vector<Decision> Engine::rebuild(std::span<const Article> articles) {
  state_ = std::make_unique<State>(state_->options);
  std::vector<const Article*> order;
  order.reserve(articles.size());
  for (const auto& a : articles) order.push_back(&a);
  std::stable_sort(order.begin(), order.end(), [](const Article* a, const Article* b) {
    const auto ta = a->published.value_or(core::TimePoint{}), tb = b->published.value_or(core::TimePoint{});
    return ta != tb ? ta < tb : a->id < b->id;
  });
  std::vector<Decision> decisions;
  decisions.reserve(order.size());
  for (const Article* a : order) decisions.push_back(state_->add(*a));
  if (!decisions.empty()) {
    auto events = state_->merge_pass();
    decisions.back().events.insert(decisions.back().events.end(), events.begin(), events.end());
  }
  return decisions;
}

std::optional<core::StoryId> Engine::story_of(core::ArticleId article) const {
  const auto seq = state_->by_id.find(article);
  if (!seq) return std::nullopt;
  return state_->at_seq[*seq - state_->base].story;
}

std::optional<std::string> Engine::headline(core::StoryId story) const {
  auto it = state_->stories.find(story);
  if (it == state_->stories.end()) return std::nullopt;
  return std::string(state_->slot(it->second.headline)->title());
}

bool Engine::holds_story(core::StoryId story) const { return state_->stories.contains(story); }

Stats Engine::stats() const { return state_->stats(); }
const EngineOptions& Engine::options() const { return state_->options; }

}  // namespace fcd::cluster
