#include "po/kube/error.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

namespace po::kube {

std::string ApiError::to_string() const {
  std::string s = code == 0 ? std::string("no response") : std::to_string(code);
  if (!reason.empty()) s += " " + reason;
  if (!message.empty()) s += ": " + message;
  return s;
}

bool is_retryable(int code, std::string_view reason) {
  if (code == 0) return true;  // no response: connection refused, reset, timeout
  if (code == 429 || code == 408) return true;
  if (code == 409) return reason != "AlreadyExists";  // optimistic-concurrency conflict: re-read and retry
  if (code >= 500) return code != 501;
  return reason == "ServerTimeout" || reason == "Timeout" || reason == "TooManyRequests";
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  long long secs = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
  if (ec != std::errc() || ptr != value.data() + value.size() || secs < 0) return std::nullopt;
  return std::chrono::seconds(secs);
}

namespace {
std::string default_reason(int code) {
  switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "RequestEntityTooLarge";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return {};
  }
}
}  // namespace

ApiError classify_response(int code, std::string_view body, std::string_view retry_after_header) {
  ApiError err;
  err.code = code;
  try {
    const auto status = nlohmann::json::parse(body);
    if (status.is_object() && status.value("kind", "") == "Status") {
      err.reason = status.value("reason", "");
      err.message = status.value("message", "");
      if (const auto c = status.find("code"); c != status.end() && c->is_number_integer() && code == 0)
        err.code = c->get<int>();
    }
  } catch (const nlohmann::json::exception&) {
    // Not a Status (a proxy's HTML page, an empty body): keep a short excerpt as the message.
    err.message = std::string(body.substr(0, 200));
  }
  if (err.reason.empty()) err.reason = default_reason(code);
  err.retry_after = parse_retry_after(retry_after_header);
  err.retryable = is_retryable(err.code, err.reason);
  return err;
}

ApiError transport_error(std::string message) {
  ApiError err;
  err.code = 0;
  err.reason = "Transport";
  err.message = std::move(message);
  err.retryable = true;
  return err;
}

}  // namespace po::kube
