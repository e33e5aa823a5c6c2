#include "server/auth.hpp"

#include <jwt/jwt.hpp>

namespace a11y::server {

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
