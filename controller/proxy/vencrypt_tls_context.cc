#include "controller/proxy/vencrypt_tls_context.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace porthole::controller {

namespace ssl = boost::asio::ssl;

VencryptTlsContext::VencryptTlsContext(VncSecurityOptions options)
    : options_(std::move(options)) {}

absl::Status VencryptTlsContext::Load() {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds |
                       ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  auto failed = [](const char* option, const std::string& path,
                   const boost::system::error_code& ec) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot load [vnc] ", option, " ", path, ": ", ec.message()));
  };
  boost::system::error_code ec;
  context->load_verify_file(options_.ca_certs, ec);
  if (ec) return failed("vencrypt_ca_certs", options_.ca_certs, ec);
  context->set_verify_mode(ssl::verify_peer, ec);
  if (!options_.client_cert.empty()) {
    context->use_certificate_chain_file(options_.client_cert, ec);
    if (ec) return failed("vencrypt_client_cert", options_.client_cert, ec);
    context->use_private_key_file(options_.client_key, ssl::context::pem, ec);
    if (ec) return failed("vencrypt_client_key", options_.client_key, ec);
  }
  absl::MutexLock lock(&mu_);
  current_ = std::move(context);
  return absl::OkStatus();
}

std::shared_ptr<ssl::context> VencryptTlsContext::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

}  // namespace porthole::controller
