#pragma once
// Sparse term vectors and inverse document frequencies learned online, with
// exponential decay so that today's news sets what is common.
#include <cstdint>
#include <span>
#include <vector>

#include "core/types.hpp"
#include "text/df_prior.hpp"
#include "text/flat_map.hpp"

namespace fcd::text {

using TermId = std::uint32_t;  // low 32 bits of hash64(term)

struct WeightedTerm {
  TermId term = 0;
  float weight = 0;
};

// Sorted by term, no repeats.
using SparseVector = std::vector<WeightedTerm>;

// Sorts by term and adds up repeats.
void canonicalise(SparseVector& v);
// Scales to unit L2 length (a zero vector stays zero).
void normalise(SparseVector& v);
// Keeps the k heaviest terms (ties broken by term id, so the result is
// deterministic), still sorted by term.
void keep_top(SparseVector& v, std::size_t k);
// Dot product of two canonical vectors (or spans of their terms).
double dot(std::span<const WeightedTerm> a, std::span<const WeightedTerm> b);

// Document frequencies with exponential decay in article time: a document seen
// half_life ago counts half. Memory is bounded: terms whose decayed frequency
// falls below min_frequency are dropped when the internal scale is rebased.
// Not thread-safe.
class DocumentFrequencies {
 public:
  explicit DocumentFrequencies(core::Duration half_life, double min_frequency = 0.3);

  // Blends a prior in as pseudo-documents: with n documents counted, the
  // prior weighs k = p * (p / (p + n))^2 documents (p = prior_documents), and
  // a term's frequency gains k * prior.share(term). A fresh engine then
  // weighs words as news in general does; once it has counted many more
  // documents than prior_documents, its own counts decide. 0 (the
  // default): no prior.
  void set_prior(const DocumentFrequencyPrior& prior, double prior_documents);

  // Counts one document holding these terms (each once) at time t.
  void add(std::span<const TermId> distinct_terms, core::TimePoint t);

  // Smoothed inverse document frequency at time t: ln((N + 1) / (df + 0.5)),
  // at least 0.1 so that no term weighs nothing; N and df include the prior's
  // pseudo-documents.
  double idf(TermId term, core::TimePoint t) const;
  // The same for many terms at once (out[i] for terms[i]; the spans are of one
  // size): the decay is computed once, not twice per term.
  void idf(std::span<const TermId> terms, core::TimePoint t, std::span<double> out) const;

  // Decayed number of documents holding term at time t.
  double frequency(TermId term, core::TimePoint t) const;

  // Decayed number of documents at time t.
  double documents(core::TimePoint t) const;

  std::size_t terms() const { return counts_.size(); }
  std::size_t bytes() const { return counts_.bytes(); }  // heap bytes of the table

 private:
  double scale_at(core::TimePoint t) const;
  void rebase(core::TimePoint t);

  double half_life_s_;
  double min_frequency_;
  core::TimePoint origin_{};
  bool started_ = false;
  double total_ = 0;  // in units of the scale at origin_
  // Decayed counts as float bits: every article looks up each of its terms,
  // so the table is open-addressed (a node map cost a cache miss a lookup).
  // The empty marker's bit pattern is a NaN, which no count ever is.
  detail::FlatMap<TermId> counts_;
  // The prior's shares as float bits, in a table like counts_ so that a
  // lookup costs what a count's does.
  detail::FlatMap<TermId> prior_counts_;
  double prior_documents_ = 0;
};

}  // namespace fcd::text
