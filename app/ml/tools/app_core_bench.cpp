// app-core-bench: text-quality prediction latency (p50/p99) and audit throughput for a ~20 KiB page,
// measured in-process on the pure core (no HTTP). hack/bench/ml.sh runs it and takes medians.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "audit/audit.hpp"
#include "ml/text_quality.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// A realistic page of about target bytes: navigation, articles with images and links, a form, a table.
std::string make_page(std::size_t target) {
  std::string html =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Riverside news</title>"
      "<link rel=\"stylesheet\" href=\"/site.css\"></head><body><header><nav aria-label=\"Main\"><ul>"
      "<li><a href=\"/\">Home</a></li><li><a href=\"/news\">Local news</a></li><li><a href=\"/events\">Events calendar</a></li>"
      "<li><a href=\"/contact\">Contact us</a></li></ul></nav></header><main id=\"content\"><h1>Riverside today</h1>";
  const char* alts[] = {"Volunteers planting trees along the river", "IMG_2031.jpg", "Mayor opening the new library", "photo"};
  const char* links[] = {"Read the full council report", "click here", "Parking changes from May", "more"};
  for (int i = 0; html.size() < target - 1200; ++i) {
    html += "<article class=\"story\"><h2>Story number " + std::to_string(i) + "</h2>";
    html += "<img src=\"/img/" + std::to_string(i) + ".jpg\" alt=\"" + alts[i % 4] + "\" width=\"640\" height=\"360\">";
    html += "<p style=\"color:#333;background:#fff\">The council met on Tuesday to discuss the budget for the coming year. "
            "Residents raised questions about bus routes, parking, and the opening hours of the library branch.</p>";
    html += "<p>Next steps: <a href=\"/story/" + std::to_string(i) + "\">" + links[i % 4] + "</a> or "
            "<span style=\"color:#999\">see the archive</span>.</p>";
    html += "<ul><li>Budget vote on Friday</li><li>Public hearing in hall B</li></ul></article>";
  }
  html += "<form action=\"/subscribe\"><label for=\"email\">Email address</label><input id=\"email\" type=\"email\">"
          "<input type=\"text\" placeholder=\"Your name\"><button type=\"submit\">Subscribe</button></form>"
          "<table><tr><th>Day</th><th>Event</th></tr><tr><td>Monday</td><td>Market</td></tr></table>"
          "</main><footer><p>&copy; Riverside</p><iframe src=\"/map\"></iframe></footer></body></html>";
  return html;
}

// CPU time of the calling thread: with other work on the machine, wall-clock rates understate the engine.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double percentile(std::vector<double>& v, double p) {
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path = std::string(PO_APP_MODEL_DIR) + "/text-quality-1.0.0.json";
  double seconds = 3;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::size_t page_bytes = 20 * 1024;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view arg = argv[i];
    if (arg == "--model") model_path = argv[i + 1];
    else if (arg == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (arg == "--threads") threads = static_cast<unsigned>(std::atoi(argv[i + 1]));
    else if (arg == "--page-bytes") page_bytes = static_cast<std::size_t>(std::atol(argv[i + 1]));
    else { std::cerr << "usage: app-core-bench [--model F] [--seconds S] [--threads N] [--page-bytes B]\n"; return 2; }
  }
  std::shared_ptr<const a11y::ml::TextQualityModel> model;
  try {
    model = std::make_shared<const a11y::ml::TextQualityModel>(a11y::ml::TextQualityModel::load(model_path));
  } catch (const std::exception& e) {
    std::cerr << "app-core-bench: " << e.what() << "\n";
    return 1;
  }

  // Prediction latency, one call at a time.
  const std::vector<std::pair<std::string, a11y::ml::TextKind>> texts = {
      {"click here", a11y::ml::TextKind::LinkText},
      {"Download the 2023 annual report (PDF, 2.4 MB)", a11y::ml::TextKind::LinkText},
      {"IMG_2031.jpg", a11y::ml::TextKind::AltText},
      {"A golden retriever catching a red frisbee in a park", a11y::ml::TextKind::AltText},
      {"Read more", a11y::ml::TextKind::LinkText},
      {"Screenshot of the settings page with the dark mode toggle highlighted", a11y::ml::TextKind::AltText}};
  std::vector<double> latencies;
  latencies.reserve(200000);
  double sink = 0;
  for (int i = 0; i < 200000; ++i) {
    const auto& [text, kind] = texts[static_cast<std::size_t>(i) % texts.size()];
    const auto t0 = Clock::now();
    sink += model->predict(text, kind).probability;
    latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  const double p50 = percentile(latencies, 0.50), p99 = percentile(latencies, 0.99);

  // Audit throughput: every thread audits the same page as fast as it can.
  const std::string page = make_page(page_bytes);
  const a11y::audit::Engine engine(model);
  const auto probe = engine.run(page);
  std::atomic<std::uint64_t> audits{0};
  std::atomic<std::uint64_t> cpu_ns{0};
  std::atomic<bool> stop{false};
  std::vector<std::jthread> workers;
  const auto start = Clock::now();
  for (unsigned t = 0; t < threads; ++t)
    workers.emplace_back([&] {
      std::uint64_t n = 0;
      const double cpu0 = thread_cpu_seconds();
      while (!stop.load(std::memory_order_relaxed)) {
        const auto r = engine.run(page);
        n += r.nodes > 0 ? 1 : 0;
      }
      audits += n;
      cpu_ns += static_cast<std::uint64_t>((thread_cpu_seconds() - cpu0) * 1e9);
    });
  while (Clock::now() - start < std::chrono::duration<double>(seconds)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop = true;
  workers.clear();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  std::cout << "predict_p50_us=" << p50 << " predict_p99_us=" << p99 << " audits_per_s="
            << static_cast<double>(audits.load()) / elapsed << " cpu_us_per_audit="
            << static_cast<double>(cpu_ns.load()) / 1e3 / static_cast<double>(std::max<std::uint64_t>(1, audits.load())) << " threads=" << threads << " page_bytes=" << page.size()
            << " findings=" << probe.findings.size() << " nodes=" << probe.nodes << " (checksum " << (sink > 0) << ")\n";
  return 0;
}
