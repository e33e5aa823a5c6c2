// AI suggestions for an audit: POST /api/v1/audits/{id}/suggestions. Runs on the AI lane (its own threads and
// queue, see App::handle_async), so a slow provider holds those threads, never the audit workers.
#include "server/app.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "server/app_internal.hpp"
#include "server/request_parsing.hpp"

namespace a11y::server {

using nlohmann::json;
using po::http::json_error;
using Clock = std::chrono::steady_clock;

namespace {
constexpr std::size_t kMaxSuggestionFindings = 20;
}  // namespace

po::http::Response App::suggestions(const Request& req, const Principal& who, const std::string& id) {
  if (!ai_.enabled()) {
    metrics_->ai_requests.with({{"outcome", "disabled"}}).inc();
    return json_error(503, "ai_disabled", "AI suggestions are disabled: set OPENAI_API_KEY or GEMINI_API_KEY",
                      req.request_id);
  }
  if (!is_uuid(id)) return json_error(404, "audit_not_found", "no audit with id " + id, req.request_id);
  const auto text = load_audit_json(who, id);
  if (!text) return json_error(404, "audit_not_found", "no audit with id " + id, req.request_id);
  const auto audit_doc = json::parse(*text);
  std::vector<SuggestionInput> inputs;
  for (const auto& f : audit_doc.at("findings")) {
    if (inputs.size() == kMaxSuggestionFindings) break;
    inputs.push_back({f.value("ruleId", ""), f.value("message", ""), f.value("selector", ""), f.value("snippet", "")});
  }
  const auto asked = Clock::now();
  const auto result = ai_.suggest(inputs);
  if (result.outcome == AiOutcome::Ok || result.outcome == AiOutcome::UpstreamError || result.outcome == AiOutcome::BadOutput)
    metrics_->ai_duration.observe(std::chrono::duration<double>(Clock::now() - asked).count());
  switch (result.outcome) {
    case AiOutcome::Disabled:
      metrics_->ai_requests.with({{"outcome", "disabled"}}).inc();
      return json_error(503, "ai_disabled", "AI suggestions are disabled", req.request_id);
    case AiOutcome::CircuitOpen: {
      metrics_->ai_requests.with({{"outcome", "circuit_open"}}).inc();
      auto r = json_error(503, "ai_unavailable", "the AI provider is failing; suggestions are paused", req.request_id);
      r.headers["Retry-After"] = "30";
      return r;
    }
    case AiOutcome::UpstreamError:
      spdlog::warn("request {}: AI provider {} failed: {}", req.request_id, to_string(ai_.provider()), result.error);
      metrics_->ai_requests.with({{"outcome", "error"}}).inc();
      return json_error(502, "ai_upstream_error", "the AI provider failed: " + result.error, req.request_id);
    case AiOutcome::BadOutput:
      spdlog::warn("request {}: AI provider {} answered unreadably: {}", req.request_id, to_string(ai_.provider()),
                   result.error);
      metrics_->ai_requests.with({{"outcome", "bad_output"}}).inc();
      return json_error(502, "ai_bad_output", "the AI provider's answer could not be used: " + result.error,
                        req.request_id);
    case AiOutcome::Ok: break;
  }
  metrics_->ai_requests.with({{"outcome", "ok"}}).inc();
  json out = json::array();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    out.push_back({{"ruleId", inputs[i].rule_id}, {"selector", inputs[i].selector}, {"suggestion", result.suggestions[i]}});
  }
  return json_response(200, {{"auditId", id},
                             {"provider", to_string(ai_.provider())},
                             {"model", config_.ai_model},
                             {"suggestions", std::move(out)}});
}

}  // namespace a11y::server
