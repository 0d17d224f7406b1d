#include "agent/manifest_store.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "api/decode.h"
#include "kubelet/config/manifest_source.h"
#include "tests/support/reference_manifests.h"

namespace kubenode::agent {
namespace {
namespace fs = std::filesystem;

class ManifestStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kubenode-store-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> Files() {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

std::string ServiceDoc(const std::string& name, int port) {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name + "\nspec:\n  selector: {app: web}\n  ports:\n  - port: " +
         std::to_string(port) + "\n";
}

// An apply scans the directory to find where objects live; files it wrote itself, or scanned unchanged
// before, are not decoded again. A file changed behind its back is.
TEST_F(ManifestStoreTest, ApplyDoesNotDecodeFilesItKnowsAgain) {
  ASSERT_TRUE(ManifestStore(dir_).Apply(ServiceDoc("a", 80) + "---\n" + ServiceDoc("b", 80), "many.yaml").ok());
  const uint64_t before = ManifestStore::decoded_files();
  auto lines = ManifestStore(dir_).Apply(ServiceDoc("c", 80), "one.yaml");
  ASSERT_TRUE(lines.ok()) << lines.status().message();
  lines = ManifestStore(dir_).Apply(ServiceDoc("b", 81), "many.yaml");
  ASSERT_TRUE(lines.ok()) << lines.status().message();
  EXPECT_EQ(*lines, std::vector<std::string>{"service/b configured"});
  EXPECT_EQ(ManifestStore::decoded_files(), before) << "the directory held only files apply wrote";

  // An administrator's edit (same size, so only the content tells): decoded again, and what it says counts.
  const fs::path many = dir_ / "applied_many.yaml";
  std::string text;
  {
    std::ifstream in(many);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const size_t at = text.find("name: a\n");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 8, "name: d\n");
  const auto mtime = fs::last_write_time(many);
  std::ofstream(many, std::ios::trunc) << text;
  fs::last_write_time(many, mtime);
  lines = ManifestStore(dir_).Apply(ServiceDoc("d", 80), "other.yaml");
  ASSERT_TRUE(lines.ok()) << lines.status().message();
  EXPECT_EQ(*lines, std::vector<std::string>{"service/d unchanged"}) << "d is now defined in applied_many.yaml";
  EXPECT_EQ(ManifestStore::decoded_files(), before + 1);
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

// What the manifest source would take for `path` as it is now (and the offer is gone after).
std::optional<std::vector<api::ManifestObject>> TakeOffer(const fs::path& path) {
  const std::string content = ReadAll(path);
  return kubelet::TakeDecodedManifest(path.string(), content.size(), std::hash<std::string>{}(content));
}

// The objects apply hands to the manifest source for the file it wrote are exactly what the source would
// decode from that file: same objects, file, document numbers and lines.
TEST_F(ManifestStoreTest, ApplyOffersTheSourceWhatDecodingTheWrittenFileGives) {
  ManifestStore store(dir_.string());
  const std::string text = "# leading comment\n" + ServiceDoc("a", 80) + "---\n# about b\n\n" + ServiceDoc("b", 81) +
                           "---\n" + kubenode::testing::kReferencePod;
  ASSERT_TRUE(store.Apply(text, "mixed.yaml").ok());
  const fs::path written = dir_ / "applied_mixed.yaml";
  auto offered = TakeOffer(written);
  ASSERT_TRUE(offered.has_value());
  auto decoded = api::DecodeManifests(ReadAll(written), written.string());
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  ASSERT_EQ(offered->size(), decoded->size());
  for (size_t i = 0; i < decoded->size(); ++i) {
    const auto& want = (*decoded)[i];
    const auto& got = (*offered)[i];
    EXPECT_EQ(got.file, want.file);
    EXPECT_EQ(got.document, want.document) << i;
    EXPECT_EQ(got.line, want.line) << i;
    ASSERT_EQ(got.pod() != nullptr, want.pod() != nullptr) << i;
    if (want.pod()) EXPECT_TRUE(*got.pod() == *want.pod()) << i;
    if (want.service()) EXPECT_TRUE(*got.service() == *want.service()) << i;
  }
  EXPECT_FALSE(TakeOffer(written).has_value());  // taken once
}

// A file holding documents an earlier apply wrote is not offered: this apply did not decode those.
TEST_F(ManifestStoreTest, ApplyOffersNothingForAFileWithDocumentsItDidNotDecode) {
  ManifestStore store(dir_.string());
  ASSERT_TRUE(store.Apply(ServiceDoc("a", 80), "s.yaml").ok());
  ASSERT_TRUE(TakeOffer(dir_ / "applied_s.yaml").has_value());
  ASSERT_TRUE(store.Apply(ServiceDoc("b", 81), "s.yaml").ok());  // appended to the same file
  EXPECT_FALSE(TakeOffer(dir_ / "applied_s.yaml").has_value());
  ASSERT_TRUE(store.Apply(ServiceDoc("a", 90) + "---\n" + ServiceDoc("b", 91), "s.yaml").ok());  // both again
  EXPECT_TRUE(TakeOffer(dir_ / "applied_s.yaml").has_value());
}

TEST_F(ManifestStoreTest, ApplyWritesOneFileAndReportsLikeKubectl) {
  ManifestStore store(dir_);
  auto lines = store.Apply(std::string(kubenode::testing::kReferencePod) + "---\n" + kubenode::testing::kReferenceService, "/tmp/all.yaml");
  ASSERT_TRUE(lines.ok()) << lines.status().message();
  EXPECT_EQ(*lines, (std::vector<std::string>{"pod/nginx created", "service/hello-service created"}));
  EXPECT_EQ(Files(), (std::vector<std::string>{"applied_all.yaml"}));

  auto again = store.Apply(kubenode::testing::kReferencePod, "nginx.yaml");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, std::vector<std::string>{"pod/nginx unchanged"});

  std::string changed = kubenode::testing::kReferencePod;
  changed.replace(changed.find("nginx:latest"), 12, "nginx:1.25");
  auto configured = store.Apply(changed, "nginx.yaml");
  ASSERT_TRUE(configured.ok());
  EXPECT_EQ(*configured, std::vector<std::string>{"pod/nginx configured"});
  EXPECT_EQ(Files(), (std::vector<std::string>{"applied_all.yaml"}));  // updated where it is defined
}

std::string Services(int from, int to, int port = 80) {
  std::string text;
  for (int i = from; i < to; ++i) {
    text += "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-" + std::to_string(i) +
            "\nspec:\n  selector: {app: x}\n  ports:\n  - port: " + std::to_string(port) + "\n---\n";
  }
  return text;
}

TEST_F(ManifestStoreTest, ManyObjectsAreOneFileWriteAndDeleteRemovesThemFromIt) {
  ManifestStore store(dir_);
  auto lines = store.Apply(Services(0, 500), "many.yaml");
  ASSERT_TRUE(lines.ok()) << lines.status().message();
  ASSERT_EQ(lines->size(), 500u);
  EXPECT_EQ(lines->front(), "service/svc-0 created");
  EXPECT_EQ(lines->back(), "service/svc-499 created");
  EXPECT_EQ(Files(), (std::vector<std::string>{"applied_many.yaml"}));
  const auto written = fs::last_write_time(dir_ / "applied_many.yaml");

  auto again = store.Apply(Services(0, 500), "many.yaml");  // nothing changed: nothing written
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->at(250), "service/svc-250 unchanged");
  EXPECT_EQ(fs::last_write_time(dir_ / "applied_many.yaml"), written);

  auto edited = store.Apply(Services(0, 1, 81) + Services(1, 500), "many.yaml");
  ASSERT_TRUE(edited.ok());
  EXPECT_EQ(edited->at(0), "service/svc-0 configured");
  EXPECT_EQ(edited->at(1), "service/svc-1 unchanged");

  auto deleted = store.Delete(Services(0, 499), "many.yaml");
  ASSERT_TRUE(deleted.ok()) << deleted.status().message();
  EXPECT_EQ(deleted->at(0), "service \"svc-0\" deleted");
  std::ifstream in(dir_ / "applied_many.yaml");
  std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rest.find("svc-0\n"), std::string::npos);
  EXPECT_NE(rest.find("name: svc-499"), std::string::npos);
  auto last = store.Apply(Services(499, 500, 82), "other.yaml");  // defined in many.yaml: updated there
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, std::vector<std::string>{"service/svc-499 configured"});
  EXPECT_EQ(Files(), (std::vector<std::string>{"applied_many.yaml"}));
  ASSERT_TRUE(store.Delete(Services(499, 500), "x.yaml").ok());
  EXPECT_TRUE(Files().empty());  // a file left empty is removed
}

TEST_F(ManifestStoreTest, FilesOfTheOneObjectLayoutAreUpdatedInPlace) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "service_default_svc-0.yaml")
      << ManifestStore::kHeader << "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-0\nspec:\n  selector: {app: x}\n  ports:\n  - port: 80\n";
  ManifestStore store(dir_);
  auto lines = store.Apply(Services(0, 2, 81), "two.yaml");
  ASSERT_TRUE(lines.ok()) << lines.status().message();
  EXPECT_EQ(*lines, (std::vector<std::string>{"service/svc-0 configured", "service/svc-1 created"}));
  EXPECT_EQ(Files(), (std::vector<std::string>{"applied_two.yaml", "service_default_svc-0.yaml"}));
}

TEST_F(ManifestStoreTest, InvalidInputWritesNothing) {
  ManifestStore store(dir_);
  std::string bad = std::string(kubenode::testing::kReferenceService) + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: c}]}\n";
  auto result = store.Apply(bad, "bad.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "bad.yaml: document 1, line 12: spec.containers[0].image: Required value");
  EXPECT_FALSE(fs::exists(dir_ / "service_default_hello-service.yaml"));
}

TEST_F(ManifestStoreTest, ObjectDefinedInAHandWrittenFileIsNotDefinedTwice) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "etcd-and-nginx.yaml") << kubenode::testing::kReferencePod;
  ManifestStore store(dir_);
  auto result = store.Apply(kubenode::testing::kReferencePod, "nginx.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "pod \"nginx\" is already defined in " + (dir_ / "etcd-and-nginx.yaml").string() +
                                           ": edit or remove that file instead");
  auto deleted = store.Delete(kubenode::testing::kReferencePod, "nginx.yaml");
  ASSERT_FALSE(deleted.ok());
  EXPECT_TRUE(fs::exists(dir_ / "etcd-and-nginx.yaml"));
}

TEST_F(ManifestStoreTest, DeleteRemovesAppliedObjectsAndNamesMissingOnes) {
  ManifestStore store(dir_);
  ASSERT_TRUE(store.Apply(kubenode::testing::kReferencePod, "nginx.yaml").ok());
  auto deleted = store.Delete(kubenode::testing::kReferencePod, "nginx.yaml");
  ASSERT_TRUE(deleted.ok()) << deleted.status().message();
  EXPECT_EQ(*deleted, std::vector<std::string>{"pod \"nginx\" deleted"});
  EXPECT_TRUE(Files().empty());
  auto missing = store.Delete(kubenode::testing::kReferenceService, "service.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "Error from server (NotFound): services \"hello-service\" not found");
}

}  // namespace
}  // namespace kubenode::agent
