// Contract for the Prometheus metrics registry (text exposition format 0.0.4). Implemented in common/metrics.cpp.
// Thread-safe; hot-path updates are lock-free or take only a per-series lock.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace po::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  virtual ~Counter() = default;
  virtual void inc(double v = 1.0) = 0;
  virtual double value() const = 0;
};
class Gauge {
 public:
  virtual ~Gauge() = default;
  virtual void set(double v) = 0;
  virtual void add(double v) = 0;
  virtual double value() const = 0;
};
class Histogram {
 public:
  virtual ~Histogram() = default;
  virtual void observe(double v) = 0;
  virtual std::uint64_t count() const = 0;
  virtual double sum() const = 0;
};

// A family is one metric name with HELP/TYPE; with(labels) returns the series for those label values
// (created on first use, same pointer afterwards; pointers stay valid for the registry's life).
class CounterFamily {
 public:
  virtual ~CounterFamily() = default;
  virtual Counter& with(const Labels& labels) = 0;
};
class GaugeFamily {
 public:
  virtual ~GaugeFamily() = default;
  virtual Gauge& with(const Labels& labels) = 0;
};
class HistogramFamily {
 public:
  virtual ~HistogramFamily() = default;
  virtual Histogram& with(const Labels& labels) = 0;
};

// One sample line, `name{labels} value\n`, with label values escaped as the format requires.
std::string format_sample(std::string_view name, const Labels& labels, double value);
// `# HELP` and `# TYPE` lines of a family.
std::string format_header(std::string_view name, std::string_view help, std::string_view type);

std::vector<double> default_buckets();        // 0.005 .. 10 s, like client_golang's DefBuckets
std::vector<double> exponential_buckets(double start, double factor, int count);

class Registry {
 public:
  Registry();
  ~Registry();
  CounterFamily& counter(std::string name, std::string help);
  GaugeFamily& gauge(std::string name, std::string help);
  HistogramFamily& histogram(std::string name, std::string help, std::vector<double> buckets = default_buckets());
  // Text computed at each scrape (state read from elsewhere, such as a cache or /proc), appended after the
  // families in the order added. A collector writes whole families (# HELP, # TYPE, samples); series
  // appear and disappear with the state it reads. It runs without the registry's lock held.
  using Collector = std::function<std::string()>;
  void add_collector(Collector collect);
  std::string render() const;  // text exposition format, families in registration order, then collectors
 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace po::metrics
