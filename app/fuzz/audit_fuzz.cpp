// libFuzzer target for the audit engine and the text-quality model: any input must audit without a crash,
// a sanitizer report, or an exception other than the documented std::invalid_argument (too deep nesting).
// Built and run by hack/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "audit/audit.hpp"
#include "audit/color.hpp"
#include "audit/language_tag.hpp"
#include "audit/nesting_estimate.hpp"
#include "ml/text_quality.hpp"

namespace {

std::shared_ptr<const a11y::ml::TextQualityModel> g_model;
std::unique_ptr<a11y::audit::Engine> g_engine, g_heuristic_engine;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* path = std::getenv("TEXT_QUALITY_MODEL");
  g_model = std::make_shared<const a11y::ml::TextQualityModel>(
      a11y::ml::TextQualityModel::load(path ? path : PO_APP_MODEL_DIR "/text-quality-1.0.0.json"));
  g_engine = std::make_unique<a11y::audit::Engine>(g_model);
  g_heuristic_engine = std::make_unique<a11y::audit::Engine>();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // The small parsers see the raw input too.
  (void)a11y::audit::parse_color(input.substr(0, 64));
  (void)a11y::audit::is_valid_language_tag(input.substr(0, 64));
  (void)a11y::audit::estimate_nesting_depth(input, 64);
  const auto p = g_model->predict(input.substr(0, 512), size % 2 ? a11y::ml::TextKind::AltText : a11y::ml::TextKind::LinkText);
  if (!(p.probability >= 0.0 && p.probability <= 1.0)) std::abort();

  a11y::audit::Options options;
  options.max_depth = 64;   // small, so the depth paths are exercised often
  options.max_findings = 1 + size % 50;
  const auto& engine = (size % 3 == 0) ? *g_heuristic_engine : *g_engine;
  try {
    const auto result = engine.run(input, options);
    if (result.score < 0.0 || result.score > 100.0) std::abort();
    if (result.findings.size() > options.max_findings) std::abort();
    for (const auto& f : result.findings)
      if (f.snippet.size() > 200 || f.selector.empty() || f.rule_id.empty()) std::abort();
  } catch (const std::invalid_argument&) {
    // documented: nesting deeper than max_depth
  }
  return 0;
}
