// LeakSanitizer reads these when a test binary is built with ASan. Only
// third-party leaks we can name belong here.
extern "C" const char* __lsan_default_suppressions() {
  // c-ares (gRPC's DNS resolver) keeps ~20 bytes when it resolves "localhost".
  // OpenSSL 3 keeps a per-thread error queue (ERR_STATE, ~330 bytes) for
  // each gRPC event-engine thread that saw a failed TLS handshake and is
  // still alive when the test exits (grpc/grpc#38539); seen once in ~10 runs
  // of etcd_token_store_test's mTLS case under load. libcrypto has no frame
  // pointers, so the report stops at CRYPTO_zalloc: the module is the name.
  return "leak:libcares.so\n"
         "leak:libcrypto.so\n";
}
