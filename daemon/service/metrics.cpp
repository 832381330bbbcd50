#include "service/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <set>
#include <stdexcept>
#include <variant>

#include "service/process_stats.hpp"

namespace fcd::service {

namespace {

bool is_name_char(char c, bool first, bool allow_colon) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
  return alpha || (!first && c >= '0' && c <= '9');
}

bool valid_name(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!is_name_char(name[i], i == 0, allow_colon)) return false;
  return true;
}

void check_label(const std::string& metric, std::string_view label, const std::vector<std::string>& values) {
  if (!valid_name(label, false) || label == "le" || label.starts_with("__"))
    throw std::invalid_argument("metric " + metric + ": invalid label name \"" + std::string{label} + "\"");
  if (values.empty())
    throw std::invalid_argument("metric " + metric + ": label " + std::string{label} + " has no values");
  const std::set<std::string_view> distinct(values.begin(), values.end());
  if (distinct.size() != values.size())
    throw std::invalid_argument("metric " + metric + ": label " + std::string{label} + " repeats a value");
}

// One sample line: name{label="value"} number
void append_sample(std::string& out, std::string_view name, std::string_view label, std::string_view label_value,
                   double value) {
  out += name;
  if (!label.empty()) {
    out += '{';
    out += label;
    out += "=\"";
    out += escape_label_value(label_value);
    out += "\"}";
  }
  out += ' ';
  out += format_value(value);
  out += '\n';
}

template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

void CallbackGauge::set_callback(std::function<double()> callback) {
  std::lock_guard lock{mutex_};
  callback_ = std::move(callback);
}

std::optional<double> CallbackGauge::value() const {
  std::lock_guard lock{mutex_};
  if (!callback_) return std::nullopt;
  return callback_();
}

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i])) throw std::invalid_argument("histogram bounds must be finite");
    if (i > 0 && !(bounds_[i - 1] < bounds_[i]))
      throw std::invalid_argument("histogram bounds must be strictly increasing");
  }
  counts_ = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
}

void Histogram::observe(double value) noexcept {
  if (std::isnan(value)) return;
  // "le" buckets: a value equal to a bound belongs to that bound's bucket.
  const auto bucket =
      static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  snapshot.cumulative.reserve(bounds_.size() + 1);
  std::uint64_t running = 0;
  // Each bucket is read once and summed here, so the cumulative counts never
  // decrease and the +Inf bucket always equals _count, even mid-update.
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    snapshot.cumulative.push_back(running);
  }
  snapshot.count = running;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::vector<double> latency_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
}

std::vector<double> lag_buckets() {
  return {60, 300, 900, 1800, 3600, 2 * 3600, 6 * 3600, 12 * 3600, 24 * 3600, 2 * 24 * 3600, 7 * 24 * 3600};
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  // Integral values below 2^53 are exact in a double: print them without an
  // exponent so counters read naturally ("1500000", not "1.5e+06").
  constexpr double kExactIntegers = 9007199254740992.0;
  const auto [end, ec] = (std::trunc(value) == value && std::fabs(value) < kExactIntegers)
                             ? std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::int64_t>(value))
                             : std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc{} ? std::string(buffer, end) : "NaN";
}

namespace {

// The exposition format escapes backslash and newline everywhere, and the
// double quote inside label values only.
std::string escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (quote && c == '"') out += "\\\"";
    else out += c;
  }
  return out;
}

}  // namespace

std::string escape_label_value(std::string_view value) { return escape(value, true); }

std::string escape_help(std::string_view text) { return escape(text, false); }

struct Registry::Family {
  std::string name;
  std::string help;
  Metric metric;

  std::vector<std::string> sample_names() const;

  std::string_view type() const {
    switch (metric.index()) {
      case 0:
      case 1: return "counter";
      case 5: return "histogram";
      case 6: return "counter";
      default: return "gauge";
    }
  }

  void expose(std::string& out) const {
    out += "# HELP " + name + " " + escape_help(help) + "\n";
    out += "# TYPE " + name + " " + std::string{type()} + "\n";
    std::visit(Overloaded{
                   [&](const std::unique_ptr<Counter>& c) { append_sample(out, name, {}, {}, double(c->value())); },
                   [&](const std::unique_ptr<Gauge>& g) { append_sample(out, name, {}, {}, g->value()); },
                   [&](const std::unique_ptr<LabeledCounter>& c) { expose_labeled(out, *c); },
                   [&](const std::unique_ptr<LabeledGauge>& g) { expose_labeled(out, *g); },
                   [&](const std::unique_ptr<CallbackGauge>& g) { expose_callback(out, *g); },
                   [&](const std::unique_ptr<Histogram>& h) { expose_histogram(out, *h); },
                   [&](const std::unique_ptr<CallbackCounter>& c) { expose_callback(out, *c); },
               },
               metric);
  }

  template <typename Metric>
  void expose_labeled(std::string& out, const Labeled<Metric>& family) const {
    for (std::size_t i = 0; i < family.size(); ++i)
      append_sample(out, name, family.label(), family.values()[i], double(family[i].value()));
  }

  void expose_callback(std::string& out, const CallbackGauge& gauge) const {
    std::optional<double> value;
    try {
      value = gauge.value();
    } catch (...) {
      // A failing callback must not break the whole scrape: the family is
      // exposed without a sample, which Prometheus reads as "absent".
      return;
    }
    if (value) append_sample(out, name, {}, {}, *value);
  }

  void expose_histogram(std::string& out, const Histogram& histogram) const {
    const Histogram::Snapshot snapshot = histogram.snapshot();
    const std::string bucket = name + "_bucket";
    const auto bounds = histogram.bounds();
    for (std::size_t i = 0; i < bounds.size(); ++i)
      append_sample(out, bucket, "le", format_value(bounds[i]), double(snapshot.cumulative[i]));
    append_sample(out, bucket, "le", "+Inf", double(snapshot.count));
    append_sample(out, name + "_sum", {}, {}, snapshot.sum);
    append_sample(out, name + "_count", {}, {}, double(snapshot.count));
  }
};

Registry::Registry() = default;
Registry::~Registry() = default;

std::vector<std::string> Registry::Family::sample_names() const {
  if (std::holds_alternative<std::unique_ptr<Histogram>>(metric))
    return {name + "_bucket", name + "_sum", name + "_count"};
  return {name};
}

Registry::Family& Registry::add(std::string name, std::string help, Metric metric) {
  if (!valid_name(name, true)) throw std::invalid_argument("invalid metric name \"" + name + "\"");
  if (help.find('\n') != std::string::npos) throw std::invalid_argument("metric " + name + ": help must be one line");
  auto family = std::make_unique<Family>(Family{std::move(name), std::move(help), std::move(metric)});
  // Samples of different families must not share a name: a histogram "x"
  // writes x_bucket, x_sum and x_count, so a counter "x_count" would clash.
  const std::vector<std::string> names = family->sample_names();
  std::lock_guard lock{mutex_};
  for (const auto& other : families_) {
    const std::vector<std::string> taken = other->sample_names();
    const bool clash = other->name == family->name ||
                       std::find_first_of(names.begin(), names.end(), taken.begin(), taken.end()) != names.end();
    if (clash)
      throw std::invalid_argument("metric " + family->name + " clashes with " + other->name);
  }
  families_.push_back(std::move(family));
  return *families_.back();
}

template <typename M, typename... Args>
M& Registry::emplace(std::string name, std::string help, Args&&... args) {
  auto metric = std::make_unique<M>(std::forward<Args>(args)...);
  M& ref = *metric;
  add(std::move(name), std::move(help), std::move(metric));
  return ref;
}

Counter& Registry::counter(std::string name, std::string help) {
  return emplace<Counter>(std::move(name), std::move(help));
}

LabeledCounter& Registry::counter(std::string name, std::string help, std::string label,
                                  std::vector<std::string> values) {
  check_label(name, label, values);
  return emplace<LabeledCounter>(std::move(name), std::move(help), std::move(label), std::move(values));
}

Gauge& Registry::gauge(std::string name, std::string help) { return emplace<Gauge>(std::move(name), std::move(help)); }

LabeledGauge& Registry::gauge(std::string name, std::string help, std::string label, std::vector<std::string> values) {
  check_label(name, label, values);
  return emplace<LabeledGauge>(std::move(name), std::move(help), std::move(label), std::move(values));
}

CallbackGauge& Registry::callback_gauge(std::string name, std::string help) {
  return emplace<CallbackGauge>(std::move(name), std::move(help));
}

CallbackCounter& Registry::callback_counter(std::string name, std::string help) {
  return emplace<CallbackCounter>(std::move(name), std::move(help));
}

Histogram& Registry::histogram(std::string name, std::string help, std::vector<double> bounds) {
  return emplace<Histogram>(std::move(name), std::move(help), std::move(bounds));
}

std::string Registry::expose() const {
  std::lock_guard lock{mutex_};
  std::string out;
  for (const auto& family : families_) family->expose(out);
  return out;
}

std::string_view to_string(PollOutcome outcome) {
  switch (outcome) {
    case PollOutcome::kOk: return "ok";
    case PollOutcome::kNotModified: return "not_modified";
    case PollOutcome::kUnchanged: return "unchanged";
    case PollOutcome::kHttpError: return "http_error";
    case PollOutcome::kNetworkError: return "network_error";
    case PollOutcome::kParseError: return "parse_error";
    case PollOutcome::kGone: return "gone";
    case PollOutcome::kThrottled: return "throttled";
  }
  return "unknown";
}

std::string_view to_string(ItemResult result) {
  switch (result) {
    case ItemResult::kNew: return "new";
    case ItemResult::kUpdated: return "updated";
    case ItemResult::kUnchanged: return "unchanged";
  }
  return "unknown";
}

std::string_view to_string(FailingReason reason) {
  switch (reason) {
    case FailingReason::kNetwork: return "network";
    case FailingReason::kHttp4xx: return "http_4xx";
    case FailingReason::kHttp5xx: return "http_5xx";
    case FailingReason::kHttpOther: return "http_other";
    case FailingReason::kParseError: return "parse_error";
  }
  return "unknown";
}

namespace {

// A process metric's value now; throws when /proc cannot tell, which leaves
// the sample out of the scrape.
template <typename Number>
double known(const std::optional<Number>& value) {
  if (!value) throw std::runtime_error("not readable from /proc");
  return double(*value);
}

template <typename Enum, std::size_t N>
std::vector<std::string> label_values() {
  std::vector<std::string> values;
  for (std::size_t i = 0; i < N; ++i) values.emplace_back(to_string(static_cast<Enum>(i)));
  return values;
}

}  // namespace

Metrics::Metrics(std::string_view version, core::TimePoint start)
    : polls(registry.counter("feedclusterd_polls_total", "Finished polls by outcome.", "outcome",
                             label_values<PollOutcome, kPollOutcomeCount>())),
      poll_duration(registry.histogram("feedclusterd_poll_duration_seconds",
                                       "Duration of one poll, all redirects included.", latency_buckets())),
      fetched_bytes(registry.counter("feedclusterd_fetched_bytes_total",
                                     "Bytes received on the wire: headers and compressed bodies.")),
      conditional_get_hits(
          registry.counter("feedclusterd_conditional_get_hits_total", "Polls answered 304 Not Modified.")),
      conditional_get_saved_bytes(
          registry.counter("feedclusterd_conditional_get_saved_bytes_total",
                           "Estimated bytes saved by 304 answers: the last full body size of each such source.")),
      items(registry.counter("feedclusterd_items_total", "Parsed items by what ingest did with them.", "result",
                             label_values<ItemResult, kItemResultCount>())),
      identity_drifts(registry.counter("feedclusterd_identity_drifts_total",
                                       "Items matched to a stored article although their guid changed.")),
      parse_errors(registry.counter("feedclusterd_parse_errors_total",
                                    "Feed documents with parser errors, recovered or not.")),
      ingest_latency(registry.histogram("feedclusterd_ingest_latency_seconds",
                                        "From the end of a fetch to the commit of its items.", latency_buckets())),
      publish_to_seen_lag(registry.histogram("feedclusterd_publish_to_seen_lag_seconds",
                                             "From an item's published date to the fetch that first saw it.",
                                             lag_buckets())),
      fetch_queue_depth(
          registry.callback_gauge("feedclusterd_fetch_queue_depth", "Due sources waiting for a fetch slot.")),
      ingest_queue_depth(registry.callback_gauge("feedclusterd_ingest_queue_depth",
                                                 "Fetched feeds waiting to be parsed or committed.")),
      clustering_backlog(
          registry.callback_gauge("feedclusterd_clustering_backlog", "Committed articles waiting for the clusterer.")),
      clustering_latency(registry.histogram("feedclusterd_clustering_latency_seconds",
                                            "From an article's commit to the commit of its clustering decision.",
                                            latency_buckets())),
      articles_clustered(registry.counter("feedclusterd_articles_clustered_total",
                                          "Articles placed by the clusterer, as duplicates or into stories.")),
      articles_set_aside(registry.counter("feedclusterd_articles_set_aside_total",
                                          "Articles the clusterer could not place, set aside with the reason.")),
      clustering_set_aside(registry.gauge("feedclusterd_clustering_set_aside",
                                          "Articles set aside now (see the unplaced_articles view).")),
      stories_created(registry.counter("feedclusterd_stories_created_total", "Stories founded.")),
      stories_merged(registry.counter("feedclusterd_stories_merged_total", "Stories merged into another story.")),
      clustering_window_articles(registry.gauge("feedclusterd_clustering_window_articles",
                                                "Articles in the clusterer's sliding window of article time.")),
      clustering_window_stories(
          registry.gauge("feedclusterd_clustering_window_stories", "Stories with a member in the clusterer's window.")),
      clustering_state_bytes(registry.gauge("feedclusterd_clustering_state_bytes",
                                            "Estimated heap bytes the clustering engine holds for its window.")),
      database_errors(registry.counter("feedclusterd_database_errors_total", "Failed database operations.")),
      leases_held(registry.gauge("feedclusterd_leases_held", "Source leases this instance holds.")),
      database_up(registry.gauge("feedclusterd_database_up",
                                 "1 when the last database round trip succeeded, 0 when it failed.")),
      sources_total(registry.gauge("feedclusterd_sources", "Stored sources, enabled or not.")),
      sources_enabled(registry.gauge("feedclusterd_sources_enabled", "Stored sources that are enabled.")),
      sources_failing(registry.gauge("feedclusterd_sources_failing",
                                     "Enabled sources whose last poll failed, by reason.", "reason",
                                     label_values<FailingReason, kFailingReasonCount>())),
      sources_due(registry.gauge("feedclusterd_sources_due",
                                 "Enabled sources due now that no live instance holds.")),
      sources_leased(registry.gauge("feedclusterd_sources_leased", "Sources leased now by any live instance.")),
      clusterer_owner(registry.gauge("feedclusterd_clusterer_owner",
                                     "1 while this instance holds the clusterer lock, else 0.")),
      config_last_reload_successful(
          registry.gauge("feedclusterd_config_last_reload_successful",
                         "0 after a rejected reload (the running configuration stays), else 1.")),
      config_last_reload_success_time(
          registry.gauge("feedclusterd_config_last_reload_success_timestamp_seconds",
                         "Unix time of the start-up or the last reload that was taken.")),
      build_info(registry.gauge("feedclusterd_build_info", "Always 1; the version label names the build.", "version",
                                {std::string{version}})),
      process_start_time(registry.gauge("feedclusterd_process_start_time_seconds",
                                        "Start time of the process since the Unix epoch, in seconds.")),
      process_resident_memory(
          registry.callback_gauge("process_resident_memory_bytes", "Resident memory size in bytes.")),
      process_virtual_memory(
          registry.callback_gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.")),
      process_cpu_seconds(
          registry.callback_counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.")),
      process_open_fds(registry.callback_gauge("process_open_fds", "Number of open file descriptors.")),
      process_max_fds(registry.callback_gauge("process_max_fds", "Maximum number of open file descriptors.")),
      process_start_time_kernel(registry.callback_gauge(
          "process_start_time_seconds", "Start time of the process since unix epoch in seconds.")) {
  build_info[0].set(1);
  process_start_time.set(double(start.time_since_epoch().count()));
  config_last_reload_successful.set(1);
  config_last_reload_success_time.set(double(start.time_since_epoch().count()));
  process_resident_memory.set_callback([] {
    const auto stat = read_process_stat();
    return known(stat ? std::optional{stat->resident_bytes} : std::nullopt);
  });
  process_virtual_memory.set_callback([] {
    const auto stat = read_process_stat();
    return known(stat ? std::optional{stat->virtual_bytes} : std::nullopt);
  });
  process_cpu_seconds.set_callback([] {
    const auto stat = read_process_stat();
    return known(stat ? std::optional{stat->cpu_seconds} : std::nullopt);
  });
  process_open_fds.set_callback([] { return known(count_open_fds()); });
  process_max_fds.set_callback([] { return known(max_open_fds()); });
  process_start_time_kernel.set_callback([] { return known(read_process_start_time()); });
}

StatusSummary::StatusSummary(const Metrics& metrics, const core::WallClock& clock)
    : metrics_(metrics), clock_(clock), last_(clock.now()), last_polls_(polls()), last_errors_(errors()) {}

std::uint64_t StatusSummary::polls() const {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < metrics_.polls.size(); ++i) total += metrics_.polls[i].value();
  return total;
}

std::uint64_t StatusSummary::errors() const {
  const auto& polls = metrics_.polls;
  return polls[std::size_t(PollOutcome::kHttpError)].value() + polls[std::size_t(PollOutcome::kNetworkError)].value() +
         polls[std::size_t(PollOutcome::kParseError)].value() + metrics_.database_errors.value();
}

std::string StatusSummary::line() {
  const core::TimePoint now = clock_.now();
  const std::uint64_t polls_now = polls();
  const std::uint64_t errors_now = errors();
  // At least one second, so two lines in the same second do not divide by zero.
  const double minutes = double(std::max<std::int64_t>((now - last_).count(), 1)) / 60.0;
  double failing = 0;
  for (std::size_t i = 0; i < metrics_.sources_failing.size(); ++i) failing += metrics_.sources_failing[i].value();
  const std::string text = fmt::format(
      "{} sources ({} enabled, {} failing, {} due), {:.1f} polls/min, {:.1f} errors/min, {} stories founded, {} merged",
      format_value(metrics_.sources_total.value()), format_value(metrics_.sources_enabled.value()),
      format_value(failing), format_value(metrics_.sources_due.value()),
      double(polls_now - last_polls_) / minutes, double(errors_now - last_errors_) / minutes,
      metrics_.stories_created.value(), metrics_.stories_merged.value());
  last_ = now;
  last_polls_ = polls_now;
  last_errors_ = errors_now;
  return text;
}

}  // namespace fcd::service
