// Bearer-token authentication for /api/*: JWT signed with HS256 and SECRET_KEY.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace a11y::server {

struct Principal {
  std::string subject;  // the "sub" claim: audits belong to it
};

struct AuthFailure {
  std::string code;     // missing_token | invalid_token | token_expired
  std::string message;
};

class Authenticator {
 public:
  explicit Authenticator(std::string secret) : secret_(std::move(secret)) {}
  // authorization_header is the raw Authorization header ("Bearer <jwt>").
  // Returns the principal, or fills failure and returns nullopt.
  std::optional<Principal> authenticate(std::string_view authorization_header, AuthFailure& failure) const;
  // Mints a token (for the `token` sub-command and the tests).
  std::string issue(const std::string& subject, std::chrono::seconds ttl) const;

 private:
  std::string secret_;
};

}  // namespace a11y::server
