#ifndef PORTHOLE_CONTROLLER_PROXY_CONSOLE_TLS_CONTEXT_H_
#define PORTHOLE_CONTROLLER_PROXY_CONSOLE_TLS_CONTEXT_H_

// clang-format off
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace porthole::controller {

// The PEM files of one TLS client identity towards consoles, and the prefix
// of their option names for error messages ("[vnc] vencrypt_" makes
// "[vnc] vencrypt_ca_certs"; "[spice] tls_" makes "[spice] tls_ca_certs").
struct ConsoleTlsFiles {
  std::string option_prefix;
  std::string ca_certs;     // required
  std::string client_cert;  // with client_key, or neither
  std::string client_key;
};

// The TLS client side of the proxy's sessions to a console (VeNCrypt to
// QEMU's VNC server, TLS to a SPICE tls port): TLS 1.2 or later, the
// console's certificate required and verified against `ca_certs`, and the
// proxy's own certificate and key when set. Load reads the PEM files into a
// new context and swaps it in only when every file loaded, so a bad file on
// SIGHUP keeps the old one; sessions keep the context they started with
// (Current() is shared). Thread-safe.
class ConsoleTlsContext {
 public:
  explicit ConsoleTlsContext(ConsoleTlsFiles files);

  // InvalidArgument naming the option and file that failed and OpenSSL's
  // reason.
  absl::Status Load();
  // The context of new sessions; null before the first Load succeeded.
  std::shared_ptr<boost::asio::ssl::context> Current() const;

  bool has_client_cert() const { return !files_.client_cert.empty(); }

 private:
  const ConsoleTlsFiles files_;
  mutable absl::Mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_CONSOLE_TLS_CONTEXT_H_
