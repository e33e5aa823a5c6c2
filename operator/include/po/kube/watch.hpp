// Decoding a watch stream (pure): bytes -> lines -> events.
#pragma once
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace po::kube {

// Splits a byte stream that arrives in arbitrary pieces into complete newline-terminated lines.
// A line longer than max_line is dropped (reported as overflow) instead of growing without bound.
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line = 64u << 20) : max_line_(max_line) {}
  // Calls on_line for each complete line (without the newline; a trailing '\r' is removed).
  // Returns the number of oversized lines dropped during this call.
  std::size_t feed(std::string_view bytes, const std::function<void(std::string_view)>& on_line);
  std::size_t buffered() const { return partial_.size(); }
  bool has_partial() const { return !partial_.empty() || overflowing_; }

 private:
  std::size_t max_line_;
  std::string partial_;
  bool overflowing_ = false;  // inside an oversized line: skip until its newline
};

enum class WatchEventType { Added, Modified, Deleted, Bookmark, Error };

struct WatchEvent {
  WatchEventType type = WatchEventType::Added;
  nlohmann::json object;  // the object; for Error a metav1.Status
  std::string resource_version() const;  // object.metadata.resourceVersion or ""
};

// Decodes one line {"type":..., "object":{...}}; nullopt with *error set when it is malformed.
std::optional<WatchEvent> parse_watch_line(std::string_view line, std::string* error = nullptr);

// For an Error event: the HTTP code in its Status (410 = the resourceVersion is too old).
int watch_error_code(const WatchEvent& event);

// A random server-side timeoutSeconds in [min_seconds, max_seconds] (spreads reconnects over time).
int random_watch_timeout(int min_seconds = 300, int max_seconds = 600);

}  // namespace po::kube
