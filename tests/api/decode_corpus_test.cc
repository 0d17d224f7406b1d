// The fault suite's corpus of invalid manifests (tests/support/invalid_manifests.h), decoded in-process: every
// document is refused with an error that names the file (and the expected field), none crashes or hangs the
// decoder (deep nesting, huge values, binary bytes).
#include <gtest/gtest.h>

#include "api/decode.h"
#include "tests/support/invalid_manifests.h"

namespace kubenode::api {
namespace {

TEST(DecodeCorpusTest, EveryInvalidManifestIsAnErrorNamingFileAndField) {
  const auto corpus = testing::InvalidManifestCorpus();
  ASSERT_GE(corpus.size(), 500u);
  for (size_t i = 0; i < corpus.size(); ++i) {
    const std::string file = "corpus-" + std::to_string(i) + ".yaml";
    SCOPED_TRACE(corpus[i].category + " #" + std::to_string(i));
    auto decoded = DecodeManifests(corpus[i].content, file);
    ASSERT_FALSE(decoded.ok()) << corpus[i].content.substr(0, 500);
    const std::string& error = decoded.status().message();
    EXPECT_EQ(error.rfind(file + ": ", 0), 0u) << error.substr(0, 500);
    if (!corpus[i].expect.empty()) {
      EXPECT_NE(error.find(corpus[i].expect), std::string::npos) << "expected \"" << corpus[i].expect << "\" in " << error.substr(0, 500);
    }
  }
}

}  // namespace
}  // namespace kubenode::api
