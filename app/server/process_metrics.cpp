#include "server/process_metrics.hpp"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace a11y::server {

namespace {

std::optional<double> to_number(std::string_view s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> fields(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\n') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::optional<std::string> read_file(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields count from the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  const auto f = fields(text.substr(close + 1));
  // f[0] is field 3 (state); field n is f[n - 3].
  if (f.size() < 22) return std::nullopt;
  ProcStat s;
  const std::pair<double*, std::size_t> wanted[] = {{&s.utime_ticks, 14}, {&s.stime_ticks, 15}, {&s.num_threads, 20},
                                                    {&s.start_ticks, 22}, {&s.vsize_bytes, 23}, {&s.rss_pages, 24}};
  for (auto [out, field] : wanted) {
    const auto v = to_number(f[field - 3]);
    if (!v) return std::nullopt;
    *out = *v;
  }
  return s;
}

std::optional<double> parse_boot_time(std::string_view proc_stat) {
  std::size_t pos = 0;
  while (pos < proc_stat.size()) {
    auto eol = proc_stat.find('\n', pos);
    if (eol == std::string_view::npos) eol = proc_stat.size();
    const auto f = fields(proc_stat.substr(pos, eol - pos));
    if (f.size() == 2 && f[0] == "btime") return to_number(f[1]);
    pos = eol + 1;
  }
  return std::nullopt;
}

std::optional<double> parse_max_open_files(std::string_view limits) {
  constexpr std::string_view kName = "Max open files";
  const auto at = limits.find(kName);
  if (at == std::string_view::npos) return std::nullopt;
  auto eol = limits.find('\n', at);
  if (eol == std::string_view::npos) eol = limits.size();
  const auto f = fields(limits.substr(at + kName.size(), eol - at - kName.size()));
  if (f.empty()) return std::nullopt;
  if (f[0] == "unlimited") return std::nullopt;
  return to_number(f[0]);
}

ProcessMetrics::ProcessMetrics(po::metrics::Registry& r, const std::string& version)
    : cpu_(r.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.").with({})),
      resident_(r.gauge("process_resident_memory_bytes", "Resident memory size in bytes.").with({})),
      virtual_(r.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.").with({})),
      open_fds_(r.gauge("process_open_fds", "Number of open file descriptors.").with({})),
      max_fds_(r.gauge("process_max_fds", "Maximum number of open file descriptors.").with({})),
      threads_(r.gauge("process_threads", "Number of OS threads in the process.").with({})),
      start_time_(r.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.").with({})) {
  r.gauge("platform_api_build_info", "Always 1; the version label is the platform-api release.")
      .with({{"version", version}})
      .set(1);
  collect();
}

void ProcessMetrics::collect() {
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  static const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  if (auto text = read_file("/proc/self/stat")) {
    if (auto s = parse_proc_stat(*text); s && ticks > 0) {
      const double cpu = (s->utime_ticks + s->stime_ticks) / ticks;
      if (cpu > cpu_.value()) cpu_.inc(cpu - cpu_.value());  // a counter: only the growth is added
      resident_.set(s->rss_pages * page);
      virtual_.set(s->vsize_bytes);
      threads_.set(s->num_threads);
      if (start_time_.value() == 0) {
        if (auto stat = read_file("/proc/stat")) {
          if (auto boot = parse_boot_time(*stat)) start_time_.set(*boot + s->start_ticks / ticks);
        }
      }
    }
  }
  std::error_code ec;
  double fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++fds;
  if (!ec) open_fds_.set(fds - 1);  // less the descriptor of the directory being listed
  if (auto limits = read_file("/proc/self/limits")) {
    if (auto max = parse_max_open_files(*limits)) max_fds_.set(*max);
  }
}

}  // namespace a11y::server
