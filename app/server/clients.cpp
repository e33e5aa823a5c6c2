#include "server/clients.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include "server/config.hpp"
#include "server/request_parsing.hpp"

namespace a11y::server {
namespace {

std::string sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(md), len);
}

bool valid_client_id(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

// Base64 (standard alphabet, padded), as HTTP Basic uses; nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0 || in.size() > 4096) return std::nullopt;
  std::string out(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  std::size_t len = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  for (std::size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) --len;
  out.resize(len);
  return out;
}

std::string form_decode(std::string_view s) {
  try {
    return url_decode(s);
  } catch (const RequestError&) {
    throw RequestError(400, "invalid_request", "bad %-escape in the form body");
  }
}

}  // namespace

ClientRegistry::ClientRegistry(const std::map<std::string, std::string>& secrets) {
  for (const auto& [name, secret] : secrets) {
    std::string_view id = name;
    for (const auto suffix : {kNextSuffix, kPreviousSuffix}) {
      if (id.ends_with(suffix)) {  // ".next" alone names no client: refused below
        id.remove_suffix(suffix.size());
        break;
      }
    }
    if (!valid_client_id(id)) throw ConfigError("client id \"" + name + "\" must be 1-128 characters of [A-Za-z0-9._-]");
    if (secret.size() < kMinClientSecretBytes)
      throw ConfigError("the secret of client \"" + name + "\" must be at least " + std::to_string(kMinClientSecretBytes) + " bytes");
    auto& digests = digests_[std::string(id)];
    if (digests.size() >= kMaxSecretsPerClient) throw ConfigError("client \"" + std::string(id) + "\" has too many secrets");
    digests.push_back(sha256(secret));
  }
}

std::map<std::string, std::string> ClientRegistry::read_directory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) throw ConfigError("AUTH_CLIENTS_DIR " + dir + " cannot be read: " + ec.message());
  std::map<std::string, std::string> secrets;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.front() == '.' || !entry.is_regular_file(ec)) continue;  // follows the kubelet's links
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string secret = text.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    secrets.emplace(name, std::move(secret));
  }
  return secrets;
}

bool ClientRegistry::verify(std::string_view id, std::string_view secret) const {
  static const std::string kUnknown = sha256("no such client");
  const auto it = digests_.find(id);
  const std::string given = sha256(secret);
  bool equal = false;
  for (std::size_t slot = 0; slot < kMaxSecretsPerClient; ++slot) {
    const bool real = it != digests_.end() && slot < it->second.size();
    const std::string& expected = real ? it->second[slot] : kUnknown;
    equal |= (CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0) & real;
  }
  return equal;
}

ClientDirectory::ClientDirectory(std::string dir, std::chrono::milliseconds min_interval)
    : dir_(std::move(dir)), min_interval_(min_interval), registry_(std::make_shared<const ClientRegistry>()) {
  if (dir_.empty()) return;
  const auto secrets = ClientRegistry::read_directory(dir_);
  registry_ = std::make_shared<const ClientRegistry>(secrets);
  fingerprint_ = sha256(nlohmann::json(secrets).dump());
  checked_ = Clock::now();
}

std::shared_ptr<const ClientRegistry> ClientDirectory::current() const {
  std::scoped_lock lock(mutex_);
  return registry_;
}

std::size_t ClientDirectory::size() const { return current()->size(); }

bool ClientDirectory::reload() {
  if (dir_.empty()) return false;
  std::scoped_lock one_reader(reload_mutex_);
  std::map<std::string, std::string> secrets;
  try {
    secrets = ClientRegistry::read_directory(dir_);
  } catch (const ConfigError& e) {
    spdlog::warn("AUTH_CLIENTS_DIR: keeping the clients read before: {}", e.what());
    return false;
  }
  const std::string fingerprint = sha256(nlohmann::json(secrets).dump());
  {
    std::scoped_lock lock(mutex_);
    if (fingerprint == fingerprint_) return false;
  }
  std::shared_ptr<const ClientRegistry> next;
  try {
    next = std::make_shared<const ClientRegistry>(secrets);
  } catch (const ConfigError& e) {
    spdlog::warn("AUTH_CLIENTS_DIR changed, but the new content does not load; keeping the clients read before: {}", e.what());
    std::scoped_lock lock(mutex_);
    fingerprint_ = fingerprint;  // warned once per content, not once per second
    return false;
  }
  std::size_t secrets_count = secrets.size();
  std::scoped_lock lock(mutex_);
  registry_ = std::move(next);
  fingerprint_ = fingerprint;
  spdlog::info("AUTH_CLIENTS_DIR changed: {} clients with {} secrets", registry_->size(), secrets_count);
  return true;
}

bool ClientDirectory::verify(std::string_view id, std::string_view secret, Clock::time_point now) {
  bool due = false;
  if (!dir_.empty()) {
    std::scoped_lock lock(mutex_);
    if (now - checked_ >= min_interval_) {
      checked_ = now;
      due = true;
    }
  }
  if (due) reload();
  return current()->verify(id, secret);
}

ClientCredentials parse_token_request(std::string_view authorization, std::string_view content_type, std::string_view body) {
  std::map<std::string, std::string> fields;
  const auto form = content_type.substr(0, content_type.find(';')) == "application/x-www-form-urlencoded";
  if (form) {
    for (std::string_view rest = body; !rest.empty();) {
      const auto amp = rest.find('&');
      const auto pair = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
      if (pair.empty()) continue;
      const auto eq = pair.find('=');
      const std::string key = form_decode(pair.substr(0, eq));
      if (fields.count(key)) throw RequestError(400, "invalid_request", "parameter " + key + " is repeated");
      fields[key] = form_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    }
  } else if (!body.empty()) {
    const auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      throw RequestError(400, "invalid_request", "the body must be a JSON object or application/x-www-form-urlencoded");
    for (const auto& [key, value] : j.items()) {
      if (!value.is_string()) throw RequestError(400, "invalid_request", key + " must be a string");
      fields[key] = value.get<std::string>();
    }
  }
  const auto grant = fields.find("grant_type");
  if (grant == fields.end()) throw RequestError(400, "invalid_request", "grant_type is required (client_credentials)");
  if (grant->second != "client_credentials")
    throw RequestError(400, "unsupported_grant_type", "only grant_type=client_credentials is supported");

  ClientCredentials c;
  const bool in_body = fields.count("client_id") || fields.count("client_secret");
  constexpr std::string_view kBasic = "Basic ";
  if (!authorization.empty()) {
    if (in_body) throw RequestError(400, "invalid_request", "send the client credentials in one place, not in both");
    if (authorization.size() <= kBasic.size() || authorization.substr(0, kBasic.size()) != kBasic)
      throw RequestError(401, "invalid_client", "the Authorization header must be \"Basic <base64(id:secret)>\"");
    const auto decoded = base64_decode(authorization.substr(kBasic.size()));
    const auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) throw RequestError(401, "invalid_client", "the Basic credentials are malformed");
    // RFC 6749 §2.3.1: the id and secret are form-encoded before Basic encoding.
    c.id = form_decode(std::string_view(*decoded).substr(0, colon));
    c.secret = form_decode(std::string_view(*decoded).substr(colon + 1));
  } else {
    c.id = fields["client_id"];
    c.secret = fields["client_secret"];
  }
  if (c.id.empty() || c.secret.empty()) throw RequestError(401, "invalid_client", "client credentials are required");
  return c;
}

}  // namespace a11y::server
