#include "controller/api/nova_error.h"

#include "controller/api/json_body.h"
#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

TEST(FaultNameTest, FollowsNovasTable) {
  EXPECT_EQ(FaultName(400), "badRequest");
  EXPECT_EQ(FaultName(401), "unauthorized");
  EXPECT_EQ(FaultName(403), "forbidden");
  EXPECT_EQ(FaultName(404), "itemNotFound");
  EXPECT_EQ(FaultName(405), "badMethod");
  EXPECT_EQ(FaultName(409), "conflictingRequest");
  EXPECT_EQ(FaultName(413), "overLimit");
  EXPECT_EQ(FaultName(429), "overLimit");
  EXPECT_EQ(FaultName(415), "badMediaType");
  EXPECT_EQ(FaultName(501), "notImplemented");
  EXPECT_EQ(FaultName(503), "serviceUnavailable");
  EXPECT_EQ(FaultName(406), "computeFault");
  EXPECT_EQ(FaultName(410), "computeFault");
  EXPECT_EQ(FaultName(500), "computeFault");
}

TEST(NovaFaultTest, WritesTheEnvelope) {
  HttpResponse response = NovaFault(409, "Instance x is not ready");
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(response.Header("Content-Type"), "application/json; charset=UTF-8");
  EXPECT_EQ(
      response.body,
      R"({"conflictingRequest":{"code":409,"message":"Instance x is not ready"}})");
}

TEST(NovaFaultTest, ReplacesInvalidUtf8) {
  HttpResponse response = NovaFault(400, "bad \xff byte");
  EXPECT_EQ(response.body,
            "{\"badRequest\":{\"code\":400,\"message\":\"bad \xef\xbf\xbd "
            "byte\"}}");
}

TEST(FaultFromStatusTest, MapsCodesAndHidesInternalErrors) {
  EXPECT_EQ(FaultFromStatus(absl::InvalidArgumentError("x")).status, 400);
  EXPECT_EQ(FaultFromStatus(absl::PermissionDeniedError("x")).status, 403);
  EXPECT_EQ(FaultFromStatus(absl::NotFoundError("x")).status, 404);
  EXPECT_EQ(FaultFromStatus(absl::FailedPreconditionError("x")).status, 409);
  EXPECT_EQ(FaultFromStatus(absl::UnimplementedError("x")).status, 501);
  EXPECT_EQ(FaultFromStatus(absl::UnavailableError("x")).status, 503);
  HttpResponse internal = FaultFromStatus(absl::InternalError("sqlite: disk"));
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.body.find("sqlite"), std::string::npos);
  EXPECT_NE(internal.body.find("computeFault"), std::string::npos);
}

TEST(WebObNotFoundTest, FollowsAccept) {
  HttpRequest plain;
  EXPECT_EQ(WebObNotFound(plain).body,
            "404 Not Found\n\nThe resource could not be found.\n\n   ");
  HttpRequest json;
  json.headers = {{"Accept", "application/json"}};
  EXPECT_EQ(WebObNotFound(json).Header("Content-Type"), "application/json");
  HttpRequest any;
  any.headers = {{"Accept", "*/*"}};
  EXPECT_EQ(WebObNotFound(any).Header("Content-Type"),
            "text/html; charset=UTF-8");
  HttpRequest prefers_json;
  prefers_json.headers = {{"Accept", "text/html;q=0.5, application/json"}};
  EXPECT_EQ(WebObNotFound(prefers_json).Header("Content-Type"),
            "application/json");
}

TEST(KeystoneUnauthorizedTest, NamesTheIdentityEndpoint) {
  HttpResponse response = KeystoneUnauthorized("http://keystone:5000");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.Header("WWW-Authenticate"),
            "Keystone uri=\"http://keystone:5000\"");
}

}  // namespace
}  // namespace porthole::controller
