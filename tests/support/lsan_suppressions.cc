// LeakSanitizer reads these when a test binary is built with ASan. Only
// third-party leaks we can name belong here.
extern "C" const char* __lsan_default_suppressions() {
  // c-ares (gRPC's DNS resolver) keeps ~20 bytes when it resolves "localhost".
  return "leak:libcares.so\n";
}
