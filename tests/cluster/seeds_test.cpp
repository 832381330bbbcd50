// The project's founding example: two reports of one event (the US-Russia
// summit in Alaska, once when it was set, once when it was held) must land in
// one story, whenever and in whichever order they come, into a fresh engine or
// a running one; three unrelated reports that share their names must not.
//
// The texts are the repository's paraphrases (tests/cluster/data/seeds), and
// the original seed articles too when ../shared/seeds is there.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "corpus.hpp"
#include "support/test_data.hpp"

namespace fcd::cluster {
namespace {

using namespace std::chrono_literals;

const std::string kData = std::string(FCD_SOURCE_DIR) + "/tests/cluster/data/seeds/";

// A seed file: the site's name, the headline, the standfirst, then the body,
// a paragraph a line. As a feed would carry it: the headline, and the
// standfirst with the first paragraphs as the summary.
Article read_article(const std::string& path, core::ArticleId id, core::TimePoint published,
                     std::size_t paragraphs = 3) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::string site, title, standfirst, line;
  std::getline(in, site);
  std::getline(in, title);
  std::getline(in, standfirst);
  std::ostringstream summary;
  summary << standfirst;
  for (std::size_t taken = 0; taken < paragraphs && std::getline(in, line);)
    if (!line.empty()) {
      summary << "\n" << line;
      ++taken;
    }
  Article a;
  a.id = id;
  a.source = site;
  a.title = title;
  a.text = summary.str();
  a.published = published;
  return a;  // no language: the engine detects it
}

enum class Texts { kParaphrase, kOriginal };
enum class Start { kCold, kWarm };
enum class Order { kSetFirst, kMeetingFirst };

using Arrival = std::tuple<Texts, Start, int /* hours apart */, Order>;

std::string name_of(const ::testing::TestParamInfo<Arrival>& info) {
  const auto& [texts, start, hours, order] = info.param;
  return std::string(texts == Texts::kParaphrase ? "Paraphrase" : "Original") +
         (start == Start::kCold ? "Cold" : "Warm") + std::to_string(hours) + "h" +
         (order == Order::kSetFirst ? "SetFirst" : "MeetingFirst");
}

class SeedArrivals : public ::testing::TestWithParam<Arrival> {};

TEST_P(SeedArrivals, TheSeedsShareAStoryAndTheUnrelatedStayOut) {
  const auto& [texts, start, hours, order] = GetParam();
  std::string meeting = kData + "meeting.txt", meeting_set = kData + "meeting_set.txt";
  if (texts == Texts::kOriginal) {
    meeting = test::shared_data_path("seeds/000_10a9e2651882f24b.txt");
    meeting_set = test::shared_data_path("seeds/001_152bfa96a30bfdbf.txt");
    if (const auto missing = test::missing_shared_data({meeting, meeting_set})) GTEST_SKIP() << *missing;
  }

  Engine engine;
  core::TimePoint t0 = core::TimePoint{} + std::chrono::hours(24 * 365 * 55);
  if (start == Start::kWarm) {
    // Real news first, so that document frequencies are those of a running engine.
    const std::string path = test::shared_data_path("corpus/news/rss_board_dev/items.jsonl");
    if (const auto missing = test::missing_shared_data({path})) GTEST_SKIP() << *missing;
    auto background = testing::load_set(path);
    testing::sort_by_time(background);
    for (const auto& item : background) engine.add(item.article);
    t0 = *background.back().article.published + 1h;
  }

  const auto gap = std::chrono::hours(hours);
  const bool set_first = order == Order::kSetFirst;
  // Ids above any of the warm-up set's.
  const Article first = read_article(set_first ? meeting_set : meeting, 100001, t0);
  const Article second = read_article(set_first ? meeting : meeting_set, 100002, t0 + gap);
  const std::vector<Article> unrelated = {
      read_article(kData + "putin_xi_pipeline.txt", 100003, t0 + 1h),
      read_article(kData + "alaska_wildfire.txt", 100004, t0 + gap / 2),
      read_article(kData + "trump_lumber_tariffs.txt", 100005, t0 + gap - 30min),
  };
  std::vector<Article> stream = {first, second};
  stream.insert(stream.end(), unrelated.begin(), unrelated.end());
  std::stable_sort(stream.begin(), stream.end(),
                   [](const Article& a, const Article& b) { return *a.published < *b.published; });
  for (const Article& a : stream) engine.add(a);
  engine.merge_pass();

  ASSERT_TRUE(engine.story_of(first.id) && engine.story_of(second.id));
  EXPECT_EQ(engine.story_of(first.id), engine.story_of(second.id)) << "the two seeds are split";
  for (const Article& other : unrelated)
    EXPECT_NE(engine.story_of(other.id), engine.story_of(first.id)) << "joined the seeds' story: " << other.title;
}

INSTANTIATE_TEST_SUITE_P(Seeds, SeedArrivals,
                         ::testing::Combine(::testing::Values(Texts::kParaphrase, Texts::kOriginal),
                                            ::testing::Values(Start::kCold, Start::kWarm),
                                            ::testing::Values(2, 20, 60),
                                            ::testing::Values(Order::kSetFirst, Order::kMeetingFirst)),
                         name_of);

}  // namespace
}  // namespace fcd::cluster
