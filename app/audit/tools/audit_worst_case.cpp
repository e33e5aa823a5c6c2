// The audit engine's worst cases (issue 14 §1), measured: each adversarial input is built at the given
// size, audited --runs times on one thread, and its median CPU time printed next to a typical page of the
// same size (the fixture sample page repeated). One line per input:
//   input=<name> bytes=<n> outcome=ok|refused|partial cpu_ms=<median> ratio=<cpu / typical cpu> findings=<n>
//   output_bytes=<n> peak_rss_mib=<this process's peak; with --only, that input's>
//
//   audit-worst-case [--bytes N] [--runs R] [--budget-ms MS] [--only NAME]
//   audit-worst-case --write-seeds DIR [--bytes N]     writes every input as DIR/worst-<name>.html
// --budget-ms 0 (the default here) runs without the CPU budget, so the figures show the engine's own cost;
// the server's default budget is 2000 ms.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>
#include <time.h>

#include "audit/audit.hpp"

namespace {

std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

const std::string kHead = "<!doctype html><html lang=en><head><title>worst case</title></head><body>";

// Appends unit(i) for i = 0, 1, ... while the result stays within n bytes.
std::string fill(std::size_t n, std::string prefix, const std::function<std::string(std::size_t)>& unit,
                 std::string_view suffix = "") {
  std::string out = std::move(prefix);
  for (std::size_t i = 0;; ++i) {
    const std::string u = unit(i);
    if (out.size() + u.size() + suffix.size() > n) break;
    out += u;
  }
  out += suffix;
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Input {
  std::string name, why;
  std::function<std::string(std::size_t)> build;
};

std::vector<Input> inputs(const std::string& sample_page) {
  // The sample page's body, repeated: what a large real page looks like to the engine.
  const auto body_start = sample_page.find("<body");
  const auto body_end = sample_page.rfind("</body>");
  const std::string body = sample_page.substr(sample_page.find('>', body_start) + 1, body_end - sample_page.find('>', body_start) - 1);
  std::vector<Input> v;
  v.push_back({"typical", "the sample page's body repeated", [body](std::size_t n) {
                 return fill(n, kHead, [&](std::size_t) { return body; });
               }});
  v.push_back({"attributes-slash", "one tag, attributes separated by '/' (no whitespace)", [](std::size_t n) {
                 return fill(n, kHead + "<div", [](std::size_t i) { return "/a" + std::to_string(i); }, ">x</div>");
               }});
  v.push_back({"attributes-quoted", "one tag, a0=\"\"a1=\"\"... (no whitespace)", [](std::size_t n) {
                 return fill(n, kHead + "<div ", [](std::size_t i) { return "a" + std::to_string(i) + "=\"\""; }, ">x</div>");
               }});
  v.push_back({"attributes-at-cap", "many tags, each just under the per-tag attribute cap", [](std::size_t n) {
                 return fill(n, kHead, [](std::size_t t) {
                   std::string tag = "<i";
                   for (std::size_t i = 0; i + 1 < 256; ++i) tag += " a" + std::to_string(i);
                   return tag + ">" + std::to_string(t) + "</i>";
                 });
               }});
  v.push_back({"attributes-long-names", "many tags at the cap, names of one length sharing a long prefix", [](std::size_t n) {
                 return fill(n, kHead, [](std::size_t) {
                   std::string tag = "<i";
                   char num[8];
                   for (std::size_t i = 0; i + 1 < 256; ++i) {
                     std::snprintf(num, sizeof num, "%03zu", i);
                     tag += " " + std::string(60, 'x') + num;
                   }
                   return tag + ">x</i>";
                 });
               }});
  v.push_back({"root-merge", "<body> repeated, each with new attributes (gumbo merges them into the first)", [](std::size_t n) {
                 return fill(n, kHead, [](std::size_t t) {
                   std::string tag = "<body";
                   for (int i = 0; i < 100; ++i) tag += " b" + std::to_string(t) + "_" + std::to_string(i);
                   return tag + ">";
                 });
               }});
  v.push_back({"nesting-at-limit", "500-deep <div> chains, one after the other", [](std::size_t n) {
                 std::string chain;
                 for (int i = 0; i < 500; ++i) chain += "<div>";
                 chain += "x";
                 for (int i = 0; i < 500; ++i) chain += "</div>";
                 return fill(n, kHead, [&](std::size_t) { return chain; });
               }});
  v.push_back({"noscript-deep", "nesting inside <noscript> (markup for gumbo, raw text for a naive scan)", [](std::size_t n) {
                 return fill(n, kHead + "<noscript>", [](std::size_t) { return std::string("<div>"); });
               }});
  v.push_back({"formatting-reconstruct", "200 open formatting elements reconstructed in every paragraph", [](std::size_t n) {
                 std::string open = "<p>";
                 for (int i = 0; i < 200; ++i) open += "<b class=c" + std::to_string(i) + ">";
                 open += "</p>";
                 return fill(n, kHead + open, [](std::size_t) { return std::string("<p>x</p>"); });
               }});
  v.push_back({"contrast-deep", "text at every level of 500-deep chains of styled elements", [](std::size_t n) {
                 std::string chain;
                 for (int i = 0; i < 500; ++i) chain += "<div style=\"color:#999;background:#fff\">t";
                 for (int i = 0; i < 500; ++i) chain += "</div>";
                 return fill(n, kHead, [&](std::size_t) { return chain; });
               }});
  // The CSS cascade (color-contrast): style sheets at the engine's caps against the pages that make their
  // selectors work hardest.
  v.push_back({"cascade-rules-x-elements", "8,000 rules all indexed under div, each failing only at the root, over 500-deep div chains",
               [](std::size_t n) {
                 std::string html = "<!doctype html><html lang=en><head><title>worst case</title><style>";
                 for (int i = 0; i < 8000; ++i) html += ".q" + std::to_string(i) + " div{color:#777}";
                 html += "</style></head><body>";
                 std::string chain;
                 for (int i = 0; i < 500; ++i) chain += "<div>t";
                 for (int i = 0; i < 500; ++i) chain += "</div>";
                 return fill(n, html, [&](std::size_t) { return chain; });
               }});
  v.push_back({"cascade-deep-descendant", "32-compound descendant/child selectors over 500-deep chains of matching elements",
               [](std::size_t n) {
                 std::string html = "<!doctype html><html lang=en><head><title>worst case</title><style>";
                 for (int r = 0; r < 2000; ++r) {
                   html += ".z" + std::to_string(r);
                   for (int i = 0; i < 30; ++i) html += i % 3 == 2 ? " > div" : " div";
                   html += " p{color:#777}";
                 }
                 html += "</style></head><body>";
                 std::string chain;
                 for (int i = 0; i < 500; ++i) chain += "<div><p>t</p>";
                 for (int i = 0; i < 500; ++i) chain += "</div>";
                 return fill(n, html, [&](std::size_t) { return chain; });
               }});
  v.push_back({"cascade-siblings", "general-sibling selectors over one parent with a hundred thousand children",
               [](std::size_t n) {
                 std::string html = "<!doctype html><html lang=en><head><title>worst case</title><style>";
                 for (int r = 0; r < 2000; ++r) html += ".s" + std::to_string(r) + " ~ p, p:last-child + .t" + std::to_string(r) + "{color:#777}";
                 html += "</style></head><body><div>";
                 return fill(n, html, [](std::size_t) { return std::string("<p>t</p><!---->"); }, "</div>");
               }});
  v.push_back({"cascade-universal-declarations", "one universal rule with the declaration cap, matched by every element",
               [](std::size_t n) {
                 std::string html = "<!doctype html><html lang=en><head><title>worst case</title><style>*{";
                 for (int i = 0; i < 30000; ++i) html += "color:#777;";
                 html += "}</style></head><body>";
                 return fill(n, html, [](std::size_t) { return std::string("<p>t</p>"); });
               }});
  v.push_back({"cascade-class-lists", "elements with hundreds of classes, each class with its own rule",
               [](std::size_t n) {
                 std::string html = "<!doctype html><html lang=en><head><title>worst case</title><style>";
                 for (int i = 0; i < 8000; ++i) html += ".c" + std::to_string(i) + ".d{color:#777}";
                 html += "</style></head><body>";
                 std::string el = "<p class=\"";
                 for (int i = 0; i < 250; ++i) el += "c" + std::to_string(i * 31 % 8000) + " ";
                 el += "\">t</p>";
                 return fill(n, html, [&](std::size_t) { return el; });
               }});
  v.push_back({"label-wrap", "one <label> wrapping every control", [](std::size_t n) {
                 return fill(n, kHead + "<label>", [](std::size_t) { return std::string("<input>"); }, "</label>");
               }});
  v.push_back({"label-shared-id", "thousands of empty labels for one id, thousands of controls with it", [](std::size_t n) {
                 const std::size_t half = n / 2;
                 std::string html = fill(half, kHead, [](std::size_t) { return std::string("<label for=x></label>"); });
                 return fill(n, html, [](std::size_t) { return std::string("<input id=x>"); });
               }});
  v.push_back({"labelledby-repeat", "links whose aria-labelledby names one large empty subtree many times", [](std::size_t n) {
                 std::string html = kHead + "<div id=big>";
                 for (std::size_t i = 0; i < n / 26; ++i) html += "<span></span>";
                 html += "</div>";
                 std::string link = "<a href=# aria-labelledby=\"";
                 for (int i = 0; i < 500; ++i) link += "big ";
                 link += "\"></a>";
                 return fill(n, html, [&](std::size_t) { return link; });
               }});
  v.push_back({"nested-buttons", "500-deep chains of role=button with no text (each names its subtree)", [](std::size_t n) {
                 std::string chain;
                 for (int i = 0; i < 500; ++i) chain += "<div role=button>";
                 for (int i = 0; i < 500; ++i) chain += "</div>";
                 return fill(n, kHead, [&](std::size_t) { return chain; });
               }});
  v.push_back({"nested-svg-links", "500-deep chains of svg <a href> with no text (SVG links nest; each names its subtree)",
               [](std::size_t n) {
                 std::string chain = "<svg>";
                 for (int i = 0; i < 500; ++i) chain += "<a href=x>";
                 for (int i = 0; i < 500; ++i) chain += "</a>";
                 chain += "</svg>";
                 return fill(n, kHead, [&](std::size_t) { return chain; });
               }});
  v.push_back({"nested-hidden-names", "500-deep chains of aria-labelledby'd spans inside links, half hidden",
               [](std::size_t n) {
                 std::string chain = "<span id=r>x</span><a href=x>";
                 for (int i = 0; i < 500; ++i) chain += i % 2 ? "<span aria-labelledby='q q q q'>" : "<span style='visibility:hidden'>";
                 for (int i = 0; i < 500; ++i) chain += "</span>";
                 chain += "</a>";
                 return fill(n, kHead, [&](std::size_t) { return chain; });
               }});
  v.push_back({"selectors-deep", "images 480 levels deep among thousands of siblings (long selectors)", [](std::size_t n) {
                 std::string html = kHead;
                 for (int i = 0; i < 480; ++i) html += "<section>";
                 return fill(n, html, [](std::size_t) { return std::string("<img src=x.png>"); });
               }});
  v.push_back({"findings-flat", "nothing but failing images", [](std::size_t n) {
                 return fill(n, kHead, [](std::size_t) { return std::string("<img>"); });
               }});
  return v;
}

struct Measured {
  std::string outcome;
  double cpu_ms = 0;
  std::size_t findings = 0, output_bytes = 0;
};

Measured measure(const a11y::audit::Engine& engine, const std::string& html, int runs, long budget_ms) {
  a11y::audit::Options options;
#ifdef PO_BASELINE   // built against the engine before issue 14 (hack/bench/worst_case.sh --baseline)
  (void)budget_ms;
#else
  options.cpu_budget = std::chrono::milliseconds(budget_ms);
#endif
  std::vector<double> times;
  Measured m;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = thread_cpu_time();
    try {
      const auto result = engine.run(html, options);
      m.findings = result.findings.size();
#ifdef PO_BASELINE
      m.outcome = "ok";
      m.output_bytes = 0;
      for (const auto& f : result.findings) m.output_bytes += f.selector.size() + f.message.size() + f.snippet.size() + 128;
#else
      m.outcome = result.partial ? "partial" : "ok";
      m.output_bytes = result.output_bytes;
#endif
    } catch (const std::invalid_argument&) {
      m.outcome = "refused";
      m.findings = m.output_bytes = 0;
    }
    times.push_back(std::chrono::duration<double, std::milli>(thread_cpu_time() - t0).count());
  }
  std::sort(times.begin(), times.end());
  m.cpu_ms = times.size() % 2 ? times[times.size() / 2] : (times[times.size() / 2 - 1] + times[times.size() / 2]) / 2;
  return m;
}

int usage() {
  std::cerr << "usage: audit-worst-case [--bytes N] [--runs R] [--budget-ms MS] [--only NAME] | --write-seeds DIR [--bytes N]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t bytes = 2 << 20;
  int runs = 3;
  long budget_ms = 0;
  std::string seeds_dir, only;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--bytes" && has_value) bytes = std::strtoull(argv[++i], nullptr, 10);
    else if (arg == "--runs" && has_value) runs = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--budget-ms" && has_value) budget_ms = std::strtol(argv[++i], nullptr, 10);
    else if (arg == "--write-seeds" && has_value) seeds_dir = argv[++i];
    else if (arg == "--only" && has_value) only = argv[++i];
    else return usage();
  }
  const std::string sample = read_file(PO_APP_MODEL_DIR "/../../tests/fixtures/html/sample-page.html");
  const auto all = inputs(sample);
  if (!seeds_dir.empty()) {
    for (const auto& in : all) {
      if (in.name == "typical") continue;
      const std::string path = seeds_dir + "/worst-" + in.name + ".html";
      std::ofstream(path, std::ios::binary) << in.build(bytes);
      std::cout << path << "\n";
    }
    return 0;
  }
  const a11y::audit::Engine engine;
  double typical_ms = 0;
  for (const auto& in : all) {
    if (!only.empty() && in.name != only && in.name != "typical") continue;
    const std::string html = in.build(bytes);
    const Measured m = measure(engine, html, runs, budget_ms);
    if (in.name == "typical") typical_ms = m.cpu_ms;
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);   // peak so far: with --only, the input's own (typical runs first and is small)
    std::printf("input=%s bytes=%zu outcome=%s cpu_ms=%.1f ratio=%.1f findings=%zu output_bytes=%zu peak_rss_mib=%ld  # %s\n",
                in.name.c_str(), html.size(), m.outcome.c_str(), m.cpu_ms, typical_ms > 0 ? m.cpu_ms / typical_ms : 0.0,
                m.findings, m.output_bytes, usage.ru_maxrss / 1024, in.why.c_str());
    std::fflush(stdout);
  }
  return 0;
}
