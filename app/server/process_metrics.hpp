// The process_* metrics every Prometheus client exports (CPU seconds, resident and virtual memory, open
// and maximum file descriptors, threads, start time), read from /proc at scrape time, and the
// platform_api_build_info series. The parsers are pure; ProcessMetrics::collect() does the reading.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "po/common/metrics.hpp"

namespace a11y::server {

// Fields of /proc/<pid>/stat (proc(5)), in clock ticks and pages as the kernel writes them.
struct ProcStat {
  double utime_ticks = 0;
  double stime_ticks = 0;
  double num_threads = 0;
  double start_ticks = 0;  // since boot
  double vsize_bytes = 0;
  double rss_pages = 0;
};
std::optional<ProcStat> parse_proc_stat(std::string_view text);    // nullopt on a malformed line
std::optional<double> parse_boot_time(std::string_view proc_stat);  // the "btime" of /proc/stat
std::optional<double> parse_max_open_files(std::string_view limits);  // soft "Max open files" of /proc/<pid>/limits

class ProcessMetrics {
 public:
  // Registers the process_* families and platform_api_build_info{version} in the registry.
  ProcessMetrics(po::metrics::Registry& registry, const std::string& version);
  void collect();  // reads /proc/self; a file it cannot read leaves its series unchanged

 private:
  po::metrics::Counter& cpu_;
  po::metrics::Gauge& resident_;
  po::metrics::Gauge& virtual_;
  po::metrics::Gauge& open_fds_;
  po::metrics::Gauge& max_fds_;
  po::metrics::Gauge& threads_;
  po::metrics::Gauge& start_time_;
};

}  // namespace a11y::server
