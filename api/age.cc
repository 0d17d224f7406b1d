#include "api/age.h"

namespace kubenode::api {
namespace {

std::string Join(int64_t major, const char* major_unit, int64_t minor, const char* minor_unit) {
  std::string s = std::to_string(major) + major_unit;
  if (minor != 0) s += std::to_string(minor) + minor_unit;
  return s;
}

}  // namespace

std::string FormatAge(std::chrono::seconds age) {
  const int64_t seconds = age.count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  const int64_t minutes = seconds / 60;
  if (minutes < 10) return Join(minutes, "m", seconds % 60, "s");
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  const int64_t hours = seconds / 3600;
  if (hours < 8) return Join(hours, "h", minutes % 60, "m");
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) return Join(hours / 24, "d", hours % 24, "h");
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) return Join(hours / 24 / 365, "y", (hours / 24) % 365, "d");
  return std::to_string(hours / 24 / 365) + "y";
}

}  // namespace kubenode::api
