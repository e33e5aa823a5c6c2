// Remediation suggestions from an LLM: an OpenAI-compatible chat-completions endpoint or Gemini's
// generateContent, over cpprestsdk. Without a key the client is disabled and says so.
// - One deadline for the whole call (connect, send, every byte of the answer): AI_TIMEOUT_MS. A provider that
//   trickles its answer cannot hold the caller longer than that.
// - The circuit breaker counts only the provider failing to answer (no connection, HTTP error, deadline):
//   an answer that arrives but cannot be read is reported as such and leaves the circuit alone.
// - The audited page is untrusted: the instructions go in the system message, the findings (with the page's
//   HTML) in the user message as one JSON document between <findings> tags, with <, > and & escaped so that no
//   text from the page can close the tag or read as markup.
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

enum class AiOutcome {
  Ok,
  Disabled,
  CircuitOpen,
  UpstreamError,  // the provider did not answer: no connection, an HTTP error status, or past the deadline
  BadOutput,      // the provider answered, but not with what was asked for (not JSON, no text, wrong count)
};

struct AiResult {
  AiOutcome outcome = AiOutcome::Ok;
  std::vector<std::string> suggestions;  // one per input, in order (Ok only)
  std::string error;                     // for UpstreamError and BadOutput
};

// The two parts of a request to the model: what to do, and the data to do it on.
struct Prompt {
  std::string instructions;  // the system message: fixed text, nothing from the audited page
  std::string data;          // the user message: the findings as quoted data
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
  std::string call(const Prompt& prompt);  // the generated text; throws ProviderFailed or BadAnswer

  AiProvider provider_;
  std::string base_url_, api_key_, model_;
  std::chrono::milliseconds timeout_;
  CircuitBreaker breaker_{5, std::chrono::seconds(30)};
};

// Pure parts, exposed for tests.
Prompt build_prompt(const std::vector<SuggestionInput>& findings);
// The request body for the provider: the instructions as the system message, the data as the user message.
std::string request_body(AiProvider provider, const std::string& model, const Prompt& prompt);
// The model is asked for a JSON array of strings; tolerates a fenced code block around it. Throws
// std::runtime_error saying what is wrong with the answer.
std::vector<std::string> parse_suggestions(const std::string& text, std::size_t expected);

}  // namespace a11y::server
