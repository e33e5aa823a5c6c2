// Prometheus registry: series updates are lock-free atomics; with() takes a shared lock to find a series
// (callers on a hot path keep the returned reference); render() takes the family locks briefly.
#include "po/common/metrics.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>

namespace po::metrics {
namespace {

bool valid_name(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':') ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
  }
}

void append_help(std::string& out, std::string_view help) {
  for (const char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

void append_label_value(std::string& out, std::string_view v) {
  for (const char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"') out += "\\\"";
    else out += c;
  }
}

// {a="x",b="y"} plus an optional extra label (histogram "le"); nothing when there are no labels at all.
void append_labels(std::string& out, const Labels& labels, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    append_label_value(out, value);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void add_to(std::atomic<double>& a, double v) {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

class CounterImpl final : public Counter {
 public:
  void inc(double v) override {
    if (v < 0 || std::isnan(v)) throw std::invalid_argument("a counter can only increase");
    add_to(value_, v);
  }
  double value() const override { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class GaugeImpl final : public Gauge {
 public:
  void set(double v) override { value_.store(v, std::memory_order_relaxed); }
  void add(double v) override { add_to(value_, v); }
  double value() const override { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class HistogramImpl final : public Histogram {
 public:
  explicit HistogramImpl(const std::vector<double>& bounds) : bounds_(bounds), counts_(bounds.size() + 1) {}
  void observe(double v) override {
    // Per-bucket (non-cumulative) counts; the last slot is (largest bound, +Inf].
    const auto idx = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
    counts_[idx].fetch_add(1, std::memory_order_relaxed);
    add_to(sum_, v);
  }
  std::uint64_t count() const override {
    std::uint64_t n = 0;
    for (const auto& c : counts_) n += c.load(std::memory_order_relaxed);
    return n;
  }
  double sum() const override { return sum_.load(std::memory_order_relaxed); }
  std::vector<std::uint64_t> bucket_counts() const {
    std::vector<std::uint64_t> out;
    out.reserve(counts_.size());
    for (const auto& c : counts_) out.push_back(c.load(std::memory_order_relaxed));
    return out;
  }

 private:
  const std::vector<double>& bounds_;  // owned by the family, which outlives its series
  std::vector<std::atomic<std::uint64_t>> counts_;
  std::atomic<double> sum_{0.0};
};

// Series of one family, in creation order, found by their label set.
template <typename Series>
class SeriesSet {
 public:
  template <typename Make>
  Series& get(const Labels& labels, Make make) {
    {
      std::shared_lock lock(mutex_);
      if (const auto it = index_.find(labels); it != index_.end()) return *it->second;
    }
    for (const auto& [name, value] : labels) {
      if (!valid_name(name, false) || name.starts_with("__")) {
        throw std::invalid_argument("invalid metric label name \"" + name + "\"");
      }
    }
    std::unique_lock lock(mutex_);
    auto [it, inserted] = index_.try_emplace(labels, nullptr);
    if (inserted) {
      series_.emplace_back(labels, make());
      it->second = series_.back().second.get();
    }
    return *it->second;
  }
  template <typename Fn>
  void for_each(Fn fn) const {
    std::shared_lock lock(mutex_);
    for (const auto& [labels, series] : series_) fn(labels, *series);
  }

 private:
  mutable std::shared_mutex mutex_;  // guards index_ and series_
  std::map<Labels, Series*> index_;
  std::vector<std::pair<Labels, std::unique_ptr<Series>>> series_;
};

enum class Kind { Counter, Gauge, Histogram };

struct FamilyBase {
  FamilyBase(std::string n, std::string h, Kind k) : name(std::move(n)), help(std::move(h)), kind(k) {}
  virtual ~FamilyBase() = default;
  virtual void render(std::string& out) const = 0;
  void render_header(std::string& out, std::string_view type) const {
    out += "# HELP ";
    out += name;
    out += ' ';
    append_help(out, help);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
  }
  std::string name, help;
  Kind kind;
};

class CounterFamilyImpl final : public CounterFamily, public FamilyBase {
 public:
  CounterFamilyImpl(std::string n, std::string h) : FamilyBase(std::move(n), std::move(h), Kind::Counter) {}
  Counter& with(const Labels& labels) override {
    return set_.get(labels, [] { return std::make_unique<CounterImpl>(); });
  }
  void render(std::string& out) const override {
    render_header(out, "counter");
    set_.for_each([&](const Labels& labels, const CounterImpl& c) {
      out += name;
      append_labels(out, labels);
      out += ' ';
      append_number(out, c.value());
      out += '\n';
    });
  }

 private:
  SeriesSet<CounterImpl> set_;
};

class GaugeFamilyImpl final : public GaugeFamily, public FamilyBase {
 public:
  GaugeFamilyImpl(std::string n, std::string h) : FamilyBase(std::move(n), std::move(h), Kind::Gauge) {}
  Gauge& with(const Labels& labels) override {
    return set_.get(labels, [] { return std::make_unique<GaugeImpl>(); });
  }
  void render(std::string& out) const override {
    render_header(out, "gauge");
    set_.for_each([&](const Labels& labels, const GaugeImpl& g) {
      out += name;
      append_labels(out, labels);
      out += ' ';
      append_number(out, g.value());
      out += '\n';
    });
  }

 private:
  SeriesSet<GaugeImpl> set_;
};

class HistogramFamilyImpl final : public HistogramFamily, public FamilyBase {
 public:
  HistogramFamilyImpl(std::string n, std::string h, std::vector<double> bounds)
      : FamilyBase(std::move(n), std::move(h), Kind::Histogram), bounds_(std::move(bounds)) {
    if (!bounds_.empty() && std::isinf(bounds_.back()) && bounds_.back() > 0) bounds_.pop_back();  // +Inf is implicit
    if (!std::is_sorted(bounds_.begin(), bounds_.end()) ||
        std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end() ||
        std::any_of(bounds_.begin(), bounds_.end(), [](double b) { return std::isnan(b); })) {
      throw std::invalid_argument("histogram \"" + name + "\" buckets must be strictly increasing");
    }
    for (const double b : bounds_) {
      std::string s;
      append_number(s, b);
      bound_text_.push_back(std::move(s));
    }
  }
  Histogram& with(const Labels& labels) override {
    for (const auto& [label, value] : labels) {
      if (label == "le") throw std::invalid_argument("histogram label \"le\" is reserved");
    }
    return set_.get(labels, [this] { return std::make_unique<HistogramImpl>(bounds_); });
  }
  void render(std::string& out) const override {
    render_header(out, "histogram");
    set_.for_each([&](const Labels& labels, const HistogramImpl& h) {
      const auto counts = h.bucket_counts();
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        cumulative += counts[i];
        out += name;
        out += "_bucket";
        append_labels(out, labels, "le", i < bounds_.size() ? std::string_view(bound_text_[i]) : "+Inf");
        out += ' ';
        out += std::to_string(cumulative);
        out += '\n';
      }
      out += name;
      out += "_sum";
      append_labels(out, labels);
      out += ' ';
      append_number(out, h.sum());
      out += '\n';
      out += name;
      out += "_count";
      append_labels(out, labels);
      out += ' ';
      out += std::to_string(cumulative);  // equals the +Inf bucket, whatever raced with this render
      out += '\n';
    });
  }

 private:
  std::vector<double> bounds_;
  std::vector<std::string> bound_text_;
  SeriesSet<HistogramImpl> set_;
};

}  // namespace

std::vector<double> default_buckets() { return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}; }

std::vector<double> exponential_buckets(double start, double factor, int count) {
  if (start <= 0 || factor <= 1 || count < 1) {
    throw std::invalid_argument("exponential_buckets needs start > 0, factor > 1, count >= 1");
  }
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i, start *= factor) out.push_back(start);
  return out;
}

struct Registry::Impl {
  mutable std::mutex mutex;  // guards families and collectors
  std::vector<std::unique_ptr<FamilyBase>> families;
  std::vector<Collector> collectors;

  // Registering a name twice with the same type returns the first family, so independent parts of a
  // program can share a metric; a different type is a programming error.
  template <typename Family, typename... Args>
  Family& get_or_add(Kind kind, std::string name, std::string help, Args&&... args) {
    if (!valid_name(name, true)) throw std::invalid_argument("invalid metric name \"" + name + "\"");
    std::scoped_lock lock(mutex);
    for (const auto& f : families) {
      if (f->name != name) continue;
      if (f->kind != kind) throw std::invalid_argument("metric \"" + name + "\" registered with another type");
      return dynamic_cast<Family&>(*f);
    }
    auto family = std::make_unique<Family>(std::move(name), std::move(help), std::forward<Args>(args)...);
    auto& ref = *family;
    families.push_back(std::move(family));
    return ref;
  }
};

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::~Registry() = default;

CounterFamily& Registry::counter(std::string name, std::string help) {
  return impl_->get_or_add<CounterFamilyImpl>(Kind::Counter, std::move(name), std::move(help));
}
GaugeFamily& Registry::gauge(std::string name, std::string help) {
  return impl_->get_or_add<GaugeFamilyImpl>(Kind::Gauge, std::move(name), std::move(help));
}
HistogramFamily& Registry::histogram(std::string name, std::string help, std::vector<double> buckets) {
  return impl_->get_or_add<HistogramFamilyImpl>(Kind::Histogram, std::move(name), std::move(help), std::move(buckets));
}

std::string Registry::render() const {
  std::string out;
  std::vector<Collector> collectors;
  {
    std::scoped_lock lock(impl_->mutex);
    for (const auto& f : impl_->families) f->render(out);
    collectors = impl_->collectors;
  }
  for (const auto& collect : collectors) out += collect();
  return out;
}

void Registry::add_collector(Collector collect) {
  std::scoped_lock lock(impl_->mutex);
  impl_->collectors.push_back(std::move(collect));
}

std::string format_sample(std::string_view name, const Labels& labels, double value) {
  std::string out(name);
  append_labels(out, labels);
  out += ' ';
  append_number(out, value);
  out += '\n';
  return out;
}

std::string format_header(std::string_view name, std::string_view help, std::string_view type) {
  std::string out = "# HELP " + std::string(name) + " ";
  append_help(out, help);
  out += "\n# TYPE " + std::string(name) + " " + std::string(type) + "\n";
  return out;
}

}  // namespace po::metrics
