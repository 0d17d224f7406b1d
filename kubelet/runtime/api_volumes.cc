#include "kubelet/runtime/api_volumes.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "api/field_errors.h"

namespace kubenode::kubelet {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const json* FindVolume(const api::Pod& pod, const std::string& name) {
  if (!pod.source.contains("spec") || !pod.source["spec"].contains("volumes")) return nullptr;
  for (const json& v : pod.source["spec"]["volumes"]) {
    if (v.is_object() && v.value("name", "") == name) return &v;
  }
  return nullptr;
}

int ModeOf(const json& object, const char* key, int fallback) {
  return object.contains(key) && object[key].is_number_integer() ? object[key].get<int>() : fallback;
}

// configMap and secret sources share their shape (items, defaultMode, optional).
Status AddKeyedObject(const char* kind, const std::optional<ObjectData>& data, const std::string& name,
                      const json& source, int default_mode, VolumePayload& out) {
  const bool optional = source.value("optional", false);
  if (!data) {
    if (optional) return Status();
    return Status::Error(std::string(kind) + " \"" + name + "\" not found");
  }
  if (source.contains("items") && source["items"].is_array() && !source["items"].empty()) {
    for (const json& item : source["items"]) {
      const std::string key = item.value("key", "");
      auto it = data->find(key);
      if (it == data->end()) {
        if (optional) continue;
        return Status::Error(std::string(kind) + " references non-existent " + (std::string(kind) == "secret" ? "secret" : "config") +
                             " key: " + key);
      }
      out[item.value("path", key)] = {it->second, ModeOf(item, "mode", default_mode)};
    }
    return Status();
  }
  for (const auto& [key, value] : *data) out[key] = {value, default_mode};
  return Status();
}

std::string FormatMap(const api::Labels& map) {
  std::string out;
  for (const auto& [key, value] : map) {
    if (!out.empty()) out += '\n';
    out += key + "=" + api::Quote(value);
  }
  return out;
}

Status AddDownward(const api::Pod& pod, const json& source, int default_mode, VolumePayload& out) {
  if (!source.contains("items")) return Status();
  for (const json& item : source["items"]) {
    const std::string path = item.value("path", "");
    if (item.contains("fieldRef")) {
      auto value = PodFieldValue(pod, item["fieldRef"].value("fieldPath", ""), "", "");
      if (!value.ok()) return value.status();
      out[path] = {*value, ModeOf(item, "mode", default_mode)};
    } else if (item.contains("resourceFieldRef")) {
      const json& ref = item["resourceFieldRef"];
      const std::string container_name = ref.value("containerName", "");
      const std::string resource = ref.value("resource", "");
      std::string value = "0";
      for (const api::Container& c : pod.spec.containers) {
        if (c.name != container_name && !container_name.empty()) continue;
        value = ResourceFieldValue(c, resource);
        break;
      }
      out[path] = {value, ModeOf(item, "mode", default_mode)};
    }
  }
  return Status();
}

std::string ReadFileOr(const fs::path& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ok = false;
    return "";
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

bool IsApiVolumeSource(const std::string& source) {
  return source == "configMap" || source == "secret" || source == "downwardAPI" || source == "projected";
}

std::string ResourceFieldValue(const api::Container& container, const std::string& resource) {
  const bool limit = resource.rfind("limits.", 0) == 0;
  const std::string name = resource.substr(resource.find('.') + 1);
  const api::ResourceList& list = limit ? container.resources.limits : container.resources.requests;
  auto it = list.find(name);
  return it == list.end() ? "0" : std::to_string(it->second.Value());
}

bool ServedFromApi(const api::Pod& pod, const std::string& source) {
  if (!IsApiVolumeSource(source)) return false;
  if (source == "downwardAPI") return true;
  auto it = pod.metadata.annotations.find("kubernetes.io/config.source");
  return it != pod.metadata.annotations.end() && it->second == "api";
}

Result<std::string> PodFieldValue(const api::Pod& pod, const std::string& field_path, const std::string& pod_ip,
                                  const std::string& host_ip) {
  if (field_path == "metadata.name") return pod.metadata.name;
  if (field_path == "metadata.namespace") return pod.metadata.ns;
  if (field_path == "metadata.uid") return pod.metadata.uid;
  if (field_path == "metadata.labels") return FormatMap(pod.metadata.labels);
  if (field_path == "metadata.annotations") return FormatMap(pod.metadata.annotations);
  for (const char* prefix : {"metadata.labels['", "metadata.annotations['"}) {
    const std::string p = prefix;
    if (field_path.rfind(p, 0) == 0 && field_path.size() > p.size() + 2 && field_path.substr(field_path.size() - 2) == "']") {
      const std::string key = field_path.substr(p.size(), field_path.size() - p.size() - 2);
      const api::Labels& map = p[9] == 'l' ? pod.metadata.labels : pod.metadata.annotations;
      auto it = map.find(key);
      return it == map.end() ? std::string() : it->second;
    }
  }
  if (field_path == "spec.nodeName") return pod.spec.node_name;
  if (field_path == "spec.serviceAccountName") {
    const json& spec = pod.source.contains("spec") ? pod.source["spec"] : json::object();
    return spec.value("serviceAccountName", std::string("default"));
  }
  if (field_path == "status.podIP" || field_path == "status.podIPs") return pod_ip;
  if (field_path == "status.hostIP" || field_path == "status.hostIPs") return host_ip;
  return Status::Error("unsupported fieldPath: " + field_path);
}

Result<std::string> ApiVolumeWriter::Token(const api::Pod& pod, const json& source) {
  const json& spec = pod.source.contains("spec") ? pod.source["spec"] : json::object();
  TokenRequest request;
  request.ns = pod.metadata.ns;
  request.service_account = spec.value("serviceAccountName", std::string("default"));
  if (source.contains("audience") && !source["audience"].get<std::string>().empty()) {
    request.audiences = {source["audience"].get<std::string>()};
  }
  request.expiration_seconds = source.value("expirationSeconds", int64_t{3600});
  request.pod_name = pod.metadata.name;
  request.pod_uid = pod.metadata.uid;
  std::string key = pod.metadata.uid + "/" + request.service_account + "/" + source.value("audience", "") + "/" +
                    std::to_string(request.expiration_seconds);
  const api::Time now = clock_.WallNow();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tokens_.find(key);
    if (it != tokens_.end() && now < it->second.refresh_after) return it->second.token.token;
  }
  auto token = objects_.Token(request);
  if (!token.ok()) return token.status();
  std::lock_guard<std::mutex> lock(mu_);
  tokens_[key] = {*token, now + (token->expiration - now) * 8 / 10};
  return token->token;
}

Result<VolumePayload> ApiVolumeWriter::Payload(const api::Pod& pod, const std::string& name) {
  const json* volume = FindVolume(pod, name);
  if (volume == nullptr) return Status::Error("no volume \"" + name + "\" in the pod");
  VolumePayload out;
  const std::string& ns = pod.metadata.ns;
  if (volume->contains("configMap")) {
    const json& s = (*volume)["configMap"];
    auto data = objects_.ConfigMap(ns, s.value("name", ""));
    if (!data.ok()) return data.status();
    if (Status st = AddKeyedObject("configmap", *data, s.value("name", ""), s, ModeOf(s, "defaultMode", 0644), out); !st.ok()) return st;
  } else if (volume->contains("secret")) {
    const json& s = (*volume)["secret"];
    auto data = objects_.Secret(ns, s.value("secretName", ""));
    if (!data.ok()) return data.status();
    if (Status st = AddKeyedObject("secret", *data, s.value("secretName", ""), s, ModeOf(s, "defaultMode", 0644), out); !st.ok()) return st;
  } else if (volume->contains("downwardAPI")) {
    const json& s = (*volume)["downwardAPI"];
    if (Status st = AddDownward(pod, s, ModeOf(s, "defaultMode", 0644), out); !st.ok()) return st;
  } else if (volume->contains("projected")) {
    const json& p = (*volume)["projected"];
    const int mode = ModeOf(p, "defaultMode", 0644);
    for (const json& source : p.value("sources", json::array())) {
      Status st;
      if (source.contains("configMap")) {
        const json& s = source["configMap"];
        auto data = objects_.ConfigMap(ns, s.value("name", ""));
        if (!data.ok()) return data.status();
        st = AddKeyedObject("configmap", *data, s.value("name", ""), s, mode, out);
      } else if (source.contains("secret")) {
        const json& s = source["secret"];
        auto data = objects_.Secret(ns, s.value("name", ""));
        if (!data.ok()) return data.status();
        st = AddKeyedObject("secret", *data, s.value("name", ""), s, mode, out);
      } else if (source.contains("downwardAPI")) {
        st = AddDownward(pod, source["downwardAPI"], mode, out);
      } else if (source.contains("serviceAccountToken")) {
        auto token = Token(pod, source["serviceAccountToken"]);
        if (!token.ok()) return token.status();
        out[source["serviceAccountToken"].value("path", "token")] = {*token, mode};
      }
      if (!st.ok()) return st;
    }
  } else {
    return Status::Error("volume \"" + name + "\" has no API volume source");
  }
  return out;
}

Status ApiVolumeWriter::Write(const api::Pod& pod, const std::string& name, const std::string& dir) {
  auto payload = Payload(pod, name);
  if (!payload.ok()) return payload.status();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.WallNow().time_since_epoch()).count();
  return WriteAtomically(dir, *payload, std::to_string(ns));
}

Status WriteAtomically(const std::string& dir, const VolumePayload& payload, const std::string& timestamp) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::Error("creating " + dir + ": " + ec.message());
  const fs::path data_link = fs::path(dir) / "..data";
  // Unchanged content: nothing to do (a rewrite would wake every watcher of the files).
  if (fs::is_symlink(data_link, ec)) {
    bool same = true;
    for (const auto& [path, file] : payload) {
      bool ok = true;
      std::string current = ReadFileOr(data_link / path, ok);
      struct stat st {};
      same = same && ok && current == file.content && stat((data_link / path).c_str(), &st) == 0 &&
             static_cast<int>(st.st_mode & 07777) == file.mode;
    }
    size_t files = 0;
    for (auto it = fs::recursive_directory_iterator(data_link, ec); !ec && it != fs::recursive_directory_iterator(); ++it) {
      if (it->is_regular_file()) ++files;
    }
    if (same && files == payload.size()) return Status();
  }
  const std::string version = "..volume_" + timestamp;
  const fs::path version_dir = fs::path(dir) / version;
  fs::create_directories(version_dir, ec);
  if (ec) return Status::Error("creating " + version_dir.string() + ": " + ec.message());
  for (const auto& [path, file] : payload) {
    const fs::path target = version_dir / path;
    fs::create_directories(target.parent_path(), ec);
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out << file.content;
    out.close();
    if (!out) return Status::Error("writing " + target.string());
    chmod(target.c_str(), static_cast<mode_t>(file.mode));
  }
  chmod(version_dir.c_str(), 0755);
  // Swap ..data in one rename, so that readers see either the old or the new files, never a mix.
  const fs::path tmp_link = fs::path(dir) / "..data_tmp";
  fs::remove(tmp_link, ec);
  fs::create_directory_symlink(version, tmp_link, ec);
  if (ec) return Status::Error("linking " + tmp_link.string() + ": " + ec.message());
  std::string old_version;
  if (fs::is_symlink(data_link)) old_version = fs::read_symlink(data_link, ec).string();
  if (rename(tmp_link.c_str(), data_link.c_str()) != 0) return Status::Error("renaming ..data_tmp in " + dir);
  // Top-level names point through ..data; names no longer in the payload go.
  std::set<std::string> top;
  for (const auto& [path, file] : payload) top.insert(path.substr(0, path.find('/')));
  for (const std::string& name : top) {
    const fs::path link = fs::path(dir) / name;
    if (!fs::is_symlink(link, ec)) fs::create_symlink(fs::path("..data") / name, link, ec);
  }
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("..", 0) == 0) {
      if (!old_version.empty() && name == old_version && old_version != version) fs::remove_all(entry.path(), ec);
      continue;
    }
    if (!top.count(name) && fs::is_symlink(entry.path(), ec)) fs::remove(entry.path(), ec);
  }
  return Status();
}

}  // namespace kubenode::kubelet
