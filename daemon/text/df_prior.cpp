#include "text/df_prior.hpp"

#include <algorithm>

namespace fcd::text {

namespace {

#include "text/df_prior_en.inc"

}  // namespace

double DocumentFrequencyPrior::share(std::uint32_t term) const {
  if (stories <= 0) return 0.0;
  const auto it = std::lower_bound(entries.begin(), entries.end(), term,
                                   [](const PriorEntry& e, std::uint32_t t) { return e.term < t; });
  return it != entries.end() && it->term == term ? it->stories / stories : 0.0;
}

const DocumentFrequencyPrior& news_prior() {
  static const DocumentFrequencyPrior prior{std::span<const PriorEntry>(kEnglishNewsPrior), kEnglishNewsPriorStories};
  return prior;
}

}  // namespace fcd::text
