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

constexpr std::chrono::seconds kLeeway{30};   // clock skew allowed between the issuer and this server

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
                               jwt::params::verify(true), jwt::params::leeway(kLeeway.count()));
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
    // The library checked exp when present (with the leeway); it must be present, and not too far ahead.
    const auto exp = json.find("exp");
    if (exp == json.end() || !exp->is_number()) {
      failure = {"invalid_token", "the token has no numeric \"exp\" claim: tokens must expire"};
      return std::nullopt;
    }
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    if (exp->get<double>() > static_cast<double>((now + policy_.max_lifetime + kLeeway).count())) {
      failure = {"invalid_token", "the token expires more than " + std::to_string(policy_.max_lifetime.count()) +
                                      " s from now, past the longest lifetime this server accepts"};
      return std::nullopt;
    }
    if (!policy_.issuer.empty()) {
      const auto iss = json.find("iss");
      if (iss == json.end() || !iss->is_string() || iss->get<std::string>() != policy_.issuer) {
        failure = {"invalid_token", "the token's \"iss\" claim is not the issuer this server accepts"};
        return std::nullopt;
      }
    }
    if (!policy_.audience.empty()) {
      const auto aud = json.find("aud");
      bool ok = false;
      if (aud != json.end() && aud->is_string()) ok = aud->get<std::string>() == policy_.audience;
      if (aud != json.end() && aud->is_array())
        for (const auto& a : *aud) ok = ok || (a.is_string() && a.get<std::string>() == policy_.audience);
      if (!ok) {
        failure = {"invalid_token", "the token's \"aud\" claim does not name this server's audience"};
        return std::nullopt;
      }
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
  if (!policy_.issuer.empty()) obj.add_claim("iss", policy_.issuer);
  if (!policy_.audience.empty()) obj.add_claim("aud", policy_.audience);
  return obj.signature();
}

}  // namespace a11y::server
