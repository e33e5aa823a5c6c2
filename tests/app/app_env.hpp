// One environment per test process: PostgreSQL, Redis, a stub AI provider and platform-api, built on first use.
#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "harness.hpp"
#include "po/common/http_server.hpp"

namespace apptest {

// An OpenAI-compatible chat-completions stub: answers one suggestion per finding in the prompt.
// Fail: HTTP 500. Slow: answers after 4 s. Prose: HTTP 200, but the model's text holds no JSON array.
// NotJson: HTTP 200 with an HTML body, as a misconfigured proxy answers.
class AiStub {
 public:
  enum class Mode { Ok, Fail, Slow, Prose, NotJson };
  AiStub();
  std::uint16_t port() const { return server_.port(); }
  void set_mode(Mode m) { mode_ = m; }
  int calls() const { return calls_; }
  std::string last_body() const;  // the last chat-completions request body received

 private:
  std::atomic<Mode> mode_{Mode::Ok};
  std::atomic<int> calls_{0};
  mutable std::mutex mutex_;  // guards last_body_
  std::string last_body_;
  po::http::HttpServer server_;
};

struct Env {
  Env();
  TempDir dir;
  Postgres pg{dir.path()};
  Redis redis{dir.path()};
  AiStub ai;
  std::string secret = "test-secret-key-0123456789abcdef";
  // AUTH_CLIENTS_DIR: client id -> secret, one file each, as a mounted Secret gives them.
  std::map<std::string, std::string> clients = {{"frontend", "frontend-client-secret-0123456789"},
                                                {"users", "users-client-secret-abcdefghijkl"}};
  std::unique_ptr<ApiServer> api;

  std::map<std::string, std::string> api_env() const;
  std::string token(const std::string& sub, long ttl_seconds = 3600) const;
  std::uint16_t port() const { return api->port(); }
  HttpResult get(const std::string& target, const std::string& sub = "alice");
  HttpResult post(const std::string& target, const std::string& body, const std::string& sub = "alice");
};

Env& env();  // created on first use, torn down at exit

nlohmann::json body_of(const HttpResult& r);
std::string error_code(const HttpResult& r);  // error.code of a JSON error body ("" if none)
std::string small_page(int variant);           // a small HTML page with a few known problems

}  // namespace apptest
