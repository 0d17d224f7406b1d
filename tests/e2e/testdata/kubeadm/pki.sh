#!/bin/bash
# pki.sh ROOT ADVERTISE API_PORT NODE: the certificates and kubeconfigs `kubeadm init` v1.28 writes to
# /etc/kubernetes, written under ROOT instead (ROOT/pki, ROOT/pki/etcd, ROOT/{admin,controller-manager,
# scheduler}.conf), for the control-plane manifests beside this script. Reuses the CA, certificate and
# kubeconfig helpers of KUBENODE_K8S_DIR/pki.sh (default <repo>/../shared/k8s); adds what kubeadm's local
# etcd needs: its own CA, server and peer certificates valid for both serverAuth and clientAuth, the
# healthcheck client and the apiserver's etcd client. Existing files are kept.
set -eu
ROOT=${1:?usage: pki.sh ROOT ADVERTISE API_PORT NODE} ADV=${2:?ADVERTISE} PORT=${3:?API_PORT} NODE=${4:?NODE}
HERE=$(cd "$(dirname "$0")" && pwd)
K8S=${KUBENODE_K8S_DIR:-$HERE/../../../../../shared/k8s}
[ -f "$K8S/pki.sh" ] || { echo "pki.sh: no $K8S/pki.sh (set KUBENODE_K8S_DIR)" >&2; exit 1; }
. "$K8S/pki.sh"

# cert_both PREFIX CA_PREFIX CN SAN: serverAuth + clientAuth, as kubeadm's etcd server and peer certificates.
cert_both() {
  local p=$1 ca=$2 cn=$3 san=$4 ext
  [ -f "$p.crt" ] && return 0
  ext=$(mktemp)
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=$san" > "$ext"
  openssl req -newkey rsa:2048 -nodes -keyout "$p.key" -out "$p.csr" -subj "/CN=$cn" 2>/dev/null
  openssl x509 -req -in "$p.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -out "$p.crt" -days 3650 \
    -extfile "$ext" 2>/dev/null
  rm -f "$p.csr" "$ext"
}

K=$ROOT/pki
mkdir -p "$K/etcd"
ca "$K/ca" kubernetes
ca "$K/front-proxy-ca" front-proxy-ca
ca "$K/etcd/ca" etcd-ca
cert "$K/apiserver" "$K/ca" kube-apiserver "" server \
  "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:$NODE,IP:10.96.0.1,IP:$ADV"
cert "$K/apiserver-kubelet-client" "$K/ca" kube-apiserver-kubelet-client system:masters client
cert "$K/front-proxy-client" "$K/front-proxy-ca" front-proxy-client "" client
cert "$K/apiserver-etcd-client" "$K/etcd/ca" kube-apiserver-etcd-client "" client
cert "$K/etcd/healthcheck-client" "$K/etcd/ca" kube-etcd-healthcheck-client "" client
cert_both "$K/etcd/server" "$K/etcd/ca" "$NODE" "DNS:localhost,DNS:$NODE,IP:$ADV,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1"
cert_both "$K/etcd/peer" "$K/etcd/ca" "$NODE" "DNS:localhost,DNS:$NODE,IP:$ADV,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1"
[ -f "$K/sa.key" ] || {
  openssl genrsa -out "$K/sa.key" 2048 2>/dev/null
  openssl rsa -in "$K/sa.key" -pubout -out "$K/sa.pub" 2>/dev/null
}
cert "$K/admin" "$K/ca" kubernetes-admin system:masters client
cert "$K/controller-manager" "$K/ca" system:kube-controller-manager "" client
cert "$K/scheduler" "$K/ca" system:kube-scheduler "" client
server=https://$ADV:$PORT
kubeconfig "$ROOT/admin.conf" "$server" "$K/ca.crt" "$K/admin" kubernetes-admin
kubeconfig "$ROOT/controller-manager.conf" "$server" "$K/ca.crt" "$K/controller-manager" system:kube-controller-manager
kubeconfig "$ROOT/scheduler.conf" "$server" "$K/ca.crt" "$K/scheduler" system:kube-scheduler
# Client certificates of the kubeconfigs are embedded there; kubeadm keeps no copies in pki/.
rm -f "$K/admin.crt" "$K/admin.key" "$K/controller-manager.crt" "$K/controller-manager.key" \
  "$K/scheduler.crt" "$K/scheduler.key"
