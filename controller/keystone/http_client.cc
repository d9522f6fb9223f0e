#include "controller/keystone/http_client.h"

#include <curl/curl.h>
#include <strings.h>

#include <mutex>

#include "absl/strings/str_cat.h"
#include "common/text.h"

namespace porthole::controller::keystone {
namespace {

constexpr size_t kMaxHeaderBytes = size_t{64} * 1024;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// What the write and header callbacks fill.
struct Sink {
  HttpClientResponse* response;
  size_t max_body;
  size_t header_bytes = 0;
  bool too_big = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t bytes = size * count;
  if (sink->response->body.size() + bytes > sink->max_body) {
    sink->too_big = true;
    return 0;  // libcurl stops with CURLE_WRITE_ERROR
  }
  sink->response->body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t bytes = size * count;
  sink->header_bytes += bytes;
  if (sink->header_bytes > kMaxHeaderBytes) {
    sink->too_big = true;
    return 0;
  }
  std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    sink->response->headers.clear();  // a new response (after a 100)
    return bytes;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  sink->response->headers.emplace_back(
      std::string(Trim(line.substr(0, colon))),
      std::string(Trim(line.substr(colon + 1))));
  return bytes;
}

long Millis(absl::Duration d) {
  return static_cast<long>(absl::ToInt64Milliseconds(d));
}

}  // namespace

struct HttpClient::Handle {
  CURL* easy = curl_easy_init();
  ~Handle() {
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
};

std::optional<std::string> HttpClientResponse::Header(
    std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        strncasecmp(key.data(), name.data(), name.size()) == 0) {
      return value;
    }
  }
  return std::nullopt;
}

HttpClient::HttpClient(HttpClientOptions options)
    : options_(std::move(options)) {
  InitCurlOnce();
}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Handle> HttpClient::TakeHandle() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Handle> handle = std::move(idle_.back());
      idle_.pop_back();
      return handle;
    }
  }
  return std::make_unique<Handle>();
}

void HttpClient::ReturnHandle(std::unique_ptr<Handle> handle) {
  absl::MutexLock lock(&mu_);
  if (idle_.size() < options_.max_idle_handles) {
    idle_.push_back(std::move(handle));
  }
}

absl::StatusOr<HttpClientResponse> HttpClient::Send(
    const HttpClientRequest& request) {
  std::unique_ptr<Handle> handle = TakeHandle();
  if (handle->easy == nullptr) {
    return absl::InternalError("curl_easy_init failed");
  }
  CURL* easy = handle->easy;
  // Options go, live connections stay.
  curl_easy_reset(easy);

  HttpClientResponse response;
  Sink sink{&response, options_.max_response_bytes};
  char error[CURL_ERROR_SIZE] = {};
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers =
        curl_slist_append(headers, absl::StrCat(name, ": ", value).c_str());
  }
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue wait

  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);  // we run on many threads
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, Millis(options_.timeout));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, Millis(options_.timeout));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &sink);
  if (request.method == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  if (!options_.ca_file.empty()) {
    curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
  }
  if (!options_.cert_file.empty()) {
    curl_easy_setopt(easy, CURLOPT_SSLCERT, options_.cert_file.c_str());
    curl_easy_setopt(easy, CURLOPT_SSLKEY, options_.key_file.c_str());
  }
  if (options_.insecure) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }

  const CURLcode code = curl_easy_perform(easy);
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  // The handle must not point at our stack after this call.
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, nullptr);
  curl_slist_free_all(headers);
  ReturnHandle(std::move(handle));

  if (sink.too_big) {
    return absl::ResourceExhaustedError(absl::StrCat(
        request.method, " ", request.url, ": the response is larger than ",
        options_.max_response_bytes, " bytes"));
  }
  if (code != CURLE_OK) {
    return absl::UnavailableError(
        absl::StrCat(request.method, " ", request.url, ": ",
                     error[0] != '\0' ? error : curl_easy_strerror(code)));
  }
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace porthole::controller::keystone
