#include "agent/manifest_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "api/decode.h"
#include "kubelet/config/manifest_source.h"

namespace kubenode::agent {
namespace fs = std::filesystem;
namespace {

struct ObjectKey {
  std::string kind;  // "pod" or "service", as kubectl prints them
  std::string ns;
  std::string name;
  auto operator<=>(const ObjectKey&) const = default;
  std::string Plural() const { return kind + "s"; }
};

ObjectKey KeyOf(const api::ManifestObject& object) {
  if (const api::Pod* pod = object.pod()) {
    return {"pod", pod->metadata.ns, pod->metadata.name};
  }
  const api::Service& svc = *object.service();
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

// A file apply wrote: its documents in order, each with the object it defines.
struct StoreFile {
  std::vector<std::pair<ObjectKey, std::string>> documents;  // text of each, ending in '\n'; empty: deleted
  std::map<ObjectKey, size_t> index;                          // live documents by object
  // Documents whose text is one this apply decoded: the object and its line within the document's text.
  std::map<ObjectKey, std::pair<const api::ManifestObject*, int>> fresh;
  bool changed = false;

  void Add(const ObjectKey& key, std::string text) {
    index[key] = documents.size();
    documents.emplace_back(key, std::move(text));
  }
  std::string* Find(const ObjectKey& key) {
    auto it = index.find(key);
    return it == index.end() ? nullptr : &documents[it->second].second;
  }
  void Remove(const ObjectKey& key) {
    if (auto it = index.find(key); it != index.end()) {
      documents[it->second].second.clear();
      index.erase(it);
      fresh.erase(key);
    }
  }
};

// Splits `text` (after the header) at its "---" lines: apply writes documents separated by those only.
// `starts`, if given, gets the 1-based line of `text` each document starts on.
std::vector<std::string> SplitDocuments(std::string_view text, std::vector<int>* starts = nullptr) {
  std::vector<std::string> docs(1);
  if (starts) starts->assign(1, 1);
  size_t pos = 0;
  int line_number = 1;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    end = end == std::string_view::npos ? text.size() : end + 1;
    std::string_view line = text.substr(pos, end - pos);
    if (line == "---\n" || line == "---") {
      docs.emplace_back();
      if (starts) starts->push_back(line_number + 1);
    } else {
      docs.back() += line;
    }
    ++line_number;
    pos = end;
  }
  return docs;
}

// What a scan learnt of one file, kept across applies (the store object lives for one request): its objects
// and the index of the document each is in. Valid while the file's stamp is the same.
struct FileStamp {
  uintmax_t size = 0;
  fs::file_time_type mtime;
  size_t content_hash = 0;
  bool operator==(const FileStamp&) const = default;
};
struct ScannedFile {
  FileStamp stamp;
  std::vector<std::pair<ObjectKey, int>> objects;  // key, document
};

std::mutex scan_cache_mu;
std::map<fs::path, ScannedFile> scan_cache;  // by path; guarded by scan_cache_mu
uint64_t decoded_files_count = 0;            // guarded by scan_cache_mu

std::optional<FileStamp> StampOf(const fs::path& path, const std::string& text) {
  std::error_code ec;
  const auto mtime = fs::last_write_time(path, ec);
  if (ec) return std::nullopt;
  return FileStamp{text.size(), mtime, std::hash<std::string_view>{}(text)};
}

// The objects of `path` (whose content is `text`), from the cache or decoded; nullopt if it does not decode.
std::optional<std::vector<std::pair<ObjectKey, int>>> ObjectsOf(const fs::path& path, const std::string& text) {
  const std::optional<FileStamp> stamp = StampOf(path, text);
  {
    std::lock_guard lock(scan_cache_mu);
    if (auto hit = scan_cache.find(path); hit != scan_cache.end() && stamp && hit->second.stamp == *stamp) {
      return hit->second.objects;
    }
    ++decoded_files_count;
  }
  auto decoded = api::DecodeManifests(text, path.string(), {.strict = false, .validate = false});
  if (!decoded.ok()) return std::nullopt;
  std::vector<std::pair<ObjectKey, int>> objects;
  objects.reserve(decoded->size());
  for (const auto& object : *decoded) objects.emplace_back(KeyOf(object), object.document);
  if (stamp) {
    std::lock_guard lock(scan_cache_mu);
    scan_cache[path] = ScannedFile{*stamp, objects};
  }
  return objects;
}

// What the directory holds: which file defines each object, and the documents of the files apply wrote.
// Files that do not decode are passed over here: the daemon reports them, and they cannot be a definition
// apply would clash with.
struct Directory {
  std::map<ObjectKey, fs::path> where;
  std::map<fs::path, StoreFile> store_files;
};

Directory Scan(const std::string& dir) {
  Directory out;
  std::error_code ec;
  std::set<fs::path> seen;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.starts_with(".")) continue;
    auto text = ReadFile(entry.path());
    if (!text.ok()) continue;
    seen.insert(entry.path());
    auto objects = ObjectsOf(entry.path(), *text);
    if (!objects) continue;
    for (const auto& [key, document] : *objects) out.where.emplace(key, entry.path());
    if (!text->starts_with(ManifestStore::kHeader)) continue;
    // Documents without an object (empty ones) are dropped; a file whose split does not match what the
    // decoder saw is not one apply wrote as such: its objects are re-emitted one by one.
    const auto docs = SplitDocuments(std::string_view(*text).substr(ManifestStore::kHeader.size()));
    bool split_ok = docs.size() == objects->size();
    for (size_t i = 0; split_ok && i < objects->size(); ++i) split_ok = (*objects)[i].second == static_cast<int>(i);
    StoreFile file;
    std::vector<YAML::Node> nodes;
    if (!split_ok) nodes = YAML::LoadAll(*text);
    for (const auto& [key, document] : *objects) {
      const auto index = static_cast<size_t>(document);
      if (split_ok) {
        file.Add(key, docs[index]);
        continue;
      }
      YAML::Emitter emitter;
      emitter << nodes.at(index);
      file.Add(key, std::string(emitter.c_str()) + "\n");
    }
    out.store_files.emplace(entry.path(), std::move(file));
  }
  std::lock_guard lock(scan_cache_mu);
  for (auto it = scan_cache.begin(); it != scan_cache.end();) {
    it = it->first.parent_path() == fs::path(dir) && !seen.contains(it->first) ? scan_cache.erase(it) : std::next(it);
  }
  return out;
}

// The file new objects of an apply of `file_name` go to: applied_<base name without extension>.yaml.
fs::path FileFor(const std::string& dir, const std::string& file_name) {
  std::string stem = file_name.empty() || file_name == "-" ? "stdin" : fs::path(file_name).stem().string();
  for (char& c : stem) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  }
  if (stem.empty() || stem.starts_with(".")) stem = "_" + stem;
  return fs::path(dir) / ("applied_" + stem + ".yaml");
}

std::string Render(const StoreFile& file) {
  std::string out(ManifestStore::kHeader);
  bool first = true;
  for (const auto& [key, text] : file.documents) {
    if (text.empty()) continue;
    if (!first) out += "---\n";
    out += text;
    first = false;
  }
  return out;
}

// What the source will decode from `file` rendered, if every live document's object is known (it is
// then built from this apply's decode, numbered and placed as Render writes it); else nullopt.
std::optional<std::vector<api::ManifestObject>> Decoded(const fs::path& path, const StoreFile& file) {
  std::vector<api::ManifestObject> objects;
  int line = 2;  // kHeader is one line
  int document = 0;
  for (const auto& [key, text] : file.documents) {
    if (text.empty()) continue;
    auto fresh = file.fresh.find(key);
    if (fresh == file.fresh.end()) return std::nullopt;
    const auto& [object, offset] = fresh->second;
    objects.push_back({path.string(), document++, line + offset, object->object});
    line += static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;  // its lines and the "---"
  }
  return objects;
}

Status WriteChanged(std::map<fs::path, StoreFile>& files) {
  for (auto& [path, file] : files) {
    if (!file.changed) continue;
    if (file.index.empty()) {
      std::error_code ec;
      fs::remove(path, ec);
      if (ec) return Status::Error(path.string() + ": " + ec.message());
      continue;
    }
    const std::string content = Render(file);
    // Before the rename: the source may read the file as soon as it is in place.
    if (auto decoded = Decoded(path, file)) {
      kubelet::OfferDecodedManifest(path.string(), content.size(), std::hash<std::string_view>{}(content),
                                    std::move(*decoded));
    }
    if (Status s = WriteFileAtomically(path, content); !s.ok()) return s;
    // What was written is known: the next apply need not decode it (documents are numbered as Render
    // wrote them, live ones only).
    if (std::optional<FileStamp> stamp = StampOf(path, content)) {
      ScannedFile scanned{*stamp, {}};
      int document = 0;
      for (const auto& [key, text] : file.documents) {
        if (!text.empty()) scanned.objects.emplace_back(key, document++);
      }
      std::lock_guard lock(scan_cache_mu);
      scan_cache[path] = std::move(scanned);
    }
  }
  return {};
}

}  // namespace

ManifestStore::ManifestStore(std::string dir) : dir_(std::move(dir)) {}

uint64_t ManifestStore::decoded_files() {
  std::lock_guard lock(scan_cache_mu);
  return decoded_files_count;
}

Result<std::vector<std::string>> ManifestStore::Apply(std::string_view text, const std::string& file_name) {
  auto objects = api::DecodeManifests(text, file_name);
  if (!objects.ok()) return objects.status();
  if (objects->empty()) return Status::Error(file_name + ": no objects passed to apply");
  // Each object's text as written (comments kept), when the input's "---" lines separate exactly its
  // objects; otherwise (directives, empty documents, "--- " with content) as yaml-cpp emits the document.
  std::vector<int> starts;
  std::vector<std::string> texts = SplitDocuments(text, &starts);
  bool split_ok = texts.size() == objects->size();
  for (size_t i = 0; split_ok && i < objects->size(); ++i) split_ok = (*objects)[i].document == static_cast<int>(i);
  if (!split_ok) {
    std::vector<YAML::Node> documents;
    try {
      documents = YAML::LoadAll(std::string(text));
    } catch (const YAML::Exception& e) {  // decoded above, so this is not expected; report it all the same
      return Status::Error(file_name + ": invalid YAML: " + e.what());
    }
    texts.clear();
    for (const auto& object : *objects) {
      YAML::Emitter emitter;
      emitter << documents.at(static_cast<size_t>(object.document));
      texts.push_back(std::string(emitter.c_str()) + "\n");
    }
  } else {
    for (auto& t : texts) {
      if (!t.ends_with("\n")) t += "\n";
    }
  }

  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Status::Error(dir_ + ": " + ec.message());
  Directory directory = Scan(dir_);
  const fs::path own = FileFor(dir_, file_name);
  if (fs::exists(own, ec) && !directory.store_files.contains(own)) {
    return Status::Error(own.string() + " exists and `kubenode apply` did not write it: rename " + file_name);
  }

  // Check every object before writing any, so a failing apply changes nothing.
  std::set<ObjectKey> seen;
  std::vector<std::string> lines;
  for (size_t i = 0; i < objects->size(); ++i) {
    const auto& object = (*objects)[i];
    ObjectKey key = KeyOf(object);
    if (!seen.insert(key).second) {
      return Status::Error(file_name + ": " + key.kind + " \"" + key.name + "\" is defined twice");
    }
    fs::path target = own;
    if (auto it = directory.where.find(key); it != directory.where.end()) {
      if (!directory.store_files.contains(it->second)) {
        return Status::Error(key.kind + " \"" + key.name + "\" is already defined in " + it->second.string() +
                             ": edit or remove that file instead");
      }
      target = it->second;
    }
    std::string content = std::move(texts[i]);
    StoreFile& file = directory.store_files[target];
    // The document's text is the input's own: what this apply decoded from it is what the source would.
    if (split_ok) file.fresh[key] = {&object, object.line - starts[i]};
    std::string* doc = file.Find(key);
    if (doc == nullptr) {
      file.Add(key, std::move(content));
      lines.push_back(key.kind + "/" + key.name + " created");
    } else if (*doc == content) {
      lines.push_back(key.kind + "/" + key.name + " unchanged");
      continue;
    } else {
      *doc = std::move(content);
      lines.push_back(key.kind + "/" + key.name + " configured");
    }
    file.changed = true;
  }
  if (Status s = WriteChanged(directory.store_files); !s.ok()) return s;
  return lines;
}

Result<std::vector<std::string>> ManifestStore::Delete(std::string_view text, const std::string& file_name) {
  auto objects = api::DecodeManifests(text, file_name, {.strict = false, .validate = false});
  if (!objects.ok()) return objects.status();
  Directory directory = Scan(dir_);
  std::vector<std::string> lines;
  std::vector<std::string> errors;
  for (const auto& object : *objects) {
    ObjectKey key = KeyOf(object);
    auto it = directory.where.find(key);
    if (it == directory.where.end()) {
      errors.push_back("Error from server (NotFound): " + key.Plural() + " \"" + key.name + "\" not found");
      continue;
    }
    auto file = directory.store_files.find(it->second);
    if (file == directory.store_files.end()) {
      errors.push_back(key.kind + " \"" + key.name + "\" is defined in " + it->second.string() +
                       ", which `kubenode apply` did not write: remove that file instead");
      continue;
    }
    file->second.Remove(key);
    file->second.changed = true;
    directory.where.erase(it);
    lines.push_back(key.kind + " \"" + key.name + "\" deleted");
  }
  if (Status s = WriteChanged(directory.store_files); !s.ok()) errors.push_back(s.message());
  if (!errors.empty()) {
    std::string message;
    for (const auto& l : lines) message += l + "\n";
    for (size_t i = 0; i < errors.size(); ++i) message += (i ? "\n" : "") + errors[i];
    return Status::Error(message);
  }
  return lines;
}

}  // namespace kubenode::agent
