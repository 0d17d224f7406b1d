// IPv4 addresses as text, the one parser every module uses (API validation, allocators, the ruleset
// planner, nftables values, conntrack).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kubenode {

// A dotted quad ("10.96.0.1") in host byte order: exactly four decimal octets of 0-255 and nothing else.
// Leading zeros are refused ("010.0.0.1"), as Go's netip.ParseAddr and glibc's inet_pton do: read as octal
// by other parsers, such an address would mean something else to them.
std::optional<uint32_t> ParseIPv4(std::string_view text);

std::string FormatIPv4(uint32_t address);

}  // namespace kubenode
