#include "text/tfidf.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

namespace fcd::text {

void canonicalise(SparseVector& v) {
  std::sort(v.begin(), v.end(), [](const WeightedTerm& a, const WeightedTerm& b) { return a.term < b.term; });
  std::size_t out = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (out > 0 && v[out - 1].term == v[i].term)
      v[out - 1].weight += v[i].weight;
    else
      v[out++] = v[i];
  }
  v.resize(out);
}

void normalise(SparseVector& v) {
  double sum = 0;
  for (const auto& t : v) sum += static_cast<double>(t.weight) * t.weight;
  if (sum <= 0) return;
  const double inv = 1.0 / std::sqrt(sum);
  for (auto& t : v) t.weight = static_cast<float>(t.weight * inv);
}

namespace {

// A term's place in keep_top's order, heavier first and then the lower
// term id, as one integer, smaller first: the bits of a float read as an
// integer order its magnitudes, so flipping them by the sign orders all of it.
std::uint64_t heavier_first(const WeightedTerm& t) {
  const auto bits = std::bit_cast<std::uint32_t>(t.weight == 0.0f ? 0.0f : t.weight);  // -0 ties with 0
  const std::uint32_t ascending = (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
  return static_cast<std::uint64_t>(~ascending) << 32 | t.term;
}

}  // namespace

void keep_top(SparseVector& v, std::size_t k) {
  if (v.size() <= k) return;
  const auto heavier = [](const WeightedTerm& a, const WeightedTerm& b) { return heavier_first(a) < heavier_first(b); };
  // Quickselect whose partition moves every term without a branch: which
  // side of the pivot a term falls is a coin toss, and nth_element's
  // branches on it were most of its time.
  std::size_t lo = 0, hi = v.size();
  while (hi - lo > 16 && lo != k) {
    const std::uint64_t a = heavier_first(v[lo]), b = heavier_first(v[lo + (hi - lo) / 2]),
                        c = heavier_first(v[hi - 1]);
    const std::uint64_t pivot = std::max(std::min(a, b), std::min(std::max(a, b), c));
    std::size_t store = lo;
    for (std::size_t i = lo; i < hi; ++i) {
      const WeightedTerm t = v[i];
      v[i] = v[store];
      v[store] = t;
      store += heavier_first(t) < pivot;
    }
    if (store == lo) break;  // repeated terms tie with the pivot; nth_element below sorts them out
    (k < store ? hi : lo) = store;
  }
  if (lo != k)
    std::nth_element(v.begin() + static_cast<std::ptrdiff_t>(lo), v.begin() + static_cast<std::ptrdiff_t>(k),
                     v.begin() + static_cast<std::ptrdiff_t>(hi), heavier);
  v.resize(k);
  std::sort(v.begin(), v.end(), [](const WeightedTerm& a, const WeightedTerm& b) { return a.term < b.term; });
}

double dot(std::span<const WeightedTerm> a, std::span<const WeightedTerm> b) {
  double sum = 0;
  std::size_t i = 0, j = 0;
  // The steps are branch-free: which side moves is a coin toss, and the
  // merge pass runs this over story sums of hundreds of terms.
  while (i < a.size() && j < b.size()) {
    const TermId x = a[i].term, y = b[j].term;
    if (x == y) sum += static_cast<double>(a[i].weight) * b[j].weight;
    i += x <= y;
    j += y <= x;
  }
  return sum;
}

DocumentFrequencies::DocumentFrequencies(core::Duration half_life, double min_frequency)
    : half_life_s_(static_cast<double>(std::max<long long>(1, half_life.count()))), min_frequency_(min_frequency) {}

double DocumentFrequencies::scale_at(core::TimePoint t) const {
  // Bounded so that a time centuries from the origin (a feed's bogus date)
  // gives a tiny or huge but finite scale, never 0 or infinity, whose
  // quotients would make every weight NaN.
  return std::exp2(std::clamp(static_cast<double>((t - origin_).count()) / half_life_s_, -900.0, 900.0));
}

void DocumentFrequencies::rebase(core::TimePoint t) {
  const double factor = 1.0 / scale_at(t);
  total_ *= factor;
  // Rescaled in place and the faded terms erased after: a second table
  // built beside the first, growing as it filled, doubled the table's
  // memory at every rebase and left the heap holes of its smaller sizes.
  std::vector<TermId> faded;
  counts_.update_each([&](TermId term, std::uint32_t& bits) {
    const auto count = static_cast<float>(std::bit_cast<float>(bits) * factor);
    if (count >= min_frequency_)
      bits = std::bit_cast<std::uint32_t>(count);
    else
      faded.push_back(term);
  });
  for (TermId term : faded) counts_.erase(term);
  origin_ = t;
}

void DocumentFrequencies::add(std::span<const TermId> distinct_terms, core::TimePoint t) {
  if (!started_) {
    origin_ = t;
    started_ = true;
  }
  // Rebase every half-life: keeps the numbers in float range and prunes terms
  // that have faded, so the table holds about one half-life of vocabulary.
  if ((t - origin_).count() > half_life_s_) rebase(t);
  const auto w = static_cast<float>(scale_at(t));
  total_ += w;
  for (TermId term : distinct_terms) counts_.prefetch(term);  // as in idf()
  for (TermId term : distinct_terms) {
    const float count = std::bit_cast<float>(counts_.find(term).value_or(std::bit_cast<std::uint32_t>(0.0f)));
    counts_.set(term, std::bit_cast<std::uint32_t>(count + w));
  }
}

void DocumentFrequencies::set_prior(const DocumentFrequencyPrior& prior, double prior_documents) {
  prior_counts_.clear();
  prior_documents_ = std::max(0.0, prior_documents);
  if (prior_documents_ <= 0 || prior.stories <= 0) return;
  for (const PriorEntry& e : prior.entries)
    prior_counts_.set(e.term, std::bit_cast<std::uint32_t>(static_cast<float>(e.stories / prior.stories)));
}

double DocumentFrequencies::documents(core::TimePoint t) const {
  return started_ ? total_ / scale_at(t) : 0.0;
}

double DocumentFrequencies::frequency(TermId term, core::TimePoint t) const {
  const auto bits = counts_.find(term);
  return bits ? std::bit_cast<float>(*bits) / scale_at(t) : 0.0;
}

double DocumentFrequencies::idf(TermId term, core::TimePoint t) const {
  double out = 0;
  idf(std::span(&term, 1), t, std::span(&out, 1));
  return out;
}

void DocumentFrequencies::idf(std::span<const TermId> terms, core::TimePoint t, std::span<double> out) const {
  const double scale = scale_at(t);
  const double learned = started_ ? total_ / scale : 0.0;
  // The prior is another corpus of another time: worth prior_documents
  // documents to an engine that has seen none, and fading fast as the
  // engine's own count grows past that, so that a warm engine weighs
  // today's words by today's news alone. Below a hundredth of a document it
  // cannot move an idf by 2 % and is not looked up.
  const double prior_share = prior_documents_ / (prior_documents_ + learned);
  const double prior_weight = prior_documents_ * prior_share * prior_share;
  const bool with_prior = prior_weight >= 0.01;
  const double n = learned + (with_prior ? prior_weight : 0.0);
  // Each term's entry is a cache miss, and whether a term is there is a coin
  // toss the branch predictor loses, which kept the next lookup from
  // starting early; asked for all at once first, the misses overlap.
  for (TermId term : terms) counts_.prefetch(term);
  if (with_prior)
    for (TermId term : terms) prior_counts_.prefetch(term);
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const auto bits = counts_.find(terms[i]);
    double frequency = bits ? std::bit_cast<float>(*bits) / scale : 0.0;
    if (with_prior)
      if (const auto share = prior_counts_.find(terms[i])) frequency += prior_weight * std::bit_cast<float>(*share);
    out[i] = std::max(0.1, std::log((n + 1.0) / (frequency + 0.5)));
  }
}

}  // namespace fcd::text
