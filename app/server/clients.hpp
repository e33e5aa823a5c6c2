// Client credentials for POST /api/v1/auth/token (the OAuth 2.0 client-credentials grant, RFC 6749 §4.4):
// a client proves it holds a secret and gets a short-lived bearer token whose "sub" is its client id.
#pragma once
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace a11y::server {

// The shortest client secret accepted: a guessable secret would make the auth rate limit the only guard.
inline constexpr std::size_t kMinClientSecretBytes = 16;

// During a rotation of a client's secret (the operator's, docs/operations.md) a client has up to three
// secrets at once: <id> (current), <id>.next (staged: known here before any client presents it) and
// <id>.previous (retired soon: clients that have not re-read theirs yet still present it).
inline constexpr std::string_view kNextSuffix = ".next";
inline constexpr std::string_view kPreviousSuffix = ".previous";
inline constexpr std::size_t kMaxSecretsPerClient = 3;

class ClientRegistry {
 public:
  ClientRegistry() = default;
  // name -> secret, where a name is a client id, or a client id with the suffix .next or .previous (another
  // secret of that client). Throws ConfigError for an empty id, an id with characters outside
  // [A-Za-z0-9._-], or a secret shorter than kMinClientSecretBytes.
  explicit ClientRegistry(const std::map<std::string, std::string>& secrets);
  // AUTH_CLIENTS_DIR: one file per name (a mounted Secret: the key is the name, the value its secret; a
  // trailing newline is ignored). Names starting with '.' (the kubelet's ..data links) are skipped.
  // Throws ConfigError when the directory cannot be read.
  static std::map<std::string, std::string> read_directory(const std::string& dir);
  static ClientRegistry from_directory(const std::string& dir) { return ClientRegistry(read_directory(dir)); }

  // True when id is a client and secret is one of its secrets. The secrets are compared in constant time
  // (CRYPTO_memcmp over SHA-256 digests, so their lengths do not leak either), against kMaxSecretsPerClient
  // slots whichever client it is, so an unknown id or a client with one secret costs the same.
  bool verify(std::string_view id, std::string_view secret) const;
  std::size_t size() const { return digests_.size(); }  // clients, not secrets

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> digests_;  // client id -> SHA-256 of its secrets
};

// The clients of AUTH_CLIENTS_DIR as they are now: the directory is read again at most once per
// `min_interval`, on a token request, and a changed content replaces the registry, so a rotated Secret
// (the kubelet swaps its files in place) takes effect without a restart. A content that does not load (a
// short secret) keeps the registry before it, with a warning. Thread-safe.
class ClientDirectory {
 public:
  using Clock = std::chrono::steady_clock;
  // An empty dir: no clients, nothing to read. Throws ConfigError when the first read fails.
  explicit ClientDirectory(std::string dir, std::chrono::milliseconds min_interval = std::chrono::seconds(1));
  bool verify(std::string_view id, std::string_view secret, Clock::time_point now = Clock::now());
  // Reads the directory now; true when the registry changed.
  bool reload();
  std::size_t size() const;

 private:
  std::shared_ptr<const ClientRegistry> current() const;
  const std::string dir_;
  const std::chrono::milliseconds min_interval_;
  mutable std::mutex mutex_;                        // guards registry_, fingerprint_, checked_
  std::shared_ptr<const ClientRegistry> registry_;  // never null
  std::string fingerprint_;                         // SHA-256 of the names and secrets last read
  Clock::time_point checked_{};
  std::mutex reload_mutex_;                         // one reader of the directory at a time
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
