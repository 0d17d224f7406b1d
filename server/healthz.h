// /healthz as upstream's k8s.io/apiserver healthz handler: "ok" when every check passes; otherwise 500 with
// one "[+]name ok" / "[-]name failed: reason withheld" line per check and "healthz check failed".
// "?verbose" lists the checks on success too. The failing check's reason is logged, not sent.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "server/http.h"

namespace kubenode::server {

struct HealthzCheck {
  std::string name;
  std::function<Status()> check;
};

Handler HealthzHandler(std::string server_name, std::vector<HealthzCheck> checks);

}  // namespace kubenode::server
