#include "server/stats_summary.h"

#include <sys/statvfs.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

#include "kubelet/runtime/labels.h"

namespace kubenode::server {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<uint64_t> ReadNumber(const std::string& path) {
  std::ifstream in(path);
  uint64_t v = 0;
  if (!(in >> v)) return std::nullopt;
  return v;
}

// "key value" lines (memory.stat, /proc/meminfo with its trailing "kB" and colon handled by the caller).
std::map<std::string, uint64_t> ReadKeyValues(const std::string& path) {
  std::map<std::string, uint64_t> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string key;
    uint64_t v = 0;
    if (s >> key >> v) {
      if (!key.empty() && key.back() == ':') key.pop_back();
      out[key] = v;
    }
  }
  return out;
}

std::string Rfc3339(int64_t ns) {
  const std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void Put(nlohmann::json& j, const char* key, const std::optional<uint64_t>& v) {
  if (v) j[key] = *v;
}

nlohmann::json Json(const CpuStats& c) {
  nlohmann::json j = {{"time", Rfc3339(c.time_ns)}};
  Put(j, "usageNanoCores", c.usage_nano_cores);
  Put(j, "usageCoreNanoSeconds", c.usage_core_nano_seconds);
  return j;
}

nlohmann::json Json(const MemoryStats& m) {
  nlohmann::json j = {{"time", Rfc3339(m.time_ns)}};
  Put(j, "availableBytes", m.available_bytes);
  Put(j, "usageBytes", m.usage_bytes);
  Put(j, "workingSetBytes", m.working_set_bytes);
  Put(j, "rssBytes", m.rss_bytes);
  Put(j, "pageFaults", m.page_faults);
  Put(j, "majorPageFaults", m.major_page_faults);
  return j;
}

nlohmann::json Json(const InterfaceStats& i) {
  nlohmann::json j = {{"name", i.name}};
  Put(j, "rxBytes", i.rx_bytes);
  Put(j, "rxErrors", i.rx_errors);
  Put(j, "txBytes", i.tx_bytes);
  Put(j, "txErrors", i.tx_errors);
  return j;
}

nlohmann::json Json(const NetworkStats& n) {
  nlohmann::json j = Json(n.default_interface);
  j["time"] = Rfc3339(n.time_ns);
  if (!n.interfaces.empty()) {
    j["interfaces"] = nlohmann::json::array();
    for (const auto& i : n.interfaces) j["interfaces"].push_back(Json(i));
  }
  return j;
}

nlohmann::json Json(const FsStats& f) {
  nlohmann::json j = {{"time", Rfc3339(f.time_ns)}};
  Put(j, "availableBytes", f.available_bytes);
  Put(j, "capacityBytes", f.capacity_bytes);
  Put(j, "usedBytes", f.used_bytes);
  Put(j, "inodesFree", f.inodes_free);
  Put(j, "inodes", f.inodes);
  Put(j, "inodesUsed", f.inodes_used);
  return j;
}

std::optional<CpuStats> FromCri(const std::optional<cri::CpuUsage>& c) {
  if (!c) return std::nullopt;
  return CpuStats{c->timestamp_ns, c->usage_nano_cores, c->usage_core_nano_seconds};
}

std::optional<MemoryStats> FromCri(const std::optional<cri::MemoryUsage>& m) {
  if (!m) return std::nullopt;
  MemoryStats out;
  out.time_ns = m->timestamp_ns;
  out.available_bytes = m->available_bytes;
  out.usage_bytes = m->usage_bytes;
  out.working_set_bytes = m->working_set_bytes;
  out.rss_bytes = m->rss_bytes;
  out.page_faults = m->page_faults;
  out.major_page_faults = m->major_page_faults;
  return out;
}

void AddTo(std::optional<uint64_t>* sum, const std::optional<uint64_t>& v) {
  if (v) *sum = sum->value_or(0) + *v;
}

std::string Label(const cri::StringMap& labels, const char* key) {
  auto it = labels.find(key);
  return it == labels.end() ? "" : it->second;
}

}  // namespace

std::string SummaryJson(const Summary& s) {
  nlohmann::json node = {{"nodeName", s.node.node_name}};
  if (s.node.start_time_ns) node["startTime"] = Rfc3339(s.node.start_time_ns);
  if (s.node.cpu) node["cpu"] = Json(*s.node.cpu);
  if (s.node.memory) node["memory"] = Json(*s.node.memory);
  if (s.node.network) node["network"] = Json(*s.node.network);
  if (s.node.fs) node["fs"] = Json(*s.node.fs);
  nlohmann::json pods = nlohmann::json::array();
  for (const auto& p : s.pods) {
    nlohmann::json pod = {{"podRef", {{"name", p.name}, {"namespace", p.ns}, {"uid", p.uid}}},
                          {"startTime", Rfc3339(p.start_time_ns)}};
    nlohmann::json containers = nlohmann::json::array();
    for (const auto& c : p.containers) {
      nlohmann::json cj = {{"name", c.name}, {"startTime", Rfc3339(c.start_time_ns)}};
      if (c.cpu) cj["cpu"] = Json(*c.cpu);
      if (c.memory) cj["memory"] = Json(*c.memory);
      if (c.rootfs) cj["rootfs"] = Json(*c.rootfs);
      containers.push_back(std::move(cj));
    }
    pod["containers"] = std::move(containers);
    if (p.cpu) pod["cpu"] = Json(*p.cpu);
    if (p.memory) pod["memory"] = Json(*p.memory);
    if (p.network) pod["network"] = Json(*p.network);
    pods.push_back(std::move(pod));
  }
  return nlohmann::json{{"node", std::move(node)}, {"pods", std::move(pods)}}.dump();
}

HostNodeStatsSource::HostNodeStatsSource(std::string root, std::string fs_path)
    : root_(std::move(root)), fs_path_(std::move(fs_path)) {
  if (!root_.empty() && root_.back() == '/') root_.pop_back();
}

NodeSummary HostNodeStatsSource::Read() {
  NodeSummary node;
  const int64_t now = NowNs();
  const auto proc_stat_path = root_ + "/proc/stat";
  // Boot time and, without the cgroup v1 cpuacct controller, the CPU time from the first "cpu" line.
  {
    std::ifstream in(proc_stat_path);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream s(line);
      std::string key;
      s >> key;
      if (key == "btime") {
        int64_t b = 0;
        if (s >> b) node.start_time_ns = b * 1000000000LL;
      } else if (key == "cpu") {
        // user nice system idle iowait irq softirq steal: busy = all but idle and iowait, in USER_HZ.
        uint64_t f[8] = {};
        for (auto& v : f) s >> v;
        const uint64_t busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
        const long hz = sysconf(_SC_CLK_TCK);
        node.cpu = CpuStats{now, std::nullopt, busy * (1000000000ULL / static_cast<uint64_t>(hz > 0 ? hz : 100))};
      }
    }
  }
  for (const char* dir : {"/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/cpu,cpuacct"}) {
    if (auto usage = ReadNumber(root_ + dir + "/cpuacct.usage")) {
      node.cpu = CpuStats{now, std::nullopt, *usage};
      break;
    }
  }
  const auto meminfo = ReadKeyValues(root_ + "/proc/meminfo");
  const auto total = meminfo.find("MemTotal");
  const std::optional<uint64_t> capacity =
      total == meminfo.end() ? std::nullopt : std::optional<uint64_t>(total->second * 1024);
  MemoryStats mem;
  mem.time_ns = now;
  if (auto usage = ReadNumber(root_ + "/sys/fs/cgroup/memory/memory.usage_in_bytes")) {
    const auto stat = ReadKeyValues(root_ + "/sys/fs/cgroup/memory/memory.stat");
    auto get = [&](const char* k) -> uint64_t {
      auto it = stat.find(k);
      return it == stat.end() ? 0 : it->second;
    };
    mem.usage_bytes = *usage;
    const uint64_t inactive = get("total_inactive_file");
    mem.working_set_bytes = *usage > inactive ? *usage - inactive : 0;
    mem.rss_bytes = get("total_rss");
    mem.page_faults = get("total_pgfault");
    mem.major_page_faults = get("total_pgmajfault");
  } else if (capacity) {
    auto kb = [&](const char* k) -> uint64_t {
      auto it = meminfo.find(k);
      return it == meminfo.end() ? 0 : it->second * 1024;
    };
    const uint64_t used = *capacity - kb("MemFree");
    mem.usage_bytes = used;
    const uint64_t inactive = kb("Inactive(file)");
    mem.working_set_bytes = used > inactive ? used - inactive : 0;
  }
  if (capacity && mem.working_set_bytes) {
    mem.available_bytes = *capacity > *mem.working_set_bytes ? *capacity - *mem.working_set_bytes : 0;
  }
  if (mem.usage_bytes) node.memory = mem;

  // Network: every interface of the host but loopback and the pods' veth ends (as cadvisor's filter).
  std::string default_iface;
  {
    std::ifstream in(root_ + "/proc/net/route");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::istringstream s(line);
      std::string iface, dest;
      if (s >> iface >> dest && dest == "00000000") {
        default_iface = iface;
        break;
      }
    }
  }
  {
    std::ifstream in(root_ + "/proc/net/dev");
    std::string line;
    NetworkStats net;
    net.time_ns = now;
    while (std::getline(in, line)) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      name.erase(0, name.find_first_not_of(' '));
      if (name == "lo" || name.rfind("veth", 0) == 0) continue;
      std::istringstream s(line.substr(colon + 1));
      uint64_t f[16] = {};
      for (auto& v : f) s >> v;
      // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets errs ...
      InterfaceStats i{name, f[0], f[2], f[8], f[10]};
      if (name == default_iface) net.default_interface = i;
      net.interfaces.push_back(std::move(i));
    }
    if (!net.interfaces.empty()) {
      if (net.default_interface.name.empty()) net.default_interface = net.interfaces.front();
      node.network = std::move(net);
    }
  }
  struct statvfs vfs {};
  if (!fs_path_.empty() && statvfs(fs_path_.c_str(), &vfs) == 0) {
    FsStats fs;
    fs.time_ns = now;
    fs.capacity_bytes = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
    fs.available_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    fs.used_bytes = static_cast<uint64_t>(vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize;
    fs.inodes = vfs.f_files;
    fs.inodes_free = vfs.f_ffree;
    fs.inodes_used = vfs.f_files - vfs.f_ffree;
    node.fs = fs;
  }
  return node;
}

CriStatsProvider::CriStatsProvider(cri::RuntimeService& runtime, NodeStatsSource& node, std::string node_name)
    : runtime_(runtime), node_(node), node_name_(std::move(node_name)) {}

void CriStatsProvider::Rate(const std::string& key, CpuStats* cpu) {
  // Caller holds mu_.
  if (!cpu->usage_core_nano_seconds) return;
  auto it = previous_.find(key);
  if (!cpu->usage_nano_cores && it != previous_.end() && it->second.usage_core_nano_seconds) {
    const auto& prev = it->second;
    const int64_t dt = cpu->time_ns - prev.time_ns;
    if (dt > 0 && *cpu->usage_core_nano_seconds >= *prev.usage_core_nano_seconds) {
      const long double delta = *cpu->usage_core_nano_seconds - *prev.usage_core_nano_seconds;
      cpu->usage_nano_cores = static_cast<uint64_t>(delta * 1e9L / dt);
    }
  }
  // Keep the earlier sample when no time passed, so that two scrapes in the same instant still get a rate.
  if (it == previous_.end() || cpu->time_ns > it->second.time_ns) previous_[key] = *cpu;
}

Result<Summary> CriStatsProvider::GetSummary() {
  cri::SandboxFilter ready;
  ready.state = cri::SandboxState::kReady;
  auto sandboxes = runtime_.ListPodSandbox(ready);
  if (!sandboxes.ok()) return sandboxes.status().WithContext("stats summary");
  cri::ContainerFilter running;
  running.state = cri::ContainerState::kRunning;
  auto containers = runtime_.ListContainers(running);
  if (!containers.ok()) return containers.status().WithContext("stats summary");
  auto stats = runtime_.ListContainerStats({});
  if (!stats.ok()) return stats.status().WithContext("stats summary");
  // Network is only in the sandbox stats; a runtime without ListPodSandboxStats leaves it out.
  auto sandbox_stats = runtime_.ListPodSandboxStats({});

  Summary summary;
  summary.node = node_.Read();
  summary.node.node_name = node_name_;

  std::map<std::string, cri::ContainerStats> stats_by_id;
  for (auto& s : *stats) stats_by_id[s.id] = std::move(s);
  std::map<std::string, PodSummary> pods;  // by sandbox ID
  std::map<std::string, std::string> newest_sandbox_of_uid;
  std::map<std::string, int64_t> newest_created;
  for (const auto& sb : *sandboxes) {
    auto& created = newest_created[sb.metadata.uid];
    if (sb.created_at_ns >= created) {
      created = sb.created_at_ns;
      newest_sandbox_of_uid[sb.metadata.uid] = sb.id;
    }
  }
  for (const auto& sb : *sandboxes) {
    if (newest_sandbox_of_uid[sb.metadata.uid] != sb.id) continue;
    PodSummary p;
    p.name = sb.metadata.name;
    p.ns = sb.metadata.ns;
    p.uid = sb.metadata.uid;
    p.start_time_ns = sb.created_at_ns;
    pods[sb.id] = std::move(p);
  }
  // The pod cgroup's own usage (containers plus the sandbox), when the runtime gives it: what cadvisor reports
  // for a pod. Without it the pod is the sum of its containers.
  std::map<std::string, std::pair<std::optional<CpuStats>, std::optional<MemoryStats>>> pod_cgroup;
  if (sandbox_stats.ok()) {
    for (const auto& s : *sandbox_stats) {
      auto it = pods.find(s.id);
      if (it == pods.end()) continue;
      if (s.cpu && s.cpu->usage_core_nano_seconds) pod_cgroup[s.id].first = FromCri(s.cpu);
      if (s.memory && s.memory->working_set_bytes) pod_cgroup[s.id].second = FromCri(s.memory);
      if (!s.network) continue;
      NetworkStats net;
      // containerd 1.6 leaves the network's timestamp 0: stamp it with the sandbox's CPU sample or now.
      net.time_ns = s.network->timestamp_ns != 0 ? s.network->timestamp_ns
                    : s.cpu && s.cpu->timestamp_ns != 0 ? s.cpu->timestamp_ns
                                                         : NowNs();
      auto conv = [](const cri::NetworkInterfaceUsage& i) {
        return InterfaceStats{i.name, i.rx_bytes, i.rx_errors, i.tx_bytes, i.tx_errors};
      };
      net.default_interface = conv(s.network->default_interface);
      for (const auto& i : s.network->interfaces) net.interfaces.push_back(conv(i));
      it->second.network = std::move(net);
    }
  }

  std::lock_guard lock(mu_);
  std::map<std::string, CpuStats> kept;
  auto rate = [&](const std::string& key, CpuStats* cpu) {
    Rate(key, cpu);
    if (auto it = previous_.find(key); it != previous_.end()) kept[key] = it->second;
  };
  for (const auto& c : *containers) {
    auto pod = pods.find(c.pod_sandbox_id);
    if (pod == pods.end()) continue;
    ContainerSummary cs;
    cs.name = Label(c.labels, kubelet::kContainerNameLabel);
    if (cs.name.empty()) cs.name = c.metadata.name;
    cs.start_time_ns = c.created_at_ns;  // as upstream's CRI provider: the container's creation
    if (auto s = stats_by_id.find(c.id); s != stats_by_id.end()) {
      cs.cpu = FromCri(s->second.cpu);
      cs.memory = FromCri(s->second.memory);
      // containerd sends available 0 for a container without a memory limit; cadvisor leaves it out.
      if (cs.memory && cs.memory->available_bytes == 0u) cs.memory->available_bytes.reset();
      if (s->second.writable_layer) {
        FsStats fs;
        fs.time_ns = s->second.writable_layer->timestamp_ns;
        fs.used_bytes = s->second.writable_layer->used_bytes;
        fs.inodes_used = s->second.writable_layer->inodes_used;
        cs.rootfs = fs;
      }
    }
    if (cs.cpu) rate("container/" + c.id, &*cs.cpu);
    pod->second.containers.push_back(std::move(cs));
  }
  for (auto& [id, p] : pods) {
    std::sort(p.containers.begin(), p.containers.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    // The pod's usage as the sum of its containers' (the pod cgroup's own overhead is not in CRI 1.6).
    for (const auto& c : p.containers) {
      if (c.cpu && c.cpu->usage_core_nano_seconds) {
        if (!p.cpu) p.cpu = CpuStats{};
        p.cpu->time_ns = std::max(p.cpu->time_ns, c.cpu->time_ns);
        AddTo(&p.cpu->usage_core_nano_seconds, c.cpu->usage_core_nano_seconds);
      }
      if (c.memory) {
        if (!p.memory) p.memory = MemoryStats{};
        p.memory->time_ns = std::max(p.memory->time_ns, c.memory->time_ns);
        AddTo(&p.memory->working_set_bytes, c.memory->working_set_bytes);
        AddTo(&p.memory->usage_bytes, c.memory->usage_bytes);
        AddTo(&p.memory->rss_bytes, c.memory->rss_bytes);
        AddTo(&p.memory->page_faults, c.memory->page_faults);
        AddTo(&p.memory->major_page_faults, c.memory->major_page_faults);
      }
    }
    if (auto cg = pod_cgroup.find(id); cg != pod_cgroup.end()) {
      if (cg->second.first) p.cpu = cg->second.first;
      if (cg->second.second) p.memory = cg->second.second;
    }
    if (p.cpu) rate("pod/" + p.uid, &*p.cpu);
    summary.pods.push_back(std::move(p));
  }
  std::sort(summary.pods.begin(), summary.pods.end(),
            [](const auto& a, const auto& b) { return std::tie(a.ns, a.name) < std::tie(b.ns, b.name); });
  if (summary.node.cpu) rate("node", &*summary.node.cpu);
  previous_ = std::move(kept);
  return summary;
}

}  // namespace kubenode::server
