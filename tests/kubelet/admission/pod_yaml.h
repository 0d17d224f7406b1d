// Pods for the admission tests, decoded from YAML as a manifest is (so Pod::source is filled too).
#pragma once

#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "api/decode.h"

namespace kubenode::kubelet::admission {

inline api::Pod PodFromYaml(const std::string& yaml) {
  auto objects = api::DecodeManifests(yaml, "test.yaml");
  EXPECT_TRUE(objects.ok()) << objects.status().message();
  if (!objects.ok() || objects->empty()) return {};
  return *objects->front().pod();
}

// A pod with one container requesting `cpu` and `memory` ("" leaves the request out).
inline api::Pod PodRequesting(const std::string& name, const std::string& cpu, const std::string& memory,
                              const std::string& extra_spec = "") {
  std::string requests;
  if (!cpu.empty()) requests += "\n          cpu: " + cpu;
  if (!memory.empty()) requests += "\n          memory: " + memory;
  std::string yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n  uid: uid-" + name +
                     "\nspec:\n" + extra_spec + "  containers:\n  - name: c\n    image: busybox\n";
  if (!requests.empty()) yaml += "    resources:\n      requests:" + requests + "\n";
  return PodFromYaml(yaml);
}

}  // namespace kubenode::kubelet::admission
