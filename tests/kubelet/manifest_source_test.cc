// The manifest directory source on a real temporary directory: SyncNow for the decoding rules, and the
// inotify thread for changes (the periodic relist is set to an hour, so only inotify can deliver them).
// Waits are on the sink with a generous deadline and assert content, never elapsed time.
#include "kubelet/config/manifest_source.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>

#include <sys/stat.h>

#include "base/fake_clock.h"
#include "kubelet/config/static_pod.h"
#include "kubelet/events/memory_event_recorder.h"

namespace kubenode::kubelet {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string PodManifest(const std::string& name, const std::string& command = "3600") {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
         "\nspec:\n  containers:\n  - name: app\n    image: busybox\n    command: [\"sleep\", \"" + command + "\"]\n";
}

// Collects the snapshots the source delivers from its thread.
class Snapshots {
 public:
  PodSnapshotSink Sink() {
    return [this](const std::string& source, std::vector<api::Pod> pods) {
      std::lock_guard lock(mu_);
      EXPECT_EQ(source, "file");
      latest_ = std::move(pods);
      ++count_;
      cv_.notify_all();
    };
  }
  // Waits until the latest snapshot satisfies `done`; returns it (or the last one seen on timeout).
  std::vector<api::Pod> WaitFor(const std::function<bool(const std::vector<api::Pod>&)>& done) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 30s, [&] { return count_ > 0 && done(latest_); });
    return latest_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<api::Pod> latest_;
  int count_ = 0;
};

std::vector<std::string> Names(const std::vector<api::Pod>& pods) {
  std::vector<std::string> out;
  for (const auto& p : pods) out.push_back(p.metadata.name);
  std::sort(out.begin(), out.end());
  return out;
}

auto Has(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return [names](const std::vector<api::Pod>& pods) { return Names(pods) == names; };
}

const api::Pod* Find(const std::vector<api::Pod>& pods, const std::string& name) {
  for (const auto& p : pods) {
    if (p.metadata.name == name) return &p;
  }
  return nullptr;
}

class ManifestSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kubelet-manifests-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override {
    source_.reset();
    fs::remove_all(dir_);
  }
  void Start() {
    source_ = std::make_unique<ManifestDirectorySource>(dir_, "node1", 1h, events_,
                                                        [this](const std::vector<ManifestFile>& files) {
                                                          std::lock_guard lock(files_mu_);
                                                          files_ = files;
                                                          // Deliveries carry only what changed: keep each file's latest.
                                                          for (const auto& f : files) latest_[f.path] = f;
                                                          ++deliveries_;
                                                          files_cv_.notify_all();
                                                        });
    ASSERT_TRUE(source_->Start(snapshots_.Sink()).ok());
  }
  void Write(const std::string& name, const std::string& text) { std::ofstream(dir_ + "/" + name) << text; }
  // As editors and config management do: write a dot-file, then rename it over the manifest.
  void Replace(const std::string& name, const std::string& text) {
    Write("." + name + ".tmp", text);
    fs::rename(dir_ + "/." + name + ".tmp", dir_ + "/" + name);
  }
  int InvalidManifestEvents() {
    int n = 0;
    for (const auto& e : events_.List()) {
      if (e.reason == "InvalidManifest") n += e.count;
    }
    return n;
  }

  FakeClock clock_;
  MemoryEventRecorder events_{clock_};
  std::string dir_;
  Snapshots snapshots_;
  std::unique_ptr<ManifestDirectorySource> source_;
  // The manifest sink is called after the pod sink: wait for it separately.
  std::mutex files_mu_;
  std::condition_variable files_cv_;
  std::vector<ManifestFile> files_;               // the last delivery
  std::map<std::string, ManifestFile> latest_;   // every file's last delivered state
  int deliveries_ = 0;
  int EventsWithReason(const std::string& reason) {
    int n = 0;
    for (const auto& e : events_.List()) {
      if (e.reason == reason) n += e.count;
    }
    return n;
  }
  // Waits for a manifest delivery that satisfies `done`; returns it.
  std::vector<ManifestFile> WaitFiles(const std::function<bool(const std::vector<ManifestFile>&)>& done) {
    std::unique_lock lock(files_mu_);
    files_cv_.wait_for(lock, 30s, [&] { return deliveries_ > 0 && done(files_); });
    return files_;
  }
};

std::vector<std::string> Paths(const std::vector<ManifestFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.path + (f.removed ? " removed" : ""));
  return out;
}

TEST_F(ManifestSourceTest, StartDeliversExistingManifestsAsStaticPods) {
  Write("web.yaml", PodManifest("web"));
  Start();
  const auto pods = snapshots_.WaitFor(Has({"web-node1"}));
  ASSERT_EQ(Names(pods), (std::vector<std::string>{"web-node1"}));
  const auto& pod = pods[0];
  EXPECT_EQ(pod.metadata.ns, "default");
  EXPECT_EQ(pod.spec.node_name, "node1");
  EXPECT_EQ(pod.metadata.uid, StaticPodUID(dir_ + "/web.yaml", "node1", "default", "web-node1"));
  EXPECT_EQ(pod.metadata.annotations.at(kConfigSourceAnnotation), "file");
  EXPECT_EQ(pod.metadata.annotations.at(kConfigHashAnnotation).size(), 32u);
}

TEST_F(ManifestSourceTest, CreateModifyByRenameAndDeleteAreSeenThroughInotify) {
  Start();
  snapshots_.WaitFor(Has({}));

  Write("web.yaml", PodManifest("web"));
  auto pods = snapshots_.WaitFor(Has({"web-node1"}));
  ASSERT_EQ(Names(pods), (std::vector<std::string>{"web-node1"}));
  const auto uid = pods[0].metadata.uid;
  const auto hash = pods[0].metadata.annotations.at(kConfigHashAnnotation);

  Replace("web.yaml", PodManifest("web", "7200"));
  pods = snapshots_.WaitFor([](const auto& p) {
    return p.size() == 1 && p[0].spec.containers[0].command == std::vector<std::string>{"sleep", "7200"};
  });
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].spec.containers[0].command, (std::vector<std::string>{"sleep", "7200"}));
  EXPECT_EQ(pods[0].metadata.uid, uid);  // same pod: only its changed container will restart
  EXPECT_NE(pods[0].metadata.annotations.at(kConfigHashAnnotation), hash);

  Write("db.yml", PodManifest("db"));
  pods = snapshots_.WaitFor(Has({"db-node1", "web-node1"}));
  EXPECT_EQ(Names(pods), (std::vector<std::string>{"db-node1", "web-node1"}));

  fs::remove(dir_ + "/web.yaml");
  pods = snapshots_.WaitFor(Has({"db-node1"}));
  EXPECT_EQ(Names(pods), (std::vector<std::string>{"db-node1"}));
}

TEST_F(ManifestSourceTest, DotFilesOtherExtensionsAndSubdirectoriesAreIgnored) {
  Start();
  snapshots_.WaitFor(Has({}));
  Write(".hidden.yaml", PodManifest("hidden"));
  Write("notes.txt", PodManifest("notes"));
  Write("web.yaml~", PodManifest("backup"));
  fs::create_directories(dir_ + "/sub");
  Write("sub/nested.yaml", PodManifest("nested"));
  fs::create_directories(dir_ + "/dir.yaml");
  // Written last: once it shows up, the listing also saw everything above.
  Write("web.json",
        R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}})");
  const auto pods = snapshots_.WaitFor([](const auto& p) { return Find(p, "web-node1") != nullptr; });
  EXPECT_EQ(Names(pods), (std::vector<std::string>{"web-node1"}));
}

TEST_F(ManifestSourceTest, NewSymlinkToAManifestIsSeen) {
  fs::create_directories(dir_ + "/store");  // a subdirectory: not read itself
  Write("store/web.yaml", PodManifest("web"));
  Start();
  snapshots_.WaitFor(Has({}));
  fs::create_symlink(dir_ + "/store/web.yaml", dir_ + "/web.yaml");  // no close-write: the creation counts
  const auto pods = snapshots_.WaitFor(Has({"web-node1"}));
  EXPECT_EQ(Names(pods), (std::vector<std::string>{"web-node1"}));
}

TEST_F(ManifestSourceTest, BrokenEditKeepsLastValidPodsAndRecordsAnEvent) {
  Write("web.yaml", PodManifest("web"));
  Start();
  snapshots_.WaitFor(Has({"web-node1"}));

  Replace("web.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers: 5\n");
  // The broken content still yields the last valid pod; the event tells that the edit was refused.
  Replace("marker.yaml", PodManifest("marker"));
  const auto pods = snapshots_.WaitFor(Has({"marker-node1", "web-node1"}));
  EXPECT_EQ(Names(pods), (std::vector<std::string>{"marker-node1", "web-node1"}));
  ASSERT_EQ(InvalidManifestEvents(), 1);
  const auto event = events_.List().front();
  EXPECT_EQ(event.type, EventType::kWarning);
  EXPECT_EQ(event.object.kind, "Node");
  EXPECT_EQ(event.object.name, "node1");
  EXPECT_TRUE(event.message.starts_with("Could not process manifest file \"" + dir_ + "/web.yaml\": "))
      << event.message;

  std::unique_lock lock(files_mu_);
  auto broken = latest_.end();
  files_cv_.wait_for(lock, 30s, [&] {
    broken = latest_.find(dir_ + "/web.yaml");
    return broken != latest_.end() && !broken->second.error.empty();
  });
  ASSERT_NE(broken, latest_.end());
  EXPECT_NE(broken->second.error.find("spec.containers"), std::string::npos) << broken->second.error;
  EXPECT_EQ(broken->second.objects.size(), 1u);  // the last valid objects, for the other consumers too
}

TEST_F(ManifestSourceTest, BrokenFileIsReportedOncePerContentAndRecovers) {
  ManifestDirectorySource source(dir_, "node1", 1h, events_);
  std::vector<api::Pod> latest;
  PodSnapshotSink sink = [&](const std::string&, std::vector<api::Pod> pods) { latest = std::move(pods); };

  Write("web.yaml", "kind: Pod\nspec: [\n");  // never valid: contributes nothing
  source.SyncNow(sink);
  EXPECT_TRUE(latest.empty());
  EXPECT_EQ(InvalidManifestEvents(), 1);
  source.SyncNow(sink);  // same content: not reported again
  EXPECT_EQ(InvalidManifestEvents(), 1);

  Write("web.yaml", "kind: Pod\nspec: [[\n");  // another broken content: reported
  source.SyncNow(sink);
  EXPECT_EQ(InvalidManifestEvents(), 2);

  Write("web.yaml", PodManifest("web"));
  source.SyncNow(sink);
  EXPECT_EQ(Names(latest), (std::vector<std::string>{"web-node1"}));
  EXPECT_EQ(InvalidManifestEvents(), 2);
}

TEST_F(ManifestSourceTest, MissingDirectoryIsAnEmptySnapshot) {
  ManifestDirectorySource source(dir_ + "/absent", "node1", 1h, events_);
  bool delivered = false;
  source.SyncNow([&](const std::string&, std::vector<api::Pod> pods) {
    delivered = true;
    EXPECT_TRUE(pods.empty());
  });
  EXPECT_TRUE(delivered);  // an empty snapshot still counts for SeenAllSources
}

TEST_F(ManifestSourceTest, DirectoryErrorKeepsThePodsAndOnlyAMissingDirectoryEmptiesThem) {
  Write("web.yaml", PodManifest("web"));
  ManifestDirectorySource source(dir_, "node1", 1h, events_);
  std::vector<api::Pod> latest;
  PodSnapshotSink sink = [&](const std::string&, std::vector<api::Pod> pods) { latest = std::move(pods); };
  source.SyncNow(sink);
  ASSERT_EQ(Names(latest), (std::vector<std::string>{"web-node1"}));

  // The path cannot be opened (ELOOP here; EACCES or EIO alike): not knowing is not "no pods".
  fs::rename(dir_, dir_ + ".moved");
  fs::create_symlink(dir_, dir_);
  source.SyncNow(sink);
  EXPECT_EQ(Names(latest), (std::vector<std::string>{"web-node1"}));
  ASSERT_EQ(InvalidManifestEvents(), 1);
  EXPECT_NE(events_.List().front().message.find("keeping the pods of the last listing"), std::string::npos);
  source.SyncNow(sink);
  EXPECT_EQ(InvalidManifestEvents(), 1);  // the same error is recorded once

  fs::remove(dir_);  // missing: the pods go
  source.SyncNow(sink);
  EXPECT_TRUE(latest.empty());
  fs::rename(dir_ + ".moved", dir_);  // back: they return
  source.SyncNow(sink);
  EXPECT_EQ(Names(latest), (std::vector<std::string>{"web-node1"}));
}

TEST_F(ManifestSourceTest, FileThatCannotBeReadKeepsItsLastValidPods) {
  Write("web.yaml", PodManifest("web"));
  ManifestDirectorySource source(dir_, "node1", 1h, events_);
  std::vector<api::Pod> latest;
  PodSnapshotSink sink = [&](const std::string&, std::vector<api::Pod> pods) { latest = std::move(pods); };
  source.SyncNow(sink);
  ASSERT_EQ(Names(latest), (std::vector<std::string>{"web-node1"}));

  fs::remove(dir_ + "/web.yaml");
  fs::create_symlink("web.yaml", dir_ + "/web.yaml");  // stat fails with ELOOP, as EACCES would
  source.SyncNow(sink);
  EXPECT_EQ(Names(latest), (std::vector<std::string>{"web-node1"}));
  ASSERT_EQ(InvalidManifestEvents(), 1);
  EXPECT_NE(events_.List().front().message.find(dir_ + "/web.yaml"), std::string::npos);
}

TEST_F(ManifestSourceTest, DirectoryRemovedAndRecreatedIsFollowedByTheWatcher) {
  Write("web.yaml", PodManifest("web"));
  Start();
  snapshots_.WaitFor(Has({"web-node1"}));
  fs::remove_all(dir_);
  auto pods = snapshots_.WaitFor(Has({}));
  ASSERT_TRUE(pods.empty());
  fs::create_directories(dir_);
  Write("web.yaml", PodManifest("web"));
  pods = snapshots_.WaitFor(Has({"web-node1"}));
  EXPECT_EQ(Names(pods), (std::vector<std::string>{"web-node1"}));
}

TEST_F(ManifestSourceTest, FifosDevicesOversizedAndEmptyFilesNeitherHangNorRun) {
  ASSERT_EQ(mkfifo((dir_ + "/fifo.yaml").c_str(), 0644), 0);
  fs::create_symlink("/dev/zero", dir_ + "/zero.yaml");
  Write("empty.yaml", "");
  Write("blank.yaml", "\n  \n");
  Write("web.yaml", PodManifest("web"));
  {
    std::ofstream big(dir_ + "/big.yaml");
    big << PodManifest("big") << "# " << std::string(kMaxManifestSize, 'x') << "\n";
  }
  ManifestDirectorySource source(dir_, "node1", 1h, events_);
  std::vector<api::Pod> latest;
  source.SyncNow([&](const std::string&, std::vector<api::Pod> pods) { latest = std::move(pods); });
  EXPECT_EQ(Names(latest), (std::vector<std::string>{"web-node1"}));
  ASSERT_EQ(InvalidManifestEvents(), 1);  // the oversized file only: empty files are ignored, as upstream
  EXPECT_NE(events_.List().front().message.find(dir_ + "/big.yaml\": " + dir_ + "/big.yaml: larger than 10485760 bytes"),
            std::string::npos)
      << events_.List().front().message;
}

TEST_F(ManifestSourceTest, DuplicatePodNameKeepsThePodOfTheFirstFileAndRecordsAnEvent) {
  Write("b.yaml", PodManifest("web", "1"));
  ManifestDirectorySource source(dir_, "node1", 1h, events_);
  std::vector<api::Pod> latest;
  PodSnapshotSink sink = [&](const std::string&, std::vector<api::Pod> pods) { latest = std::move(pods); };
  source.SyncNow(sink);
  ASSERT_EQ(latest.size(), 1u);

  Write("a.yaml", PodManifest("web", "2"));  // sorts first: its pod is the one kept, now and after a restart
  source.SyncNow(sink);
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0].metadata.uid, StaticPodUID(dir_ + "/a.yaml", "node1", "default", "web-node1"));
  ASSERT_EQ(EventsWithReason("FailedValidation"), 1);
  const auto event = events_.List().front();
  EXPECT_EQ(event.type, EventType::kWarning);
  EXPECT_EQ(event.object.kind, "Pod");
  EXPECT_EQ(event.object.name, "web-node1");
  EXPECT_EQ(event.message, "Error validating pod web-node1 from file due to duplicate pod name \"web-node1_default\", "
                           "ignoring: the pod of " + dir_ + "/b.yaml has the name of the pod of " + dir_ +
                               "/a.yaml, which is kept");
  source.SyncNow(sink);
  EXPECT_EQ(EventsWithReason("FailedValidation"), 1);  // once

  ManifestDirectorySource restarted(dir_, "node1", 1h, events_);
  restarted.SyncNow(sink);
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0].metadata.uid, StaticPodUID(dir_ + "/a.yaml", "node1", "default", "web-node1"));
}

TEST_F(ManifestSourceTest, ThrowingSinkDoesNotEndTheWatcher) {
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  std::vector<api::Pod> latest;
  source_ = std::make_unique<ManifestDirectorySource>(dir_, "node1", 1h, events_);
  ASSERT_TRUE(source_
                  ->Start([&](const std::string&, std::vector<api::Pod> pods) {
                    std::lock_guard lock(mu);
                    latest = std::move(pods);
                    cv.notify_all();
                    if (++calls == 2) throw std::runtime_error("sink failed");
                  })
                  .ok());
  Write("a.yaml", PodManifest("a"));  // delivered, and the sink throws
  {
    std::unique_lock lock(mu);
    cv.wait_for(lock, 30s, [&] { return calls >= 2; });
    ASSERT_EQ(calls, 2);
  }
  Write("b.yaml", PodManifest("b"));
  std::unique_lock lock(mu);
  cv.wait_for(lock, 30s, [&] { return Names(latest).size() == 2; });
  EXPECT_EQ(Names(latest), (std::vector<std::string>{"a-node1", "b-node1"}));
}

TEST_F(ManifestSourceTest, ManifestSinkGetsOnlyTheFilesThatChanged) {
  Write("a.yaml", PodManifest("a"));
  Write("b.yaml", PodManifest("b"));
  Write("c.yaml", PodManifest("c"));
  Start();
  auto files = WaitFiles([](const auto& f) { return f.size() == 3; });
  EXPECT_EQ(Paths(files), (std::vector<std::string>{dir_ + "/a.yaml", dir_ + "/b.yaml", dir_ + "/c.yaml"}));

  Replace("b.yaml", PodManifest("b", "7200"));
  files = WaitFiles([](const auto& f) { return f.size() == 1 && f[0].objects.size() == 1; });
  EXPECT_EQ(Paths(files), (std::vector<std::string>{dir_ + "/b.yaml"}));
  fs::remove(dir_ + "/c.yaml");
  files = WaitFiles([](const auto& f) { return f.size() == 1 && f[0].removed; });
  EXPECT_EQ(Paths(files), (std::vector<std::string>{dir_ + "/c.yaml removed"}));

  int before;
  {
    std::lock_guard lock(files_mu_);
    before = deliveries_;
  }
  fs::last_write_time(dir_ + "/a.yaml", fs::file_time_type::clock::now());  // touched, same content
  source_->SyncNow(nullptr);
  std::lock_guard lock(files_mu_);
  EXPECT_EQ(deliveries_, before);  // nothing changed: nothing delivered
}

// A file whose content was offered decoded (by `kubenode apply`, which wrote it) is not decoded again; an
// offer for another content of that path is not used.
TEST_F(ManifestSourceTest, OfferedDecodeOfTheFileIsTakenInsteadOfDecodingAgain) {
  Start();
  const std::string path = dir_ + "/a.yaml";
  const std::string text = PodManifest("a");
  auto decoded = api::DecodeManifests(text, path);
  ASSERT_TRUE(decoded.ok());
  OfferDecodedManifest(path, text.size(), std::hash<std::string>{}(text), *decoded);
  Replace("a.yaml", text);
  source_->SyncNow(snapshots_.Sink());  // delivers the pods whoever synced first
  EXPECT_EQ(source_->decoded_files(), 0u);
  {
    std::lock_guard lock(files_mu_);
    ASSERT_EQ(latest_[path].objects.size(), 1u);
    EXPECT_EQ(latest_[path].objects[0].pod(), (*decoded)[0].pod());  // the very object offered
  }
  EXPECT_TRUE(Has({"a-node1"})(snapshots_.WaitFor(Has({"a-node1"}))));

  // Offered for one content, another is written: the file is decoded as it is.
  const std::string edited = PodManifest("b");
  OfferDecodedManifest(path, text.size(), std::hash<std::string>{}(text), *decoded);
  Replace("a.yaml", edited);
  source_->SyncNow(snapshots_.Sink());  // delivers the pods whoever synced first
  EXPECT_EQ(source_->decoded_files(), 1u);
  EXPECT_TRUE(Has({"b-node1"})(snapshots_.WaitFor(Has({"b-node1"}))));
}

}  // namespace
}  // namespace kubenode::kubelet
