#include "agent/manifest_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "api/decode.h"

namespace kubenode::agent {
namespace fs = std::filesystem;
namespace {

struct ObjectKey {
  std::string kind;  // "pod" or "service", as kubectl prints them
  std::string ns;
  std::string name;
  auto operator<=>(const ObjectKey&) const = default;
  std::string FileName() const { return kind + "_" + ns + "_" + name + ".yaml"; }
  std::string Plural() const { return kind + "s"; }
};

ObjectKey KeyOf(const api::ManifestObject& object) {
  if (const auto* pod = std::get_if<api::Pod>(&object.object)) {
    return {"pod", pod->metadata.ns, pod->metadata.name};
  }
  const auto& svc = std::get<api::Service>(object.object);
  return {"service", svc.metadata.ns, svc.metadata.name};
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path.string() + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Status WriteFileAtomically(const fs::path& path, const std::string& content) {
  const fs::path tmp = path.parent_path() / ("." + path.filename().string() + ".tmp");
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error(tmp.string() + ": " + std::strerror(errno));
  bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) && fsync(fd) == 0;
  int saved_errno = errno;
  close(fd);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) saved_errno = errno;
    unlink(tmp.c_str());
    return Status::Error(path.string() + ": " + std::strerror(saved_errno));
  }
  return {};
}

// Which file of the directory defines each object. Files that do not decode are passed over here: the
// daemon reports them, and they cannot be a definition apply would clash with.
std::map<ObjectKey, fs::path> DefinitionsIn(const std::string& dir) {
  std::map<ObjectKey, fs::path> where;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.starts_with(".")) continue;
    auto text = ReadFile(entry.path());
    if (!text.ok()) continue;
    auto objects = api::DecodeManifests(*text, entry.path().string(), {.strict = false, .validate = false});
    if (!objects.ok()) continue;
    for (const auto& object : *objects) where.emplace(KeyOf(object), entry.path());
  }
  return where;
}

}  // namespace

ManifestStore::ManifestStore(std::string dir) : dir_(std::move(dir)) {}

Result<std::vector<std::string>> ManifestStore::Apply(std::string_view text, const std::string& file_name) {
  auto objects = api::DecodeManifests(text, file_name);
  if (!objects.ok()) return objects.status();
  if (objects->empty()) return Status::Error(file_name + ": no objects passed to apply");
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {  // decoded above, so this is not expected; report it all the same
    return Status::Error(file_name + ": invalid YAML: " + e.what());
  }

  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Status::Error(dir_ + ": " + ec.message());
  const auto definitions = DefinitionsIn(dir_);

  // Check every object before writing any, so a failing apply changes nothing.
  std::map<ObjectKey, std::string> contents;
  for (const auto& object : *objects) {
    ObjectKey key = KeyOf(object);
    if (contents.count(key)) {
      return Status::Error(file_name + ": " + key.kind + " \"" + key.name + "\" is defined twice");
    }
    const fs::path own = fs::path(dir_) / key.FileName();
    if (auto it = definitions.find(key); it != definitions.end() && it->second != own) {
      return Status::Error(key.kind + " \"" + key.name + "\" is already defined in " + it->second.string() +
                           ": edit or remove that file instead");
    }
    YAML::Emitter emitter;
    emitter << documents.at(static_cast<size_t>(object.document));
    contents[key] = std::string("# Written by `kubenode apply`; `kubenode delete` removes it.\n") + emitter.c_str() + "\n";
  }

  std::vector<std::string> lines;
  for (const auto& [key, content] : contents) {
    const fs::path path = fs::path(dir_) / key.FileName();
    auto existing = ReadFile(path);
    const bool exists = existing.ok();
    if (exists && *existing == content) {
      lines.push_back(key.kind + "/" + key.name + " unchanged");
      continue;
    }
    if (Status s = WriteFileAtomically(path, content); !s.ok()) return s;
    lines.push_back(key.kind + "/" + key.name + (exists ? " configured" : " created"));
  }
  return lines;
}

Result<std::vector<std::string>> ManifestStore::Delete(std::string_view text, const std::string& file_name) {
  auto objects = api::DecodeManifests(text, file_name, {.strict = false, .validate = false});
  if (!objects.ok()) return objects.status();
  const auto definitions = DefinitionsIn(dir_);
  std::vector<std::string> lines;
  std::vector<std::string> errors;
  for (const auto& object : *objects) {
    ObjectKey key = KeyOf(object);
    auto it = definitions.find(key);
    if (it == definitions.end()) {
      errors.push_back("Error from server (NotFound): " + key.Plural() + " \"" + key.name + "\" not found");
      continue;
    }
    if (it->second.filename() != key.FileName()) {
      errors.push_back(key.kind + " \"" + key.name + "\" is defined in " + it->second.string() +
                       ", which `kubenode apply` did not write: remove that file instead");
      continue;
    }
    std::error_code ec;
    fs::remove(it->second, ec);
    if (ec) {
      errors.push_back(it->second.string() + ": " + ec.message());
      continue;
    }
    lines.push_back(key.kind + " \"" + key.name + "\" deleted");
  }
  if (!errors.empty()) {
    std::string message;
    for (const auto& l : lines) message += l + "\n";
    for (size_t i = 0; i < errors.size(); ++i) message += (i ? "\n" : "") + errors[i];
    return Status::Error(message);
  }
  return lines;
}

}  // namespace kubenode::agent
