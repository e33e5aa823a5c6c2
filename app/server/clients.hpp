// Client credentials for POST /api/v1/auth/token (the OAuth 2.0 client-credentials grant, RFC 6749 §4.4):
// a client proves it holds a secret and gets a short-lived bearer token whose "sub" is its client id.
#pragma once
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace a11y::server {

// The shortest client secret accepted: a guessable secret would make the auth rate limit the only guard.
inline constexpr std::size_t kMinClientSecretBytes = 16;

class ClientRegistry {
 public:
  ClientRegistry() = default;
  // client id -> secret; throws ConfigError for an empty id, an id with characters outside
  // [A-Za-z0-9._-], or a secret shorter than kMinClientSecretBytes.
  explicit ClientRegistry(std::map<std::string, std::string> secrets);
  // AUTH_CLIENTS_DIR: one file per client (a mounted Secret: the key is the client id, the value its
  // secret; a trailing newline is ignored). Names starting with '.' (the kubelet's ..data links) are
  // skipped. Throws ConfigError when the directory cannot be read.
  static ClientRegistry from_directory(const std::string& dir);

  // True when id is a client and secret is its secret. The secrets are compared in constant time
  // (CRYPTO_memcmp over SHA-256 digests, so their lengths do not leak either), and an unknown id costs
  // the same comparison.
  bool verify(std::string_view id, std::string_view secret) const;
  std::size_t size() const { return digests_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> digests_;  // client id -> SHA-256 of its secret
};

struct ClientCredentials {
  std::string id;
  std::string secret;
};

// The credentials of a token request: HTTP Basic (id:secret) in the Authorization header, or client_id and
// client_secret in the body (application/x-www-form-urlencoded, or a JSON object), with
// grant_type=client_credentials in the body. Throws RequestError: 400 invalid_request (malformed, or
// credentials in both places), 400 unsupported_grant_type, 401 invalid_client (no credentials at all).
ClientCredentials parse_token_request(std::string_view authorization, std::string_view content_type, std::string_view body);

}  // namespace a11y::server
