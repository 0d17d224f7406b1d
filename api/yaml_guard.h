// Texts on which yaml-cpp's loader never returns, refused by one pass over the parser's events first:
// - an alias inside the node its anchor names ("&a [*a]") makes the loader build nodes until memory runs out;
// - nested aliases expand exponentially ("billion laughs");
// - some stray flow indicators (",]") make the parser report empty documents forever without advancing.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/status.h"

namespace kubenode::api {

// Nodes a document may have once every alias is expanded; real manifests have a few thousand.
inline constexpr size_t kMaxExpandedYamlNodes = 1'000'000;

// An error "<file>: line L: invalid YAML: ..." for any of the above; OK otherwise, including for text that does
// not parse (loading reports where and why).
Status CheckYamlLoadable(std::string_view text, const std::string& file);

}  // namespace kubenode::api
