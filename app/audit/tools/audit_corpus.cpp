// audit-corpus: audits HTML files with the engine exactly as the api does (one Engine, the text-quality model
// when given) and prints one JSON line per file: its findings (rule id, selector, needs review) and the median
// CPU time of the calling thread over --repeat runs. The axe tier (hack/bench/axe_parity.sh) compares the
// findings with axe-core's; hack/bench/audit_engine.sh reads the CPU times.
//   audit-corpus [--model FILE] [--repeat N] [--rules id,id] FILE...
//   audit-corpus --list-rules     the engine's rules as JSON lines (id, source, needs review)
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit.hpp"
#include "audit/rule.hpp"
#include "ml/text_quality.hpp"

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int usage() {
  std::cerr << "usage: audit-corpus [--model FILE] [--repeat N] [--rules id,id] FILE...\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) try {
  using a11y::audit::CpuBudget;
  std::shared_ptr<const a11y::ml::TextQualityModel> model;
  int repeat = 1;
  a11y::audit::Options options;
  options.cpu_budget = std::chrono::nanoseconds(0);   // measure the whole audit, never a partial one
  options.max_findings = 100000;
  options.max_output_bytes = std::size_t{1} << 30;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--list-rules") {
      for (const auto& r : a11y::audit::Engine::rules())
        std::cout << nlohmann::json{{"id", r.id}, {"source", a11y::audit::to_string(r.source)},
                                    {"review", r.review_on_fail}}.dump()
                  << '\n';
      return 0;
    }
    if (arg == "--model" && i + 1 < argc) {
      model = std::make_shared<const a11y::ml::TextQualityModel>(a11y::ml::TextQualityModel::load(argv[++i]));
    } else if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::stoi(argv[++i]));
    } else if (arg == "--rules" && i + 1 < argc) {
      options.rules = a11y::audit::split_tags(argv[++i]);
    } else if (!arg.empty() && arg[0] == '-') {
      return usage();
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) return usage();
  const a11y::audit::Engine engine(model);
  for (const auto& file : files) {
    const std::string html = read_file(file);
    std::vector<long long> cpu_ns;
    a11y::audit::Result result;
    for (int r = 0; r < repeat; ++r) {
      const auto t0 = CpuBudget::thread_cpu_time();
      result = engine.run(html, options);
      cpu_ns.push_back((CpuBudget::thread_cpu_time() - t0).count());
    }
    std::sort(cpu_ns.begin(), cpu_ns.end());
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& f : result.findings)
      findings.push_back({{"rule", f.rule_id}, {"selector", f.selector}, {"review", f.needs_review}});
    const nlohmann::json line = {{"file", file},           {"bytes", html.size()},
                                 {"nodes", result.nodes},  {"cpu_ns_median", cpu_ns[cpu_ns.size() / 2]},
                                 {"runs", repeat},         {"findings", std::move(findings)}};
    std::cout << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "audit-corpus: " << e.what() << '\n';
  return 1;
}
