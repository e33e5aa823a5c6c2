#include "server/request_parsing.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace a11y::server {
namespace {

nlohmann::json parse_json_object(std::string_view body) {
  if (!is_valid_utf8(body)) throw RequestError(400, "invalid_utf8", "request body is not valid UTF-8");
  // Depth is bounded by the body limit; nlohmann's parser is recursive, so refuse absurd nesting up front.
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : body) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  if (max_depth > 64) throw RequestError(400, "invalid_json", "request body nests deeper than 64 levels");
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) throw RequestError(400, "invalid_json", "request body is not valid JSON");
  if (!j.is_object()) throw RequestError(400, "invalid_request", "request body must be a JSON object");
  return j;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  const auto n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
    else return false;
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong encodings, surrogates and values past U+10FFFF are invalid.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

AuditRequest parse_audit_request(std::string_view body) {
  const auto j = parse_json_object(body);
  AuditRequest req;
  const auto html = j.find("html");
  if (html == j.end()) throw RequestError(400, "invalid_field", "\"html\" is required");
  if (!html->is_string()) throw RequestError(400, "invalid_field", "\"html\" must be a string");
  req.html = html->get<std::string>();
  if (req.html.empty()) throw RequestError(400, "invalid_field", "\"html\" must not be empty");
  if (const auto opts = j.find("options"); opts != j.end() && !opts->is_null()) {
    if (!opts->is_object()) throw RequestError(400, "invalid_field", "\"options\" must be an object");
    if (const auto rules = opts->find("rules"); rules != opts->end() && !rules->is_null()) {
      if (!rules->is_array()) throw RequestError(400, "invalid_field", "\"options.rules\" must be an array of rule ids");
      for (const auto& r : *rules) {
        if (!r.is_string()) throw RequestError(400, "invalid_field", "\"options.rules\" must be an array of rule ids");
        const auto id = r.get<std::string>();
        const auto& known = audit::Engine::rules();
        if (std::none_of(known.begin(), known.end(), [&](const audit::RuleInfo& info) { return info.id == id; })) {
          throw RequestError(400, "unknown_rule", "unknown rule id \"" + id + "\"");
        }
        req.options.rules.push_back(id);
      }
    }
    if (const auto max = opts->find("maxFindings"); max != opts->end() && !max->is_null()) {
      if (!max->is_number_integer() || max->get<long long>() < 1 ||
          max->get<long long>() > static_cast<long long>(kMaxFindingsLimit)) {
        throw RequestError(400, "invalid_field", "\"options.maxFindings\" must be an integer in [1, " +
                                                     std::to_string(kMaxFindingsLimit) + "]");
      }
      req.options.max_findings = max->get<std::size_t>();
    }
  }
  return req;
}

PredictRequest parse_predict_request(std::string_view body, std::size_t max_items) {
  const auto j = parse_json_object(body);
  const auto items = j.find("items");
  if (items == j.end() || !items->is_array()) throw RequestError(400, "invalid_field", "\"items\" must be an array");
  if (items->empty()) throw RequestError(400, "invalid_field", "\"items\" must not be empty");
  if (items->size() > max_items) {
    throw RequestError(400, "too_many_items", "at most " + std::to_string(max_items) + " items per request");
  }
  PredictRequest req;
  req.items.reserve(items->size());
  for (const auto& item : *items) {
    if (!item.is_object()) throw RequestError(400, "invalid_field", "each item must be an object");
    const auto text = item.find("text");
    if (text == item.end() || !text->is_string()) {
      throw RequestError(400, "invalid_field", "each item needs a string \"text\"");
    }
    ml::TextKind kind = ml::TextKind::LinkText;
    if (const auto k = item.find("kind"); k != item.end()) {
      if (*k == "link") kind = ml::TextKind::LinkText;
      else if (*k == "alt") kind = ml::TextKind::AltText;
      else throw RequestError(400, "invalid_field", "\"kind\" must be \"link\" or \"alt\"");
    }
    req.items.emplace_back(text->get<std::string>(), kind);
  }
  return req;
}

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      unsigned v = 0;
      if (i + 2 >= s.size() || std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16).ptr != s.data() + i + 3) {
        throw RequestError(400, "invalid_query", "bad %-escape in the query string");
      }
      out += static_cast<char>(v);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

ListQuery parse_list_query(std::string_view query) {
  ListQuery q;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const auto key = pair.substr(0, eq);
    const auto value = url_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (key == "limit") {
      std::size_t limit = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc{} || ptr != value.data() + value.size() || limit < 1 || limit > 100) {
        throw RequestError(400, "invalid_query", "limit must be an integer in [1, 100]");
      }
      q.limit = limit;
    } else if (key == "cursor") {
      q.cursor = value;
    }
  }
  return q;
}

}  // namespace a11y::server
