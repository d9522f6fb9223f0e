#ifndef PORTHOLE_COMMON_GRPC_TLS_H_
#define PORTHOLE_COMMON_GRPC_TLS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace grpc {
class ServerCredentials;
class ChannelCredentials;
}  // namespace grpc

namespace porthole {

// PEM files for the gRPC link between controller and agents. With no cert,
// the link is plaintext. With cert and key, it is TLS; adding a CA makes it
// mutual: the server then requires and verifies client certificates, and the
// client verifies the server against that CA (else the system roots).
struct TlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string ca_file;

  bool enabled() const { return !cert_file.empty() || !ca_file.empty(); }
};

// Errors name the file that could not be read or the setting that is missing.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files);
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeChannelCredentials(const TlsFiles& files);

}  // namespace porthole

#endif  // PORTHOLE_COMMON_GRPC_TLS_H_
