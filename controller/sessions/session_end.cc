#include "controller/sessions/session_end.h"

namespace porthole::controller {

SessionCloseFrame CloseFrameFor(SessionEnd end) {
  switch (end) {
    case SessionEnd::kClientClosed:
    case SessionEnd::kClientFailed:
      return {1000, ""};
    case SessionEnd::kEndedByAdmin:
      return {4001, "ended by administrator"};
    case SessionEnd::kTokenRevoked:
      return {4002, "console token revoked"};
    case SessionEnd::kTokenExpired:
      return {4003, "console token expired"};
    case SessionEnd::kIdle:
      return {4004, "idle"};
    case SessionEnd::kBackendClosed:
      return {4005, "console closed"};
    case SessionEnd::kProxyDraining:
      return {4006, "proxy shutting down"};
    case SessionEnd::kMaxDuration:
      return {4007, "maximum session duration reached"};
    case SessionEnd::kAccessRevoked:
      return {4008, "access revoked"};
  }
  return {1011, ""};
}

std::string_view SessionEndName(SessionEnd end) {
  switch (end) {
    case SessionEnd::kClientClosed:
      return "client-closed";
    case SessionEnd::kClientFailed:
      return "client-failed";
    case SessionEnd::kBackendClosed:
      return "backend-closed";
    case SessionEnd::kEndedByAdmin:
      return "ended-by-admin";
    case SessionEnd::kTokenRevoked:
      return "token-revoked";
    case SessionEnd::kTokenExpired:
      return "token-expired";
    case SessionEnd::kIdle:
      return "idle";
    case SessionEnd::kProxyDraining:
      return "proxy-draining";
    case SessionEnd::kMaxDuration:
      return "max-duration";
    case SessionEnd::kAccessRevoked:
      return "access-revoked";
  }
  return "unknown";
}

}  // namespace porthole::controller
