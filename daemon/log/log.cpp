#include "log/log.hpp"

#include <cstdlib>
#include <mutex>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <sys/stat.h>

namespace fcd::log {

namespace {

// "<N>" prefix that journald reads as the line's syslog priority.
class JournalPriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    static constexpr std::string_view kPriority[] = {"<7>", "<7>", "<6>", "<4>", "<3>", "<2>", "<6>"};
    const auto text = kPriority[static_cast<int>(msg.level)];
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JournalPriorityFlag>();
  }
};

// The level by the names log.level takes ("warn", not spdlog's "warning"), so
// that what is configured and what is printed agree.
class LevelNameFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    static constexpr std::string_view kNames[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
    const auto text = kNames[static_cast<int>(msg.level)];
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<LevelNameFlag>(); }
};

// Appends text with every control character escaped, so no message can start
// a forged line, move the cursor or retitle a terminal: C0 controls and DEL as
// \n, \r, \t or \u00XX, C1 controls (UTF-8 0xC2 0x80-0x9F) as \u0080-\u009F.
// For a JSON string, '"' and '\\' are escaped too.
template <typename Buffer>
void append_escaped(std::string_view text, bool json, Buffer& dest) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto append_unicode = [&dest](unsigned byte) {
    const char escaped[] = {'\\', 'u', '0', '0', kHex[(byte >> 4) & 0xf], kHex[byte & 0xf]};
    dest.append(std::string_view{escaped, sizeof escaped});
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (json && (c == '"' || c == '\\')) {
      dest.push_back('\\');
      dest.push_back(c);
    } else if (c == '\n') {
      dest.append(std::string_view{"\\n"});
    } else if (c == '\r') {
      dest.append(std::string_view{"\\r"});
    } else if (c == '\t') {
      dest.append(std::string_view{"\\t"});
    } else if (byte < 0x20 || byte == 0x7F) {
      append_unicode(byte);
    } else if (byte == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      append_unicode(static_cast<unsigned char>(text[++i]));
    } else {
      dest.push_back(c);
    }
  }
}

// The message payload escaped for a JSON string.
class JsonEscapedMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    append_escaped(std::string_view{msg.payload.data(), msg.payload.size()}, true, dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessageFlag>();
  }
};

// The message payload for the text format: one line, controls escaped.
class TextEscapedMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    append_escaped(std::string_view{msg.payload.data(), msg.payload.size()}, false, dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<TextEscapedMessageFlag>();
  }
};

// The fields of the event being logged on this thread (log_with_fields).
thread_local const std::initializer_list<Field>* current_fields = nullptr;

// ,"key":value for each field of the event, after "msg" in the JSON format.
class JsonFieldsFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    if (!current_fields) return;
    for (const auto& field : *current_fields) {
      dest.append(std::string_view{",\""});
      append_escaped(field.key, true, dest);
      dest.append(std::string_view{"\":"});
      if (const auto* number = std::get_if<std::int64_t>(&field.value)) {
        const auto text = std::to_string(*number);
        dest.append(std::string_view{text});
      } else {
        dest.push_back('"');
        append_escaped(std::get<std::string_view>(field.value), true, dest);
        dest.push_back('"');
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonFieldsFlag>(); }
};

std::mutex& registry_mutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

std::unique_ptr<spdlog::formatter> make_formatter(const Options& options) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<JournalPriorityFlag>('*');
  formatter->add_flag<JsonEscapedMessageFlag>('Q');
  formatter->add_flag<TextEscapedMessageFlag>('E');
  formatter->add_flag<LevelNameFlag>('k');
  formatter->add_flag<JsonFieldsFlag>('j');
  if (options.format == Format::kJson) {
    formatter->set_pattern(options.journal
                               ? R"(%*{"level":"%k","logger":"%n","msg":"%Q"%j})"
                               : R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%k","logger":"%n","msg":"%Q"%j})");
  } else {
    formatter->set_pattern(options.journal ? "%*%k %n: %E" : "%Y-%m-%dT%H:%M:%S.%eZ %k %n: %E");
  }
  return formatter;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_escaped(text, false, out);
  return out;
}

bool stderr_is_journal() {
  // JOURNAL_STREAM is "device:inode" of the journal's stream socket; it only counts
  // when stderr is still that very socket (not redirected by a wrapper).
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (!stream) return false;
  struct stat st{};
  if (fstat(2, &st) != 0) return false;
  unsigned long long device = 0, inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  return static_cast<unsigned long long>(st.st_dev) == device && static_cast<unsigned long long>(st.st_ino) == inode;
}

namespace {
bool set_up = false;  // under registry_mutex()
}  // namespace

void setup(const Options& options) {
  std::lock_guard lock(registry_mutex());
  set_up = true;
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  sink->set_formatter(make_formatter(options));
  auto main_logger = std::make_shared<spdlog::logger>("feedclusterd", sink);
  spdlog::set_default_logger(main_logger);
  spdlog::set_level(spdlog::level::from_str(options.level));
  spdlog::flush_on(spdlog::level::info);
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& logger) {
    logger->sinks() = {sink};
    logger->set_level(spdlog::level::from_str(options.level));
  });
}

void log_with_fields(spdlog::logger& logger, spdlog::level::level_enum level, std::initializer_list<Field> fields,
                     std::string_view message) {
  struct Scope {
    explicit Scope(const std::initializer_list<Field>* fields) { current_fields = fields; }
    ~Scope() { current_fields = nullptr; }
  } scope{&fields};
  logger.log(level, "{}", message);
}

void fatal(std::string_view message) {
  bool ready = false;
  {
    std::lock_guard lock(registry_mutex());
    ready = set_up;
  }
  if (!ready) setup({.level = "info", .format = Format::kText, .journal = stderr_is_journal()});
  spdlog::default_logger()->critical("{}", message);
  spdlog::default_logger()->flush();
}

bool set_level(std::string_view level) {
  const auto parsed = spdlog::level::from_str(std::string{level});
  if (parsed == spdlog::level::off && level != "off") return false;
  spdlog::set_level(parsed);
  return true;
}

std::shared_ptr<spdlog::logger> get(const std::string& name) {
  std::lock_guard lock(registry_mutex());
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = spdlog::default_logger()->clone(name);
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace fcd::log
