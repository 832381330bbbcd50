#include "store/store.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>

#include "store/conninfo.hpp"
#include "store/migrations.hpp"
#include "store/store_impl.hpp"

namespace fcd::store {

// ---- shared helpers ---------------------------------------------------------

std::optional<std::string> opt_string(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}

std::optional<std::int64_t> opt_int(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::int64_t>();
}

std::optional<core::TimePoint> opt_time(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return from_epoch(f.as<std::int64_t>());
}

std::vector<std::string> json_strings(const pqxx::field& f) {
  if (f.is_null()) return {};
  return nlohmann::json::parse(f.c_str()).get<std::vector<std::string>>();
}

std::string to_json_array(const std::vector<std::string>& values) {
  return nlohmann::json(values).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string to_json_array(const std::vector<std::int64_t>& values) { return nlohmann::json(values).dump(); }

const char* to_string(SourceOrigin origin) {
  switch (origin) {
    case SourceOrigin::kConfig: return "config";
    case SourceOrigin::kOpml: return "opml";
    case SourceOrigin::kCli: return "cli";
  }
  return "config";
}

std::optional<SourceOrigin> parse_source_origin(std::string_view text) {
  if (text == "config") return SourceOrigin::kConfig;
  if (text == "opml") return SourceOrigin::kOpml;
  if (text == "cli") return SourceOrigin::kCli;
  return std::nullopt;
}

const char* to_string(DedupLevel level) {
  switch (level) {
    case DedupLevel::kSeed: return "seed";
    case DedupLevel::kExact: return "exact";
    case DedupLevel::kNear: return "near";
    case DedupLevel::kStory: return "story";
  }
  return "story";
}

const char* to_string(StoryEventKind kind) {
  switch (kind) {
    case StoryEventKind::kCreated: return "created";
    case StoryEventKind::kGrew: return "grew";
    case StoryEventKind::kShrank: return "shrank";
    case StoryEventKind::kMerged: return "merged";
    case StoryEventKind::kHeadlineChanged: return "headline_changed";
    case StoryEventKind::kTermsChanged: return "terms_changed";
    case StoryEventKind::kArticleUpdated: return "article_updated";
    case StoryEventKind::kDeleted: return "deleted";
  }
  return "created";
}

const char* to_string(DeleteCause cause) {
  switch (cause) {
    case DeleteCause::kSourceRemoved: return "source_removed";
    case DeleteCause::kRetention: return "retention";
    case DeleteCause::kEmptied: return "emptied";
  }
  return "emptied";
}

const char* to_string(SetAsideStage stage) {
  switch (stage) {
    case SetAsideStage::kEngine: return "engine";
    case SetAsideStage::kWrite: return "write";
  }
  return "write";
}

std::string default_instance_id() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  const std::string name = host[0] != '\0' ? host.data() : "localhost";
  return name + ":" + std::to_string(getpid());
}

int known_schema_version() {
  const auto& migrations = embedded_migrations();
  return migrations.empty() ? 0 : migrations.back().version;
}

std::chrono::milliseconds next_backoff(int attempt, std::chrono::milliseconds max) {
  std::chrono::milliseconds delay{500};
  for (int i = 0; i < attempt && delay < max; ++i) delay *= 2;
  return std::min(delay, max);
}

// ---- connection -------------------------------------------------------------

namespace {

// A 64-bit mix (splitmix64's finaliser): spreads the salt and the id's hash
// over the whole key.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Random once per process, so a restarted instance (same host, pid or
// configured instance id) never holds its dead predecessor's key.
std::uint64_t process_salt() {
  static const std::uint64_t salt = [] {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device() ^
           static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }();
  return salt;
}

std::int64_t session_key_for(const std::string& instance_id) {
  for (std::uint64_t round = 0;; ++round) {
    // The pid too: a forked child is another process with the parent's salt.
    const auto key = static_cast<std::int64_t>(mix(process_salt() ^ static_cast<std::uint64_t>(getpid()) ^
                                                   mix(std::hash<std::string>{}(instance_id) + round)));
    if (key != kMigrationLockKey && key != kClustererLockKey) return key;
  }
}

}  // namespace

Store::Impl::Impl(StoreOptions opts) : options(std::move(opts)) {
  if (options.instance_id.empty()) options.instance_id = default_instance_id();
  session_key = session_key_for(options.instance_id);
}

Store::Impl::~Impl() { close(); }

void Store::Impl::close() {
  connected = false;
  clusterer = false;
  notices.reset();
  conn.reset();
}

bool LastNotice::operator()(const char message[]) noexcept {
  try {
    text_ = message;
  } catch (const std::bad_alloc&) {
    text_.clear();
  }
  return true;
}

bool LastNotice::session_ended() const noexcept {
  return text_.rfind("FATAL:", 0) == 0 || text_.rfind("PANIC:", 0) == 0;
}

std::string LastNotice::take() {
  std::string text = std::move(text_);
  text_.clear();
  return text;
}

void Store::Impl::check_session(const char* context) {
  const auto lost = [&] {
    std::string reason = notices ? notices->take() : std::string{};
    connected = false;
    throw StoreError("08006", context,
                     "the server ended the session" + (reason.empty() ? std::string{} : ": " + scrub(reason)));
  };
  // Each round reads what has arrived; the end of file comes after the FATAL
  // message, on a later read. An idle session receives nothing else (the
  // store does not LISTEN), but a few rounds are allowed for a stray notice.
  for (int round = 0; round < 4; ++round) {
    pollfd pending{conn->sock(), POLLIN, 0};
    if (::poll(&pending, 1, 0) <= 0) return;  // nothing arrived: the session stands as far as can be told
    if (!conn->is_open()) lost();
    try {
      conn->get_notifs();
    } catch (const pqxx::broken_connection&) {
      lost();
    }
    if (!conn->is_open() || (notices && notices->session_ended())) lost();
  }
}

std::string Store::Impl::scrub(std::string message) const {
  // libpq may echo parts of the connection string; never the password.
  const std::string redacted = redact_connection_string(options.url);
  if (redacted != options.url) {
    for (auto pos = message.find(options.url); pos != std::string::npos; pos = message.find(options.url))
      message.replace(pos, options.url.size(), redacted);
  }
  return message;
}

void Store::Impl::rethrow(const char* context) {
  try {
    throw;
  } catch (const StoreError&) {
    throw;
  } catch (const pqxx::in_doubt_error& e) {
    connected = false;
    throw StoreError("08007", context, scrub(e.what()));
  } catch (const pqxx::broken_connection& e) {
    connected = false;
    // libpqxx's text may only say it lost the encoding; the server's last
    // word (a FATAL message) says why.
    const std::string reason = notices ? notices->take() : std::string{};
    throw StoreError("08006", context, scrub(e.what()) + (reason.empty() ? "" : "; the server said: " + scrub(reason)));
  } catch (const pqxx::sql_error& e) {
    StoreError error(e.sqlstate(), context, scrub(e.what()));
    if (error.connection_lost() || !conn || !conn->is_open()) {
      connected = false;
      if (!error.connection_lost()) throw StoreError("08006", context, scrub(e.what()));
    }
    throw error;
  } catch (const std::exception& e) {
    if (conn && !conn->is_open()) {
      connected = false;
      throw StoreError("08006", context, scrub(e.what()));
    }
    throw StoreError("", context, scrub(e.what()));
  }
}

void Store::Impl::open() {
  close();
  try {
    conn.emplace(options.url);
    notices.emplace(*conn);
    // A silent reconnect inside libpqxx 6 would drop session state (the
    // clusterer lock) behind our back: reconnecting is the caller's decision.
    // Deprecated in 6.x because 7.x removed reactivation altogether.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    conn->inhibit_reactivation(true);
#pragma GCC diagnostic pop
    prepare_source_statements(*conn);
    prepare_ingest_statements(*conn);
    prepare_cluster_statements(*conn);
    prepare_event_statements(*conn);
    pqxx::nontransaction tx(*conn);
    tx.exec_params("SELECT set_config('application_name', $1, false)",
                   ("feedclusterd " + options.instance_id).substr(0, 63));
    // Proves this instance alive to other claimers for as long as the session
    // lasts (see Store's lease comment). Shared: every connection holds it.
    tx.exec_params("SELECT pg_advisory_lock_shared($1)", session_key);
    connected = true;
  } catch (const pqxx::broken_connection& e) {
    close();
    throw StoreError("08001", "connect to " + redact_connection_string(options.url), scrub(e.what()));
  } catch (const pqxx::sql_error& e) {
    close();
    throw StoreError(e.sqlstate(), "connect to " + redact_connection_string(options.url), scrub(e.what()));
  } catch (const std::exception& e) {
    close();
    throw StoreError("08001", "connect to " + redact_connection_string(options.url), scrub(e.what()));
  }
}

Store::Store(StoreOptions options) : impl_(std::make_unique<Impl>(std::move(options))) { impl_->open(); }

Store::~Store() = default;

const std::string& Store::instance_id() const noexcept { return impl_->options.instance_id; }

void Store::reconnect() { impl_->open(); }

bool Store::is_connected() const { return impl_->connected && impl_->conn && impl_->conn->is_open(); }

// ---- schema -----------------------------------------------------------------

namespace {

int read_schema_version(pqxx::transaction_base& tx) {
  if (tx.exec("SELECT to_regclass('schema_migrations') IS NULL")[0][0].as<bool>()) return 0;
  return tx.exec("SELECT coalesce(max(version), 0) FROM schema_migrations")[0][0].as<int>();
}

}  // namespace

int Store::schema_version() {
  return impl_->run("read schema version", [](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return read_schema_version(tx);
  });
}

void Store::require_current_schema() {
  const int have = schema_version();
  const int known = known_schema_version();
  if (have > known) throw SchemaTooNewError(have, known);
  if (have != known) throw SchemaMismatchError(have, known);
}

MigrationReport Store::migrate() {
  return impl_->run("migrate", [](pqxx::connection& c) {
    // Session-level, so it spans the one-transaction-per-migration loop; a
    // second migrate() anywhere waits here, then finds nothing to do.
    {
      pqxx::nontransaction lock(c);
      lock.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
    }
    struct Unlock {
      pqxx::connection& c;
      ~Unlock() {
        try {
          pqxx::nontransaction unlock(c);
          unlock.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
        } catch (const std::exception&) {
          // The connection is gone, and the lock with it.
        }
      }
    } unlock{c};
    MigrationReport report;
    {
      pqxx::work tx(c, "schema_migrations");
      tx.exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version integer PRIMARY KEY,"
          " name text NOT NULL,"
          " applied_at timestamptz NOT NULL DEFAULT now())");
      report.from_version = read_schema_version(tx);
      tx.commit();
    }
    report.to_version = report.from_version;
    if (report.from_version > known_schema_version())
      throw SchemaTooNewError(report.from_version, known_schema_version());
    for (const auto& m : embedded_migrations()) {
      if (m.version <= report.from_version) continue;
      pqxx::work tx(c, "migration");
      tx.exec(std::string{m.sql});
      tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version,
                     std::string{m.name});
      tx.commit();
      report.applied.push_back({m.version, std::string{m.name}});
      report.to_version = m.version;
    }
    return report;
  });
}

// ---- clusterer lock ---------------------------------------------------------

bool Store::try_acquire_clusterer_lock() {
  if (impl_->clusterer) return true;
  impl_->clusterer = impl_->run("take the clusterer lock", [](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx.exec_params("SELECT pg_try_advisory_lock($1)", kClustererLockKey)[0][0].as<bool>();
  });
  return impl_->clusterer;
}

void Store::release_clusterer_lock() {
  if (!impl_->clusterer) return;
  impl_->clusterer = false;
  impl_->run("release the clusterer lock", [](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec_params("SELECT pg_advisory_unlock($1)", kClustererLockKey);
  });
}

bool Store::holds_clusterer_lock() const noexcept { return impl_->clusterer && impl_->connected; }

}  // namespace fcd::store
