#!/usr/bin/env bash
# kubenode test environment: a private containerd (CRI) + a local image registry, per directory.
#
#   tests/harness/env.sh up DIR     start everything under DIR, write DIR/env
#   tests/harness/env.sh down DIR   stop and remove everything that DIR's environment started
#   tests/harness/env.sh containerd-stop DIR [SIGNAL]   stop DIR's containerd only (default SIGKILL;
#                                   its shims and containers keep running, as on a node)
#   tests/harness/env.sh containerd-start DIR           start it again on the same config and state
#
# Environment (for `up`):
#   KUBENODE_REGISTRY_PORT  registry port on 127.0.0.1 (default: 5000, or the next free one up to
#                           5099 when 5000 is taken; when set explicitly it must be free)
#   KUBENODE_POD_SUBNET     pod subnet of the CNI bridge (default: 10.88.0.0/24, or the next free
#                           10.88.N.0/24 when another interface already routes it; when set
#                           explicitly it must be free)
#   KUBENODE_IMAGE_CACHE    cache of the built OCI image layouts (default
#                           /var/cache/kubenode-test-images), see build-image.sh
#   KUBENODE_KEEP_ON_FAILURE=1  do not tear down when `up` fails (to look at the logs)
# See tests/harness/README.md.
# PID lists are split on purpose; the KUBENODE_* variables are read indirectly by write_env.
# shellcheck disable=SC2086,SC2034
set -euo pipefail
umask 022

HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CNI_BIN_DIR=/usr/lib/cni
MARKER=.kubenode-harness

log() { echo "env.sh: $*" >&2; }
# step TEXT: with KUBENODE_HARNESS_VERBOSE=1, logs TEXT with the time since the script started.
step() {
  [[ ${KUBENODE_HARNESS_VERBOSE:-0} == 1 ]] || return 0
  log "[$(awk -v a="$T_START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')s] $*"
}
T_START=$EPOCHREALTIME
die() { echo "env.sh: error: $*" >&2; exit 1; }
usage() { echo "usage: $0 up DIR | down DIR | containerd-stop DIR [SIGNAL] | containerd-start DIR" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
# Names derived from DIR (so `down` finds everything again even without any state file).
setup_names() {
  DIR=$(realpath -m -- "$1")
  [[ $DIR != / ]] || die "refusing to use / as the environment directory"
  case $DIR in
    *[\'\"\\[:space:]]*) die "the directory path must not contain quotes, backslashes or blanks: $DIR" ;;
  esac
  HASH=$(printf '%s' "$DIR" | sha256sum | cut -c1-6)
  BRIDGE="kn$HASH"
  CNI_NETWORK="kubenode-$HASH"
  SOCK="$DIR/containerd.sock"
  CTRD_DIR="$DIR/containerd"
  CTRD_CONFIG="$CTRD_DIR/config.toml"
  CTRD_ROOT="$CTRD_DIR/root"
  CTRD_STATE="$CTRD_DIR/state"
  CTRD_LOG="$DIR/containerd.log"
  RUNC_ROOT="$DIR/runc"
  REG_DIR="$DIR/registry"
  REG_CONFIG="$REG_DIR/config.yml"
  REG_LOG="$DIR/registry.log"
  CNI_CONF_DIR="$DIR/net.d"
  NFT_TABLE="kubenode_harness_$HASH"
}

# ERE-escape $1 (for pgrep).
ere_escape() { sed 's/[][\.*^$+?(){}|/]/\\&/g' <<< "$1"; }
# PIDs of processes whose full command line (args joined by one space) is exactly $1.
pids_by_cmdline() { pgrep -x -f -- "$(ere_escape "$1")" || true; }
# PIDs of containerd shims serving the containerd at address $1.
shim_pids() { pgrep -f -- "^[^ ]*containerd-shim[^ ]* .*-address $(ere_escape "$1")( |\$)" || true; }
containerd_pids() { pids_by_cmdline "containerd --config $CTRD_CONFIG"; }
registry_pids() { pids_by_cmdline "docker-registry serve $REG_CONFIG"; }

# All descendants of PID $1 (children first listed after their parent).
descendants() {
  local c
  for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    echo "$c"
    descendants "$c"
  done
}

# running PID: the process exists and is not a zombie.
running() {
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $st && $st != Z ]]
}

# kill_wait SECONDS PID...: SIGTERM, wait up to SECONDS, then SIGKILL (SECONDS 0: SIGKILL at once).
kill_wait() {
  local secs=$1 p alive i
  shift
  (($#)) || return 0
  if ((secs > 0)); then
    kill -TERM "$@" 2>/dev/null || true
    for ((i = 0; i < secs * 10; i++)); do
      alive=0
      for p in "$@"; do running "$p" && alive=1; done
      ((alive)) || return 0
      sleep 0.1
    done
  fi
  kill -KILL "$@" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    alive=0
    for p in "$@"; do running "$p" && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  log "warning: processes $* did not exit after SIGKILL"
}

port_in_use() { [[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) ]]; }

ip2int() {
  local a b c d
  IFS=. read -r a b c d <<< "$1"
  echo $(((a << 24) | (b << 16) | (c << 8) | d))
}
int2ip() { echo "$((($1 >> 24) & 255)).$((($1 >> 16) & 255)).$((($1 >> 8) & 255)).$(($1 & 255))"; }

# subnet_taken CIDR: another interface already routes it or holds its gateway address.
subnet_taken() {
  local cidr=$1 gw
  gw=$(subnet_gateway "$cidr")
  [[ -n $(ip -4 route show exact "$cidr" 2>/dev/null) ]] && return 0
  ip -4 -o addr show | grep -q " inet $gw/" && return 0
  return 1
}
# First host address of CIDR (the bridge's gateway).
subnet_gateway() {
  local ip=${1%/*} len=${1#*/} n mask
  mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
  n=$((($(ip2int "$ip") & mask) + 1))
  int2ip "$n"
}
valid_cidr() {
  [[ $1 =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}/([0-9]{1,2})$ ]] || return 1
  local len=${1#*/}
  ((len >= 8 && len <= 30))
}

# ---------------------------------------------------------------------------------------------
# down

cmd_down() {
  setup_names "$1"
  local ctr=(ctr --address "$SOCK" --timeout 10s) ns id p pids

  step "down: tasks and containers"
  # 1. Ask containerd to kill and delete every task and container it has (all namespaces):
  #    runc then removes cgroups and the shims exit cleanly.
  if [[ -S $SOCK && -n $(containerd_pids) ]] && timeout 5 "${ctr[@]}" version >/dev/null 2>&1; then
    for ns in $(timeout 10 "${ctr[@]}" namespaces ls -q 2>/dev/null); do
      for id in $(timeout 10 "${ctr[@]}" -n "$ns" tasks ls 2>/dev/null | awk 'NR > 1 {print $1}'); do
        timeout 15 "${ctr[@]}" -n "$ns" tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1 || true
      done
      for id in $(timeout 10 "${ctr[@]}" -n "$ns" tasks ls 2>/dev/null | awk 'NR > 1 {print $1}'); do
        timeout 15 "${ctr[@]}" -n "$ns" tasks delete -f "$id" >/dev/null 2>&1 || true
      done
      for id in $(timeout 10 "${ctr[@]}" -n "$ns" containers ls -q 2>/dev/null); do
        timeout 15 "${ctr[@]}" -n "$ns" containers rm "$id" >/dev/null 2>&1 || true
      done
    done
  fi

  step "down: containerd"
  # 2. Stop containerd (only the one running with DIR's config). Everything it keeps is deleted
  #    below, so there is nothing to shut down gracefully (SIGTERM costs ~2s): SIGKILL.
  pids=$(containerd_pids)
  [[ -z $pids ]] || kill_wait 0 $pids

  step "down: runc leftovers, shims"
  # 3. Whatever containers are still there (containerd was dead or hung): runc kills them and
  #    removes their cgroups; then the shims of this containerd and anything under them go.
  if [[ -d $RUNC_ROOT ]]; then
    for ns in "$RUNC_ROOT"/*/; do
      [[ -d $ns ]] || continue
      for id in $(runc --root "$ns" list -q 2>/dev/null); do
        timeout 15 runc --root "$ns" delete --force "$id" >/dev/null 2>&1 || true
      done
    done
  fi
  local shim_socks=()
  for p in $(shim_pids "$SOCK"); do
    # The shim's own ttrpc socket (under /run/containerd/s): removed by the shim on a clean exit only.
    mapfile -t -O "${#shim_socks[@]}" shim_socks < <(ss -xlpH 2>/dev/null |
      awk -v p="pid=$p," 'index($0, p) && index($5, "/run/containerd/s/") == 1 { print $5 }')
    pids="$(descendants "$p") $p"
    kill_wait 0 $pids
  done
  ((${#shim_socks[@]} == 0)) || rm -f "${shim_socks[@]}"

  step "down: registry"
  # 4. The registry (only the one serving DIR's config); its storage is deleted below.
  pids=$(registry_pids)
  [[ -z $pids ]] || kill_wait 0 $pids

  step "down: unmount"
  # 5. Unmount everything below DIR (container rootfs overlays, sandbox /dev/shm, the pods'
  #    network namespaces, which containerd keeps under its state dir here), deepest first.
  local mounts
  for _ in 1 2 3 4 5; do
    mounts=$(awk -v d="$DIR" '{ m = $5; gsub(/\\040/, " ", m); if (m == d || index(m, d "/") == 1) print length(m) " " m }' \
      /proc/self/mountinfo | sort -rn | cut -d' ' -f2-)
    [[ -n $mounts ]] || break
    while IFS= read -r p; do umount -l "$p" 2>/dev/null || true; done <<< "$mounts"
  done

  step "down: network"
  # 6. Network: veths still on the bridge, the bridge, libcni's cache entries of this network,
  #    portmap's iptables rules for this network (only if hostPorts were used).
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    for p in $(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
      ip link del "$p" 2>/dev/null || true
    done
    ip link del "$BRIDGE" 2>/dev/null || true
  fi
  nft delete table inet "$NFT_TABLE" 2>/dev/null || true
  rm -f /var/lib/cni/results/"$CNI_NETWORK"-* 2>/dev/null || true
  for p in "$CTRD_STATE"/io.containerd.grpc.v1.cri/sandboxes/* "$CTRD_ROOT"/io.containerd.grpc.v1.cri/sandboxes/*; do
    [[ -e $p ]] && rm -f "/var/lib/cni/results/cni-loopback-${p##*/}-lo"
  done
  cleanup_portmap

  step "down: rm dir"
  # 7. The directory itself (only if it is one of ours; never crossing into other filesystems).
  if [[ -e $DIR ]]; then
    if [[ -e $DIR/$MARKER ]] || [[ -d $DIR && -z $(ls -A "$DIR") ]]; then
      rm -rf --one-file-system -- "$DIR" || log "warning: could not remove all of $DIR"
    else
      log "warning: $DIR is not a kubenode test environment (no $MARKER): left in place"
    fi
  fi
  return 0
}

# portmap (CNI) writes nat rules commented 'dnat name: "NETWORK" id: "ID"' that jump to per-pod
# CNI-DN-* chains; remove those of this network.
cleanup_portmap() {
  command -v iptables >/dev/null || return 0
  local rules rule chain
  rules=$(iptables -w 5 -t nat -S 2>/dev/null | grep -F "name: \\\"$CNI_NETWORK\\\"" || true)
  [[ -n $rules ]] || return 0
  local chains=()
  while IFS= read -r rule; do
    [[ $rule == -A* ]] || continue
    chain=$(grep -o -- '-j CNI-[A-Z]*-[0-9a-f]*' <<< "$rule" | cut -d' ' -f2 || true)
    [[ -n $chain ]] && chains+=("$chain")
    eval "iptables -w 5 -t nat ${rule/#-A/-D}" 2>/dev/null || true
  done <<< "$rules"
  for chain in "${chains[@]}"; do
    iptables -w 5 -t nat -F "$chain" 2>/dev/null || true
    iptables -w 5 -t nat -X "$chain" 2>/dev/null || true
  done
}

# ---------------------------------------------------------------------------------------------
# up

UP_OK=0
on_up_exit() {
  local rc=$?
  ((UP_OK)) && return 0
  ((rc)) || rc=1
  trap - EXIT INT TERM
  log "up failed (exit $rc)"
  local f
  for f in "$CTRD_LOG" "$REG_LOG"; do
    if [[ -s $f ]]; then
      echo "---- last lines of $f ----" >&2
      tail -n 20 "$f" >&2 || true
    fi
  done
  if [[ ${KUBENODE_KEEP_ON_FAILURE:-0} == 1 ]]; then
    log "KUBENODE_KEEP_ON_FAILURE=1: leaving $DIR as it is (clean up with: $0 down $DIR)"
  elif ((CREATED_DIR)); then
    log "tearing down what was started"
    cmd_down "$DIR" || true
  fi
  exit "$rc"
}

check_tools() {
  local t missing=()
  for t in containerd ctr runc docker-registry skopeo curl ip ss pgrep flock nft tar gzip sha256sum gcc; do
    command -v "$t" >/dev/null || missing+=("$t")
  done
  for t in bridge host-local portmap loopback; do
    [[ -x $CNI_BIN_DIR/$t ]] || missing+=("$CNI_BIN_DIR/$t")
  done
  ((${#missing[@]} == 0)) || die "missing tools: ${missing[*]} (run scripts/setup)"
  [[ $(id -u) == 0 ]] || die "must run as root"
}

pick_port() {
  local p
  if [[ -n ${KUBENODE_REGISTRY_PORT:-} ]]; then
    [[ $KUBENODE_REGISTRY_PORT =~ ^[0-9]+$ ]] || die "KUBENODE_REGISTRY_PORT=$KUBENODE_REGISTRY_PORT is not a port"
    port_in_use "$KUBENODE_REGISTRY_PORT" && die "KUBENODE_REGISTRY_PORT=$KUBENODE_REGISTRY_PORT: port is in use"
    PORT=$KUBENODE_REGISTRY_PORT
    return
  fi
  for ((p = 5000; p < 5100; p++)); do
    if ! port_in_use "$p"; then PORT=$p; return; fi
  done
  die "no free port in 5000-5099 for the registry; set KUBENODE_REGISTRY_PORT"
}

pick_subnet() {
  local n
  if [[ -n ${KUBENODE_POD_SUBNET:-} ]]; then
    valid_cidr "$KUBENODE_POD_SUBNET" || die "KUBENODE_POD_SUBNET=$KUBENODE_POD_SUBNET is not an IPv4 CIDR (/8../30)"
    subnet_taken "$KUBENODE_POD_SUBNET" && die "KUBENODE_POD_SUBNET=$KUBENODE_POD_SUBNET is already used by another interface"
    SUBNET=$KUBENODE_POD_SUBNET
    return
  fi
  for ((n = 0; n < 256; n++)); do
    if ! subnet_taken "10.88.$n.0/24"; then SUBNET="10.88.$n.0/24"; return; fi
  done
  die "no free 10.88.N.0/24 subnet; set KUBENODE_POD_SUBNET"
}

# Pods must never reach beyond this machine. The CNI bridge plugin (isGateway) turns on the
# global ip_forward, so a pod's packet to an outside address would be routed out of the uplink:
# a table of this environment's own drops what comes from its bridge and goes to an interface
# that carries a default route. Everything else (host, other bridges, test netns) is untouched.
make_guard() {
  local uplinks
  uplinks=$(ip route show default 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") print "\"" $(i + 1) "\"" }' | sort -u | paste -sd, -)
  [[ -n $uplinks ]] || return 0
  nft -f - <<EOF
table inet $NFT_TABLE {
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname "$BRIDGE" oifname { $uplinks } counter drop
  }
}
EOF
}

# The bridge is made here (not lazily by the CNI plugin at the first pod) so that its subnet is
# visibly taken at once for parallel environments; the bridge plugin adopts it as it is.
make_bridge() {
  ip link add "$BRIDGE" type bridge
  ip addr add "$GATEWAY/${SUBNET#*/}" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

write_registry_config() {
  mkdir -p "$REG_DIR/data"
  cat > "$REG_CONFIG" <<EOF
# kubenode test registry (tests/harness/env.sh)
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REG_DIR/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$PORT
  secret: kubenode-test-$HASH
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: false
EOF
}

start_registry() {
  setsid docker-registry serve "$REG_CONFIG" < /dev/null > "$REG_LOG" 2>&1 9>&- &
  local bg=$! i
  disown
  for ((i = 0; i < 100; i++)); do
    # $! is the registry itself once setsid has exec'd it; the command line match is the proof.
    REG_PID=$(registry_pids | head -n1)
    [[ -n $REG_PID ]] || running "$bg" || die "docker-registry exited at start (see $REG_LOG)"
    [[ -n $REG_PID ]] && curl -fsS -o /dev/null "http://127.0.0.1:$PORT/v2/" 2>/dev/null && return 0
    sleep 0.1
  done
  die "registry did not answer on 127.0.0.1:$PORT within 10s (see $REG_LOG)"
}

push_images() {
  printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' > "$REG_DIR/policy.json"
  local name layout ref tag
  for name in $("$HARNESS_DIR/build-image.sh" list); do
    layout=$("$HARNESS_DIR/build-image.sh" cached "$name") || die "building image $name failed"
    step "up: image $name ready"
    ref=$("$HARNESS_DIR/build-image.sh" ref "$name")
    tag=${ref##*:}
    skopeo --policy "$REG_DIR/policy.json" copy -q --dest-tls-verify=false \
      "oci:$layout:$tag" "docker://127.0.0.1:$PORT/$ref" >&2 ||
      die "skopeo copy of $name to 127.0.0.1:$PORT/$ref failed"
  done
}

write_cni_config() {
  mkdir -p "$CNI_CONF_DIR" "$DIR/cni/ipam"
  cat > "$CNI_CONF_DIR/10-kubenode.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "$CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$DIR/cni/ipam",
        "ranges": [[{ "subnet": "$SUBNET", "gateway": "$GATEWAY" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    {
      "type": "portmap",
      "capabilities": { "portMappings": true }
    }
  ]
}
EOF
}

write_containerd_config() {
  mkdir -p "$CTRD_ROOT" "$CTRD_STATE" "$RUNC_ROOT"
  local h
  for h in docker.io "127.0.0.1:$PORT" _default; do
    mkdir -p "$DIR/certs.d/$h"
    printf 'server = "http://127.0.0.1:%s"\n\n[host."http://127.0.0.1:%s"]\n  capabilities = ["pull", "resolve"]\n' \
      "$PORT" "$PORT" > "$DIR/certs.d/$h/hosts.toml"
  done
  cat > "$CTRD_CONFIG" <<EOF
# kubenode test containerd (tests/harness/env.sh): everything lives under $DIR.
version = 2
root = "$CTRD_ROOT"
state = "$CTRD_STATE"
disabled_plugins = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
]

[grpc]
  address = "$SOCK"

[ttrpc]
  address = "$SOCK.ttrpc"

[debug]
  level = "info"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$CTRD_DIR/opt"

  [plugins."io.containerd.grpc.v1.cri"]
    # Required on this kind of machine: root lacks CAP_SYS_RESOURCE.
    restrict_oom_score_adj = true
    sandbox_image = "docker.io/library/pause:3.9"
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    enable_tls_streaming = false
    # Pods' network namespaces under the state dir (not /var/run/netns), so they are ours alone.
    netns_mounts_under_state_dir = true
    systemd_cgroup = false

    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "$CNI_BIN_DIR"
      conf_dir = "$CNI_CONF_DIR"
      max_conf_num = 1

    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          Root = "$RUNC_ROOT"
          SystemdCgroup = false

    # Registry hosts in hosts.toml form (certs.d): docker.io, 127.0.0.1:PORT and every other
    # registry (_default) go to the local registry only, never to the internet.
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = "$DIR/certs.d"
EOF
}

# CRI's RuntimeService/Version over the socket, spoken as plain gRPC by curl (no crictl here).
cri_version() {
  printf '\0\0\0\0\0' | timeout 5 curl -sS --http2-prior-knowledge --unix-socket "$SOCK" \
    -H 'content-type: application/grpc' -H 'te: trailers' --data-binary @- \
    -o - http://localhost/runtime.v1.RuntimeService/Version 2>/dev/null | tr -c '[:print:]' ' '
}

start_containerd() {
  setsid containerd --config "$CTRD_CONFIG" < /dev/null >> "$CTRD_LOG" 2>&1 &
  local bg=$! i out
  disown
  for ((i = 0; i < 300; i++)); do
    CTRD_PID=$(containerd_pids | head -n1)
    [[ -n $CTRD_PID ]] || running "$bg" || die "containerd exited at start (see $CTRD_LOG)"
    if [[ -n $CTRD_PID && -S $SOCK ]] && ctr --address "$SOCK" --timeout 2s version >/dev/null 2>&1; then break; fi
    sleep 0.1
  done
  ((i < 300)) || die "containerd did not answer on $SOCK within 30s (see $CTRD_LOG)"
  out=$(ctr --address "$SOCK" plugins ls 2>&1) || die "ctr plugins ls failed: $out"
  awk '$1 == "io.containerd.grpc.v1" && $2 == "cri" { found = 1; if ($NF != "ok") exit 1 } END { exit !found }' \
    <<< "$out" || die "containerd's CRI plugin did not load: $(grep -E 'grpc.v1 +cri' <<< "$out"); see $CTRD_LOG"
  for ((i = 0; i < 100; i++)); do
    out=$(cri_version)
    [[ $out == *containerd* ]] && return 0
    sleep 0.1
  done
  die "CRI RuntimeService/Version does not answer on $SOCK (see $CTRD_LOG)"
}

write_env() {
  local f="$DIR/env.tmp" k v
  : > "$f"
  for k in KUBENODE_TEST_DIR KUBENODE_CRI_ENDPOINT KUBENODE_CONTAINERD_ADDRESS KUBENODE_CONTAINERD_PID \
    KUBENODE_CONTAINERD_ROOT KUBENODE_CONTAINERD_STATE KUBENODE_CONTAINERD_LOG KUBENODE_REGISTRY \
    KUBENODE_REGISTRY_PORT KUBENODE_REGISTRY_PID KUBENODE_POD_SUBNET KUBENODE_POD_GATEWAY \
    KUBENODE_BRIDGE KUBENODE_NFT_GUARD_TABLE KUBENODE_CNI_NETWORK KUBENODE_CNI_CONF_DIR KUBENODE_CNI_BIN_DIR \
    KUBENODE_SANDBOX_IMAGE KUBENODE_TEST_IMAGES; do
    v=${!k}
    # Single-quoted (none of the values can hold a single quote: paths are checked in setup_names).
    printf "export %s='%s'\n" "$k" "$v" >> "$f"
  done
  mv -f "$f" "$DIR/env"
}

cmd_up() {
  setup_names "$1"
  CREATED_DIR=0
  check_tools
  if [[ -e $DIR/$MARKER ]]; then
    die "$DIR already holds an environment; run: $0 down $DIR"
  fi
  if [[ -e $DIR ]] && [[ ! -d $DIR || -n $(ls -A "$DIR") ]]; then
    die "$DIR exists and is not an empty directory"
  fi
  # Socket paths must fit in sockaddr_un (108 bytes).
  ((${#SOCK} + 6 < 100)) || die "$DIR is too long for a unix socket path; use a shorter directory"
  local t0=$SECONDS
  trap on_up_exit EXIT
  trap 'exit 130' INT TERM
  mkdir -p "$DIR"
  : > "$DIR/$MARKER"
  CREATED_DIR=1

  # Parallel `up`s pick their port and subnet one at a time: the lock is held until the registry
  # listens and the bridge holds its subnet, so the next one sees both taken.
  mkdir -p /run/lock
  exec 9> /run/lock/kubenode-harness.lock
  flock -w 60 9 || die "could not lock /run/lock/kubenode-harness.lock within 60s"
  pick_port
  pick_subnet
  GATEWAY=$(subnet_gateway "$SUBNET")
  ip link show "$BRIDGE" >/dev/null 2>&1 && die "bridge $BRIDGE already exists (stale environment at $DIR? run down)"
  log "dir=$DIR registry=127.0.0.1:$PORT bridge=$BRIDGE subnet=$SUBNET"
  make_bridge
  make_guard
  step "up: bridge"

  write_registry_config
  start_registry
  exec 9>&-
  step "up: registry"
  push_images
  step "up: images built and pushed"
  write_cni_config
  write_containerd_config
  start_containerd
  step "up: containerd"

  KUBENODE_TEST_DIR=$DIR
  KUBENODE_CRI_ENDPOINT="unix://$SOCK"
  KUBENODE_CONTAINERD_ADDRESS=$SOCK
  KUBENODE_CONTAINERD_PID=$CTRD_PID
  KUBENODE_CONTAINERD_ROOT=$CTRD_ROOT
  KUBENODE_CONTAINERD_STATE=$CTRD_STATE
  KUBENODE_CONTAINERD_LOG=$CTRD_LOG
  KUBENODE_REGISTRY="127.0.0.1:$PORT"
  KUBENODE_REGISTRY_PORT=$PORT
  KUBENODE_REGISTRY_PID=$REG_PID
  KUBENODE_POD_SUBNET=$SUBNET
  KUBENODE_POD_GATEWAY=$GATEWAY
  KUBENODE_BRIDGE=$BRIDGE
  KUBENODE_NFT_GUARD_TABLE="inet $NFT_TABLE"
  KUBENODE_CNI_NETWORK=$CNI_NETWORK
  KUBENODE_CNI_CONF_DIR=$CNI_CONF_DIR
  KUBENODE_CNI_BIN_DIR=$CNI_BIN_DIR
  KUBENODE_SANDBOX_IMAGE=docker.io/library/pause:3.9
  KUBENODE_TEST_IMAGES="docker.io/library/pause:3.9 docker.io/library/nginx:latest docker.io/library/busybox:latest"
  write_env
  UP_OK=1
  trap - EXIT INT TERM
  log "up in $((SECONDS - t0))s: source $DIR/env"
}

# Fault tests: containerd dies or restarts under running pods (the shims keep the containers alive).
cmd_containerd_stop() {
  setup_names "$1"
  [[ -e $DIR/$MARKER ]] || die "$DIR holds no environment"
  local sig=${2:-KILL} pids i
  pids=$(containerd_pids)
  [[ -n $pids ]] || die "containerd of $DIR is not running"
  kill -s "$sig" $pids
  for ((i = 0; i < 100; i++)); do
    [[ -z $(containerd_pids) ]] && return 0
    sleep 0.1
  done
  die "containerd of $DIR did not exit within 10s of SIG$sig"
}

cmd_containerd_start() {
  setup_names "$1"
  [[ -e $DIR/$MARKER ]] || die "$DIR holds no environment"
  [[ -z $(containerd_pids) ]] || die "containerd of $DIR is already running"
  start_containerd
  # Later `down` and tests find the new PID here.
  sed -i "s/^export KUBENODE_CONTAINERD_PID=.*/export KUBENODE_CONTAINERD_PID='$CTRD_PID'/" "$DIR/env"
}

(($# >= 2)) || usage
case $1 in
  up) (($# == 2)) || usage; cmd_up "$2" ;;
  down) (($# == 2)) || usage; cmd_down "$2" ;;
  containerd-stop) (($# <= 3)) || usage; cmd_containerd_stop "$2" "${3:-}" ;;
  containerd-start) (($# == 2)) || usage; cmd_containerd_start "$2" ;;
  *) usage ;;
esac
