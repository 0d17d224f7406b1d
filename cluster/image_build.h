// OCI image archives built from files of this machine, with no container engine and no registry: the
// control-plane images (kube-apiserver, kube-controller-manager, kube-scheduler from `--k8s-binaries DIR`,
// etcd from DIR or Debian's /usr/bin/etcd) and the sandbox image registry.k8s.io/pause:3.9.
//
// An archive is an OCI image layout in a tar (oci-layout, index.json, blobs/sha256/<config, manifest, one
// gzip layer>), with the annotations `ctr images import` reads for the image's name
// (io.containerd.image.name = the full reference, org.opencontainers.image.ref.name = the tag).
//
// The pause binary is kubenode's own (cluster/pause/pause.c), built static by CMake and embedded in the
// kubenode binary (EmbeddedPauseBinary), so that a cluster needs nothing beside kubenode and DIR.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "cluster/image_import.h"

namespace kubenode::cluster {

struct ImageFile {
  std::string path;         // absolute path inside the image
  std::string source;       // a host file to copy (symlinks followed) ...
  std::string content;      // ... or these bytes when `source` is empty
  unsigned mode = 0644;
};

struct ImageSpec {
  std::string ref;  // registry.k8s.io/kube-apiserver:v1.28.7
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  std::vector<ImageFile> files;
  std::vector<std::string> dirs;  // extra empty directories (0755; /tmp is always there, 1777)
};

struct BuiltImage {
  std::string ref;
  std::string archive;          // the tar written
  std::string manifest_digest;  // sha256:...
  std::string image_id;         // the config's digest, what CRI reports as the image id
  uint64_t layer_size = 0;      // compressed
};

// Writes the archive of `spec` to `archive` (atomically: a temp file renamed).
Result<BuiltImage> BuildImageArchive(const ImageSpec& spec, const std::string& archive);

// The static pause binary compiled into kubenode.
std::string_view EmbeddedPauseBinary();
// registry.k8s.io/pause:3.9 holding it (kubelet v1.28's default sandbox image).
ImageSpec PauseImageSpec();

// `<binary> --version` → the image tag: "Kubernetes v1.28.7" → v1.28.7, "etcd Version: 3.4.23" → 3.4.23-0.
Result<std::string> ImageTagFromVersion(CommandRunner& runner, const std::string& binary);

// The path of NAME in DIR: DIR/NAME if it is there, else DIR/NAME.gz unpacked into `scratch_dir`.
Result<std::string> ResolveBinary(const std::string& dir, const std::string& name, const std::string& scratch_dir);

struct ControlPlaneImageSources {
  std::string k8s_binaries_dir;       // kube-apiserver, kube-controller-manager, kube-scheduler (or .gz)
  std::string etcd_dir = "/usr/bin";  // etcd and etcdctl (DIR's when it has them)
  std::string registry = "registry.k8s.io";
  std::string scratch_dir;            // where .gz binaries are unpacked
};

// The four control-plane image specs (etcd, kube-apiserver, kube-controller-manager, kube-scheduler),
// tagged from the binaries' own --version; a dynamically linked binary brings the libraries ldd lists.
Result<std::vector<ImageSpec>> ControlPlaneImageSpecs(CommandRunner& runner, const ControlPlaneImageSources& sources);

}  // namespace kubenode::cluster
