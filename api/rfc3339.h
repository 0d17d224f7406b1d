// Timestamps as the API writes them: RFC 3339 in UTC with whole seconds ("2026-01-01T00:00:00Z").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/meta.h"

namespace kubenode::api {

std::string FormatRFC3339(Time time);

// Accepts "Z" or a numeric offset and an optional fraction (dropped, like metav1.Time's second precision).
std::optional<Time> ParseRFC3339(std::string_view text);

}  // namespace kubenode::api
