#include "cluster/image_build.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <zlib.h>

#include "cluster/state.h"

namespace kubenode::cluster {
namespace {

namespace fs = std::filesystem;

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* data, size_t n) { EVP_DigestUpdate(ctx_, data, n); }
  std::string Digest() {  // "sha256:<hex>"
    unsigned char md[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, md, &len);
    static const char kHex[] = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned i = 0; i < len; ++i) {
      out += kHex[md[i] >> 4];
      out += kHex[md[i] & 15];
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

std::string DigestOf(const std::string& bytes) {
  Sha256 h;
  h.Update(bytes.data(), bytes.size());
  return h.Digest();
}

// Where tar bytes go: a file (the outer archive) or the layer pipeline.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual Status Write(const char* data, size_t n) = 0;
};

class FileSink : public Sink {
 public:
  FileSink(FILE* f, std::string path) : f_(f), path_(std::move(path)) {}
  Status Write(const char* data, size_t n) override {
    if (n > 0 && std::fwrite(data, 1, n, f_) != n) return Status::Error("writing " + path_ + ": " + std::strerror(errno));
    return {};
  }

 private:
  FILE* f_;
  std::string path_;
};

// The layer: tar bytes hashed (diff id), gzip'd (level 1: these are 100 MB binaries, time matters more than
// a few MB) into a file, the compressed bytes hashed too (blob digest).
class LayerSink : public Sink {
 public:
  LayerSink(FILE* f, std::string path) : f_(f), path_(std::move(path)) {
    deflateInit2(&z_, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // +16: gzip framing
  }
  ~LayerSink() override { deflateEnd(&z_); }
  Status Write(const char* data, size_t n) override {
    tar_hash_.Update(data, n);
    return Deflate(data, n, Z_NO_FLUSH);
  }
  Status Finish() { return Deflate(nullptr, 0, Z_FINISH); }
  std::string diff_id() { return tar_hash_.Digest(); }
  std::string digest() { return gz_hash_.Digest(); }
  uint64_t size() const { return size_; }

 private:
  Status Deflate(const char* data, size_t n, int flush) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    z_.avail_in = static_cast<uInt>(n);
    unsigned char out[1 << 16];
    int rc;
    do {
      z_.next_out = out;
      z_.avail_out = sizeof(out);
      rc = deflate(&z_, flush);
      if (rc == Z_STREAM_ERROR) return Status::Error("compressing " + path_ + ": deflate failed");
      const size_t have = sizeof(out) - z_.avail_out;
      gz_hash_.Update(out, have);
      size_ += have;
      if (have > 0 && std::fwrite(out, 1, have, f_) != have) {
        return Status::Error("writing " + path_ + ": " + std::strerror(errno));
      }
    } while (z_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    return {};
  }
  FILE* f_;
  std::string path_;
  z_stream z_{};
  Sha256 tar_hash_;
  Sha256 gz_hash_;
  uint64_t size_ = 0;
};

// A ustar writer: owner root, mtime 0 (reproducible layers).
class TarWriter {
 public:
  explicit TarWriter(Sink& sink) : sink_(sink) {}

  Status Dir(const std::string& name, unsigned mode) { return Header(name + "/", mode, 0, '5'); }
  Status Bytes(const std::string& name, unsigned mode, std::string_view content) {
    if (Status s = Header(name, mode, content.size(), '0'); !s.ok()) return s;
    if (Status s = sink_.Write(content.data(), content.size()); !s.ok()) return s;
    return Pad(content.size());
  }
  Status CopyFile(const std::string& name, unsigned mode, const std::string& source) {
    File in(std::fopen(source.c_str(), "rb"));
    if (!in) return Status::Error("reading " + source + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fileno(in.get()), &st) != 0) return Status::Error("stat " + source + ": " + std::strerror(errno));
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    if (Status s = Header(name, mode, size, '0'); !s.ok()) return s;
    std::vector<char> buf(1 << 20);
    uint64_t left = size;
    while (left > 0) {
      size_t n = std::fread(buf.data(), 1, std::min<uint64_t>(buf.size(), left), in.get());
      if (n == 0) return Status::Error("reading " + source + ": short read");
      if (Status s = sink_.Write(buf.data(), n); !s.ok()) return s;
      left -= n;
    }
    return Pad(size);
  }
  Status Finish() {
    static const char zeros[1024] = {};
    return sink_.Write(zeros, sizeof(zeros));
  }

 private:
  static void Octal(char* field, size_t width, uint64_t value) {
    std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(value));
  }
  Status Header(const std::string& name, unsigned mode, uint64_t size, char type) {
    char h[512] = {};
    if (name.size() <= 100) {
      std::memcpy(h, name.data(), name.size());
    } else {
      // ustar: the part after the last '/' that fits in name[100], the rest in prefix[155].
      size_t cut = name.rfind('/', name.size() - 2);
      while (cut != std::string::npos && name.size() - cut - 1 > 100) cut = std::string::npos;
      if (cut == std::string::npos || cut > 155) return Status::Error("tar: path too long: " + name);
      std::memcpy(h, name.data() + cut + 1, name.size() - cut - 1);
      std::memcpy(h + 345, name.data(), cut);
    }
    Octal(h + 100, 8, mode & 07777);
    Octal(h + 108, 8, 0);
    Octal(h + 116, 8, 0);
    Octal(h + 124, 12, size);
    Octal(h + 136, 12, 0);
    h[156] = type;
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
    std::memcpy(h + 265, "root", 4);
    std::memcpy(h + 297, "root", 4);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(h + 148, 8, "%06o", sum);
    return sink_.Write(h, sizeof(h));
  }
  Status Pad(uint64_t size) {
    static const char zeros[512] = {};
    const size_t pad = (512 - size % 512) % 512;
    return sink_.Write(zeros, pad);
  }
  Sink& sink_;
};

std::string Architecture() {
  utsname u{};
  ::uname(&u);
  const std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  return m;
}

// The layer's entries, parents first and sorted (a directory for every parent of every file).
struct Entry {
  const ImageFile* file = nullptr;  // null: a directory
  unsigned mode = 0755;
};

}  // namespace

Result<BuiltImage> BuildImageArchive(const ImageSpec& spec, const std::string& archive) {
  const std::string what = "image " + spec.ref;
  std::map<std::string, Entry> entries;
  auto add_parents = [&](const std::string& rel) {
    for (size_t at = rel.find('/'); at != std::string::npos; at = rel.find('/', at + 1)) {
      entries.emplace(rel.substr(0, at), Entry{});
    }
  };
  for (const char* d : {"dev", "proc", "sys", "etc", "run", "var", "tmp"}) entries.emplace(d, Entry{});
  entries["tmp"].mode = 01777;
  for (const std::string& d : spec.dirs) {
    const std::string rel = d.substr(d.find_first_not_of('/'));
    add_parents(rel);
    entries.emplace(rel, Entry{});
  }
  for (const ImageFile& f : spec.files) {
    if (f.path.empty() || f.path[0] != '/') return Status::Error(what + ": file path \"" + f.path + "\" is not absolute");
    const std::string rel = f.path.substr(1);
    add_parents(rel);
    entries[rel] = Entry{&f, f.mode};
  }

  fs::create_directories(fs::path(archive).parent_path());
  const std::string layer_path = archive + ".layer.tmp";
  std::string diff_id, layer_digest;
  uint64_t layer_size = 0;
  {
    File f(std::fopen(layer_path.c_str(), "wb"));
    if (!f) return Status::Error("writing " + layer_path + ": " + std::strerror(errno));
    LayerSink layer(f.get(), layer_path);
    TarWriter tar(layer);
    for (const auto& [rel, e] : entries) {
      Status s = e.file == nullptr       ? tar.Dir(rel, e.mode)
                 : e.file->source.empty() ? tar.Bytes(rel, e.mode, e.file->content)
                                          : tar.CopyFile(rel, e.mode, e.file->source);
      if (!s.ok()) return s.WithContext(what);
    }
    if (Status s = tar.Finish(); !s.ok()) return s;
    if (Status s = layer.Finish(); !s.ok()) return s;
    if (std::fflush(f.get()) != 0) return Status::Error("writing " + layer_path + ": " + std::strerror(errno));
    diff_id = layer.diff_id();
    layer_digest = layer.digest();
    layer_size = layer.size();
  }

  const std::string arch = Architecture();
  nlohmann::json config = {{"architecture", arch},
                           {"os", "linux"},
                           {"created", "1970-01-01T00:00:00Z"},
                           {"config", {{"Env", spec.env}, {"WorkingDir", "/"}}},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", {diff_id}}}},
                           {"history", {{{"created", "1970-01-01T00:00:00Z"}, {"created_by", "kubenode cluster image build"}}}}};
  if (!spec.entrypoint.empty()) config["config"]["Entrypoint"] = spec.entrypoint;
  if (!spec.cmd.empty()) config["config"]["Cmd"] = spec.cmd;
  const std::string config_text = config.dump();
  const std::string config_digest = DigestOf(config_text);
  nlohmann::json manifest = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"}, {"digest", config_digest}, {"size", config_text.size()}}},
      {"layers", {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"}, {"digest", layer_digest}, {"size", layer_size}}}}};
  const std::string manifest_text = manifest.dump();
  const std::string manifest_digest = DigestOf(manifest_text);
  const size_t colon = spec.ref.rfind(':');
  const std::string tag = colon != std::string::npos && spec.ref.find('/', colon) == std::string::npos
                              ? spec.ref.substr(colon + 1)
                              : "latest";
  nlohmann::json index = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.index.v1+json"},
      {"manifests",
       {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
         {"digest", manifest_digest},
         {"size", manifest_text.size()},
         {"annotations", {{"io.containerd.image.name", spec.ref}, {"org.opencontainers.image.ref.name", tag}}},
         {"platform", {{"architecture", arch}, {"os", "linux"}}}}}}};

  const std::string tmp = archive + ".tmp";
  {
    File f(std::fopen(tmp.c_str(), "wb"));
    if (!f) return Status::Error("writing " + tmp + ": " + std::strerror(errno));
    FileSink sink(f.get(), tmp);
    TarWriter tar(sink);
    auto blob = [](const std::string& digest) { return "blobs/sha256/" + digest.substr(7); };
    // Each step only once the one before it succeeded.
    const std::vector<std::function<Status()>> steps = {
        [&] { return tar.Bytes("oci-layout", 0644, R"({"imageLayoutVersion":"1.0.0"})"); },
        [&] { return tar.Bytes("index.json", 0644, index.dump()); },
        [&] { return tar.Dir("blobs", 0755); },
        [&] { return tar.Dir("blobs/sha256", 0755); },
        [&] { return tar.Bytes(blob(config_digest), 0644, config_text); },
        [&] { return tar.Bytes(blob(manifest_digest), 0644, manifest_text); },
        [&] { return tar.CopyFile(blob(layer_digest), 0644, layer_path); },
        [&] { return tar.Finish(); }};
    for (const auto& step : steps) {
      if (Status s = step(); !s.ok()) return s.WithContext(what);
    }
    if (std::fflush(f.get()) != 0) return Status::Error("writing " + tmp + ": " + std::strerror(errno));
  }
  std::error_code ec;
  fs::remove(layer_path, ec);
  fs::rename(tmp, archive, ec);
  if (ec) return Status::Error("renaming " + tmp + ": " + ec.message());
  return BuiltImage{spec.ref, archive, manifest_digest, config_digest, layer_size};
}

namespace {

// /etc/passwd, group and nsswitch.conf: enough for a Go binary's user lookups (build-image.sh's set).
void AddUserFiles(ImageSpec& spec) {
  spec.files.push_back({"/etc/passwd", "",
                        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
                        0644});
  spec.files.push_back({"/etc/group", "", "root:x:0:\nnogroup:x:65534:\n", 0644});
  spec.files.push_back({"/etc/nsswitch.conf", "", "passwd: files\ngroup: files\nhosts: files dns\n", 0644});
}

// The shared libraries (and the loader) `ldd` lists for a dynamically linked binary; none for a static one.
Result<std::vector<std::string>> SharedLibraries(CommandRunner& runner, const std::string& binary) {
  auto out = runner.Run({"ldd", binary});
  if (!out.ok()) {
    // ldd exits 1 with "not a dynamic executable" for static binaries.
    if (out.status().message().find("not a dynamic executable") != std::string::npos) return std::vector<std::string>{};
    return out.status();
  }
  std::vector<std::string> libs;
  std::istringstream lines(*out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string first, arrow, path;
    words >> first >> arrow >> path;
    if (arrow == "=>" && !path.empty() && path[0] == '/') {
      libs.push_back(path);
    } else if (!first.empty() && first[0] == '/') {
      libs.push_back(first);  // the loader: "/lib64/ld-linux-x86-64.so.2 (0x...)"
    }
  }
  return libs;
}

Status Gunzip(const std::string& from, const std::string& to) {
  gzFile in = gzopen(from.c_str(), "rb");
  if (in == nullptr) return Status::Error("reading " + from + ": " + std::strerror(errno));
  File out(std::fopen(to.c_str(), "wb"));
  if (!out) {
    gzclose(in);
    return Status::Error("writing " + to + ": " + std::strerror(errno));
  }
  std::vector<char> buf(1 << 20);
  int n;
  while ((n = gzread(in, buf.data(), static_cast<unsigned>(buf.size()))) > 0) {
    if (std::fwrite(buf.data(), 1, static_cast<size_t>(n), out.get()) != static_cast<size_t>(n)) {
      gzclose(in);
      return Status::Error("writing " + to + ": " + std::strerror(errno));
    }
  }
  int err = 0;
  const std::string msg = n < 0 ? gzerror(in, &err) : "";
  gzclose(in);
  if (n < 0) return Status::Error("unpacking " + from + ": " + msg);
  ::fchmod(fileno(out.get()), 0755);
  return {};
}

}  // namespace

Result<std::string> ResolveBinary(const std::string& dir, const std::string& name, const std::string& scratch_dir) {
  const std::string plain = dir + "/" + name;
  if (::access(plain.c_str(), X_OK) == 0) return plain;
  const std::string gz = plain + ".gz";
  std::error_code ec;
  if (!fs::exists(gz, ec)) return Status::Error(name + ": neither " + plain + " nor " + gz + " exists");
  if (scratch_dir.empty()) return Status::Error(name + ": " + gz + " needs a scratch directory to unpack into");
  fs::create_directories(scratch_dir, ec);
  const std::string target = scratch_dir + "/" + name;
  // Reuse an earlier unpack only when it is at least as new as the archive.
  if (fs::exists(target, ec) && fs::last_write_time(target, ec) >= fs::last_write_time(gz, ec)) return target;
  const std::string tmp = target + ".tmp";
  if (Status s = Gunzip(gz, tmp); !s.ok()) return s;
  fs::rename(tmp, target, ec);
  if (ec) return Status::Error("renaming " + tmp + ": " + ec.message());
  return target;
}

Result<std::string> ImageTagFromVersion(CommandRunner& runner, const std::string& binary) {
  auto out = runner.Run({binary, "--version"});
  if (!out.ok()) return out.status();
  std::istringstream words(*out);
  std::vector<std::string> w;
  for (std::string word; words >> word && w.size() < 4;) w.push_back(word);
  if (w.size() >= 2 && w[0] == "Kubernetes" && w[1].rfind("v", 0) == 0) return w[1];
  if (w.size() >= 3 && w[0] == "etcd" && w[1] == "Version:") return w[2] + "-0";
  return Status::Error(binary + " --version: unrecognised output \"" + out->substr(0, 80) + "\"");
}

ImageSpec PauseImageSpec() {
  ImageSpec spec;
  spec.ref = "registry.k8s.io/pause:3.9";
  spec.entrypoint = {"/pause"};
  spec.env = {"PATH=/"};
  spec.files.push_back({"/pause", "", std::string(EmbeddedPauseBinary()), 0755});
  return spec;
}

Result<std::vector<ImageSpec>> ControlPlaneImageSpecs(CommandRunner& runner, const ControlPlaneImageSources& sources) {
  std::vector<ImageSpec> specs;
  // etcd and etcdctl: DIR's when it has them, else etcd_dir's (Debian's etcd-server / etcd-client).
  std::string etcd_dir = sources.etcd_dir;
  if (!sources.k8s_binaries_dir.empty() && ::access((sources.k8s_binaries_dir + "/etcd").c_str(), X_OK) == 0) {
    etcd_dir = sources.k8s_binaries_dir;
  }
  {
    ImageSpec etcd;
    const std::string bin = etcd_dir + "/etcd";
    auto tag = ImageTagFromVersion(runner, bin);
    if (!tag.ok()) return tag.status().WithContext("etcd image");
    etcd.ref = sources.registry + "/etcd:" + *tag;
    etcd.cmd = {"/usr/local/bin/etcd"};
    etcd.dirs = {"/var/lib/etcd"};
    for (const char* name : {"etcd", "etcdctl"}) {
      const std::string path = etcd_dir + "/" + name;
      if (::access(path.c_str(), X_OK) != 0) return Status::Error("etcd image: " + path + " not found");
      etcd.files.push_back({std::string("/usr/local/bin/") + name, path, "", 0755});
      auto libs = SharedLibraries(runner, path);
      if (!libs.ok()) return libs.status().WithContext("etcd image");
      for (const std::string& lib : *libs) etcd.files.push_back({lib, lib, "", 0755});
    }
    AddUserFiles(etcd);
    specs.push_back(std::move(etcd));
  }
  for (const char* name : {"kube-apiserver", "kube-controller-manager", "kube-scheduler"}) {
    if (sources.k8s_binaries_dir.empty()) return Status::Error("control-plane images: no --k8s-binaries directory");
    auto bin = ResolveBinary(sources.k8s_binaries_dir, name, sources.scratch_dir);
    if (!bin.ok()) return bin.status().WithContext("--k8s-binaries " + sources.k8s_binaries_dir);
    auto tag = ImageTagFromVersion(runner, *bin);
    if (!tag.ok()) return tag.status().WithContext(std::string(name) + " image");
    ImageSpec spec;
    spec.ref = sources.registry + "/" + name + ":" + *tag;
    spec.entrypoint = {std::string("/usr/local/bin/") + name};
    spec.files.push_back({spec.entrypoint[0], *bin, "", 0755});
    auto libs = SharedLibraries(runner, *bin);
    if (!libs.ok()) return libs.status().WithContext(std::string(name) + " image");
    for (const std::string& lib : *libs) spec.files.push_back({lib, lib, "", 0755});
    AddUserFiles(spec);
    specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace kubenode::cluster
