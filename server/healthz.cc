#include "server/healthz.h"

#include "base/log.h"

namespace kubenode::server {

Handler HealthzHandler(std::string server_name, std::vector<HealthzCheck> checks) {
  checks.insert(checks.begin(), {{"ping", [] { return Status(); }}, {"log", [] { return Status(); }}});
  return [server_name = std::move(server_name), checks = std::move(checks)](Exchange& e) {
    std::string lines;
    bool failed = false;
    for (const HealthzCheck& c : checks) {
      Status s = c.check();
      if (s.ok()) {
        lines += "[+]" + c.name + " ok\n";
      } else {
        failed = true;
        lines += "[-]" + c.name + " failed: reason withheld\n";
        Logger("server")->warn("{} healthz: {} failed: {}", server_name, c.name, s.message());
      }
    }
    const bool verbose = e.request().HasQuery("verbose");
    Response r = Response::Text(failed ? 500 : 200,
                                failed ? lines + "healthz check failed\n" : verbose ? lines + "healthz check passed\n" : "ok");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    e.Respond(std::move(r));
  };
}

}  // namespace kubenode::server
