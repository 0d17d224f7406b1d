// Conversions between kubenode's CRI structs (cri/types.h) and the generated protobuf messages.
// Private to cri/: only grpc_runtime_service.cc and its tests include this.
#pragma once

#include "cri/types.h"
#include "runtime/v1/api.pb.h"

namespace kubenode::cri {

void ToProto(const PodSandboxConfig& in, runtime::v1::PodSandboxConfig* out);
void ToProto(const ContainerConfig& in, const PodSandboxConfig& sandbox, runtime::v1::ContainerConfig* out);
void ToProto(const SandboxFilter& in, runtime::v1::PodSandboxFilter* out);
void ToProto(const ContainerFilter& in, runtime::v1::ContainerFilter* out);
void ToProto(const ExecRequest& in, runtime::v1::ExecRequest* out);
void ToProto(const AttachRequest& in, runtime::v1::AttachRequest* out);
void ToProto(const PortForwardRequest& in, runtime::v1::PortForwardRequest* out);

PodSandbox FromProto(const runtime::v1::PodSandbox& in);
PodSandboxStatus FromProto(const runtime::v1::PodSandboxStatus& in);
Container FromProto(const runtime::v1::Container& in);
ContainerStatus FromProto(const runtime::v1::ContainerStatus& in);
Image FromProto(const runtime::v1::Image& in);
ContainerStats FromProto(const runtime::v1::ContainerStats& in);
PodSandboxStats FromProto(const runtime::v1::PodSandboxStats& in);

}  // namespace kubenode::cri
