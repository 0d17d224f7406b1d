#include "api/names.h"

#include "base/ipv4.h"

#include <algorithm>
#include <string_view>

namespace kubenode::api {
namespace {

constexpr char kDNS1123LabelFmt[] = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr char kDNS1123SubdomainFmt[] = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr char kDNS1035LabelFmt[] = "[a-z]([-a-z0-9]*[a-z0-9])?";
constexpr char kQualifiedNameFmt[] = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr char kLabelValueFmt[] = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr char kEnvVarNameFmt[] = "[-._a-zA-Z][-._a-zA-Z0-9]*";
constexpr char kHTTPHeaderNameFmt[] = "[-A-Za-z0-9]+";

constexpr char kLowerAlnumDashFmt[] = "[-a-z0-9]+";

// The formats above, matched by hand: std::regex recurses once per character and overflows the stack on
// long values (a 5 MB label value crashed the daemon).
bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsAlpha(c) || (c >= '0' && c <= '9'); }

// first, every middle character and last each in their class; a single character must be in both end classes.
template <typename First, typename Middle, typename Last>
bool Shape(std::string_view v, First first, Middle middle, Last last) {
  if (v.empty() || !first(v.front()) || !last(v.back())) return false;
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    if (!middle(v[i])) return false;
  }
  return true;
}

bool IsDNS1123Label(std::string_view v) {
  return Shape(v, IsLowerAlnum, [](char c) { return IsLowerAlnum(c) || c == '-'; }, IsLowerAlnum);
}

bool Matches(std::string_view value, const char* fmt) {
  if (fmt == kDNS1123LabelFmt) return IsDNS1123Label(value);
  if (fmt == kDNS1123SubdomainFmt) {
    for (size_t start = 0;;) {
      const size_t dot = value.find('.', start);
      if (!IsDNS1123Label(value.substr(start, dot == std::string_view::npos ? dot : dot - start))) return false;
      if (dot == std::string_view::npos) return true;
      start = dot + 1;
    }
  }
  if (fmt == kDNS1035LabelFmt) {
    return Shape(value, [](char c) { return c >= 'a' && c <= 'z'; }, [](char c) { return IsLowerAlnum(c) || c == '-'; },
                 IsLowerAlnum);
  }
  auto name_char = [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; };
  if (fmt == kQualifiedNameFmt) return Shape(value, IsAlnum, name_char, IsAlnum);
  if (fmt == kLabelValueFmt) return value.empty() || Shape(value, IsAlnum, name_char, IsAlnum);
  auto all = [&](auto in_class) {
    return !value.empty() && std::all_of(value.begin(), value.end(), in_class);
  };
  if (fmt == kLowerAlnumDashFmt) return all([](char c) { return IsLowerAlnum(c) || c == '-'; });
  if (fmt == kHTTPHeaderNameFmt) return all([](char c) { return IsAlnum(c) || c == '-'; });
  if (fmt == kEnvVarNameFmt) {
    auto first = [](char c) { return IsAlpha(c) || c == '-' || c == '.' || c == '_'; };
    return !value.empty() && first(value.front()) &&
           std::all_of(value.begin() + 1, value.end(), [](char c) { return IsAlnum(c) || c == '-' || c == '.' || c == '_'; });
  }
  return false;  // every format is one of the above
}

std::string MaxLenError(size_t length) { return "must be no more than " + std::to_string(length) + " characters"; }

// upstream RegexError: "<msg> (e.g. 'a',  or 'b', regex used for validation is '<fmt>')".
std::string RegexError(std::string msg, const char* fmt, std::initializer_list<const char*> examples) {
  msg += " (e.g. ";
  bool first = true;
  for (const char* example : examples) {
    if (!first) msg += " or ";
    first = false;
    msg += "'";
    msg += example;
    msg += "', ";
  }
  msg += "regex used for validation is '";
  msg += fmt;
  msg += "')";
  return msg;
}

constexpr char kDNS1123LabelErr[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character";
constexpr char kDNS1123SubdomainErr[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character";
constexpr char kDNS1035LabelErr[] =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character";
constexpr char kQualifiedNameErr[] =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character";
constexpr char kLabelValueErr[] =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character";
constexpr char kEnvVarNameErr[] =
    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and "
    "must not start with a digit";

}  // namespace

std::vector<std::string> IsDNS1123Label(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(MaxLenError(63));
  if (!Matches(value, kDNS1123LabelFmt)) {
    if (Matches(value, kDNS1123SubdomainFmt)) {
      errs.push_back("must not contain dots");
    } else {
      errs.push_back(RegexError(kDNS1123LabelErr, kDNS1123LabelFmt, {"my-name", "123-abc"}));
    }
  }
  return errs;
}

std::vector<std::string> IsDNS1123Subdomain(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 253) errs.push_back(MaxLenError(253));
  if (!Matches(value, kDNS1123SubdomainFmt)) {
    errs.push_back(RegexError(kDNS1123SubdomainErr, kDNS1123SubdomainFmt, {"example.com"}));
  }
  return errs;
}

std::vector<std::string> IsDNS1035Label(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(MaxLenError(63));
  if (!Matches(value, kDNS1035LabelFmt)) {
    errs.push_back(RegexError(kDNS1035LabelErr, kDNS1035LabelFmt, {"my-name", "abc-123"}));
  }
  return errs;
}

std::vector<std::string> IsQualifiedName(std::string_view value) {
  std::vector<std::string> errs;
  std::string_view name = value;
  size_t slash = value.find('/');
  if (slash != std::string_view::npos) {
    if (value.find('/', slash + 1) != std::string_view::npos) {
      errs.push_back("a valid label key " +
                     RegexError(kQualifiedNameErr, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}) +
                     " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return errs;
    }
    std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      for (auto& msg : IsDNS1123Subdomain(prefix)) errs.push_back("prefix part " + msg);
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > 63) {
    errs.push_back("name part " + MaxLenError(63));
  }
  if (!Matches(name, kQualifiedNameFmt)) {
    errs.push_back("name part " + RegexError(kQualifiedNameErr, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

std::vector<std::string> IsValidLabelValue(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(MaxLenError(63));
  if (!Matches(value, kLabelValueFmt)) {
    errs.push_back(RegexError(kLabelValueErr, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

std::vector<std::string> IsValidPortName(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 15) errs.push_back(MaxLenError(15));
  if (!Matches(value, kLowerAlnumDashFmt)) {
    errs.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  }
  if (value.find_first_of("abcdefghijklmnopqrstuvwxyz") == std::string_view::npos) {
    errs.push_back("must contain at least one letter (a-z)");
  }
  if (value.find("--") != std::string_view::npos) errs.push_back("must not contain consecutive hyphens");
  if (!value.empty() && (value.front() == '-' || value.back() == '-')) {
    errs.push_back("must not begin or end with a hyphen");
  }
  return errs;
}

std::vector<std::string> IsValidPortNum(int64_t port) {
  if (port >= 1 && port <= 65535) return {};
  return {"must be between 1 and 65535, inclusive"};
}

std::vector<std::string> IsEnvVarName(std::string_view value) {
  std::vector<std::string> errs;
  if (!Matches(value, kEnvVarNameFmt)) {
    errs.push_back(RegexError(kEnvVarNameErr, kEnvVarNameFmt, {"my.env-name", "MY_ENV.NAME", "MyEnvName1"}));
  }
  if (value == ".") {
    errs.push_back("must not be '.'");
  } else if (value == "..") {
    errs.push_back("must not be '..'");
  } else if (value.starts_with("..")) {
    errs.push_back("must not start with '..'");
  }
  return errs;
}

std::vector<std::string> IsHTTPHeaderName(std::string_view value) {
  if (Matches(value, kHTTPHeaderNameFmt)) return {};
  return {RegexError("a valid HTTP header must consist of alphanumeric characters or '-'", kHTTPHeaderNameFmt,
                     {"X-Header-Name"})};
}

bool IsIPv4Address(std::string_view value) {
  return ParseIPv4(value).has_value();  // leading zeros are refused, as Go's netip does
}

}  // namespace kubenode::api
