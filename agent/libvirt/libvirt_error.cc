#include "agent/libvirt/libvirt_error.h"

#include <libvirt/virterror.h>

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"

namespace porthole::agent {
namespace {

constexpr char kCodePayload[] = "porthole.agent.libvirt/virErrorNumber";

absl::StatusCode StatusCodeFor(int code) {
  if (code == VIR_ERR_NO_DOMAIN) return absl::StatusCode::kNotFound;
  if (code == VIR_ERR_INVALID_ARG) return absl::StatusCode::kInvalidArgument;
  if (IsLibvirtConnectionError(code)) return absl::StatusCode::kUnavailable;
  return absl::StatusCode::kInternal;
}

}  // namespace

absl::Status LastLibvirtError(std::string_view context) {
  int code = VIR_ERR_INTERNAL_ERROR;
  std::string message = "unknown libvirt error";
  if (virErrorPtr error = virGetLastError(); error != nullptr) {
    code = error->code;
    message = error->message != nullptr ? error->message : "";
  }
  if (!context.empty())
    message = absl::StrCat(std::string(context), ": ", message);
  absl::Status status(StatusCodeFor(code), message);
  status.SetPayload(kCodePayload, absl::Cord(absl::StrCat(code)));
  return status;
}

int LibvirtErrorCode(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kCodePayload);
  int code = VIR_ERR_OK;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &code)) {
    return VIR_ERR_OK;
  }
  return code;
}

bool IsLibvirtConnectionError(int code) {
  return code == VIR_ERR_SYSTEM_ERROR || code == VIR_ERR_INTERNAL_ERROR ||
         code == VIR_ERR_RPC || code == VIR_ERR_NO_CONNECT;
}

}  // namespace porthole::agent
