// resource.Quantity: "100m", "64Mi", "1.5", "2e3". Kept as written (so it round-trips) with its value in
// milli-units, rounded up as upstream's MilliValue()/Value() round.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kubenode::api {

struct Quantity {
  std::string text;    // as written
  int64_t milli = 0;   // value × 1000, rounded up; saturates at INT64_MAX

  // Whole units rounded up: "100m" → 1, "64Mi" → 67108864.
  int64_t Value() const { return milli / 1000 + (milli % 1000 > 0 ? 1 : 0); }
  bool operator==(const Quantity& other) const { return milli == other.milli; }
};

// Parses the Quantity grammar (sign, digits with optional fraction, then a binary suffix Ki..Ei, a
// decimal suffix m, k, M..E, or an exponent e/E<n>). nullopt when `text` is not a quantity.
std::optional<Quantity> ParseQuantity(std::string_view text);

}  // namespace kubenode::api
