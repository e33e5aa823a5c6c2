#include "server/ai_client.hpp"

#include <cpprest/http_client.h>
#include <nlohmann/json.hpp>

namespace a11y::server {

AiClient::AiClient(const Config& config)
    : provider_(config.ai_provider),
      base_url_(config.ai_base_url),
      api_key_(config.ai_api_key),
      model_(config.ai_model),
      timeout_(config.ai_timeout) {}

AiClient::~AiClient() = default;

CircuitBreaker::State AiClient::circuit_state() const { return breaker_.state(CircuitBreaker::Clock::now()); }

std::string build_prompt(const std::vector<SuggestionInput>& findings) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& f : findings) {
    list.push_back({{"rule", f.rule_id}, {"problem", f.message}, {"selector", f.selector}, {"html", f.snippet}});
  }
  return "You are an accessibility engineer. For each WCAG finding below, write one short, concrete "
         "remediation (what to change in the HTML). Answer with only a JSON array of strings, one per "
         "finding, in the same order.\nFindings:\n" +
         list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> parse_suggestions(const std::string& text, std::size_t expected) {
  const auto begin = text.find('[');
  const auto end = text.rfind(']');
  if (begin == std::string::npos || end == std::string::npos || end < begin) {
    throw std::runtime_error("the model's answer holds no JSON array");
  }
  const auto j = nlohmann::json::parse(text.substr(begin, end - begin + 1), nullptr, false);
  if (!j.is_array()) throw std::runtime_error("the model's answer is not a JSON array");
  std::vector<std::string> out;
  for (const auto& s : j) out.push_back(s.is_string() ? s.get<std::string>() : s.dump());
  if (out.size() != expected) {
    throw std::runtime_error("the model answered " + std::to_string(out.size()) + " suggestions for " +
                             std::to_string(expected) + " findings");
  }
  return out;
}

std::string AiClient::call(const std::string& prompt) {
  using namespace web::http;
  client::http_client_config cfg;
  cfg.set_timeout(std::chrono::duration_cast<std::chrono::microseconds>(timeout_));
  nlohmann::json body;
  std::string path;
  http_request req(methods::POST);
  if (provider_ == AiProvider::OpenAi) {
    path = "/chat/completions";
    body = {{"model", model_},
            {"temperature", 0.2},
            {"messages", nlohmann::json::array({{{"role", "user"}, {"content", prompt}}})}};
    req.headers().add("Authorization", "Bearer " + api_key_);
  } else {
    path = "/models/" + model_ + ":generateContent";
    body = {{"contents", nlohmann::json::array({{{"parts", nlohmann::json::array({{{"text", prompt}}})}}})}};
    req.headers().add("x-goog-api-key", api_key_);
  }
  client::http_client http(base_url_ + path, cfg);
  req.set_body(body.dump(), "application/json");
  // The whole exchange, not only each socket operation, must finish within the timeout.
  auto task = http.request(req).then([](http_response r) {
    return r.extract_string(true).then([r](std::string text) { return std::make_pair(r.status_code(), text); });
  });
  if (task.wait() != pplx::completed) throw std::runtime_error("request cancelled");
  const auto [status, text] = task.get();
  if (status != status_codes::OK) {
    throw std::runtime_error("provider answered HTTP " + std::to_string(status));
  }
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error("provider answer is not JSON");
  try {
    if (provider_ == AiProvider::OpenAi) return j.at("choices").at(0).at("message").at("content").get<std::string>();
    return j.at("candidates").at(0).at("content").at("parts").at(0).at("text").get<std::string>();
  } catch (const nlohmann::json::exception&) {
    throw std::runtime_error("provider answer lacks the generated text");
  }
}

AiResult AiClient::suggest(const std::vector<SuggestionInput>& findings) {
  AiResult result;
  if (!enabled()) {
    result.outcome = AiOutcome::Disabled;
    return result;
  }
  if (findings.empty()) return result;
  if (!breaker_.allow(CircuitBreaker::Clock::now())) {
    result.outcome = AiOutcome::CircuitOpen;
    return result;
  }
  try {
    result.suggestions = parse_suggestions(call(build_prompt(findings)), findings.size());
    breaker_.record_success();
  } catch (const std::exception& e) {
    breaker_.record_failure(CircuitBreaker::Clock::now());
    result.outcome = AiOutcome::UpstreamError;
    result.error = e.what();
  }
  return result;
}

}  // namespace a11y::server
