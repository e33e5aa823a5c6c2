// libFuzzer target for the audit engine and the text-quality model: any input must audit without a crash,
// a sanitizer report, or an exception other than the documented std::invalid_argument (too deep nesting,
// too many attributes), within the output caps, and within a CPU ceiling proportional to its size (the
// property of issue 14: no input may cost much more than a typical page of its size). The engine runs
// without its CPU budget here, so that a slow path shows up as a failure instead of a partial result.
// Built and run by hack/fuzz.sh.
#include <cstddef>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "audit/audit.hpp"
#include "audit/color.hpp"
#include "audit/language_tag.hpp"
#include "audit/attribute_bound.hpp"
#include "audit/nesting_estimate.hpp"
#include "audit/rule.hpp"
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
  (void)a11y::audit::bound_attributes(input, 64);
  const auto p = g_model->predict(input.substr(0, 512), size % 2 ? a11y::ml::TextKind::AltText : a11y::ml::TextKind::LinkText);
  if (!(p.probability >= 0.0 && p.probability <= 1.0)) std::abort();

  a11y::audit::Options options;
  options.max_depth = 64;   // small, so the depth paths are exercised often
  options.max_findings = 1 + size % 50;
  options.max_output_bytes = 4096 + size % 8192;
  options.cpu_budget = {};
  const auto& engine = (size % 3 == 0) ? *g_heuristic_engine : *g_engine;
  const auto t0 = a11y::audit::CpuBudget::thread_cpu_time();
  try {
    const auto result = engine.run(input, options);
    if (result.score < 0.0 || result.score > 100.0) std::abort();
    if (result.findings.size() > options.max_findings) std::abort();
    if (result.output_bytes > options.max_output_bytes || result.partial) std::abort();
    for (const auto& f : result.findings)
      if (f.snippet.size() > a11y::audit::kMaxSnippetBytes || f.selector.size() > a11y::audit::kMaxSelectorBytes ||
          f.message.size() > a11y::audit::kMaxMessageBytes || f.selector.empty() || f.rule_id.empty())
        std::abort();
  } catch (const std::invalid_argument&) {
    // documented: nesting deeper than max_depth, too many attributes
  }
  // The CPU ceiling: a fixed allowance plus 30 us per byte. A typical page costs well under 1 us per byte
  // without sanitizers and a few us with ASan + UBSan, so this is the "50x a typical page" property with
  // room for the sanitizers and a loaded machine; the quadratic cases of issue 14 cost 100-1000x more.
  const double cpu_s = std::chrono::duration<double>(a11y::audit::CpuBudget::thread_cpu_time() - t0).count();
  if (cpu_s > 0.25 + 30e-6 * static_cast<double>(size)) {
    std::fprintf(stderr, "audit_fuzz: %zu bytes took %.3f s of CPU\n", size, cpu_s);
    std::abort();
  }
  return 0;
}
