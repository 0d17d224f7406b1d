// A small Prometheus registry: counters, gauges and histograms, each with an optional label vector, exposed
// in the text format 0.0.4 exactly as client_golang writes it (families sorted by name, label pairs by
// label name, children by label values, floats as Go's strconv 'g' -1, histogram buckets cumulative with
// +Inf, _sum and _count). HELP carries component-base's stability prefix ("[ALPHA] ", "[STABLE] ") because
// scrapers and dashboards built on the kubelet's output match it. Thread-safe: values are atomics, each
// family's children map has its own mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kubenode::metrics {

enum class Stability { kAlpha, kStable };

struct Opts {
  std::string name;  // full name: "kubelet_running_pods"
  std::string help;  // without the stability prefix
  Stability stability = Stability::kAlpha;
};

// Text-format helpers, shared with collectors that write their samples directly (/metrics/resource).
std::string FormatFloat(double value);  // Go's strconv.FormatFloat(v, 'g', -1, 64), "+Inf", "-Inf", "NaN"
std::string EscapeLabelValue(std::string_view value);  // \\, \", \n
std::string EscapeHelp(std::string_view help);         // \\, \n
std::string HelpText(const Opts& opts);                // "[ALPHA] " + help
// "# HELP name text\n# TYPE name type\n".
void WriteHeader(std::string* out, const Opts& opts, std::string_view type);
// `name{a="x",b="y"} value[ timestamp_ms]\n`; labels are written in the given order.
void WriteSample(std::string* out, std::string_view name,
                 const std::vector<std::pair<std::string, std::string>>& labels, double value,
                 std::optional<int64_t> timestamp_ms = std::nullopt);

// Buckets as client_golang computes them (iteratively, so the float values match its output digit for digit).
std::vector<double> DefBuckets();
std::vector<double> ExponentialBuckets(double start, double factor, int count);
std::vector<double> LinearBuckets(double start, double width, int count);

class Counter {
 public:
  void Inc(double delta = 1);  // delta >= 0
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>* upper_bounds);
  void Observe(double value);
  // Cumulative counts per upper bound (then +Inf = count), sum and count, read consistently.
  struct Snapshot {
    std::vector<uint64_t> cumulative;
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Read() const;

 private:
  const std::vector<double>* upper_bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative
  double sum_ = 0;
  uint64_t count_ = 0;
};

// One metric family. Without label names it has exactly one child (always exposed); with label names a
// child is created by the first WithLabelValues and the family is exposed only once it has one (as Gather).
class Family {
 public:
  Family(Opts opts, std::vector<std::string> label_names) : opts_(std::move(opts)), labels_(std::move(label_names)) {}
  virtual ~Family() = default;
  const std::string& name() const { return opts_.name; }
  virtual void Write(std::string* out) const = 0;

 protected:
  // Label pairs of a child, sorted by label name (as client_golang's MakeLabelPairs).
  std::vector<std::pair<std::string, std::string>> Pairs(const std::vector<std::string>& values) const;

  Opts opts_;
  std::vector<std::string> labels_;
};

template <typename M>
class Vec : public Family {
 public:
  using Family::Family;
  // The child for these label values (in the order of the label names); created on first use.
  // References stay valid for the family's lifetime (children are never removed).
  M& WithLabelValues(const std::vector<std::string>& values);
  M& Get() { return WithLabelValues({}); }  // the only child of an unlabelled metric

 protected:
  virtual std::unique_ptr<M> Make() const = 0;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<M>> children_;
};

class CounterVec : public Vec<Counter> {
 public:
  using Vec::Vec;
  void Write(std::string* out) const override;

 protected:
  std::unique_ptr<Counter> Make() const override { return std::make_unique<Counter>(); }
};

class GaugeVec : public Vec<Gauge> {
 public:
  using Vec::Vec;
  void Write(std::string* out) const override;

 protected:
  std::unique_ptr<Gauge> Make() const override { return std::make_unique<Gauge>(); }
};

class HistogramVec : public Vec<Histogram> {
 public:
  HistogramVec(Opts opts, std::vector<std::string> label_names, std::vector<double> buckets)
      : Vec(std::move(opts), std::move(label_names)), buckets_(std::move(buckets)) {}
  void Write(std::string* out) const override;

 protected:
  std::unique_ptr<Histogram> Make() const override { return std::make_unique<Histogram>(&buckets_); }

 private:
  std::vector<double> buckets_;
};

// Families by name. Registering a name twice returns the first family (the process-wide registry is shared
// by the kubelet and the proxy, each of which registers its set once).
class Registry {
 public:
  CounterVec& NewCounter(Opts opts, std::vector<std::string> label_names = {});
  GaugeVec& NewGauge(Opts opts, std::vector<std::string> label_names = {});
  HistogramVec& NewHistogram(Opts opts, std::vector<double> buckets, std::vector<std::string> label_names = {});
  // The text exposition of every family, sorted by name.
  std::string Expose() const;

 private:
  template <typename F, typename... Args>
  F& Register(Opts opts, Args&&... args);
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>> families_;
};

// The process-wide registry, as upstream's legacyregistry.
Registry& DefaultRegistry();

// ---- implementation of the templates ----

template <typename M>
M& Vec<M>::WithLabelValues(const std::vector<std::string>& values) {
  std::lock_guard lock(mu_);
  auto& child = children_[values];
  if (!child) child = Make();
  return *child;
}

}  // namespace kubenode::metrics
