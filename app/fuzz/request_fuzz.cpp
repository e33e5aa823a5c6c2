// libFuzzer target for everything the server parses out of an HTTP request before a handler runs:
// the audit and predict JSON bodies, the list query string and its cursor, audit ids, route paths and
// the Authorization header, and the token endpoint's credentials. Any input must be either accepted with the documented invariants holding,
// or refused with the documented exception (RequestError, std::invalid_argument for cursors); anything
// else (a crash, a sanitizer report, another exception) is a bug. Built and run by hack/fuzz.sh.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "audit/audit.hpp"
#include "server/audit_store.hpp"
#include "server/auth.hpp"
#include "server/clients.hpp"
#include "server/request_parsing.hpp"
#include "server/router.hpp"

namespace {

using a11y::server::RequestError;

constexpr std::size_t kMaxPredictItems = 16;  // small, so the too_many_items path is reached

const a11y::server::Authenticator& authenticator() {
  static const a11y::server::Authenticator auth("fuzz-secret-0123456789abcdef");
  return auth;
}

const a11y::server::Router& router() {
  static const a11y::server::Router r = [] {
    a11y::server::Router rt;
    const auto none = [](const po::http::Request&, const a11y::server::Params&) { return po::http::Response{}; };
    for (const char* p : {"/health", "/health/database", "/api/v1/rules", "/api/v1/models"}) rt.add("GET", p, none);
    rt.add("POST", "/api/v1/models/{name}/predict", none);
    rt.add("GET", "/api/v1/audits/{id}", none);
    return rt;
  }();
  return r;
}

// Rejections become JSON error bodies that quote client input: rendering one must never throw.
void check_rejection(const RequestError& e) {
  if (e.status() < 400 || e.status() > 499 || e.code().empty()) std::abort();
  const nlohmann::json body = {{"error", {{"code", e.code()}, {"message", e.what()}}}};
  (void)body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void fuzz_audit_request(std::string_view input) {
  try {
    const auto req = a11y::server::parse_audit_request(input);
    if (req.html.empty() || !a11y::server::is_valid_utf8(req.html)) std::abort();
    if (req.options.max_findings < 1 || req.options.max_findings > 5000) std::abort();
    const auto& known = a11y::audit::Engine::rules();
    for (const auto& id : req.options.rules) {
      if (std::none_of(known.begin(), known.end(), [&](const a11y::audit::RuleInfo& r) { return r.id == id; })) {
        std::abort();
      }
    }
  } catch (const RequestError& e) {
    check_rejection(e);
  }
}

void fuzz_predict_request(std::string_view input) {
  try {
    const auto req = a11y::server::parse_predict_request(input, kMaxPredictItems);
    if (req.items.empty() || req.items.size() > kMaxPredictItems) std::abort();
  } catch (const RequestError& e) {
    check_rejection(e);
  }
}

void fuzz_query(std::string_view input) {
  try {
    const auto q = a11y::server::parse_list_query(input);
    if (q.limit < 1 || q.limit > 100 || q.cursor.size() > input.size()) std::abort();
    if (!q.cursor.empty()) {
      try {
        const auto seq = a11y::server::decode_cursor(q.cursor);
        // A cursor that decodes is the one the API would have returned for that position.
        if (seq <= 0 || a11y::server::decode_cursor(a11y::server::encode_cursor(seq)) != seq) std::abort();
      } catch (const std::invalid_argument&) {
      }
    }
  } catch (const RequestError& e) {
    check_rejection(e);
  }
  try {
    if (a11y::server::url_decode(input).size() > input.size()) std::abort();
  } catch (const RequestError& e) {
    check_rejection(e);
  }
}

void fuzz_path(std::string_view input) {
  const auto line = input.substr(0, input.find('\n'));
  const auto match = router().match("GET", line);
  if (match.handler && match.pattern == "unmatched") std::abort();
  if (a11y::server::is_uuid(line) && line.size() != 36) std::abort();
}

void fuzz_authorization(std::string_view input) {
  a11y::server::AuthFailure failure;
  const auto who = authenticator().authenticate(input, failure);
  if (who ? who->subject.empty() : failure.code.empty()) std::abort();
}

// POST /api/v1/auth/token: the body as a form and as JSON, and the input as Basic credentials.
void fuzz_token_request(std::string_view input) {
  const auto one = [](std::string_view authorization, std::string_view type, std::string_view body) {
    try {
      const auto c = a11y::server::parse_token_request(authorization, type, body);
      if (c.id.empty() || c.secret.empty()) std::abort();
    } catch (const RequestError& e) {
      check_rejection(e);
    }
  };
  one("", "application/x-www-form-urlencoded", input);
  one("", "application/json", input);
  one("Basic " + std::string(input.substr(0, 4096)), "application/x-www-form-urlencoded", "grant_type=client_credentials");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzz_audit_request(input);
  fuzz_predict_request(input);
  fuzz_query(input);
  fuzz_path(input);
  fuzz_token_request(input);
  fuzz_authorization(input.substr(0, 4096));
  // "Bearer " + input reaches the JWT decoder with every input, not only those starting with the scheme.
  if (input.size() <= 4096) fuzz_authorization("Bearer " + std::string(input));
  return 0;
}
