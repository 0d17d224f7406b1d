// base64 (standard alphabet, padded), as kubeconfig *-data fields and Secret data carry bytes.
#pragma once

#include <string>

#include "base/status.h"

namespace kubenode::apiclient {

// Whitespace (line breaks in long values) is ignored.
Result<std::string> DecodeBase64(const std::string& text);

}  // namespace kubenode::apiclient
