#include "base/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>

namespace kubenode::metrics {

std::string FormatFloat(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == 0) return std::signbit(value) ? "-0" : "0";
  // The shortest digits that round-trip, then Go's 'g' choice: %e when the exponent is < -4 or >= 6
  // (strconv uses 6 as the precision for that decision in shortest mode), %f otherwise.
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  std::string sci(buf, end);  // "-1.2345e+06"
  const size_t e = sci.find('e');
  const int exp = std::atoi(sci.c_str() + e + 1);
  if (exp < -4 || exp >= 6) return sci;  // to_chars writes at least two exponent digits, as Go
  std::string sign;
  std::string mantissa = sci.substr(0, e);
  if (mantissa[0] == '-') {
    sign = "-";
    mantissa.erase(0, 1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  // value = 0.digits * 10^(exp+1)
  const int point = exp + 1;
  std::string out;
  if (point <= 0) {
    out = "0." + std::string(-point, '0') + digits;
  } else if (point >= static_cast<int>(digits.size())) {
    out = digits + std::string(point - digits.size(), '0');
  } else {
    out = digits.substr(0, point) + "." + digits.substr(point);
  }
  return sign + out;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string HelpText(const Opts& opts) {
  return std::string(opts.stability == Stability::kStable ? "[STABLE] " : "[ALPHA] ") + opts.help;
}

void WriteHeader(std::string* out, const Opts& opts, std::string_view type) {
  *out += "# HELP " + opts.name + " " + EscapeHelp(HelpText(opts)) + "\n";
  *out += "# TYPE " + opts.name + " " + std::string(type) + "\n";
}

void WriteSample(std::string* out, std::string_view name,
                 const std::vector<std::pair<std::string, std::string>>& labels, double value,
                 std::optional<int64_t> timestamp_ms) {
  *out += name;
  if (!labels.empty()) {
    *out += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) *out += ',';
      *out += labels[i].first + "=\"" + EscapeLabelValue(labels[i].second) + "\"";
    }
    *out += '}';
  }
  *out += ' ';
  *out += FormatFloat(value);
  if (timestamp_ms) *out += " " + std::to_string(*timestamp_ms);
  *out += '\n';
}

std::vector<double> DefBuckets() { return {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}; }

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i) {
    out.push_back(start);
    start *= factor;
  }
  return out;
}

std::vector<double> LinearBuckets(double start, double width, int count) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i) {
    out.push_back(start);
    start += width;
  }
  return out;
}

void Counter::Inc(double delta) {
  double old = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(old, old + delta, std::memory_order_relaxed)) {
  }
}

void Gauge::Add(double delta) {
  double old = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(old, old + delta, std::memory_order_relaxed)) {
  }
}

Histogram::Histogram(const std::vector<double>* upper_bounds)
    : upper_bounds_(upper_bounds), counts_(upper_bounds->size() + 1, 0) {}

void Histogram::Observe(double value) {
  // The first bucket whose upper bound is >= value ("le"); past the last one it is +Inf's.
  const size_t i = std::lower_bound(upper_bounds_->begin(), upper_bounds_->end(), value) - upper_bounds_->begin();
  std::lock_guard lock(mu_);
  ++counts_[i];
  sum_ += value;
  ++count_;
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  std::lock_guard lock(mu_);
  uint64_t running = 0;
  for (uint64_t c : counts_) {
    running += c;
    s.cumulative.push_back(running);
  }
  s.sum = sum_;
  s.count = count_;
  return s;
}

std::vector<std::pair<std::string, std::string>> Family::Pairs(const std::vector<std::string>& values) const {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 0; i < labels_.size() && i < values.size(); ++i) pairs.emplace_back(labels_[i], values[i]);
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

namespace {

// Children in Gather's order: by their sorted label pairs' values.
template <typename M>
std::vector<std::pair<std::vector<std::pair<std::string, std::string>>, const M*>> Sorted(
    const std::map<std::vector<std::string>, std::unique_ptr<M>>& children,
    const std::function<std::vector<std::pair<std::string, std::string>>(const std::vector<std::string>&)>& pairs) {
  std::vector<std::pair<std::vector<std::pair<std::string, std::string>>, const M*>> out;
  for (const auto& [values, child] : children) out.emplace_back(pairs(values), child.get());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace

void CounterVec::Write(std::string* out) const {
  std::lock_guard lock(mu_);
  if (children_.empty()) return;
  WriteHeader(out, opts_, "counter");
  for (const auto& [pairs, child] : Sorted<Counter>(children_, [this](const auto& v) { return Pairs(v); })) {
    WriteSample(out, opts_.name, pairs, child->Value());
  }
}

void GaugeVec::Write(std::string* out) const {
  std::lock_guard lock(mu_);
  if (children_.empty()) return;
  WriteHeader(out, opts_, "gauge");
  for (const auto& [pairs, child] : Sorted<Gauge>(children_, [this](const auto& v) { return Pairs(v); })) {
    WriteSample(out, opts_.name, pairs, child->Value());
  }
}

void HistogramVec::Write(std::string* out) const {
  std::lock_guard lock(mu_);
  if (children_.empty()) return;
  WriteHeader(out, opts_, "histogram");
  for (const auto& [pairs, child] : Sorted<Histogram>(children_, [this](const auto& v) { return Pairs(v); })) {
    const Histogram::Snapshot s = child->Read();
    auto with_le = pairs;
    with_le.emplace_back("le", "");
    for (size_t i = 0; i <= buckets_.size(); ++i) {
      with_le.back().second = i < buckets_.size() ? FormatFloat(buckets_[i]) : "+Inf";
      WriteSample(out, opts_.name + "_bucket", with_le, static_cast<double>(s.cumulative[i]));
    }
    WriteSample(out, opts_.name + "_sum", pairs, s.sum);
    WriteSample(out, opts_.name + "_count", pairs, static_cast<double>(s.count));
  }
}

template <typename F, typename... Args>
F& Registry::Register(Opts opts, Args&&... args) {
  std::lock_guard lock(mu_);
  auto& slot = families_[opts.name];
  if (!slot) slot = std::make_unique<F>(std::move(opts), std::forward<Args>(args)...);
  // A name registered again with another type is a programming error; the first registration wins.
  auto* family = dynamic_cast<F*>(slot.get());
  if (family == nullptr) std::abort();
  return *family;
}

CounterVec& Registry::NewCounter(Opts opts, std::vector<std::string> label_names) {
  const bool plain = label_names.empty();
  auto& family = Register<CounterVec>(std::move(opts), std::move(label_names));
  if (plain) family.Get();  // an unlabelled metric is exposed from the start, at 0
  return family;
}

GaugeVec& Registry::NewGauge(Opts opts, std::vector<std::string> label_names) {
  const bool plain = label_names.empty();
  auto& family = Register<GaugeVec>(std::move(opts), std::move(label_names));
  if (plain) family.Get();
  return family;
}

HistogramVec& Registry::NewHistogram(Opts opts, std::vector<double> buckets, std::vector<std::string> label_names) {
  const bool plain = label_names.empty();
  auto& family = Register<HistogramVec>(std::move(opts), std::move(label_names), std::move(buckets));
  if (plain) family.Get();
  return family;
}

std::string Registry::Expose() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) family->Write(&out);
  return out;
}

Registry& DefaultRegistry() {
  static Registry* registry = new Registry();  // never destroyed: metrics are updated until exit
  return *registry;
}

}  // namespace kubenode::metrics
