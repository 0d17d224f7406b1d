// kubenode's events in a real v1.28 cluster (../shared/k8s): `kubectl get events` shows what the kubelet
// did to a scheduled pod (Pulled, Created, Started, source kubelet on this node), the node's Starting and
// NodeReady, and a crash-looping container's BackOff folded into one event with a count.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/api_node_fixture.h"

namespace kubenode::testing {
namespace {

using nlohmann::json;

constexpr char kNode[] = "kubenode-events-1";

class ApiEventsTest : public ApiNodeFixture<kNode> {
 protected:
  // Events about one object, as `kubectl get events --field-selector` lists them.
  json Events(const std::string& ns, const std::string& kind, const std::string& name) {
    CommandResult r = control_plane_->Kubectl("-n " + ns + " get events -o json --field-selector involvedObject.kind=" +
                                              kind + ",involvedObject.name=" + name);
    if (r.exit_code != 0) return json::array();
    json list = json::parse(r.output, nullptr, false);
    return list.is_object() && list["items"].is_array() ? list["items"] : json::array();
  }
  static json Find(const json& events, const std::string& reason) {
    for (const json& e : events) {
      if (e.value("reason", "") == reason) return e;
    }
    return nullptr;
  }
};

TEST_F(ApiEventsTest, PodAndNodeEventsReachTheApiServer) {
  json node_events;
  ASSERT_TRUE(Eventually(
      [&] {
        node_events = Events("default", "Node", kNode);
        return !Find(node_events, "Starting").is_null() && !Find(node_events, "NodeReady").is_null();
      },
      60s, 1s))
      << node_events.dump(1);
  EXPECT_EQ(Find(node_events, "Starting")["message"], "Starting kubelet.");
  EXPECT_EQ(Find(node_events, "NodeReady")["source"]["host"], kNode);

  ASSERT_NO_FATAL_FAILURE(ApplyBusyboxPod("sleeper", kSleepUntilTerm, 1));
  json events;
  ASSERT_TRUE(Eventually(
      [&] {
        events = Events("default", "Pod", "sleeper");
        return !Find(events, "Pulled").is_null() && !Find(events, "Created").is_null() &&
               !Find(events, "Started").is_null();
      },
      kPodTimeout, 1s))
      << events.dump(1) << "\n" << control_plane_->Kubectl("get events -A").output;
  json pod = json::parse(control_plane_->Kubectl("get pod sleeper -o json").output, nullptr, false);
  for (const char* reason : {"Pulled", "Created", "Started"}) {
    const json e = Find(events, reason);
    EXPECT_EQ(e["type"], "Normal") << reason;
    EXPECT_EQ(e["source"]["component"], "kubelet") << reason;
    EXPECT_EQ(e["source"]["host"], kNode) << reason;
    EXPECT_EQ(e["reportingComponent"], "kubelet") << reason;
    EXPECT_EQ(e["involvedObject"]["fieldPath"], "spec.containers{main}") << reason;
    if (pod.is_object()) {
      EXPECT_EQ(e["involvedObject"]["uid"], pod["metadata"]["uid"]) << reason;
    }
  }
  CommandResult table = control_plane_->Kubectl("get events --field-selector involvedObject.name=sleeper");
  EXPECT_NE(table.output.find("Started container main"), std::string::npos) << table.output;
  control_plane_->Kubectl("delete pod sleeper --wait=false");
}

// A container that exits at once: its BackOff repeats, and the API shows one event with a growing count
// (PATCHed), not one event per repeat.
TEST_F(ApiEventsTest, RepeatsAreOneEventWithACount) {
  ASSERT_TRUE(Eventually([&] { return !Find(Events("default", "Node", kNode), "NodeReady").is_null(); }, 60s, 1s));
  ASSERT_NO_FATAL_FAILURE(ApplyBusyboxPod("crasher", "exit 1", 1));
  json events;
  ASSERT_TRUE(Eventually(
      [&] {
        events = Events("default", "Pod", "crasher");
        const json started = Find(events, "Started");
        return started.is_object() && started.value("count", 0) >= 2;
      },
      kPodTimeout, 1s))
      << events.dump(1);
  size_t started_events = 0;
  for (const json& e : events) started_events += e.value("reason", "") == "Started";
  EXPECT_EQ(started_events, 1u) << events.dump(1);
  control_plane_->Kubectl("delete pod crasher --wait=false");
}

}  // namespace
}  // namespace kubenode::testing
