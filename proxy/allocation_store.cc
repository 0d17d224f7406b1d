#include "proxy/allocation_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <nlohmann/json.hpp>

#include "api/rfc3339.h"

namespace kubenode::proxy {

namespace {

constexpr int kVersion = 1;

bool ParseProtocol(const std::string& name, api::Protocol* protocol) {
  if (name == "TCP") *protocol = api::Protocol::kTCP;
  else if (name == "UDP") *protocol = api::Protocol::kUDP;
  else if (name == "SCTP") *protocol = api::Protocol::kSCTP;
  else return false;
  return true;
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

Status WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Error(Errno("write"));
    }
    done += static_cast<size_t>(n);
  }
  return Status();
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

std::string AllocationsToJson(const AllocationMap& allocations) {
  nlohmann::ordered_json services = nlohmann::ordered_json::object();
  for (const auto& [key, allocation] : allocations) {
    nlohmann::ordered_json ports = nlohmann::ordered_json::array();
    for (const NodePortAllocation& port : allocation.node_ports) {
      ports.push_back({{"name", port.port_name}, {"protocol", api::ToString(port.protocol)}, {"nodePort", port.node_port}});
    }
    nlohmann::ordered_json entry = {{"clusterIP", allocation.cluster_ip}, {"nodePorts", std::move(ports)}};
    if (allocation.created_at) entry["creationTimestamp"] = api::FormatRFC3339(*allocation.created_at);
    // Appended to the ordered map's vector as it is: its operator[] and emplace search the keys linearly
    // (quadratic over 10 000 Services: 10 % of a 10k apply's CPU), and the keys are unique already.
    auto& members = services.get_ref<nlohmann::ordered_json::object_t&>();
    members.Container::emplace_back(key, std::move(entry));
  }
  nlohmann::ordered_json doc = {{"version", kVersion}, {"services", services}};
  // Replace rather than throw on names that are not UTF-8: the file must always be writable.
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

namespace {

Result<ServiceAllocation> DecodeEntry(const std::string& key, const nlohmann::json& entry) {
  std::string where = "services[" + key + "]";
  if (!entry.is_object()) return Status::Error(where + ": not an object");
  ServiceAllocation allocation;
  if (auto ip = entry.find("clusterIP"); ip != entry.end()) {
    if (!ip->is_string()) return Status::Error(where + ".clusterIP: not a string");
    allocation.cluster_ip = ip->get<std::string>();
  }
  if (auto created = entry.find("creationTimestamp"); created != entry.end()) {
    std::optional<api::Time> time = created->is_string() ? api::ParseRFC3339(created->get<std::string>()) : std::nullopt;
    if (!time) return Status::Error(where + ".creationTimestamp: invalid time " + created->dump());
    allocation.created_at = time;
  }
  if (auto ports = entry.find("nodePorts"); ports != entry.end()) {
    if (!ports->is_array()) return Status::Error(where + ".nodePorts: not an array");
    for (const nlohmann::json& port : *ports) {
      NodePortAllocation np;
      auto name = port.is_object() ? port.find("name") : port.end();
      auto protocol = port.is_object() ? port.find("protocol") : port.end();
      auto number = port.is_object() ? port.find("nodePort") : port.end();
      bool valid = port.is_object() && name != port.end() && name->is_string() && protocol != port.end() &&
                   protocol->is_string() && ParseProtocol(protocol->get<std::string>(), &np.protocol) &&
                   number != port.end() && number->is_number_integer();
      if (!valid) return Status::Error(where + ".nodePorts: invalid entry " + port.dump());
      np.port_name = name->get<std::string>();
      np.node_port = number->get<int32_t>();
      allocation.node_ports.push_back(std::move(np));
    }
  }
  return allocation;
}

}  // namespace

// Every access checks the type first: nlohmann's get/value throw on a mismatch, and a hand-edited or
// truncated state file must come back as an error, not an exception.
Result<AllocationMap> AllocationsFromJson(const std::string& text) { return AllocationsFromJson(text, nullptr); }

Result<AllocationMap> AllocationsFromJson(const std::string& text, std::vector<std::string>* skipped) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status::Error("not a JSON object");
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer() || version->get<int>() != kVersion) {
    return Status::Error("unsupported version " + (version == doc.end() ? std::string("<none>") : version->dump()));
  }
  AllocationMap allocations;
  auto services = doc.find("services");
  if (services == doc.end()) return allocations;
  if (!services->is_object()) return Status::Error("services: not an object");
  for (const auto& [key, entry] : services->items()) {
    Result<ServiceAllocation> decoded = DecodeEntry(key, entry);
    if (!decoded.ok()) {
      if (!skipped) return decoded.status();
      skipped->push_back(decoded.status().message());
      continue;
    }
    allocations.emplace(key, std::move(*decoded));
  }
  return allocations;
}


namespace {

// The file's text; nullopt when it does not exist.
Result<std::optional<std::string>> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return Status::Error(Errno("open " + path));
  }
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status failed = Status::Error(Errno("read " + path));
      ::close(fd);
      return failed;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(text));
}

// tmp + fsync + rename + fsync of the directory: after OK a crash leaves the old or the new text.
Status WriteAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Error(Errno("open " + tmp));
  Status written = WriteAll(fd, text);
  if (written.ok() && ::fsync(fd) != 0) written = Status::Error(Errno("fsync"));
  if (::close(fd) != 0 && written.ok()) written = Status::Error(Errno("close"));
  if (!written.ok()) {
    ::unlink(tmp.c_str());
    return written.WithContext(tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status renamed = Status::Error(Errno("rename " + tmp + " to " + path));
    ::unlink(tmp.c_str());
    return renamed;
  }
  // The rename is durable only once the directory entry is on disk.
  std::string dir = DirName(path);
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Status::Error(Errno("open " + dir));
  int synced = ::fsync(dir_fd);
  ::close(dir_fd);
  if (synced != 0) return Status::Error(Errno("fsync " + dir));
  return Status();
}

}  // namespace

Result<AllocationMap> FileAllocationStore::Load() {
  problems_.clear();
  const std::string backup = path_ + ".bak";
  Result<std::optional<std::string>> text = ReadFile(path_);
  AllocationMap salvaged;
  if (text.ok() && text->has_value()) {
    std::vector<std::string> skipped;
    Result<AllocationMap> decoded = AllocationsFromJson(**text, &skipped);
    if (decoded.ok() && skipped.empty()) return decoded;
    if (decoded.ok()) salvaged = std::move(*decoded);
    std::string why = decoded.ok() ? skipped.front() + (skipped.size() > 1 ? " (and " + std::to_string(skipped.size() - 1) + " more)" : "")
                                   : decoded.status().message();
    const std::string aside = path_ + ".corrupt-" + std::to_string(::time(nullptr));
    if (::rename(path_.c_str(), aside.c_str()) == 0) {
      problems_.push_back(path_ + ": " + why + "; moved to " + aside);
    } else {
      problems_.push_back(path_ + ": " + why + "; " + Errno("moving it to " + aside));
    }
  } else if (!text.ok()) {
    problems_.push_back(text.status().message());
  }
  // The main file is missing or bad: the backup, for every Service the main file did not give.
  Result<std::optional<std::string>> copy = ReadFile(backup);
  if (!copy.ok() || !copy->has_value()) {
    if (!copy.ok()) problems_.push_back(copy.status().message());
    else if (!problems_.empty()) problems_.push_back(backup + ": absent; keeping the " + std::to_string(salvaged.size()) + " services that decoded");
    return salvaged;
  }
  std::vector<std::string> skipped;
  Result<AllocationMap> restored = AllocationsFromJson(**copy, &skipped);
  if (!restored.ok()) {
    problems_.push_back(backup + ": " + restored.status().message());
    return salvaged;
  }
  size_t added = 0;
  for (auto& [key, allocation] : *restored) added += salvaged.emplace(key, std::move(allocation)).second ? 1 : 0;
  if (text.ok() && !text->has_value() && added == 0) return salvaged;  // nothing ever saved
  problems_.push_back((text.ok() && !text->has_value() ? path_ + ": missing; " : std::string()) + "restored " +
                      std::to_string(added) + " services from " + backup);
  return salvaged;
}

Status FileAllocationStore::Save(const AllocationMap& allocations) {
  const std::string text = AllocationsToJson(allocations);
  if (Status s = WriteAtomically(path_, text); !s.ok()) return s;
  return WriteAtomically(path_ + ".bak", text);
}

}  // namespace kubenode::proxy
