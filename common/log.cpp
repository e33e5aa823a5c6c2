#include "po/common/log.hpp"

#include <memory>
#include <stdexcept>
#include <string>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace po::log {
namespace {

struct FieldStack {
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::size_t> scope_starts;
};
thread_local FieldStack t_fields;

void append_json_escaped(spdlog::memory_buf_t& dest, std::string_view text);

// The calling thread's fields, the innermost value of each key, in first-set order.
std::vector<std::pair<std::string, std::string>> effective_fields() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, value] : t_fields.fields) {
    bool replaced = false;
    for (auto& existing : out) {
      if (existing.first == key) {
        existing.second = value;
        replaced = true;
      }
    }
    if (!replaced) out.emplace_back(key, value);
  }
  return out;
}

// %K: the fields as JSON members (,"key":"value") or, in text, as " key=value".
class FieldsFlag final : public spdlog::custom_flag_formatter {
 public:
  explicit FieldsFlag(bool json) : json_(json) {}
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    if (t_fields.fields.empty()) return;
    for (const auto& [key, value] : effective_fields()) {
      if (json_) {
        dest.append(std::string_view(",\""));
        append_json_escaped(dest, key);
        dest.append(std::string_view("\":\""));
        append_json_escaped(dest, value);
        dest.push_back('"');
      } else {
        dest.push_back(' ');
        dest.append(std::string_view(key));
        dest.push_back('=');
        dest.append(std::string_view(value));
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<FieldsFlag>(json_); }

 private:
  bool json_;
};

// Text as the body of a JSON string: quotes, backslashes and control characters escaped.
void append_json_escaped(spdlog::memory_buf_t& dest, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : text) {
    switch (c) {
      case '"': dest.append(std::string_view("\\\"")); break;
      case '\\': dest.append(std::string_view("\\\\")); break;
      case '\n': dest.append(std::string_view("\\n")); break;
      case '\r': dest.append(std::string_view("\\r")); break;
      case '\t': dest.append(std::string_view("\\t")); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          const char esc[] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xf], kHex[c & 0xf]};
          dest.append(esc, esc + sizeof esc);
        } else {
          dest.push_back(c);
        }
    }
  }
}

// %j: the log message as the body of a JSON string (quotes, backslashes and control characters escaped),
// so that every line of the JSON format parses whatever the message holds.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    append_json_escaped(dest, std::string_view(msg.payload.data(), msg.payload.size()));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonEscapedMessage>(); }
};

}  // namespace

Format parse_format(std::string_view s) {
  if (s == "json") return Format::Json;
  if (s == "text") return Format::Text;
  throw std::invalid_argument("log format must be \"json\" or \"text\", got \"" + std::string(s) + "\"");
}

void init(std::string_view component, Format format, std::string_view level) {
  init(component, format, level, std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

void init(std::string_view component, Format format, std::string_view level, std::shared_ptr<spdlog::sinks::sink> sink) {
  auto logger = std::make_shared<spdlog::logger>(std::string(component), std::move(sink));
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (format == Format::Json) {
    formatter->add_flag<JsonEscapedMessage>('j');
    formatter->add_flag<FieldsFlag>('K', true).set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n","msg":"%j"%K})");
  } else {
    formatter->add_flag<FieldsFlag>('K', false).set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%L%$ %n: %v%K");
  }
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::from_str(std::string(level)));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

ScopedFields::ScopedFields(std::vector<std::pair<std::string, std::string>> fields) : restore_size_(t_fields.fields.size()) {
  t_fields.scope_starts.push_back(restore_size_);
  for (auto& field : fields) t_fields.fields.push_back(std::move(field));
}

ScopedFields::~ScopedFields() {
  t_fields.fields.resize(restore_size_);
  t_fields.scope_starts.pop_back();
}

void set_field(std::string_view key, std::string value) {
  if (t_fields.scope_starts.empty()) return;
  for (std::size_t i = t_fields.scope_starts.back(); i < t_fields.fields.size(); ++i) {
    if (t_fields.fields[i].first == key) {
      t_fields.fields[i].second = std::move(value);
      return;
    }
  }
  t_fields.fields.emplace_back(std::string(key), std::move(value));
}

std::vector<std::pair<std::string, std::string>> current_fields() { return effective_fields(); }

}  // namespace po::log
