#include "controller/proxy/console_tls_context.h"

#include "absl/strings/str_cat.h"

namespace porthole::controller {

namespace ssl = boost::asio::ssl;

ConsoleTlsContext::ConsoleTlsContext(ConsoleTlsFiles files)
    : files_(std::move(files)) {}

absl::Status ConsoleTlsContext::Load() {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds |
                       ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  auto failed = [this](const char* option, const std::string& path,
                       const boost::system::error_code& ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot load ", files_.option_prefix, option, " ", path,
                     ": ", ec.message()));
  };
  boost::system::error_code ec;
  context->load_verify_file(files_.ca_certs, ec);
  if (ec) return failed("ca_certs", files_.ca_certs, ec);
  context->set_verify_mode(ssl::verify_peer, ec);
  if (!files_.client_cert.empty()) {
    context->use_certificate_chain_file(files_.client_cert, ec);
    if (ec) return failed("client_cert", files_.client_cert, ec);
    context->use_private_key_file(files_.client_key, ssl::context::pem, ec);
    if (ec) return failed("client_key", files_.client_key, ec);
  }
  absl::MutexLock lock(&mu_);
  current_ = std::move(context);
  return absl::OkStatus();
}

std::shared_ptr<ssl::context> ConsoleTlsContext::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

}  // namespace porthole::controller
