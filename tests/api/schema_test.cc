// The whole v1.28 Pod schema: every property path decodes without error and round-trips through ToJson.
#include "api/schema.h"

#include <gtest/gtest.h>

#include "api/decode.h"
#include "api/json.h"
#include "tests/support/schema_walk.h"

namespace kubenode::api {
namespace {

TEST(SchemaTest, KnowsTheWholePod) {
  std::vector<std::string> paths = schema::PropertyPaths(schema::PodType());
  // v1.28: 1 177 property paths, 995 of them under spec (shared types expanded).
  EXPECT_EQ(paths.size(), 1177u);
  EXPECT_EQ(std::count_if(paths.begin(), paths.end(), [](const std::string& p) { return p.rfind("spec.", 0) == 0; }),
            995);
}

TEST(SchemaTest, EveryPathDecodesAndRoundTrips) {
  for (const std::string& path : schema::PropertyPaths(schema::PodType())) {
    SCOPED_TRACE(path);
    std::string failure = testing_support::CheckPathRoundTrips(path, schema::PodType());
    EXPECT_EQ(failure, "");
  }
}

TEST(SchemaTest, UnknownFieldsAreNamed) {
  auto result = DecodeManifests(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: a\n"
      "    resources:\n      limit: {cpu: 1}\n    securityContext: {runAsUsr: 1}\n",
      "pod.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "pod.yaml: document 0, line 9: spec.containers[0].resources.limit: unknown field \"limit\"\n"
            "pod.yaml: document 0, line 10: spec.containers[0].securityContext.runAsUsr: unknown field \"runAsUsr\"");
}

TEST(SchemaTest, WrongTypesInUnmodeledFieldsAreNamed) {
  auto result = DecodeManifests(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: a}]\n"
      "  enableServiceLinks: maybe\n  tolerations: {key: a}\n  overhead: {cpu: lots}\n",
      "pod.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "pod.yaml: document 0, line 6: spec.enableServiceLinks: expected a boolean, got \"maybe\"\n"
            "pod.yaml: document 0, line 7: spec.tolerations: expected a sequence, got a mapping\n"
            "pod.yaml: document 0, line 8: spec.overhead[cpu]: Invalid value: \"lots\": quantities must match the "
            "regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
}

TEST(SchemaTest, TypeErrorsInModeledFieldsAreReportedOnce) {
  auto result = DecodeManifests(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: a}]\n"
      "  priority: high\n",
      "pod.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "pod.yaml: document 0, line 6: spec.priority: expected an integer, got \"high\"");
}

TEST(SchemaTest, ApiServerPodsDecodeLeniently) {
  // Fields newer than v1.28 are dropped, not refused, when decoding what an API server sent.
  auto result = DecodeManifests(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: a}]\n"
      "  hostUsers: false\n  futureField: {a: 1}\n",
      "api", {.strict = false});
  ASSERT_TRUE(result.ok()) << result.status().message();
  const Pod& pod = *(*result)[0].pod();
  EXPECT_EQ(pod.source["spec"]["hostUsers"], false);
  EXPECT_FALSE(pod.source["spec"].contains("futureField"));
}

}  // namespace
}  // namespace kubenode::api
