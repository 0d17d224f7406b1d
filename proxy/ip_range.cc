#include "proxy/ip_range.h"

#include <charconv>

namespace kubenode::proxy {

namespace {

std::optional<int> ParseInt(std::string_view text) {
  int value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

Result<IPv4Cidr> ParseIPv4Cidr(std::string_view text) {
  auto invalid = [&] { return Status::Error("invalid CIDR address: " + std::string(text)); };
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return invalid();
  std::optional<uint32_t> address = ParseIPv4(text.substr(0, slash));
  std::optional<int> prefix = ParseInt(text.substr(slash + 1));
  if (!address || !prefix || *prefix < 0 || *prefix > 32) return invalid();
  IPv4Cidr cidr{*address, *prefix};
  uint32_t mask = *prefix == 0 ? 0 : ~uint32_t{0} << (32 - *prefix);
  if ((*address & mask) != *address) {
    return Status::Error("CIDR " + std::string(text) + " has host bits set; did you mean " +
                         FormatIPv4(*address & mask) + "/" + std::to_string(*prefix) + "?");
  }
  return cidr;
}

Result<PortRange> ParsePortRange(std::string_view text) {
  auto invalid = [&] { return Status::Error("invalid port range: \"" + std::string(text) + "\""); };
  size_t sep = text.find_first_of("-+");
  std::optional<int> low = ParseInt(text.substr(0, sep));
  if (!low) return invalid();
  int high = *low;
  if (sep != std::string_view::npos) {
    std::optional<int> second = ParseInt(text.substr(sep + 1));
    if (!second) return invalid();
    high = text[sep] == '-' ? *second : *low + *second;
  }
  if (*low < 0 || high > 65535 || high < *low) return invalid();
  return PortRange{*low, high - *low + 1};
}

}  // namespace kubenode::proxy
