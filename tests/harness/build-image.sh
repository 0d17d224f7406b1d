#!/usr/bin/env bash
# Builds kubenode's test images (pause, nginx, busybox) from files of this host, without any
# container engine, as OCI image layouts (one gzip'd layer each), with bash + tar + gzip +
# sha256sum + printf only (no python3, no jq).
#
# Usage:
#   build-image.sh list                 names of the images it knows
#   build-image.sh ref NAME             prints "REPO:TAG" of an image (e.g. library/nginx:latest)
#   build-image.sh build NAME OUTDIR    builds the OCI layout of NAME into OUTDIR (must not exist)
#   build-image.sh cached NAME          prints the path of a cached OCI layout of NAME, building it
#                                       first if the cache has none for the current inputs
#   build-image.sh list-control-plane   the control-plane images (etcd, kube-apiserver,
#                                       kube-controller-manager, kube-scheduler): built only on demand
#                                       by the tests that run them, never by env.sh up
#   build-image.sh push NAME REGISTRY   copies the cached layout of NAME to REGISTRY/REPO:TAG (skopeo)
# The OCI layout's index.json names the manifest with the image's tag, so copy it with e.g.
#   skopeo copy oci:LAYOUT:TAG docker://127.0.0.1:5000/library/NAME:TAG
#
# Environment:
#   KUBENODE_IMAGE_CACHE   cache directory (default /var/cache/kubenode-test-images); entries are
#                          NAME-<sha256 of the inputs>, so a changed input builds a new entry.
#   KUBENODE_K8S_DIR       where the control-plane images take kube-*.gz and SHA256SUMS from
#                          (default <repo>/../shared/k8s); nothing is ever downloaded.
#
# Each image is a small spec: spec_NAME sets the config (repo, tag, Entrypoint/Cmd, Env, ports),
# inputs_NAME lists the host files it copies (they key the cache) and populate_NAME ROOTFS fills
# the root filesystem. build_image runs them and writes the layout for all three alike.
set -euo pipefail
umask 022

HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IMAGES=(pause nginx busybox)
# Large (~100 MB each): not in IMAGES, so `env.sh up` never builds or pushes them.
CONTROL_PLANE_IMAGES=(etcd kube-apiserver kube-controller-manager kube-scheduler)
K8S_DIR=${KUBENODE_K8S_DIR:-$HARNESS_DIR/../../../shared/k8s}
STD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "build-image.sh: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# JSON helpers (values are plain strings: only backslash and double quote need escaping here).
json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}
json_array() {  # json_array A B C -> ["A","B","C"]
  local out="[" sep="" a
  for a in "$@"; do out+="$sep$(json_str "$a")"; sep=","; done
  printf '%s]' "$out"
}

# ---------------------------------------------------------------------------------------------
# Image specs. Each spec_NAME sets:
#   IMG_REPO IMG_TAG        registry path (library/NAME) and tag
#   IMG_ENTRYPOINT IMG_CMD  bash arrays (may be empty)
#   IMG_ENV                 bash array of K=V
#   IMG_PORTS               bash array of exposed ports ("80/tcp")
#   IMG_STOPSIGNAL          optional

spec_pause() {
  IMG_REPO=library/pause IMG_TAG=3.9
  IMG_ENTRYPOINT=(/pause) IMG_CMD=() IMG_ENV=("PATH=/") IMG_PORTS=() IMG_STOPSIGNAL=""
}
# The product's own pause program (kubenode embeds it for `cluster create`); the harness builds the same source.
inputs_pause() { echo "$HARNESS_DIR/../../cluster/pause/pause.c"; }
populate_pause() {
  local root=$1
  gcc -static -Os -s -Wall -Wextra -o "$root/pause" "$(inputs_pause)" ||
    die "compiling cluster/pause/pause.c failed (needs gcc and the static libc: build-essential)"
  chmod 0755 "$root/pause"
}

spec_nginx() {
  IMG_REPO=library/nginx IMG_TAG=latest
  IMG_ENTRYPOINT=() IMG_CMD=(nginx -g "daemon off;") IMG_ENV=("PATH=$STD_PATH") IMG_PORTS=(80/tcp)
  IMG_STOPSIGNAL=""
}
nginx_libs() {  # every library ldd lists for nginx, plus the dynamic loader
  ldd /usr/sbin/nginx | awk '/=> \//{print $3} /^[[:space:]]*\/[^ ]*ld-linux/{print $1}' | sort -u
}
nginx_index() {
  local f
  for f in /usr/share/nginx/html/index.html /var/www/html/index.nginx-debian.html; do
    if [[ -f $f ]] && grep -q 'Welcome to nginx!' "$f"; then echo "$f"; return 0; fi
  done
  die "no Debian nginx welcome page found (install nginx-light)"
}
inputs_nginx() {
  [[ -x /usr/sbin/nginx ]] || die "/usr/sbin/nginx not found (install nginx-light)"
  echo /usr/sbin/nginx
  nginx_libs
  nginx_index
  [[ -f /etc/nginx/mime.types ]] && echo /etc/nginx/mime.types
  return 0
}
populate_nginx() {
  local root=$1 f
  install -D -m 0755 /usr/sbin/nginx "$root/usr/sbin/nginx"
  for f in $(nginx_libs); do
    # Copy the real file (the host path may be a symlink) under the same path.
    install -D -m 0755 "$(readlink -f "$f")" "$root$f"
  done
  install -D -m 0644 "$(nginx_index)" "$root/usr/share/nginx/html/index.html"
  if [[ -f /etc/nginx/mime.types ]]; then
    install -D -m 0644 /etc/nginx/mime.types "$root/etc/nginx/mime.types"
    local mime="include /etc/nginx/mime.types;"
  else
    local mime=""
  fi
  mkdir -p "$root"/var/lib/nginx/{body,fastcgi,proxy,scgi,uwsgi} "$root/var/log/nginx" \
    "$root/var/www" "$root/usr/share/nginx"
  write_users "$root"
  cat > "$root/etc/nginx/nginx.conf" <<EOF
# kubenode test image: minimal nginx configuration (listens on port 80, serves the welcome page).
user www-data;
worker_processes 1;
pid /run/nginx.pid;
error_log stderr notice;

events {
    worker_connections 256;
}

http {
    $mime
    default_type application/octet-stream;
    access_log /dev/stdout;
    sendfile on;
    keepalive_timeout 65;

    server {
        listen 80 default_server;
        server_name _;
        root /usr/share/nginx/html;
        index index.html;
        location / {
            try_files \$uri \$uri/ =404;
        }
    }
}
EOF
  chmod 0644 "$root/etc/nginx/nginx.conf"
}

spec_busybox() {
  IMG_REPO=library/busybox IMG_TAG=latest
  IMG_ENTRYPOINT=() IMG_CMD=(sh) IMG_ENV=("PATH=$STD_PATH") IMG_PORTS=() IMG_STOPSIGNAL=""
}
busybox_bin() {
  local f
  for f in /bin/busybox /usr/bin/busybox; do
    if [[ -x $f ]] && ! ldd "$f" >/dev/null 2>&1; then echo "$f"; return 0; fi
  done
  die "no static busybox found (install busybox-static)"
}
inputs_busybox() { busybox_bin; }
populate_busybox() {
  local root=$1 bb applet
  bb=$(busybox_bin)
  install -D -m 0755 "$bb" "$root/bin/busybox"
  # `busybox --list-full` gives each applet's install path (bin/sh, usr/bin/env, ...).
  local applets=() dirs=()
  mapfile -t applets < <("$bb" --list-full | grep -vx 'bin/busybox')
  mapfile -t dirs < <(printf '%s\n' "${applets[@]}" | sed -n 's|/[^/]*$||p' | sort -u)
  (cd "$root" && mkdir -p "${dirs[@]}")
  for applet in "${applets[@]}"; do
    [[ -e $root/$applet || -L $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
  done
  [[ -e $root/bin/sh ]] || ln -s /bin/busybox "$root/bin/sh"
  mkdir -p "$root/root" "$root/var/www"
  write_users "$root"
}

# ---------------------------------------------------------------------------------------------
# Control-plane images under kubeadm v1.28's names (registry.k8s.io/etcd:3.5.9-0,
# registry.k8s.io/kube-*:v1.28.7), so that kubeadm's manifests run unchanged: containerd sends
# registry.k8s.io to the local registry like every other registry. The etcd inside is Debian's
# etcd-server (3.4), which takes every flag kubeadm v1.28 passes; the kube-* binaries are the static
# v1.28.7 builds of KUBENODE_K8S_DIR, checked against its SHA256SUMS.

spec_etcd() {
  IMG_REPO=etcd IMG_TAG=3.5.9-0
  IMG_ENTRYPOINT=() IMG_CMD=(/usr/local/bin/etcd) IMG_ENV=("PATH=$STD_PATH") IMG_PORTS=(2379/tcp 2380/tcp)
  IMG_STOPSIGNAL=""
}
etcd_bins() {
  local b
  for b in etcd etcdctl; do
    [[ -x /usr/bin/$b ]] || die "/usr/bin/$b not found (install etcd-server etcd-client)"
    echo "/usr/bin/$b"
  done
}
etcd_libs() {
  etcd_bins | xargs ldd 2>/dev/null | awk '/=> \//{print $3} /^[[:space:]]*\/[^ ]*ld-linux/{print $1}' | sort -u
}
inputs_etcd() { etcd_bins; etcd_libs; }
populate_etcd() {
  local root=$1 f
  for f in $(etcd_bins); do install -D -m 0755 "$f" "$root/usr/local/bin/${f##*/}"; done
  for f in $(etcd_libs); do install -D -m 0755 "$(readlink -f "$f")" "$root$f"; done
  mkdir -p "$root/var/lib/etcd"
  write_users "$root"
}

k8s_gz() {
  [[ -f $K8S_DIR/$1.gz && -f $K8S_DIR/SHA256SUMS ]] ||
    die "$K8S_DIR/$1.gz or SHA256SUMS missing (set KUBENODE_K8S_DIR to the directory of the v1.28.7 binaries)"
  echo "$K8S_DIR/$1.gz"
}
spec_k8s() {
  IMG_REPO=$1 IMG_TAG=v1.28.7
  IMG_ENTRYPOINT=("/usr/local/bin/$1") IMG_CMD=() IMG_ENV=("PATH=$STD_PATH") IMG_PORTS=() IMG_STOPSIGNAL=""
}
inputs_k8s() { k8s_gz "$1"; echo "$K8S_DIR/SHA256SUMS"; }
populate_k8s() {
  local name=$1 root=$2 want got
  mkdir -p "$root/usr/local/bin"
  gunzip -c "$(k8s_gz "$name")" > "$root/usr/local/bin/$name"
  chmod 0755 "$root/usr/local/bin/$name"
  want=$(awk -v n="$name" '$2 == n {print $1}' "$K8S_DIR/SHA256SUMS")
  got=$(sha256sum < "$root/usr/local/bin/$name" | cut -d' ' -f1)
  [[ -n $want && $want == "$got" ]] || die "$name from $K8S_DIR does not match its SHA256SUMS entry"
  write_users "$root"
}
spec_kube-apiserver() { spec_k8s kube-apiserver; }
inputs_kube-apiserver() { inputs_k8s kube-apiserver; }
populate_kube-apiserver() { populate_k8s kube-apiserver "$1"; }
spec_kube-controller-manager() { spec_k8s kube-controller-manager; }
inputs_kube-controller-manager() { inputs_k8s kube-controller-manager; }
populate_kube-controller-manager() { populate_k8s kube-controller-manager "$1"; }
spec_kube-scheduler() { spec_k8s kube-scheduler; }
inputs_kube-scheduler() { inputs_k8s kube-scheduler; }
populate_kube-scheduler() { populate_k8s kube-scheduler "$1"; }

# push NAME REGISTRY: the cached layout of NAME to REGISTRY/REPO:TAG (plain HTTP, a local registry).
push_image() {
  local name=$1 registry=$2 layout ref
  layout=$(cached_image "$name")
  "spec_$name"
  ref="$IMG_REPO:$IMG_TAG"
  skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$layout:$IMG_TAG" "docker://$registry/$ref" >&2 ||
    die "skopeo copy of $name to $registry/$ref failed"
  echo "$registry/$ref"
}

# Files every image gets: the mount points a runtime expects and an empty /tmp.
populate_common() {
  local root=$1
  mkdir -p "$root"/{dev,proc,sys,etc,run,var,tmp}
  chmod 1777 "$root/tmp"
}
write_users() {
  local root=$1
  mkdir -p "$root/etc"
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
    'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin' \
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' > "$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'www-data:x:33:' 'nogroup:x:65534:' 'nobody:x:65534:' > "$root/etc/group"
  printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' > "$root/etc/nsswitch.conf"
  chmod 0644 "$root/etc/passwd" "$root/etc/group" "$root/etc/nsswitch.conf"
}

known_image() {
  local n
  for n in "${IMAGES[@]}" "${CONTROL_PLANE_IMAGES[@]}"; do [[ $n == "$1" ]] && return 0; done
  die "unknown image '$1' (known: ${IMAGES[*]} ${CONTROL_PLANE_IMAGES[*]})"
}

# ---------------------------------------------------------------------------------------------
# OCI image layout writer.

# put_blob LAYOUT FILE MEDIATYPE: moves FILE into blobs/sha256, sets BLOB_DIGEST and BLOB_SIZE.
put_blob() {
  local layout=$1 file=$2 d
  d=$(sha256sum "$file" | cut -d' ' -f1)
  BLOB_DIGEST="sha256:$d"
  BLOB_SIZE=$(stat -c %s "$file")
  mv -f "$file" "$layout/blobs/sha256/$d"
}

# write_layout ROOTFS LAYOUT: writes the layer, config, manifest and index (uses the IMG_* spec).
write_layout() {
  local root=$1 layout=$2 diff_id layer_digest layer_size config_digest config_size
  mkdir -p "$layout/blobs/sha256"
  chmod 0755 "$root"  # the image's / (a mktemp dir is 0700, which would lock out non-root users)
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=gnu \
    -C "$root" -cf "$layout/layer.tar" .
  diff_id="sha256:$(sha256sum "$layout/layer.tar" | cut -d' ' -f1)"
  gzip -n -c "$layout/layer.tar" > "$layout/layer.tar.gz"
  rm -f "$layout/layer.tar"
  put_blob "$layout" "$layout/layer.tar.gz"
  layer_digest=$BLOB_DIGEST layer_size=$BLOB_SIZE

  local cfg="" ports="" p sep=""
  ((${#IMG_ENV[@]})) && cfg+="\"Env\":$(json_array "${IMG_ENV[@]}"),"
  ((${#IMG_ENTRYPOINT[@]})) && cfg+="\"Entrypoint\":$(json_array "${IMG_ENTRYPOINT[@]}"),"
  ((${#IMG_CMD[@]})) && cfg+="\"Cmd\":$(json_array "${IMG_CMD[@]}"),"
  if ((${#IMG_PORTS[@]})); then
    for p in "${IMG_PORTS[@]}"; do ports+="$sep$(json_str "$p"):{}"; sep=","; done
    cfg+="\"ExposedPorts\":{$ports},"
  fi
  [[ -n $IMG_STOPSIGNAL ]] && cfg+="\"StopSignal\":$(json_str "$IMG_STOPSIGNAL"),"
  cfg+='"WorkingDir":"/"'
  printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{%s},"rootfs":{"type":"layers","diff_ids":["%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"kubenode tests/harness/build-image.sh"}]}' \
    "$cfg" "$diff_id" > "$layout/config.json"
  put_blob "$layout" "$layout/config.json"
  config_digest=$BLOB_DIGEST config_size=$BLOB_SIZE

  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
    "$config_digest" "$config_size" "$layer_digest" "$layer_size" > "$layout/manifest.json"
  put_blob "$layout" "$layout/manifest.json"

  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"},"platform":{"architecture":"amd64","os":"linux"}}]}' \
    "$BLOB_DIGEST" "$BLOB_SIZE" "$IMG_TAG" > "$layout/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
}

# build_image NAME OUTDIR: the one function that builds any of the images.
build_image() {
  local name=$1 out=$2 root
  known_image "$name"
  [[ ! -e $out ]] || die "$out already exists"
  "spec_$name"
  mkdir -p "$out"
  root=$(mktemp -d "$out/.rootfs.XXXXXX")
  populate_common "$root"
  "populate_$name" "$root"
  write_layout "$root" "$out"
  rm -rf "$root"
}

# Cache key: this script, the image's spec inputs (each file's content) and the compiler version.
cache_key() {
  local name=$1
  {
    sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1
    echo "$name"
    "inputs_$name" | while read -r f; do
      printf '%s %s\n' "$f" "$(sha256sum < "$f" | cut -d' ' -f1)"
    done
    [[ $name == pause ]] && gcc -dumpfullversion 2>/dev/null
    true
  } | sha256sum | cut -c1-16
}

cached_image() {
  local name=$1 cache key entry tmp
  known_image "$name"
  cache=${KUBENODE_IMAGE_CACHE:-/var/cache/kubenode-test-images}
  key=$(cache_key "$name")
  entry="$cache/$name-$key"
  if [[ ! -f $entry/index.json ]]; then
    mkdir -p "$cache"
    tmp=$(mktemp -d "$cache/.build-$name.XXXXXX")
    build_image "$name" "$tmp/layout" >&2
    # Atomic publish; if a parallel build won the race, keep theirs.
    mv -T "$tmp/layout" "$entry" 2>/dev/null || true
    rm -rf "$tmp"
    [[ -f $entry/index.json ]] || die "could not write cache entry $entry"
  fi
  echo "$entry"
}

main() {
  local cmd=${1:-}
  case $cmd in
    list) printf '%s\n' "${IMAGES[@]}" ;;
    ref) (($# == 2)) || die "usage: $0 ref NAME"; known_image "$2"; "spec_$2"; echo "$IMG_REPO:$IMG_TAG" ;;
    build) (($# == 3)) || die "usage: $0 build NAME OUTDIR"; build_image "$2" "$3" ;;
    cached) (($# == 2)) || die "usage: $0 cached NAME"; cached_image "$2" ;;
    list-control-plane) printf '%s\n' "${CONTROL_PLANE_IMAGES[@]}" ;;
    push) (($# == 3)) || die "usage: $0 push NAME REGISTRY"; push_image "$2" "$3" ;;
    *) die "usage: $0 list | list-control-plane | ref NAME | build NAME OUTDIR | cached NAME | push NAME REGISTRY" ;;
  esac
}

main "$@"
