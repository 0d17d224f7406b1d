# shellcheck shell=bash
# A few CRI calls spoken as raw gRPC by curl (HTTP/2 over the unix socket), for the harness's own
# self-test: there is no crictl on this machine. Source it; needs bash, curl (with HTTP/2), od, sed.
#
# Messages are built as hex strings with the pb_* helpers, e.g. a PodSandboxMetadata:
#   pb_str 1 name; pb_str 2 uid; pb_str 3 namespace
# and sent with: cri_call SOCKET runtime.v1.RuntimeService/RunPodSandbox HEX
# which prints the printable bytes of the reply (enough to grep IDs and IPs out of it) and fails
# with gRPC's status and message when the call fails.

pb_hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
pb_varint() {
  local n=$1 out=""
  while ((n >= 128)); do
    out+=$(printf '%02x' $(((n & 127) | 128)))
    n=$((n >> 7))
  done
  printf '%s%02x' "$out" "$n"
}
pb_len() { printf '%s%s%s' "$(pb_varint $((($1 << 3) | 2)))" "$(pb_varint $((${#2} / 2)))" "$2"; } # FIELD HEX
pb_str() { pb_len "$1" "$(pb_hex "$2")"; }                                                           # FIELD STRING
pb_uint() { printf '%s%s' "$(pb_varint $(($1 << 3)))" "$(pb_varint "$2")"; }                        # FIELD N
pb_map() { pb_len "$1" "$(pb_str 1 "$2")$(pb_str 2 "$3")"; }                                        # FIELD K V

# pb_strings HEX: every length-delimited field of a message, at any depth, one per line when all
# its bytes are printable (a sub-message is walked into as well). Enough to pick IDs and IPs out
# of a reply exactly.
pb_strings() {
  local hex=$1 i=0 n=${#1} key wt len b shift payload
  while ((i < n)); do
    # varint key
    key=0 shift=0
    while :; do
      ((i + 2 <= n)) || return 1
      b=$((16#${hex:i:2})); i=$((i + 2))
      key=$((key | ((b & 127) << shift))); shift=$((shift + 7))
      ((b & 128)) || break
    done
    wt=$((key & 7))
    case $wt in
      0) while :; do
           ((i + 2 <= n)) || return 1
           b=$((16#${hex:i:2})); i=$((i + 2)); ((b & 128)) || break
         done ;;
      1) i=$((i + 16)) ;;
      5) i=$((i + 8)) ;;
      2) len=0 shift=0
         while :; do
           ((i + 2 <= n)) || return 1
           b=$((16#${hex:i:2})); i=$((i + 2))
           len=$((len | ((b & 127) << shift))); shift=$((shift + 7))
           ((b & 128)) || break
         done
         ((i + 2 * len <= n)) || return 1
         payload=${hex:i:2*len}; i=$((i + 2 * len))
         if [[ -n $payload && ! $payload =~ (^|^(..)*)(0[0-9a-f]|1[0-9a-f]|7f|[89a-f][0-9a-f]) ]]; then
           printf "$(sed 's/../\\x&/g' <<< "$payload")\n"
         fi
         pb_strings "$payload" || true ;;
      *) return 1 ;;
    esac
  done
  ((i == n))
}

# cri_call SOCKET METHOD HEX [TIMEOUT]: prints the reply's printable bytes (others as blanks).
# With CRI_HEX=1 it prints the reply message as hex instead (for pb_strings).
cri_call() {
  local sock=$1 method=$2 hex=$3 timeout=${4:-120} tmp status msg
  tmp=$(mktemp -d)
  # gRPC frame: 1 byte "not compressed", 4 bytes big-endian length, the message.
  printf "$(printf '00%08x%s' $((${#hex} / 2)) "$hex" | sed 's/../\\x&/g')" > "$tmp/req"
  if ! curl -sS --http2-prior-knowledge --unix-socket "$sock" --max-time "$timeout" \
    -H 'content-type: application/grpc' -H 'te: trailers' --data-binary @"$tmp/req" \
    -D "$tmp/headers" -o "$tmp/reply" "http://localhost/$method"; then
    rm -rf "$tmp"
    echo "cri_call $method: transport error" >&2
    return 1
  fi
  status=$(grep -i '^grpc-status:' "$tmp/headers" | tail -n1 | tr -dc '0-9')
  if [[ $status != 0 ]]; then
    msg=$(grep -i '^grpc-message:' "$tmp/headers" | tail -n1 | cut -d' ' -f2- | tr -d '\r')
    msg=$(printf '%b' "${msg//%/\\x}")
    rm -rf "$tmp"
    echo "cri_call $method: grpc-status ${status:-missing}: $msg" >&2
    return 1
  fi
  if [[ ${CRI_HEX:-0} == 1 ]]; then
    tail -c +6 "$tmp/reply" | od -An -v -tx1 | tr -d ' \n'
  else
    tail -c +6 "$tmp/reply" | tr -c '[:print:]' ' '
  fi
  echo
  rm -rf "$tmp"
}
