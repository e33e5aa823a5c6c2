// Bearer-token authentication for /api/*: JWT signed with HS256 and SECRET_KEY.
#pragma once
#include <chrono>
#include <cstddef>
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

// What a token must say beyond a valid HS256 signature and a "sub": an "exp" no further in the future than
// max_lifetime (a stolen token without one would work forever), and, when set, this "iss" and this "aud"
// (a string, or an array that contains it).
struct TokenPolicy {
  std::chrono::seconds max_lifetime{24 * 3600};
  std::string issuer;     // empty: "iss" is not checked
  std::string audience;   // empty: "aud" is not checked
};

// The shortest SECRET_KEY the server starts with: HS256's key should be at least as long as its output.
inline constexpr std::size_t kMinSecretBytes = 32;

class Authenticator {
 public:
  explicit Authenticator(std::string secret, TokenPolicy policy = {})
      : secret_(std::move(secret)), policy_(std::move(policy)) {}
  // authorization_header is the raw Authorization header ("Bearer <jwt>").
  // Returns the principal, or fills failure and returns nullopt.
  std::optional<Principal> authenticate(std::string_view authorization_header, AuthFailure& failure) const;
  // Mints a token (for the `token` sub-command and the tests), with the policy's iss and aud.
  std::string issue(const std::string& subject, std::chrono::seconds ttl) const;

 private:
  std::string secret_;
  TokenPolicy policy_;
};

}  // namespace a11y::server
