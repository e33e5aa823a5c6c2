#include "app_env.hpp"

#include "server/auth.hpp"

namespace apptest {

AiStub::AiStub()
    : server_(
          [] {
            po::http::ServerOptions o;
            o.threads = 4;
            return o;
          }(),
          [this](const po::http::Request& req) {
            ++calls_;
            if (req.path != "/v1/chat/completions" || req.method != "POST") {
              return po::http::json_error(404, "not_found", "stub knows only chat completions", req.request_id);
            }
            if (req.header("authorization") != "Bearer stub-key") {
              return po::http::json_error(401, "unauthorized", "bad key", req.request_id);
            }
            {
              std::scoped_lock lock(mutex_);
              last_body_ = req.body;
            }
            const auto mode = mode_.load();
            if (mode == Mode::Fail) return po::http::json_error(500, "boom", "stub failure", req.request_id);
            if (mode == Mode::Slow) std::this_thread::sleep_for(std::chrono::seconds(4));
            if (mode == Mode::NotJson) return po::http::Response{200, "text/html", {}, "<html><body>upstream says hi</body></html>"};
            if (mode == Mode::Prose) {
              const nlohmann::json out = {{"choices", {{{"message", {{"role", "assistant"}, {"content", "Sorry, I cannot help with that."}}}}}}};
              return po::http::Response{200, "application/json", {}, out.dump()};
            }
            // The findings are the user message: one JSON array between <findings> and </findings>.
            const auto j = nlohmann::json::parse(req.body);
            const std::string data = j.at("messages").at(1).at("content");
            const auto begin = data.find("<findings>\n") + 11;
            const auto findings = nlohmann::json::parse(data.substr(begin, data.rfind("\n</findings>") - begin));
            nlohmann::json answers = nlohmann::json::array();
            for (const auto& f : findings) answers.push_back("fix " + f.at("rule").get<std::string>());
            const nlohmann::json out = {
                {"choices", {{{"message", {{"role", "assistant"}, {"content", "```json\n" + answers.dump() + "\n```"}}}}}}};
            return po::http::Response{200, "application/json", {}, out.dump()};
          }) {
  server_.start();
}

std::string AiStub::last_body() const {
  std::scoped_lock lock(mutex_);
  return last_body_;
}

Env::Env() {
  fs::create_directories(dir.path() / "clients");
  for (const auto& [id, client_secret] : clients) std::ofstream(dir.path() / "clients" / id) << client_secret << "\n";
  api = std::make_unique<ApiServer>(dir.path(), api_env());
}

std::map<std::string, std::string> Env::api_env() const {
  return {{"DATABASE_URL", pg.url()},
          {"REDIS_URL", redis.url()},
          {"SECRET_KEY", secret},
          {"OPENAI_API_KEY", "stub-key"},
          {"AI_BASE_URL", "http://127.0.0.1:" + std::to_string(ai.port()) + "/v1"},
          {"AI_TIMEOUT_MS", "2000"},
          {"DB_POOL_SIZE", "4"},
          {"AUTH_CLIENTS_DIR", (dir.path() / "clients").string()},
          {"AUTH_TOKEN_TTL_SECONDS", "600"}};
}

std::string Env::token(const std::string& sub, long ttl_seconds) const {
  return a11y::server::Authenticator(secret).issue(sub, std::chrono::seconds(ttl_seconds));
}

HttpResult Env::get(const std::string& target, const std::string& sub) {
  return http(port(), "GET", target, {}, {{"Authorization", "Bearer " + token(sub)}});
}

HttpResult Env::post(const std::string& target, const std::string& body, const std::string& sub) {
  return http(port(), "POST", target, body, {{"Authorization", "Bearer " + token(sub)}});
}

Env& env() {
  static Env e;
  return e;
}

nlohmann::json body_of(const HttpResult& r) { return nlohmann::json::parse(r.body); }

std::string error_code(const HttpResult& r) {
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("error")) return "";
  return j["error"].value("code", "");
}

std::string small_page(int variant) {
  return "<!DOCTYPE html><html><head><title>Page " + std::to_string(variant) +
         "</title></head><body><main><h1>Hello</h1><img src=\"a.png\"><a href=\"/x\">click here</a>"
         "<p>variant " + std::to_string(variant) + "</p></main></body></html>";
}

}  // namespace apptest
