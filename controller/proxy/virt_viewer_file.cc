#include "controller/proxy/virt_viewer_file.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/text.h"

namespace porthole::controller {
namespace {

constexpr uint16_t kHttpsPort = 443;

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':';
}

// One line of a key file: no line breaks, no NULs.
std::string SingleLine(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c != '\n' && c != '\r' && c != '\0') out.push_back(c);
  }
  return out;
}

}  // namespace

std::string RenderVirtViewerFile(const VirtViewerConsole& c) {
  std::string out = absl::StrCat(
      "[virt-viewer]\ntype=spice\nhost=", SingleLine(c.listener.host),
      "\ntls-port=", c.listener.port, "\npassword=", SingleLine(c.password),
      "\nsecure-channels=all\ndelete-this-file=1\n");
  if (!c.ca_pem.empty()) {
    std::string pem = absl::StrReplaceAll(std::string(Trim(c.ca_pem)),
                                          {{"\r", ""}, {"\\", ""}});
    absl::StrAppend(&out, "ca=", absl::StrReplaceAll(pem, {{"\n", "\\n"}}),
                    "\n");
  }
  if (!c.title.empty())
    absl::StrAppend(&out, "title=", SingleLine(c.title), "\n");
  return out;
}

std::optional<HostPort> ListenerFromHostHeader(std::string_view host) {
  absl::StatusOr<HostPort> parsed = ParseHostPort(host, kHttpsPort);
  if (!parsed.ok() || parsed->host.empty() || parsed->port == 0) {
    return std::nullopt;
  }
  for (char c : parsed->host) {
    if (!IsHostChar(c)) return std::nullopt;
  }
  return *parsed;
}

}  // namespace porthole::controller
