#include "netfilter/values.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "base/ipv4.h"

namespace kubenode::netfilter {

Result<Bytes> Ipv4(const std::string& dotted) {
  std::optional<uint32_t> address = ParseIPv4(dotted);
  if (!address) return Status::Error("not an IPv4 address: \"" + dotted + "\"");
  const uint32_t be = htonl(*address);
  return Bytes(reinterpret_cast<const char*>(&be), 4);
}

Bytes Ipv4OrDie(const std::string& dotted) {
  auto r = Ipv4(dotted);
  return r.ok() ? *r : Bytes(4, '\0');
}

Bytes Proto(uint8_t proto) { return Bytes(1, static_cast<char>(proto)); }

Bytes Port(uint16_t port) {
  uint16_t be = htons(port);
  return Bytes(reinterpret_cast<const char*>(&be), 2);
}

Bytes U32(uint32_t value) { return Bytes(reinterpret_cast<const char*>(&value), 4); }

Bytes U32Net(uint32_t value) {
  uint32_t be = htonl(value);
  return Bytes(reinterpret_cast<const char*>(&be), 4);
}

Bytes Concat(const std::vector<Bytes>& fields) {
  if (fields.size() == 1) return fields[0];
  Bytes out;
  for (const Bytes& f : fields) {
    out += f;
    out.append((4 - f.size() % 4) % 4, '\0');
  }
  return out;
}

std::string ProtoName(uint8_t proto) {
  switch (proto) {
    case IPPROTO_TCP: return "tcp";
    case IPPROTO_UDP: return "udp";
    case IPPROTO_SCTP: return "sctp";
    case IPPROTO_ICMP: return "icmp";
  }
  return std::to_string(proto);
}

std::string FormatOne(DataType type, const Bytes& v) {
  auto u8 = [&](size_t i) { return static_cast<uint8_t>(i < v.size() ? v[i] : 0); };
  switch (type) {
    case DataType::kIpv4Addr:
      return std::to_string(u8(0)) + "." + std::to_string(u8(1)) + "." + std::to_string(u8(2)) + "." +
             std::to_string(u8(3));
    case DataType::kInetProto: return ProtoName(u8(0));
    case DataType::kInetService: return std::to_string((u8(0) << 8) | u8(1));
    case DataType::kInteger: {
      uint32_t x = 0;
      std::memcpy(&x, v.data(), std::min<size_t>(4, v.size()));
      return std::to_string(x);
    }
    case DataType::kMark: {  // numgen indexes: decimal
      uint32_t x = 0;
      std::memcpy(&x, v.data(), std::min<size_t>(4, v.size()));
      return std::to_string(x);
    }
  }
  return "?";
}

std::string FormatValue(const TypeList& types, const Bytes& value) {
  if (types.size() == 1) return FormatOne(types[0], value);
  std::string out;
  size_t off = 0;
  for (DataType t : types) {
    if (!out.empty()) out += " . ";
    size_t padded = (SizeOf(t) + 3) / 4 * 4;
    out += FormatOne(t, off < value.size() ? value.substr(off, SizeOf(t)) : Bytes());
    off += padded;
  }
  return out;
}

}  // namespace kubenode::netfilter
