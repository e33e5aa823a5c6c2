// Validation of API request bodies: pure functions, shared by the handlers and the fuzz target.
// Every rejection is a RequestError with the HTTP status and the stable error code the client sees.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/audit.hpp"
#include "ml/text_quality.hpp"

namespace a11y::server {

class RequestError : public std::runtime_error {
 public:
  RequestError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }

 private:
  int status_;
  std::string code_;
};

bool is_valid_utf8(std::string_view s);

struct AuditRequest {
  std::string html;
  audit::Options options;
};
// Findings one audit may list (each is at most ~1.3 KB, and the engine also caps the output's bytes).
inline constexpr std::size_t kMaxFindingsLimit = 1000;
// {"html": "<...>", "options": {"rules": ["image-alt"], "maxFindings": 100}}  (maxFindings in [1, kMaxFindingsLimit])
AuditRequest parse_audit_request(std::string_view body);

struct PredictRequest {
  std::vector<std::pair<std::string, ml::TextKind>> items;
};
// {"items": [{"text": "click here", "kind": "link"|"alt"}]} (at most max_items)
PredictRequest parse_predict_request(std::string_view body, std::size_t max_items = 1000);

// ?limit=20&cursor=... ; limit in [1, 100], default 20.
struct ListQuery {
  std::size_t limit = 20;
  std::string cursor;
};
ListQuery parse_list_query(std::string_view query);

std::string url_decode(std::string_view s);  // throws RequestError on a bad %-escape

}  // namespace a11y::server
