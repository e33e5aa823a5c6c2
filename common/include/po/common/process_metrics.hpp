// The process_* metrics client libraries export (CPU, memory, file descriptors, start time), read from
// /proc/self at each scrape. Implemented in common/process_metrics.cpp.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "po/common/metrics.hpp"

namespace po::metrics {

struct ProcessStats {
  double cpu_seconds = 0;           // user + system
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double start_time_seconds = 0;    // since the Unix epoch
  double open_fds = 0;
  std::optional<double> max_fds;    // the soft RLIMIT_NOFILE; unset when unlimited
};

// Parses /proc/<pid>/stat text. ticks_per_second and page_size as sysconf reports them, boot_time_seconds
// from the btime line of /proc/stat. nullopt when the text is not a stat line.
std::optional<ProcessStats> parse_proc_stat(std::string_view stat, double ticks_per_second, double page_size,
                                            double boot_time_seconds);
// The exposition text of the stats (process_cpu_seconds_total, process_resident_memory_bytes, ...).
std::string format_process_metrics(const ProcessStats& stats);
// Reads the calling process's stats now; nullopt off Linux or when /proc is not readable.
std::optional<ProcessStats> read_process_stats();
// Adds a collector that exports the process_* families at each scrape.
void register_process_metrics(Registry& registry);

}  // namespace po::metrics
