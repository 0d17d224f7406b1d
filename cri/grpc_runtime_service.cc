#include "cri/grpc_runtime_service.h"

#include <grpcpp/grpcpp.h>

#include "base/log.h"
#include "cri/convert.h"
#include "runtime/v1/api.grpc.pb.h"

namespace kubenode::cri {
namespace {

namespace v1 = runtime::v1;

// Largest CRI message accepted, as kubelet's 16 MiB (ListContainers on a busy node is large).
constexpr int kMaxMessageBytes = 16 * 1024 * 1024;
// Reconnect attempts to a runtime that went away: the local socket is cheap to retry.
constexpr int kReconnectBackoffMs = 250;

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK: return "OK";
    case grpc::CANCELLED: return "Canceled";
    case grpc::UNKNOWN: return "Unknown";
    case grpc::INVALID_ARGUMENT: return "InvalidArgument";
    case grpc::DEADLINE_EXCEEDED: return "DeadlineExceeded";
    case grpc::NOT_FOUND: return "NotFound";
    case grpc::ALREADY_EXISTS: return "AlreadyExists";
    case grpc::PERMISSION_DENIED: return "PermissionDenied";
    case grpc::RESOURCE_EXHAUSTED: return "ResourceExhausted";
    case grpc::FAILED_PRECONDITION: return "FailedPrecondition";
    case grpc::ABORTED: return "Aborted";
    case grpc::OUT_OF_RANGE: return "OutOfRange";
    case grpc::UNIMPLEMENTED: return "Unimplemented";
    case grpc::INTERNAL: return "Internal";
    case grpc::UNAVAILABLE: return "Unavailable";
    case grpc::DATA_LOSS: return "DataLoss";
    case grpc::UNAUTHENTICATED: return "Unauthenticated";
    default: return "Unknown";
  }
}

}  // namespace

struct GrpcRuntimeService::Stubs {
  std::unique_ptr<v1::RuntimeService::Stub> runtime;
  std::unique_ptr<v1::ImageService::Stub> image;
};

GrpcRuntimeService::GrpcRuntimeService(GrpcOptions options) : options_(std::move(options)) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  // After containerd restarts, gRPC's default reconnect back-off (1 s doubling to 120 s, with jitter) left
  // every call failing for 4.5-9.8 s after the socket was back. A unix socket is cheap to retry: every 250 ms.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, kReconnectBackoffMs);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, kReconnectBackoffMs);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kReconnectBackoffMs);
  auto channel = grpc::CreateCustomChannel(options_.endpoint, grpc::InsecureChannelCredentials(), args);
  stubs_ = std::make_unique<Stubs>();
  stubs_->runtime = v1::RuntimeService::NewStub(channel);
  stubs_->image = v1::ImageService::NewStub(channel);
}

GrpcRuntimeService::~GrpcRuntimeService() = default;

namespace {

// Runs one unary call with a deadline; on failure returns "<call> <object>: rpc error: code = X desc = Y"
// (the shape of the errors kubelet logs) so the message says which call on which object failed.
template <typename Stub, typename Request, typename Response, typename Method>
Status Call(Stub& stub, Method method, const Request& request, Response* response, std::string_view call,
            std::string_view object, std::chrono::milliseconds timeout) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  grpc::Status status = (stub.*method)(&context, request, response);
  if (status.ok()) return {};
  std::string what(call);
  if (!object.empty()) what += " " + std::string(object);
  return Status::Error(what + ": rpc error: code = " + CodeName(status.error_code()) +
                       " desc = " + status.error_message());
}

}  // namespace

Result<VersionInfo> GrpcRuntimeService::Version() {
  v1::VersionRequest req;
  req.set_version("v1");
  v1::VersionResponse resp;
  Status s = Call(*stubs_->runtime, &v1::RuntimeService::Stub::Version, req, &resp, "Version",
                  options_.endpoint, options_.request_timeout);
  if (!s.ok()) return s;
  return VersionInfo{resp.runtime_name(), resp.runtime_version(), resp.runtime_api_version()};
}

Result<bool> GrpcRuntimeService::NetworkReady() {
  v1::StatusRequest req;
  v1::StatusResponse resp;
  Status s = Call(*stubs_->runtime, &v1::RuntimeService::Stub::Status, req, &resp, "Status", options_.endpoint,
                  options_.request_timeout);
  if (!s.ok()) return s;
  for (const auto& condition : resp.status().conditions()) {
    if (condition.type() == "NetworkReady") return condition.status();
  }
  return Status::Error("CRI Status of " + options_.endpoint + ": no NetworkReady condition");
}

Result<std::string> GrpcRuntimeService::RunPodSandbox(const PodSandboxConfig& config) {
  v1::RunPodSandboxRequest req;
  ToProto(config, req.mutable_config());
  v1::RunPodSandboxResponse resp;
  std::string object = "pod " + config.metadata.ns + "/" + config.metadata.name;
  Status s = Call(*stubs_->runtime, &v1::RuntimeService::Stub::RunPodSandbox, req, &resp, "RunPodSandbox",
                  object, options_.request_timeout);
  if (!s.ok()) return s;
  return resp.pod_sandbox_id();
}

Status GrpcRuntimeService::StopPodSandbox(const std::string& sandbox_id) {
  v1::StopPodSandboxRequest req;
  req.set_pod_sandbox_id(sandbox_id);
  v1::StopPodSandboxResponse resp;
  return Call(*stubs_->runtime, &v1::RuntimeService::Stub::StopPodSandbox, req, &resp, "StopPodSandbox",
              "sandbox " + sandbox_id, options_.request_timeout);
}

Status GrpcRuntimeService::RemovePodSandbox(const std::string& sandbox_id) {
  v1::RemovePodSandboxRequest req;
  req.set_pod_sandbox_id(sandbox_id);
  v1::RemovePodSandboxResponse resp;
  return Call(*stubs_->runtime, &v1::RuntimeService::Stub::RemovePodSandbox, req, &resp, "RemovePodSandbox",
              "sandbox " + sandbox_id, options_.request_timeout);
}

Result<PodSandboxStatus> GrpcRuntimeService::PodSandboxStatusOf(const std::string& sandbox_id) {
  v1::PodSandboxStatusRequest req;
  req.set_pod_sandbox_id(sandbox_id);
  v1::PodSandboxStatusResponse resp;
  Status s = Call(*stubs_->runtime, &v1::RuntimeService::Stub::PodSandboxStatus, req, &resp,
                  "PodSandboxStatus", "sandbox " + sandbox_id, options_.request_timeout);
  if (!s.ok()) return s;
  return FromProto(resp.status());
}

Result<std::vector<PodSandbox>> GrpcRuntimeService::ListPodSandbox(const SandboxFilter& filter) {
  v1::ListPodSandboxRequest req;
  ToProto(filter, req.mutable_filter());
  v1::ListPodSandboxResponse resp;
  Status s = Call(*stubs_->runtime, &v1::RuntimeService::Stub::ListPodSandbox, req, &resp, "ListPodSandbox",
                  "", options_.request_timeout);
  if (!s.ok()) return s;
  std::vector<PodSandbox> out;
  for (const auto& item : resp.items()) out.push_back(FromProto(item));
  return out;
}

Result<std::string> GrpcRuntimeService::CreateContainer(const std::string& sandbox_id,
                                                        const ContainerConfig& config,
                                                        const PodSandboxConfig& sandbox_config) {
  v1::CreateContainerRequest req;
  req.set_pod_sandbox_id(sandbox_id);
  ToProto(config, sandbox_config, req.mutable_config());
  ToProto(sandbox_config, req.mutable_sandbox_config());
  v1::CreateContainerResponse resp;
  std::string object = "container " + config.metadata.name + " of pod " + sandbox_config.metadata.ns + "/" +
                       sandbox_config.metadata.name;
  Status s = Call(*stubs_->runtime, &v1::RuntimeService::Stub::CreateContainer, req, &resp, "CreateContainer",
                  object, options_.request_timeout);
  if (!s.ok()) return s;
  return resp.container_id();
}

Status GrpcRuntimeService::StartContainer(const std::string& container_id) {
  v1::StartContainerRequest req;
  req.set_container_id(container_id);
  v1::StartContainerResponse resp;
  return Call(*stubs_->runtime, &v1::RuntimeService::Stub::StartContainer, req, &resp, "StartContainer",
              "container " + container_id, options_.request_timeout);
}

Status GrpcRuntimeService::StopContainer(const std::string& container_id, std::chrono::seconds timeout) {
  v1::StopContainerRequest req;
  req.set_container_id(container_id);
  req.set_timeout(timeout.count());
  v1::StopContainerResponse resp;
  // The runtime waits up to `timeout` before SIGKILL: the call's deadline must outlast it (as kubelet does).
  return Call(*stubs_->runtime, &v1::RuntimeService::Stub::StopContainer, req, &resp, "StopContainer",
              "container " + container_id, options_.request_timeout + timeout);
}

Status GrpcRuntimeService::RemoveContainer(const std::string& container_id) {
  v1::RemoveContainerRequest req;
  req.set_container_id(container_id);
  v1::RemoveContainerResponse resp;
  return Call(*stubs_->runtime, &v1::RuntimeService::Stub::RemoveContainer, req, &resp, "RemoveContainer",
              "container " + container_id, options_.request_timeout);
}

Result<std::vector<Container>> GrpcRuntimeService::ListContainers(const ContainerFilter& filter) {
  v1::ListContainersRequest req;
  ToProto(filter, req.mutable_filter());
  v1::ListContainersResponse resp;
  Status s = Call(*stubs_->runtime, &v1::RuntimeService::Stub::ListContainers, req, &resp, "ListContainers",
                  "", options_.request_timeout);
  if (!s.ok()) return s;
  std::vector<Container> out;
  for (const auto& item : resp.containers()) out.push_back(FromProto(item));
  return out;
}

Result<ContainerStatus> GrpcRuntimeService::ContainerStatusOf(const std::string& container_id) {
  v1::ContainerStatusRequest req;
  req.set_container_id(container_id);
  v1::ContainerStatusResponse resp;
  Status s = Call(*stubs_->runtime, &v1::RuntimeService::Stub::ContainerStatus, req, &resp, "ContainerStatus",
                  "container " + container_id, options_.request_timeout);
  if (!s.ok()) return s;
  return FromProto(resp.status());
}

Result<ExecResult> GrpcRuntimeService::ExecSync(const std::string& container_id,
                                                const std::vector<std::string>& cmd,
                                                std::chrono::seconds timeout) {
  v1::ExecSyncRequest req;
  req.set_container_id(container_id);
  for (const auto& c : cmd) req.add_cmd(c);
  req.set_timeout(timeout.count());
  v1::ExecSyncResponse resp;
  // The runtime enforces `timeout`; the gRPC deadline is a backstop a little later, as kubelet's.
  Status s = Call(*stubs_->runtime, &v1::RuntimeService::Stub::ExecSync, req, &resp, "ExecSync",
                  "container " + container_id, timeout + std::chrono::seconds(2));
  if (!s.ok()) return s;
  return ExecResult{resp.stdout(), resp.stderr(), resp.exit_code()};
}

Result<std::string> GrpcRuntimeService::Exec(const ExecRequest& request) {
  v1::ExecRequest req;
  ToProto(request, &req);
  v1::ExecResponse resp;
  Status s = Call(*stubs_->runtime, &v1::RuntimeService::Stub::Exec, req, &resp, "Exec",
                  "container " + request.container_id, options_.request_timeout);
  if (!s.ok()) return s;
  return resp.url();
}

Result<std::string> GrpcRuntimeService::Attach(const AttachRequest& request) {
  v1::AttachRequest req;
  ToProto(request, &req);
  v1::AttachResponse resp;
  Status s = Call(*stubs_->runtime, &v1::RuntimeService::Stub::Attach, req, &resp, "Attach",
                  "container " + request.container_id, options_.request_timeout);
  if (!s.ok()) return s;
  return resp.url();
}

Result<std::string> GrpcRuntimeService::PortForward(const PortForwardRequest& request) {
  v1::PortForwardRequest req;
  ToProto(request, &req);
  v1::PortForwardResponse resp;
  Status s = Call(*stubs_->runtime, &v1::RuntimeService::Stub::PortForward, req, &resp, "PortForward",
                  "sandbox " + request.pod_sandbox_id, options_.request_timeout);
  if (!s.ok()) return s;
  return resp.url();
}

Result<std::vector<ContainerStats>> GrpcRuntimeService::ListContainerStats(const ContainerStatsFilter& filter) {
  v1::ListContainerStatsRequest req;
  req.mutable_filter()->set_id(filter.id);
  req.mutable_filter()->set_pod_sandbox_id(filter.pod_sandbox_id);
  for (const auto& [k, v] : filter.label_selector) (*req.mutable_filter()->mutable_label_selector())[k] = v;
  v1::ListContainerStatsResponse resp;
  Status s = Call(*stubs_->runtime, &v1::RuntimeService::Stub::ListContainerStats, req, &resp,
                  "ListContainerStats", "", options_.request_timeout);
  if (!s.ok()) return s;
  std::vector<ContainerStats> out;
  for (const auto& item : resp.stats()) out.push_back(FromProto(item));
  return out;
}

Result<std::vector<PodSandboxStats>> GrpcRuntimeService::ListPodSandboxStats(const PodSandboxStatsFilter& filter) {
  v1::ListPodSandboxStatsRequest req;
  req.mutable_filter()->set_id(filter.id);
  for (const auto& [k, v] : filter.label_selector) (*req.mutable_filter()->mutable_label_selector())[k] = v;
  v1::ListPodSandboxStatsResponse resp;
  Status s = Call(*stubs_->runtime, &v1::RuntimeService::Stub::ListPodSandboxStats, req, &resp,
                  "ListPodSandboxStats", "", options_.request_timeout);
  if (!s.ok()) return s;
  std::vector<PodSandboxStats> out;
  for (const auto& item : resp.stats()) out.push_back(FromProto(item));
  return out;
}

Result<std::string> GrpcRuntimeService::PullImage(const std::string& image, const PodSandboxConfig* sandbox_config,
                                                  const AuthConfig* auth) {
  v1::PullImageRequest req;
  req.mutable_image()->set_image(image);
  if (auth) {
    v1::AuthConfig* a = req.mutable_auth();
    a->set_username(auth->username);
    a->set_password(auth->password);
    a->set_auth(auth->auth);
    a->set_server_address(auth->server_address);
    a->set_identity_token(auth->identity_token);
    a->set_registry_token(auth->registry_token);
  }
  if (sandbox_config) ToProto(*sandbox_config, req.mutable_sandbox_config());
  v1::PullImageResponse resp;
  Status s = Call(*stubs_->image, &v1::ImageService::Stub::PullImage, req, &resp, "PullImage", image,
                  options_.pull_timeout);
  if (!s.ok()) return s;
  return resp.image_ref();
}

Result<std::optional<Image>> GrpcRuntimeService::ImageStatus(const std::string& image) {
  v1::ImageStatusRequest req;
  req.mutable_image()->set_image(image);
  v1::ImageStatusResponse resp;
  Status s = Call(*stubs_->image, &v1::ImageService::Stub::ImageStatus, req, &resp, "ImageStatus", image,
                  options_.request_timeout);
  if (!s.ok()) return s;
  if (!resp.has_image() || resp.image().id().empty()) return std::optional<Image>();
  return std::optional<Image>(FromProto(resp.image()));
}

Result<std::vector<Image>> GrpcRuntimeService::ListImages() {
  v1::ListImagesRequest req;
  v1::ListImagesResponse resp;
  Status s = Call(*stubs_->image, &v1::ImageService::Stub::ListImages, req, &resp, "ListImages", "",
                  options_.request_timeout);
  if (!s.ok()) return s;
  std::vector<Image> out;
  for (const auto& item : resp.images()) out.push_back(FromProto(item));
  return out;
}

Status GrpcRuntimeService::RemoveImage(const std::string& image) {
  v1::RemoveImageRequest req;
  req.mutable_image()->set_image(image);
  v1::RemoveImageResponse resp;
  return Call(*stubs_->image, &v1::ImageService::Stub::RemoveImage, req, &resp, "RemoveImage", image,
              options_.request_timeout);
}

}  // namespace kubenode::cri
