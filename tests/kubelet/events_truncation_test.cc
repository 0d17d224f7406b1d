// Event messages are kept to the events API's 1 KiB note limit, cut on a UTF-8 boundary, and identical long
// messages still aggregate into one event.
#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "kubelet/events/memory_event_recorder.h"

namespace kubenode::kubelet {
namespace {

TEST(MemoryEventRecorderTest, LongMessagesAreTruncatedAndStillAggregate) {
  FakeClock clock;
  MemoryEventRecorder recorder(clock);
  const EventObject node{"Node", "", "n1", "n1", ""};
  std::string message = "x" + std::string(5 * 1024 * 1024, 'v');
  message.replace(1021, 2, "\xc3\xa9");  // an é across the cut
  recorder.Event(node, EventType::kWarning, "InvalidManifest", message);
  recorder.Event(node, EventType::kWarning, "InvalidManifest", message);
  auto events = recorder.List();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].count, 2);
  EXPECT_LE(events[0].message.size(), 1024u);
  EXPECT_EQ(events[0].message.substr(events[0].message.size() - 3), "...");
  EXPECT_EQ(events[0].message.substr(0, 1021), message.substr(0, 1021));  // the é is dropped whole, not cut
}

}  // namespace
}  // namespace kubenode::kubelet
