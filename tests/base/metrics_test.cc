#include "base/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace kubenode::metrics {
namespace {

TEST(FormatFloat, MatchesGoShortestG) {
  EXPECT_EQ(FormatFloat(0), "0");
  EXPECT_EQ(FormatFloat(1), "1");
  EXPECT_EQ(FormatFloat(2.5), "2.5");
  EXPECT_EQ(FormatFloat(100), "100");
  EXPECT_EQ(FormatFloat(123456.789), "123456.789");
  EXPECT_EQ(FormatFloat(999999), "999999");
  EXPECT_EQ(FormatFloat(1e6), "1e+06");
  EXPECT_EQ(FormatFloat(1234567), "1.234567e+06");
  EXPECT_EQ(FormatFloat(1.7e9), "1.7e+09");
  EXPECT_EQ(FormatFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatFloat(0.00001), "1e-05");
  EXPECT_EQ(FormatFloat(-0.25), "-0.25");
  EXPECT_EQ(FormatFloat(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatFloat(-1.0 / 0.0), "-Inf");
}

TEST(Buckets, ComputedAsClientGolang) {
  const auto exp = ExponentialBuckets(.005, 2.5, 14);
  ASSERT_EQ(exp.size(), 14u);
  EXPECT_EQ(FormatFloat(exp[1]), "0.0125");
  EXPECT_EQ(FormatFloat(exp[13]), "745.0580596923828");
  EXPECT_EQ(LinearBuckets(60, 5, 12).back(), 115);
}

TEST(Escaping, LabelValuesAndHelp) {
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(EscapeHelp("a\\b\"c\nd"), "a\\\\b\"c\\nd");
}

TEST(Registry, ExposesFamiliesSortedWithHelpTypeAndSortedChildren) {
  Registry r;
  auto& ops = r.NewCounter({"kubelet_runtime_operations_total", "Cumulative number of runtime operations by operation type."},
                           {"operation_type"});
  auto& pods = r.NewGauge({"kubelet_running_pods", "Number of pods that have a running pod sandbox"});
  r.NewGauge({"kubelet_running_containers", "Number of containers currently running"}, {"container_state"});
  ops.WithLabelValues({"list_containers"}).Inc();
  ops.WithLabelValues({"list_containers"}).Inc();
  ops.WithLabelValues({"container_status"}).Inc(3);
  pods.Get().Set(2);
  EXPECT_EQ(r.Expose(),
            "# HELP kubelet_running_pods [ALPHA] Number of pods that have a running pod sandbox\n"
            "# TYPE kubelet_running_pods gauge\n"
            "kubelet_running_pods 2\n"
            "# HELP kubelet_runtime_operations_total [ALPHA] Cumulative number of runtime operations by operation "
            "type.\n"
            "# TYPE kubelet_runtime_operations_total counter\n"
            "kubelet_runtime_operations_total{operation_type=\"container_status\"} 3\n"
            "kubelet_runtime_operations_total{operation_type=\"list_containers\"} 2\n");
}

TEST(Registry, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  auto& h = r.NewHistogram({"x_seconds", "X.", Stability::kStable}, {0.1, 1}, {"op", "a"});
  auto& child = h.WithLabelValues({"sync", "q\""});
  child.Observe(0.05);
  child.Observe(0.1);  // le is inclusive
  child.Observe(0.5);
  child.Observe(7);
  EXPECT_EQ(r.Expose(),
            "# HELP x_seconds [STABLE] X.\n"
            "# TYPE x_seconds histogram\n"
            "x_seconds_bucket{a=\"q\\\"\",op=\"sync\",le=\"0.1\"} 2\n"
            "x_seconds_bucket{a=\"q\\\"\",op=\"sync\",le=\"1\"} 3\n"
            "x_seconds_bucket{a=\"q\\\"\",op=\"sync\",le=\"+Inf\"} 4\n"
            "x_seconds_sum{a=\"q\\\"\",op=\"sync\"} 7.65\n"
            "x_seconds_count{a=\"q\\\"\",op=\"sync\"} 4\n");
}

TEST(Registry, UnlabelledHistogramIsExposedAtZeroAndRegisteringTwiceReturnsTheFirst) {
  Registry r;
  auto& a = r.NewHistogram({"h", "H."}, {1});
  auto& b = r.NewHistogram({"h", "H."}, {1});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(r.Expose(),
            "# HELP h [ALPHA] H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\nh_sum 0\n"
            "h_count 0\n");
}

TEST(Registry, WriteSampleWithTimestamp) {
  std::string out;
  WriteSample(&out, "container_cpu_usage_seconds_total", {{"container", "c"}, {"namespace", "n"}, {"pod", "p"}},
              12.5, 1700000000123);
  EXPECT_EQ(out, "container_cpu_usage_seconds_total{container=\"c\",namespace=\"n\",pod=\"p\"} 12.5 1700000000123\n");
}

TEST(Registry, CountersAreThreadSafe) {
  Registry r;
  auto& c = r.NewCounter({"c_total", "C."}, {"k"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.WithLabelValues({"v"}).Inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.WithLabelValues({"v"}).Value(), 40000);
}

}  // namespace
}  // namespace kubenode::metrics
