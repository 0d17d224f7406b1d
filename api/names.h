// Upstream's syntax checks for names, label keys and values, and ports
// (k8s.io/apimachinery/pkg/util/validation). Each returns the reasons `value` is invalid, in upstream's
// words; an empty list means valid.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kubenode::api {

std::vector<std::string> IsDNS1123Label(std::string_view value);      // container, volume, port names
std::vector<std::string> IsDNS1123Subdomain(std::string_view value);  // pod names
std::vector<std::string> IsDNS1035Label(std::string_view value);      // service names
std::vector<std::string> IsQualifiedName(std::string_view value);     // label and annotation keys
std::vector<std::string> IsValidLabelValue(std::string_view value);
std::vector<std::string> IsValidPortName(std::string_view value);  // IANA_SVC_NAME
std::vector<std::string> IsValidPortNum(int64_t port);
std::vector<std::string> IsEnvVarName(std::string_view value);
std::vector<std::string> IsHTTPHeaderName(std::string_view value);

// True for a dotted-quad IPv4 address without leading zeros ("10.96.0.1").
bool IsIPv4Address(std::string_view value);

}  // namespace kubenode::api
