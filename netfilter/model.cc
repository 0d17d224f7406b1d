#include "netfilter/model.h"

#include <algorithm>

namespace kubenode::netfilter {

uint32_t SizeOf(DataType type) {
  switch (type) {
    case DataType::kInteger: return 4;
    case DataType::kIpv4Addr: return 4;
    case DataType::kInetProto: return 1;
    case DataType::kInetService: return 2;
    case DataType::kMark: return 4;
  }
  return 4;
}

const char* NameOf(DataType type) {
  switch (type) {
    case DataType::kInteger: return "integer";
    case DataType::kIpv4Addr: return "ipv4_addr";
    case DataType::kInetProto: return "inet_proto";
    case DataType::kInetService: return "inet_service";
    case DataType::kMark: return "mark";
  }
  return "invalid";
}

uint32_t LengthOf(const TypeList& types) {
  if (types.size() == 1) return SizeOf(types[0]);
  uint32_t len = 0;
  for (DataType t : types) len += (SizeOf(t) + 3) / 4 * 4;
  return len;
}

namespace {
constexpr uint32_t kTypeBits = 6;
constexpr uint32_t kTypeMask = (1u << kTypeBits) - 1;
bool Known(uint32_t id) {
  switch (static_cast<DataType>(id)) {
    case DataType::kInteger:
    case DataType::kIpv4Addr:
    case DataType::kInetProto:
    case DataType::kInetService:
    case DataType::kMark: return true;
  }
  return false;
}
}  // namespace

uint32_t EncodeTypeId(const TypeList& types) {
  uint32_t id = 0;
  for (DataType t : types) id = (id << kTypeBits) | static_cast<uint32_t>(t);
  return id;
}

std::optional<TypeList> DecodeTypeId(uint32_t id, uint32_t length) {
  TypeList types;
  while (id != 0) {
    uint32_t sub = id & kTypeMask;
    if (!Known(sub)) return std::nullopt;
    types.push_back(static_cast<DataType>(sub));
    id >>= kTypeBits;
  }
  std::reverse(types.begin(), types.end());
  if (types.empty() || LengthOf(types) != length) return std::nullopt;
  return types;
}

Chain* Table::FindChain(const std::string& chain) {
  for (Chain& c : chains)
    if (c.name == chain) return &c;
  return nullptr;
}

const Chain* Table::FindChain(const std::string& chain) const {
  for (const Chain& c : chains)
    if (c.name == chain) return &c;
  return nullptr;
}

}  // namespace kubenode::netfilter
