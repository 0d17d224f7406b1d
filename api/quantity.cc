#include "api/quantity.h"

#include <cctype>
#include <limits>

namespace kubenode::api {
namespace {

using Wide = __int128;
constexpr Wide kMax = std::numeric_limits<int64_t>::max();

// Multiplies saturating at kMax (values only grow here).
Wide Scale(Wide value, Wide factor) {
  if (value == 0) return 0;
  if (factor > kMax / value + 1) return kMax + 1;
  Wide product = value * factor;
  return product > kMax ? kMax + 1 : product;
}

}  // namespace

std::optional<Quantity> ParseQuantity(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  Wide digits = 0;   // the number's digits without its decimal point, capped
  int fraction = 0;  // how many of them follow the point
  bool any_digit = false, point = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.' && !point) {
      point = true;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    any_digit = true;
    if (digits > kMax) {
      // More digits than an int64 holds: a longer integer part only saturates, more fraction is dropped.
      if (!point) return Quantity{std::string(text), std::numeric_limits<int64_t>::max()};
      continue;
    }
    digits = digits * 10 + (c - '0');
    if (point) ++fraction;
  }
  if (!any_digit) return std::nullopt;
  std::string_view suffix = text.substr(i);
  int binary_shift = 0;  // 2^shift
  int exponent = 0;      // 10^exponent
  if (suffix.empty()) {
  } else if (suffix == "Ki") { binary_shift = 10;
  } else if (suffix == "Mi") { binary_shift = 20;
  } else if (suffix == "Gi") { binary_shift = 30;
  } else if (suffix == "Ti") { binary_shift = 40;
  } else if (suffix == "Pi") { binary_shift = 50;
  } else if (suffix == "Ei") { binary_shift = 60;
  } else if (suffix == "n") { exponent = -9;
  } else if (suffix == "u") { exponent = -6;
  } else if (suffix == "m") { exponent = -3;
  } else if (suffix == "k") { exponent = 3;
  } else if (suffix == "M") { exponent = 6;
  } else if (suffix == "G") { exponent = 9;
  } else if (suffix == "T") { exponent = 12;
  } else if (suffix == "P") { exponent = 15;
  } else if (suffix == "E") { exponent = 18;
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    std::string_view e = suffix.substr(1);
    bool e_negative = !e.empty() && e[0] == '-';
    if (!e.empty() && (e[0] == '-' || e[0] == '+')) e.remove_prefix(1);
    if (e.empty() || e.size() > 3) return std::nullopt;
    for (char c : e) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      exponent = exponent * 10 + (c - '0');
    }
    if (e_negative) exponent = -exponent;
  } else {
    return std::nullopt;
  }
  // milli = ceil(digits × 2^shift × 10^(exponent + 3 − fraction))
  Wide value = Scale(digits, Wide(1) << binary_shift);
  int power = exponent + 3 - fraction;
  for (; power > 0 && value <= kMax; --power) value = Scale(value, 10);
  bool remainder = false;
  for (; power < 0; ++power) {
    remainder = remainder || value % 10 != 0;
    value /= 10;
  }
  if (remainder) value += 1;
  if (value > kMax) value = kMax;
  Quantity q{std::string(text), static_cast<int64_t>(value)};
  if (negative) q.milli = -q.milli;
  return q;
}

}  // namespace kubenode::api
