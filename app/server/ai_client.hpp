// Remediation suggestions from an LLM: an OpenAI-compatible chat-completions endpoint or Gemini's
// generateContent, over cpprestsdk with a hard timeout and a circuit breaker. Without a key the client
// is disabled and says so.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "server/circuit_breaker.hpp"
#include "server/config.hpp"

namespace a11y::server {

struct SuggestionInput {
  std::string rule_id, message, selector, snippet;
};

enum class AiOutcome { Ok, Disabled, CircuitOpen, UpstreamError };

struct AiResult {
  AiOutcome outcome = AiOutcome::Ok;
  std::vector<std::string> suggestions;  // one per input, in order (Ok only)
  std::string error;                     // for UpstreamError
};

class AiClient {
 public:
  explicit AiClient(const Config& config);
  ~AiClient();
  bool enabled() const { return provider_ != AiProvider::None; }
  AiProvider provider() const { return provider_; }
  CircuitBreaker::State circuit_state() const;
  AiResult suggest(const std::vector<SuggestionInput>& findings);

 private:
  std::string call(const std::string& prompt);  // throws on any failure

  AiProvider provider_;
  std::string base_url_, api_key_, model_;
  std::chrono::milliseconds timeout_;
  CircuitBreaker breaker_{5, std::chrono::seconds(30)};
};

// Builds the prompt and reads the answer; exposed for tests.
std::string build_prompt(const std::vector<SuggestionInput>& findings);
// The model is asked for a JSON array of strings; tolerates a fenced code block around it.
std::vector<std::string> parse_suggestions(const std::string& text, std::size_t expected);

}  // namespace a11y::server
