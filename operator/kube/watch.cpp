#include "po/kube/watch.hpp"

#include "po/kube/backoff.hpp"

namespace po::kube {

std::size_t LineSplitter::feed(std::string_view bytes, const std::function<void(std::string_view)>& on_line) {
  std::size_t dropped = 0;
  while (!bytes.empty()) {
    const auto nl = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, nl);
    if (overflowing_) {
      if (nl == std::string_view::npos) return dropped;
      overflowing_ = false;
      bytes.remove_prefix(nl + 1);
      continue;
    }
    if (partial_.size() + piece.size() > max_line_) {
      partial_.clear();
      ++dropped;
      if (nl == std::string_view::npos) {
        overflowing_ = true;
        return dropped;
      }
      bytes.remove_prefix(nl + 1);
      continue;
    }
    if (nl == std::string_view::npos) {
      partial_.append(piece);
      return dropped;
    }
    std::string_view line;
    if (partial_.empty()) {
      line = piece;
    } else {
      partial_.append(piece);
      line = partial_;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) on_line(line);
    partial_.clear();
    bytes.remove_prefix(nl + 1);
  }
  return dropped;
}

std::string WatchEvent::resource_version() const {
  const auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return {};
  const auto rv = meta->find("resourceVersion");
  return rv != meta->end() && rv->is_string() ? rv->get<std::string>() : std::string();
}

std::optional<WatchEvent> parse_watch_line(std::string_view line, std::string* error) {
  auto fail = [error](std::string msg) -> std::optional<WatchEvent> {
    if (error) *error = std::move(msg);
    return std::nullopt;
  };
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail("watch event is not valid JSON");
  if (!j.is_object()) return fail("watch event is not a JSON object");
  const auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return fail("watch event has no type");
  auto object = j.find("object");
  if (object == j.end() || !object->is_object()) return fail("watch event has no object");
  WatchEvent ev;
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "ADDED") ev.type = WatchEventType::Added;
  else if (t == "MODIFIED") ev.type = WatchEventType::Modified;
  else if (t == "DELETED") ev.type = WatchEventType::Deleted;
  else if (t == "BOOKMARK") ev.type = WatchEventType::Bookmark;
  else if (t == "ERROR") ev.type = WatchEventType::Error;
  else return fail("watch event has unknown type \"" + t + "\"");
  ev.object = std::move(*object);
  if (ev.type != WatchEventType::Error && ev.type != WatchEventType::Bookmark) {
    const auto meta = ev.object.find("metadata");
    if (meta == ev.object.end() || !meta->is_object() || !meta->contains("name"))
      return fail("watch event object has no metadata.name");
  }
  return ev;
}

int watch_error_code(const WatchEvent& event) {
  if (event.type != WatchEventType::Error) return 0;
  const auto code = event.object.find("code");
  if (code != event.object.end() && code->is_number_integer()) return code->get<int>();
  const std::string reason = event.object.value("reason", "");
  if (reason == "Expired" || reason == "Gone") return 410;
  return 500;
}

int random_watch_timeout(int min_seconds, int max_seconds) {
  if (max_seconds <= min_seconds) return min_seconds;
  return min_seconds + static_cast<int>(unit_random() * (max_seconds - min_seconds + 1));
}

}  // namespace po::kube
