// Structured logging setup shared by both binaries. Implemented in common/log.cpp.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/sinks/sink.h>

namespace po::log {
enum class Format { Text, Json };
// Configures spdlog's default logger: Json writes one JSON object per line
// ({"ts":..., "level":..., "logger":..., "msg":...}); level names as spdlog's ("info", "debug", ...).
void init(std::string_view component, Format format, std::string_view level = "info");
// The same, writing to `sink` instead of stderr (tests capture the lines this way).
void init(std::string_view component, Format format, std::string_view level, std::shared_ptr<spdlog::sinks::sink> sink);
Format parse_format(std::string_view s);  // "json" | "text"; throws std::invalid_argument otherwise

// Key/value fields added to every line the calling thread logs while this object lives: JSON lines get
// them as string members after "msg" ({"msg":"...","platform_namespace":"a11y",...}), text lines as
// key=value after the message. Scopes nest; an inner field with the same key shadows the outer one.
class ScopedFields {
 public:
  explicit ScopedFields(std::vector<std::pair<std::string, std::string>> fields);
  ~ScopedFields();
  ScopedFields(const ScopedFields&) = delete;
  ScopedFields& operator=(const ScopedFields&) = delete;

 private:
  std::size_t restore_size_;
};
// Sets (or replaces) one field of the innermost scope of the calling thread; ignored outside any scope.
void set_field(std::string_view key, std::string value);
// The calling thread's fields now, outer scopes first (for tests and for passing them to another thread).
std::vector<std::pair<std::string, std::string>> current_fields();
}  // namespace po::log
