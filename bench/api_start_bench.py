#!/usr/bin/env python3
"""API-mode start of N pods vs standalone start of N static pods, in the same run (issue 9).

Usage (root, a harness up, kubenode built):
  tests/harness/env.sh up /tmp/h-x && source /tmp/h-x/env
  python3 bench/api_start_bench.py [--pods 30] [--binary build/cmd/kubenode]

API mode: a fresh control plane from ../shared/k8s (control-plane-up.sh), `kubenode run --kubeconfig` as node
`bench-node`, one `kubectl apply -f` of N busybox pods; each pod's time from the apply to its first watch event
(`kubectl get pods -w`) with phase Running and Ready True. Standalone: `kubenode run` without --kubeconfig, the
same N pods written at once into its --pod-manifest-path; each pod's time to Running with every container ready
in `kubenode get pods -o json` (polled every 100 ms: the CLI has no watch). Prints p50 / p99 / max of both and the
ratio, and the apiserver's request count during the API-mode start (apiserver_request_total, every client:
kubenode, scheduler, controller-manager, kubectl) per pod, by resource and verb.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
K8S = os.environ.get("KUBENODE_K8S_DIR", os.path.join(REPO, "..", "shared", "k8s"))
NODE = "bench-node"
POD_COMMAND = 'trap "exit 0" TERM; while true; do sleep 1; done'


def pod_yaml(name, static):
    meta = f"metadata: {{name: {name}, labels: {{bench: start}}}}"
    spec = "spec:\n  terminationGracePeriodSeconds: 1\n"
    if not static:
        spec += "  automountServiceAccountToken: false\n"
    return (f"apiVersion: v1\nkind: Pod\n{meta}\n{spec}  containers:\n  - name: main\n    image: busybox:latest\n"
            f"    command: [sh, -c, '{POD_COMMAND}']\n")


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p / 100.0 * len(values) + 0.5)) - 1))]


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    def __init__(self, binary, work, extra):
        self.socket = os.path.join(work, "kubenode.sock")
        self.manifests = os.path.join(work, "manifests")
        os.makedirs(self.manifests, exist_ok=True)
        config = os.path.join(work, "kubelet-config.yaml")
        with open(config, "w") as f:
            f.write("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
                    f"podLogsDir: {work}/logs\n")
        self.binary = binary
        self.log = open(os.path.join(work, "kubenode.log"), "a")
        self.proc = subprocess.Popen(
            [binary, "--socket", self.socket, "run", "--config", config, "--pod-manifest-path", self.manifests,
             "--root-dir", os.path.join(work, "root"), "--state-dir", os.path.join(work, "state"), "--no-proxy"] +
            extra, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline and self.cli("get", "pods").returncode != 0:
            time.sleep(0.2)

    def cli(self, *args):
        return subprocess.run([self.binary, "--socket", self.socket, *args], capture_output=True, text=True)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def wait_node_empty(daemon):
    """Both daemons leave pods running on SIGTERM: the bench removes its pods through the daemon first."""
    deadline = time.time() + 120
    while time.time() < deadline and "bench-" in daemon.cli("get", "pods").stdout:
        time.sleep(0.5)


def apiserver_requests(kubectl):
    """apiserver_request_total by (resource/subresource, verb), summed over codes and components."""
    text = subprocess.run(kubectl + ["get", "--raw", "/metrics"], capture_output=True, text=True).stdout
    counts = {}
    for line in text.splitlines():
        if not line.startswith("apiserver_request_total{"):
            continue
        labels = dict(kv.split("=", 1) for kv in line[line.index("{") + 1:line.index("}")].split(","))
        labels = {k: v.strip('"') for k, v in labels.items()}
        resource = labels.get("resource", "") + ("/" + labels["subresource"] if labels.get("subresource") else "")
        key = (resource, labels.get("verb", ""))
        counts[key] = counts.get(key, 0) + float(line.rsplit(" ", 1)[1])
    return counts


def api_mode(binary, n, work):
    cp = os.path.join(work, "cp")
    env = dict(os.environ, KP_ETCD=str(free_port()), KP_PEER=str(free_port()), KP_API=str(free_port()),
               KP_KCM=str(free_port()), KP_SCHED=str(free_port()))
    subprocess.run(["bash", os.path.join(K8S, "control-plane-up.sh"), cp], env=env, check=True, capture_output=True)
    try:
        subprocess.run(["bash", os.path.join(K8S, "node-kubeconfig.sh"), cp, NODE], check=True, capture_output=True)
        kubectl = ["kubectl", "--kubeconfig", os.path.join(cp, "admin.kubeconfig")]
        node_dir = os.path.join(work, "api-node")
        os.makedirs(node_dir)
        daemon = Daemon(binary, node_dir, ["--hostname-override", NODE, "--kubeconfig",
                                           os.path.join(cp, f"node-{NODE}.kubeconfig")])
        try:
            for _ in range(120):  # node Ready and the default ServiceAccount made
                ready = subprocess.run(kubectl + ["get", "node", NODE, "-o",
                                                  "jsonpath={.status.conditions[?(@.type=='Ready')].status}"],
                                       capture_output=True, text=True).stdout
                sa = subprocess.run(kubectl + ["get", "serviceaccount", "default"], capture_output=True).returncode
                if ready == "True" and sa == 0:
                    break
                time.sleep(0.5)
            manifest = os.path.join(work, "pods.yaml")
            with open(manifest, "w") as f:
                f.write("---\n".join(pod_yaml(f"bench-{i}", False) for i in range(n)))
            running = {}
            watch = subprocess.Popen(kubectl + ["get", "pods", "-l", "bench=start", "-w", "-o", "json",
                                                "--output-watch-events"], stdout=subprocess.PIPE, text=True)
            done = threading.Event()

            def read_watch():
                decoder = json.JSONDecoder()
                buf = ""
                for line in watch.stdout:
                    buf += line
                    while True:
                        stripped = buf.lstrip()
                        try:
                            event, end = decoder.raw_decode(stripped)
                        except ValueError:
                            break
                        buf = stripped[end:]
                        pod = event.get("object", {})
                        status = pod.get("status", {})
                        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                                    for c in status.get("conditions", []))
                        name = pod.get("metadata", {}).get("name", "")
                        if status.get("phase") == "Running" and ready and name not in running:
                            running[name] = time.monotonic()
                            if len(running) == n:
                                done.set()

            reader = threading.Thread(target=read_watch, daemon=True)
            reader.start()
            time.sleep(1)  # the watch is open before the apply
            before = apiserver_requests(kubectl)
            start = time.monotonic()
            subprocess.run(kubectl + ["apply", "-f", manifest], check=True, capture_output=True)
            done.wait(timeout=300)
            after = apiserver_requests(kubectl)
            watch.terminate()
            if len(running) < n:
                sys.exit(f"API mode: only {len(running)} of {n} pods Running within 300 s")
            times = [t - start for t in running.values()]
            delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
            delta = {k: v for k, v in delta.items() if v > 0}
            subprocess.run(kubectl + ["delete", "pods", "-l", "bench=start", "--timeout=120s"], capture_output=True)
            wait_node_empty(daemon)
        finally:
            daemon.stop()
        return times, delta
    finally:
        subprocess.run(["bash", os.path.join(K8S, "control-plane-down.sh"), cp], capture_output=True)


def standalone(binary, n, work):
    node_dir = os.path.join(work, "standalone-node")
    os.makedirs(node_dir)
    daemon = Daemon(binary, node_dir, [])
    try:
        start = time.monotonic()
        for i in range(n):
            tmp = os.path.join(daemon.manifests, f".bench-{i}.yaml.tmp")
            with open(tmp, "w") as f:
                f.write(pod_yaml(f"bench-{i}", True))
            os.rename(tmp, os.path.join(daemon.manifests, f"bench-{i}.yaml"))
        running = {}
        deadline = start + 300
        while len(running) < n and time.monotonic() < deadline:
            out = daemon.cli("get", "pods", "-o", "json")
            now = time.monotonic()
            if out.returncode == 0:
                doc = json.loads(out.stdout)
                for pod in doc.get("items", doc if isinstance(doc, list) else []):
                    statuses = pod.get("status", {}).get("containerStatuses", [])
                    name = pod.get("metadata", {}).get("name", "")
                    if (pod.get("status", {}).get("phase") == "Running" and statuses and
                            all(c.get("ready") for c in statuses) and name not in running):
                        running[name] = now
            time.sleep(0.1)
        if len(running) < n:
            sys.exit(f"standalone: only {len(running)} of {n} pods Running within 300 s")
        for i in range(n):
            os.remove(os.path.join(daemon.manifests, f"bench-{i}.yaml"))
        wait_node_empty(daemon)
        return [t - start for t in running.values()]
    finally:
        daemon.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=30)
    parser.add_argument("--binary", default=os.path.join(REPO, "build", "cmd", "kubenode"))
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="api-start-bench-", dir=os.environ.get("KUBENODE_TEST_DIR"))
    api_times, requests = api_mode(args.binary, args.pods, work)
    static_times = standalone(args.binary, args.pods, work)
    n = args.pods
    print(f"{n} pods, apply -> all Running and Ready (API: kubectl watch; standalone: kubenode get pods)")
    print(f"{'mode':<12}{'p50':>9}{'p99':>9}{'all':>9}")
    for mode, times in (("API", api_times), ("standalone", static_times)):
        print(f"{mode:<12}{percentile(times, 50):>8.2f}s{percentile(times, 99):>8.2f}s{max(times):>8.2f}s")
    print(f"ratio API/standalone: p50 {percentile(api_times, 50) / percentile(static_times, 50):.2f}x, "
          f"p99 {percentile(api_times, 99) / percentile(static_times, 99):.2f}x, "
          f"all {max(api_times) / max(static_times):.2f}x")
    total = sum(requests.values())
    print(f"apiserver requests during the API-mode start (every client): {total:.0f}, {total / n:.1f} per pod")
    for (resource, verb), count in sorted(requests.items(), key=lambda kv: -kv[1]):
        print(f"  {verb:<7} {resource:<28} {count:>6.0f}")


if __name__ == "__main__":
    main()
