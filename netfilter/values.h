// Encoding of typed values into the bytes the kernel compares (network byte order for addresses and ports,
// host order for integers such as numgen results) and back into nft's text form.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "netfilter/model.h"

namespace kubenode::netfilter {

Result<Bytes> Ipv4(const std::string& dotted);  // 4 bytes, network order
Bytes Ipv4OrDie(const std::string& dotted);      // for constants known to be valid
Bytes Proto(uint8_t proto);                       // 1 byte (IPPROTO_*)
Bytes Port(uint16_t port);                        // 2 bytes, network order
Bytes U32(uint32_t value);                        // 4 bytes, host order
Bytes U32Net(uint32_t value);                     // 4 bytes, network order

// Concatenates set key/data fields; with two or more fields each is padded to 4 bytes, as the kernel's
// 32-bit registers hold them.
Bytes Concat(const std::vector<Bytes>& fields);

// "10.96.0.10 . tcp . 80 . 0" for `value` of `types`.
std::string FormatValue(const TypeList& types, const Bytes& value);
std::string FormatOne(DataType type, const Bytes& value);
std::string ProtoName(uint8_t proto);  // "tcp", "udp", "sctp" or the number

}  // namespace kubenode::netfilter
