// `kubenode get svc [-o wide|json|yaml]` and `kubenode describe svc NAME`, formatted as kubectl formats
// Services (printers' printService, describe's describeService). Pure formatting: the caller supplies the
// Services, when kubenode first saw each (manifests carry no creationTimestamp) and their EndpointSlices.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/endpoint_slice.h"
#include "api/meta.h"
#include "api/service.h"
#include "base/clock.h"
#include "base/status.h"

namespace kubenode::proxy {

struct ServiceRecord {
  api::Service service;  // as allocated: clusterIP and nodePorts filled in
  api::Time created_at;  // shown as creationTimestamp and AGE
};

enum class OutputFormat { kTable, kWide, kJson, kYaml };

// The -o flag: "" (table), "wide", "json" or "yaml"; anything else is kubectl's error.
Result<OutputFormat> ParseOutputFormat(std::string_view flag);

struct GetOptions {
  OutputFormat format = OutputFormat::kTable;
  bool all_namespaces = false;  // -A: a NAMESPACE column, sorted by namespace then name
  bool single = false;          // a NAME was given: -o json/yaml print the object itself, not a List
};

// What `kubectl get svc` writes to stdout. An empty table is "" (the caller writes NoResourcesFound to
// stderr, as kubectl does); empty json/yaml is an empty List.
std::string FormatServices(std::vector<ServiceRecord> records, const GetOptions& options, const Clock& clock);

// kubectl's stderr line for an empty table: "No resources found in default namespace.".
std::string NoResourcesFound(const std::string& ns, bool all_namespaces);
// kubectl's error for a missing name: `Error from server (NotFound): services "web" not found`.
std::string ServiceNotFound(const std::string& name);

// What `kubectl describe svc` prints; `slices` are the Service's EndpointSlices (for Endpoints: lines).
std::string DescribeService(const ServiceRecord& record, const std::vector<api::EndpointSlice>& slices);

// Column helpers, exposed for other printers.
std::string ServicePortsColumn(const api::Service& service);  // "80:30001/TCP,443/TCP" or "<none>"
std::string FormatLabels(const api::Labels& labels);           // "a=b,c=d" sorted, or "<none>"

}  // namespace kubenode::proxy
