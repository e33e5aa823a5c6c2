#include "server/auth.hpp"

#include <algorithm>

#include <jwt/jwt.hpp>

namespace a11y::server {
namespace {

// A compact JWS is three base64url segments joined by dots. cpp-jwt's base64 decoder indexes its table
// with a plain char, so a byte >= 0x80 reads outside the table (found by app/fuzz/request_fuzz.cpp):
// anything outside the alphabet is refused before the token reaches the library.
bool is_compact_jws_alphabet(std::string_view token) {
  return std::all_of(token.begin(), token.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '=';
  });
}

}  // namespace

std::optional<Principal> Authenticator::authenticate(std::string_view header, AuthFailure& failure) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (header.empty()) {
    failure = {"missing_token", "an Authorization: Bearer <token> header is required"};
    return std::nullopt;
  }
  if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer) {
    failure = {"invalid_token", "the Authorization header must be \"Bearer <token>\""};
    return std::nullopt;
  }
  const std::string token(header.substr(kBearer.size()));
  if (!is_compact_jws_alphabet(token)) {
    failure = {"invalid_token", "the token is malformed"};
    return std::nullopt;
  }
  try {
    std::error_code ec;
    auto decoded = jwt::decode(token, jwt::params::algorithms({"HS256"}), ec, jwt::params::secret(secret_),
                               jwt::params::verify(true), jwt::params::leeway(30));
    if (ec) {
      if (ec == jwt::VerificationErrc::TokenExpired) {
        failure = {"token_expired", "the token has expired"};
      } else {
        failure = {"invalid_token", "the token is not valid: " + ec.message()};
      }
      return std::nullopt;
    }
    const auto& payload = decoded.payload();
    if (!payload.has_claim("sub")) {
      failure = {"invalid_token", "the token has no \"sub\" claim"};
      return std::nullopt;
    }
    const auto& json = payload.create_json_obj();
    const auto sub = json.find("sub");
    if (sub == json.end() || !sub->is_string() || sub->get<std::string>().empty()) {
      failure = {"invalid_token", "the token's \"sub\" claim must be a non-empty string"};
      return std::nullopt;
    }
    return Principal{sub->get<std::string>()};
  } catch (const std::exception& e) {  // cpp-jwt throws on some malformed inputs even with an error_code
    failure = {"invalid_token", "the token is malformed"};
    return std::nullopt;
  }
}

std::string Authenticator::issue(const std::string& subject, std::chrono::seconds ttl) const {
  jwt::jwt_object obj{jwt::params::algorithm("HS256"), jwt::params::secret(secret_),
                      jwt::params::payload({{"sub", subject}})};
  const auto now = std::chrono::system_clock::now();
  obj.add_claim("iat", now);
  obj.add_claim("exp", now + ttl);
  return obj.signature();
}

}  // namespace a11y::server
