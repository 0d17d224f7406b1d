// ToYaml: JSON documents as block YAML in the style of go-yaml v2, which kubectl -o yaml uses.
#include <regex>
#include <set>

#include "api/json.h"

namespace kubenode::api {
namespace {

using nlohmann::json;

std::string Pad(int indent) { return std::string(static_cast<size_t>(indent), ' '); }

// Would a plain scalar `s` read back as something other than this string (YAML 1.1 resolution)?
bool ResolvesToNonString(const std::string& s) {
  static const std::set<std::string> kSpecial = {
      "",     "~",     "null", "Null", "NULL", "y",   "Y",   "yes", "Yes",  "YES",  "n",     "N",     "no",
      "No",   "NO",    "true", "True", "TRUE", "on",  "On",  "ON",  "false", "False", "FALSE", "off", "Off",
      "OFF",  ".inf",  ".Inf", ".INF", "-.inf", "-.Inf", "-.INF", "+.inf", ".nan", ".NaN", ".NAN", "<<"};
  if (kSpecial.count(s)) return true;
  // std::regex recurses per character; a long text that could still read as a number is quoted to be safe.
  if (s.size() > 256) return std::string_view("0123456789+-.").find(s[0]) != std::string_view::npos;
  static const std::regex kNumber(
      "[-+]?(0|[1-9][0-9_]*|0x[0-9a-fA-F_]+|0[0-7_]+|0b[01_]+)|"
      "[-+]?(\\.[0-9]+|[0-9][0-9_]*(\\.[0-9_]*)?)([eE][-+]?[0-9]+)?|"
      "[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?");
  static const std::regex kTimestamp("[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?([Tt ].*)?");
  return std::regex_match(s, kNumber) || std::regex_match(s, kTimestamp);
}

// May `s` be written as a plain scalar in block context?
bool PlainAllowed(const std::string& s) {
  if (s.front() == ' ' || s.back() == ' ' || s.back() == ':') return false;
  if (s.starts_with("---") || s.starts_with("...")) return false;
  static const std::string kIndicators = "-?:,[]{}#&*!|>'\"%@`";
  if (kIndicators.find(s.front()) != std::string::npos) {
    // "-", "?" and ":" start a plain scalar when followed by a non-space ("-c", "--port=80").
    bool lone = s.size() == 1 || s[1] == ' ';
    if (!(s.front() == '-' || s.front() == '?' || s.front() == ':') || lone) return false;
  }
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return false;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool Printable(const std::string& s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
  }
  return true;
}

std::string SingleQuoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

// A literal block ("|-") for multi-line text; content lines at `indent`.
std::string Literal(const std::string& s, int indent) {
  size_t trailing = 0;
  while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') ++trailing;
  std::string out = trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+";
  std::string body = s.substr(0, s.size() - std::min<size_t>(trailing, 1));
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(start, end - start);
    out += "\n";
    if (!line.empty()) out += Pad(indent) + line;
    start = end + 1;
  }
  return out;
}

// A string as a scalar; multi-line text becomes a literal block with content at `indent`.
std::string StringScalar(const std::string& s, int indent) {
  if (ResolvesToNonString(s)) return json(s).dump();
  if (s.find('\n') != std::string::npos && Printable(s) && s.front() != ' ' && s.front() != '\n') {
    return Literal(s, indent);
  }
  if (PlainAllowed(s)) return s;
  if (Printable(s) && s.find('\n') == std::string::npos) return SingleQuoted(s);
  return json(s).dump();
}

std::string Scalar(const json& v, int indent) {
  if (v.is_string()) return StringScalar(v.get<std::string>(), indent);
  if (v.is_null()) return "null";
  if (v.is_object()) return "{}";
  if (v.is_array()) return "[]";
  return v.dump();
}

bool IsCollection(const json& v) { return (v.is_object() || v.is_array()) && !v.empty(); }

void EmitSequence(const json& items, int indent, std::string& out);

void EmitMapping(const json& object, int indent, std::string& out) {
  for (const auto& [key, value] : object.items()) {
    out += Pad(indent) + StringScalar(key, indent + 2) + ":";
    if (value.is_object() && !value.empty()) {
      out += "\n";
      EmitMapping(value, indent + 2, out);
    } else if (value.is_array() && !value.empty()) {
      out += "\n";
      EmitSequence(value, indent, out);  // go-yaml puts "- " at the key's indent
    } else {
      out += " " + Scalar(value, indent + 2) + "\n";
    }
  }
}

void EmitSequence(const json& items, int indent, std::string& out) {
  for (const auto& item : items) {
    if (IsCollection(item)) {
      // Render the item one level deeper, then put "- " in place of its first indent.
      std::string nested;
      if (item.is_object()) {
        EmitMapping(item, indent + 2, nested);
      } else {
        EmitSequence(item, indent + 2, nested);
      }
      out += Pad(indent) + "- " + nested.substr(static_cast<size_t>(indent + 2));
    } else {
      out += Pad(indent) + "- " + Scalar(item, indent + 2) + "\n";
    }
  }
}

}  // namespace

std::string ToYaml(const json& value) {
  std::string out;
  if (value.is_object() && !value.empty()) {
    EmitMapping(value, 0, out);
  } else if (value.is_array() && !value.empty()) {
    EmitSequence(value, 0, out);
  } else {
    out = Scalar(value, 2) + "\n";
  }
  return out;
}

}  // namespace kubenode::api
