#ifndef PORTHOLE_CONTROLLER_PROXY_VENCRYPT_TLS_CONTEXT_H_
#define PORTHOLE_CONTROLLER_PROXY_VENCRYPT_TLS_CONTEXT_H_

// clang-format off
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on
#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "controller/proxy/proxy_options.h"

namespace porthole::controller {

// The TLS client side of the noVNC proxy's VeNCrypt sessions: TLS 1.2 or
// later, the VNC server's certificate required and verified against
// `[vnc] vencrypt_ca_certs`, and the proxy's own certificate and key when
// set. Load reads the PEM files into a new context and swaps it in only
// when every file loaded, so a bad file on SIGHUP keeps the old one;
// sessions keep the context they started with (Current() is shared).
// Thread-safe.
class VencryptTlsContext {
 public:
  explicit VencryptTlsContext(VncSecurityOptions options);

  // InvalidArgument naming the file that failed and OpenSSL's reason.
  absl::Status Load();
  // The context of new sessions; null before the first Load succeeded.
  std::shared_ptr<boost::asio::ssl::context> Current() const;

  bool has_client_cert() const { return !options_.client_cert.empty(); }

 private:
  const VncSecurityOptions options_;
  mutable absl::Mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_VENCRYPT_TLS_CONTEXT_H_
