// Container hashes and static pod UIDs of manifests holding bytes that are not UTF-8.
#include <gtest/gtest.h>

#include "kubelet/config/static_pod.h"
#include "kubelet/runtime/canonical_json.h"
#include "kubelet/runtime/labels.h"

namespace kubenode::kubelet {
namespace {

api::Container Container(const std::string& image) {
  api::Container c;
  c.name = "web";
  c.image = image;
  c.command = {"sh", "-c", "echo hi"};
  return c;
}

// The hash as it was computed before invalid UTF-8 was handled: FNV-32a over the strict dump.
std::string StrictHash(const api::Container& container) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : CanonicalJson(container).dump()) {
    hash ^= c;
    hash *= 16777619u;
  }
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%x", hash);
  return buf;
}

TEST(Utf8HashTest, ContainerHashOfValidInputIsUnchanged) {
  const auto c = Container("nginx:1.25-caf\xc3\xa9");
  EXPECT_EQ(HashContainer(c), StrictHash(c));
}

TEST(Utf8HashTest, ContainerHashOfInvalidUtf8HashesAsReplacementCharacter) {
  EXPECT_EQ(HashContainer(Container("nginx\xff")), HashContainer(Container("nginx\xef\xbf\xbd")));
  EXPECT_NE(HashContainer(Container("nginx\xff")), HashContainer(Container("nginx")));
}

TEST(Utf8HashTest, StaticPodOfInvalidUtf8GetsAConfigHash) {
  api::Pod pod;
  pod.metadata.name = "web";
  pod.spec.containers = {Container("nginx\xff")};
  ApplyStaticPodDefaults(pod, "node-a", "/etc/kubernetes/manifests/web.yaml");
  api::Pod replaced;
  replaced.metadata.name = "web";
  replaced.spec.containers = {Container("nginx\xef\xbf\xbd")};
  ApplyStaticPodDefaults(replaced, "node-a", "/etc/kubernetes/manifests/web.yaml");
  EXPECT_FALSE(pod.metadata.annotations[kConfigHashAnnotation].empty());
  EXPECT_EQ(pod.metadata.annotations[kConfigHashAnnotation], replaced.metadata.annotations[kConfigHashAnnotation]);
}

}  // namespace
}  // namespace kubenode::kubelet
