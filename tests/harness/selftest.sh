#!/usr/bin/env bash
# Self-test of the harness: env.sh up, checks the registry, the images and containerd's CRI (pods
# with nginx and busybox run for real through CRI, spoken by curl), then env.sh down and checks
# that nothing is left.
#
#   tests/harness/selftest.sh [DIR]      (default DIR: /tmp/kn-selftest-<pid>)
set -euo pipefail

HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=$(realpath -m -- "${1:-/tmp/kn-selftest-$$}")
# shellcheck source=cri.sh
source "$HARNESS_DIR/cri.sh"

PASS=0
ok() { echo "ok   $*"; PASS=$((PASS + 1)); }
fail() { echo "FAIL $*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

DOWN_DONE=0
cleanup() {
  ((DOWN_DONE)) || "$HARNESS_DIR/env.sh" down "$DIR" || true
  [[ -z ${SCRATCH:-} ]] || rm -rf "$SCRATCH"
}
trap cleanup EXIT
SCRATCH=$(mktemp -d /tmp/kn-selftest-scratch.XXXXXX)

# ---------------------------------------------------------------------------------------------
t0=$(now)
"$HARNESS_DIR/env.sh" up "$DIR"
T_UP=$(elapsed "$t0")
ok "env.sh up $DIR (${T_UP}s)"
[[ -f $DIR/env ]] || fail "no $DIR/env"
# shellcheck disable=SC1091
source "$DIR/env"
for v in KUBENODE_CRI_ENDPOINT KUBENODE_TEST_DIR KUBENODE_POD_SUBNET KUBENODE_BRIDGE KUBENODE_REGISTRY \
  KUBENODE_CONTAINERD_PID KUBENODE_REGISTRY_PID KUBENODE_CONTAINERD_ROOT KUBENODE_CONTAINERD_STATE; do
  [[ -n ${!v:-} ]] || fail "$v missing from $DIR/env"
done
ok "env file has every variable"
if [[ -n ${KUBENODE_NFT_GUARD_TABLE:-} ]]; then
  nft list table $KUBENODE_NFT_GUARD_TABLE > /dev/null || fail "guard table $KUBENODE_NFT_GUARD_TABLE missing"
  ok "nft guard table $KUBENODE_NFT_GUARD_TABLE (pods may not forward to the uplink) exists"
fi
SOCK=${KUBENODE_CRI_ENDPOINT#unix://}
CTR=(ctr --address "$SOCK" -n k8s.io)

# ---------------------------------------------------------------------------------------------
# Registry and images.
catalog=$(curl -fsS "http://$KUBENODE_REGISTRY/v2/_catalog")
for r in library/pause library/nginx library/busybox; do
  [[ $catalog == *"\"$r\""* ]] || fail "registry catalog lacks $r: $catalog"
done
ok "registry catalog lists pause, nginx, busybox: $catalog"

plugins=$(ctr --address "$SOCK" plugins ls)
grep -Eq '^io\.containerd\.grpc\.v1 +cri .* ok *$' <<< "$plugins" || fail "cri plugin not ok: $plugins"
if grep -E 'level=(error|fatal)' "$KUBENODE_CONTAINERD_LOG" | grep -i cri; then
  fail "errors about cri in $KUBENODE_CONTAINERD_LOG"
fi
ok "containerd's cri plugin is ok and logged no error"

for img in library/pause:3.9 library/nginx:latest library/busybox:latest; do
  "${CTR[@]}" images pull --plain-http "$KUBENODE_REGISTRY/$img" > /dev/null || fail "ctr pull $img"
done
ok "ctr images pull --plain-http of the three images"

# Root filesystems straight from the cached OCI layouts (what was pushed).
extract_rootfs() { # NAME DEST
  local layout manifest layer
  layout=$("$HARNESS_DIR/build-image.sh" cached "$1")
  manifest=$(grep -o '"digest":"sha256:[0-9a-f]*"' "$layout/index.json" | head -n1 | cut -d: -f3 | tr -d '"')
  layer=$(grep -o '"layers":\[{[^]]*' "$layout/blobs/sha256/$manifest" | grep -o 'sha256:[0-9a-f]*' | cut -d: -f2)
  mkdir -p "$2"
  tar -xzf "$layout/blobs/sha256/$layer" -C "$2"
}
extract_rootfs pause "$SCRATCH/pause"
"$SCRATCH/pause/pause" 2> /dev/null &
ppid=$!
sleep 0.2
kill -0 "$ppid" 2>/dev/null || fail "pause exited by itself"
kill -TERM "$ppid"
rc=0
wait "$ppid" || rc=$?
[[ $rc == 0 ]] || fail "pause exited $rc on SIGTERM (want 0)"
ok "pause runs, sleeps, and exits 0 on SIGTERM"

extract_rootfs nginx "$SCRATCH/nginx"
out=$(unshare -m --fork sh -c "mount --bind /dev '$SCRATCH/nginx/dev' && mount -t proc proc '$SCRATCH/nginx/proc' &&
  chroot '$SCRATCH/nginx' /usr/sbin/nginx -t" 2>&1) || fail "nginx -t in its rootfs: $out"
grep -q 'Welcome to nginx!' "$SCRATCH/nginx/usr/share/nginx/html/index.html" || fail "no welcome page"
ok "nginx -t passes inside the nginx image's rootfs (chroot)"

extract_rootfs busybox "$SCRATCH/busybox"
out=$(chroot "$SCRATCH/busybox" /bin/sh -c 'echo busybox-$((6*7))') || fail "busybox sh in chroot"
[[ $out == busybox-42 ]] || fail "busybox sh printed '$out'"
ok "busybox sh runs inside the busybox image's rootfs (chroot)"

# ---------------------------------------------------------------------------------------------
# CRI, for real: PullImage through the docker.io mirror, two pods, pod-to-pod HTTP.
RS=runtime.v1.RuntimeService
IS=runtime.v1.ImageService
for img in nginx:latest busybox:latest; do
  cri_call "$SOCK" "$IS/PullImage" "$(pb_len 1 "$(pb_str 1 "docker.io/library/$img")")" > /dev/null ||
    fail "CRI PullImage docker.io/library/$img"
done
ok "CRI PullImage docker.io/library/{nginx,busybox}:latest through the mirror"

declare -A HOSTPORT=()
free_port() { # a free TCP port from $1 upwards
  local p=$1
  while [[ -n $(ss -Hltn "sport = :$p") ]]; do p=$((p + 1)); done
  echo "$p"
}
sandbox_config() { # NAME -> PodSandboxConfig hex (with a hostPort -> 80 when HOSTPORT[NAME] is set)
  local meta pm=""
  meta="$(pb_str 1 "$1")$(pb_str 2 "uid-$1-$$")$(pb_str 3 default)"
  [[ -z ${HOSTPORT[$1]:-} ]] || pm=$(pb_len 5 "$(pb_uint 2 80)$(pb_uint 3 "${HOSTPORT[$1]}")")
  printf '%s' "$(pb_len 1 "$meta")$(pb_str 2 "$1")$(pb_str 3 "$DIR/pods/$1")$pm"
}
run_pod() { # NAME -> sandbox id
  mkdir -p "$DIR/pods/$1"
  cri_call "$SOCK" "$RS/RunPodSandbox" "$(pb_len 1 "$(sandbox_config "$1")")" | grep -oE '[0-9a-f]{64}' | head -n1
}
run_container() { # POD_ID POD_NAME NAME IMAGE [COMMAND...] -> container id
  local pod=$1 podname=$2 name=$3 image=$4 cfg a id
  shift 4
  cfg="$(pb_len 1 "$(pb_str 1 "$name")")$(pb_len 2 "$(pb_str 1 "$image")")"
  for a in "$@"; do cfg+=$(pb_str 3 "$a"); done
  cfg+=$(pb_str 11 "$name.log")
  id=$(cri_call "$SOCK" "$RS/CreateContainer" \
    "$(pb_str 1 "$pod")$(pb_len 2 "$cfg")$(pb_len 3 "$(sandbox_config "$podname")")" | grep -oE '[0-9a-f]{64}' | head -n1)
  [[ -n $id ]] || return 1
  cri_call "$SOCK" "$RS/StartContainer" "$(pb_str 1 "$id")" > /dev/null || return 1
  echo "$id"
}
pod_ip() { # POD_ID
  local prefix=${KUBENODE_POD_SUBNET%.*}.
  pb_strings "$(CRI_HEX=1 cri_call "$SOCK" "$RS/PodSandboxStatus" "$(pb_str 1 "$1")")" |
    grep -xE "${prefix//./\\.}[0-9]{1,3}" | head -n1
}

HOSTPORT[web]=$(free_port 18080)
t0=$(now)
POD1=$(run_pod web) || true
[[ -n $POD1 ]] || fail "CRI RunPodSandbox web"
IP1=$(pod_ip "$POD1")
[[ -n $IP1 ]] || fail "no IP for pod web"
ok "CRI RunPodSandbox web: $POD1 ip $IP1 ($(elapsed "$t0")s)"
NGINX=$(run_container "$POD1" web nginx docker.io/library/nginx:latest) || fail "CRI Create/StartContainer nginx"
body=""
for ((i = 0; i < 50; i++)); do
  body=$(curl -fsS --max-time 2 "http://$IP1/" 2>/dev/null) && break
  sleep 0.1
done
[[ $body == *"Welcome to nginx!"* ]] || fail "nginx in pod web does not answer on http://$IP1/"
ok "nginx container $NGINX answers http://$IP1/ from the host with 'Welcome to nginx!'"
body=$(curl -fsS --max-time 5 "http://$KUBENODE_POD_GATEWAY:${HOSTPORT[web]}/" 2>&1) || true
[[ $body == *"Welcome to nginx!"* ]] || fail "hostPort ${HOSTPORT[web]} (portmap) does not reach nginx: $body"
ok "hostPort $KUBENODE_POD_GATEWAY:${HOSTPORT[web]} -> pod web:80 works (portmap)"

HOSTPORT[client]=$(free_port $((HOSTPORT[web] + 1)))
POD2=$(run_pod client) || true
[[ -n $POD2 ]] || fail "CRI RunPodSandbox client"
IP2=$(pod_ip "$POD2")
BB=$(run_container "$POD2" client shell docker.io/library/busybox:latest sh -c 'echo hello-from-busybox; exec sleep 3600') ||
  fail "CRI Create/StartContainer busybox"
exec_req="$(pb_str 1 "$BB")$(pb_str 2 sh)$(pb_str 2 -c)"
exec_req+="$(pb_str 2 "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 $IP1 80")$(pb_uint 3 10)"
out=$(cri_call "$SOCK" "$RS/ExecSync" "$exec_req") || fail "CRI ExecSync in busybox"
[[ $out == *"Welcome to nginx!"* ]] || fail "pod client ($IP2) could not fetch http://$IP1/: $out"
ok "busybox pod $IP2 fetches http://$IP1/ with nc (CRI ExecSync, pod-to-pod over $KUBENODE_BRIDGE)"
for ((i = 0; i < 30; i++)); do
  grep -q hello-from-busybox "$DIR/pods/client/shell.log" 2>/dev/null && break
  sleep 0.1
done
grep -q 'stdout F hello-from-busybox' "$DIR/pods/client/shell.log" || fail "busybox log lacks its output"
ok "busybox's stdout is in the CRI log $DIR/pods/client/shell.log"

# Pod web goes away through CRI (CNI DEL releases its IP); pod client stays for `down` to clean.
cri_call "$SOCK" "$RS/StopPodSandbox" "$(pb_str 1 "$POD1")" > /dev/null || fail "CRI StopPodSandbox"
cri_call "$SOCK" "$RS/RemovePodSandbox" "$(pb_str 1 "$POD1")" > /dev/null || fail "CRI RemovePodSandbox"
[[ ! -e $DIR/cni/ipam/$KUBENODE_CNI_NETWORK/$IP1 ]] || fail "IP $IP1 still allocated after RemovePodSandbox"
ok "CRI Stop/RemovePodSandbox web released $IP1"
iptables-save -t nat 2>/dev/null | grep -q "$POD1" && fail "portmap rules of pod web remain after RemovePodSandbox"
iptables-save -t nat 2>/dev/null | grep -q "$POD2" || fail "no portmap rules for pod client (down's cleanup would be untested)"
ok "portmap rules: web's removed by CNI DEL, client's present"

# check_clean IDS...: after down, nothing of the environment (sourced env) may be left.
check_clean() {
  local p id left
  for p in "$KUBENODE_CONTAINERD_PID" "$KUBENODE_REGISTRY_PID" $shims; do
    if [[ -e /proc/$p ]] && [[ $(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) != Z ]]; then
      fail "process $p ($(tr '\0' ' ' < "/proc/$p/cmdline")) still runs"
    fi
  done
  [[ -z $(pgrep -f -- "$DIR/" || true) ]] || fail "processes mentioning $DIR remain: $(pgrep -af -- "$DIR/")"
  ok "containerd, registry, shims and containers are gone"
  ip link show "$KUBENODE_BRIDGE" > /dev/null 2>&1 && fail "bridge $KUBENODE_BRIDGE still exists"
  ok "bridge $KUBENODE_BRIDGE is gone"
  if [[ -n ${KUBENODE_NFT_GUARD_TABLE:-} ]]; then
    nft list table $KUBENODE_NFT_GUARD_TABLE > /dev/null 2>&1 && fail "guard table $KUBENODE_NFT_GUARD_TABLE remains"
    ok "nft guard table is gone"
  fi
  grep -qF " $DIR" /proc/self/mountinfo && fail "mounts under $DIR remain"
  ok "nothing is mounted under $DIR"
  [[ ! -e $DIR ]] || fail "$DIR still exists"
  ok "$DIR is removed"
  for id in "$@"; do
    left=$(find /sys/fs/cgroup -maxdepth 6 -name "*$id*" 2>/dev/null | head -n1)
    [[ -z $left ]] || fail "cgroup $left remains"
  done
  ok "no cgroup of the test pods/containers remains"
  curl -fsS --max-time 2 "http://$KUBENODE_REGISTRY/v2/" > /dev/null 2>&1 && fail "registry port still answers"
  ok "registry port ${KUBENODE_REGISTRY##*:} is closed"
  iptables-save -t nat 2>/dev/null | grep -q "$KUBENODE_CNI_NETWORK" && fail "portmap rules of $KUBENODE_CNI_NETWORK remain"
  ok "no portmap (iptables nat) rule of $KUBENODE_CNI_NETWORK remains"

}

# ---------------------------------------------------------------------------------------------
# down, with pod client still running; then nothing may be left.
shims=$(pgrep -f -- "-address $SOCK" || true)
[[ -n $shims ]] || fail "no shim found for the running pod (the check below would prove nothing)"
t0=$(now)
"$HARNESS_DIR/env.sh" down "$DIR"
T_DOWN=$(elapsed "$t0")
DOWN_DONE=1
ok "env.sh down $DIR (${T_DOWN}s)"

check_clean "$POD1" "$POD2" "$NGINX" "$BB"

# ---------------------------------------------------------------------------------------------
# A crashed containerd: down must still kill the pod (runc, shims) and clean everything.
if [[ ${KUBENODE_SELFTEST_QUICK:-0} != 1 ]]; then
  DOWN_DONE=0
  "$HARNESS_DIR/env.sh" up "$DIR"
  # shellcheck disable=SC1091
  source "$DIR/env"
  SOCK=${KUBENODE_CRI_ENDPOINT#unix://}
  HOSTPORT=()
  cri_call "$SOCK" "$IS/PullImage" "$(pb_len 1 "$(pb_str 1 docker.io/library/busybox:latest)")" > /dev/null ||
    fail "CRI PullImage busybox"
  POD3=$(run_pod crash) || true
  [[ -n $POD3 ]] || fail "CRI RunPodSandbox crash"
  SH3=$(run_container "$POD3" crash shell docker.io/library/busybox:latest sleep 3600) || fail "busybox in pod crash"
  shims=$(pgrep -f -- "-address $SOCK" || true)
  [[ -n $shims ]] || fail "no shim for pod crash"
  kill -KILL "$KUBENODE_CONTAINERD_PID"
  sleep 0.2
  t0=$(now)
  "$HARNESS_DIR/env.sh" down "$DIR"
  DOWN_DONE=1
  ok "env.sh down after containerd was SIGKILLed, with a pod running ($(elapsed "$t0")s)"
  check_clean "$POD3" "$SH3"
fi

echo "selftest: all $PASS checks passed (up ${T_UP}s, down ${T_DOWN}s)"
