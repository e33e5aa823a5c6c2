// process_* metrics from /proc/self: parsing is pure (tested with captured text), reading is the thin part.
#include "po/common/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace po::metrics {

std::optional<ProcessStats> parse_proc_stat(std::string_view stat, double ticks_per_second, double page_size,
                                            double boot_time_seconds) {
  // The command name (field 2) is in parentheses and may hold spaces: fields resume after the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  std::istringstream in{std::string(stat.substr(close + 1))};
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  for (std::string f; in >> f;) fields.push_back(f);
  // Fields used (1-based, proc(5)): 14 utime, 15 stime, 22 starttime, 23 vsize, 24 rss.
  if (fields.size() < 22) return std::nullopt;
  auto field = [&](int number) { return std::stod(fields[static_cast<std::size_t>(number - 3)]); };
  try {
    ProcessStats s;
    s.cpu_seconds = (field(14) + field(15)) / ticks_per_second;
    s.start_time_seconds = boot_time_seconds + field(22) / ticks_per_second;
    s.virtual_bytes = field(23);
    s.resident_bytes = field(24) * page_size;
    return s;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string format_process_metrics(const ProcessStats& s) {
  std::string out;
  auto family = [&](std::string_view name, std::string_view help, std::string_view type, double value) {
    out += format_header(name, help, type);
    out += format_sample(name, {}, value);
  };
  family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter", s.cpu_seconds);
  family("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", s.resident_bytes);
  family("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge", s.virtual_bytes);
  family("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge", s.start_time_seconds);
  family("process_open_fds", "Number of open file descriptors.", "gauge", s.open_fds);
  if (s.max_fds) family("process_max_fds", "Maximum number of open file descriptors.", "gauge", *s.max_fds);
  return out;
}

std::optional<ProcessStats> read_process_stats() {
  std::ifstream stat_file("/proc/self/stat");
  std::string stat;
  if (!std::getline(stat_file, stat)) return std::nullopt;
  double boot_time = 0;
  std::ifstream proc_stat("/proc/stat");
  for (std::string line; std::getline(proc_stat, line);) {
    if (line.rfind("btime ", 0) == 0) {
      boot_time = std::stod(line.substr(6));
      break;
    }
  }
  auto stats = parse_proc_stat(stat, static_cast<double>(sysconf(_SC_CLK_TCK)), static_cast<double>(sysconf(_SC_PAGESIZE)), boot_time);
  if (!stats) return std::nullopt;
  std::error_code ec;
  std::size_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) ++fds;
  // The directory handle the iteration opened is one of them.
  stats->open_fds = fds > 0 ? static_cast<double>(fds - 1) : 0;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) stats->max_fds = static_cast<double>(limit.rlim_cur);
  return stats;
}

void register_process_metrics(Registry& registry) {
  registry.add_collector([] {
    const auto stats = read_process_stats();
    return stats ? format_process_metrics(*stats) : std::string();
  });
}

}  // namespace po::metrics
