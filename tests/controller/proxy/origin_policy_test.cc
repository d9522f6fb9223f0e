#include "controller/proxy/origin_policy.h"

#include <gtest/gtest.h>

namespace porthole::controller {
namespace {

constexpr char kHttpBase[] = "http://console.example:6080/vnc_lite.html";
constexpr char kHttpsBase[] = "https://console.example/vnc_lite.html";

OriginRequest Browser(std::string origin,
                      std::string host = "console.example:6080",
                      std::string peer = "192.0.2.10") {
  OriginRequest r;
  r.origin = std::move(origin);
  r.host = std::move(host);
  r.peer = std::move(peer);
  return r;
}

OriginPolicy Policy(std::vector<std::string> allowed = {},
                    std::vector<std::string> trusted = {}) {
  auto policy = OriginPolicy::Create(std::move(allowed), trusted);
  EXPECT_TRUE(policy.ok()) << policy.status();
  return *policy;
}

TEST(OriginPolicy, NoOrigin_IsAllowed) {
  OriginRequest r;
  r.host = "whatever";
  EXPECT_EQ(Policy().Check(r, kHttpBase), std::nullopt);
}

TEST(OriginPolicy, OriginEqualToHost_IsAllowed) {
  EXPECT_EQ(Policy().Check(Browser("http://console.example:6080"), kHttpBase),
            std::nullopt);
  EXPECT_EQ(Policy().Check(Browser("http://CONSOLE.example"), kHttpBase),
            std::nullopt);
}

TEST(OriginPolicy, ForeignOrigin_IsRejected) {
  EXPECT_EQ(Policy().Check(Browser("http://evil.example"), kHttpBase),
            "Origin header does not match this host.");
}

TEST(OriginPolicy, NullOrMalformedOrigin_IsNotValid) {
  EXPECT_EQ(Policy().Check(Browser("null"), kHttpBase),
            "Origin header not valid.");
  EXPECT_EQ(Policy().Check(Browser("http://"), kHttpBase),
            "Origin header not valid.");
}

TEST(OriginPolicy, AllowedOrigin_IsAllowedAndListNeverGrows) {
  OriginPolicy policy = Policy({"Dashboard.example"});
  EXPECT_EQ(policy.Check(Browser("http://dashboard.example"), kHttpBase),
            std::nullopt);
  // A request's own Host does not become allowed for the next request
  // (Nova bug 2158919).
  EXPECT_EQ(
      policy.Check(Browser("http://other.example", "other.example"), kHttpBase),
      std::nullopt);
  EXPECT_EQ(policy.Check(Browser("http://other.example"), kHttpBase),
            "Origin header does not match this host.");
}

TEST(OriginPolicy, SchemeMustMatchBaseUrl_WsCountsAsHttp) {
  EXPECT_EQ(Policy().Check(Browser("https://console.example:6080"), kHttpBase),
            "Origin header protocol does not match this host.");
  EXPECT_EQ(Policy().Check(Browser("http://console.example:6080"),
                           "ws://console.example:6083/"),
            std::nullopt);
  EXPECT_EQ(Policy().Check(Browser("https://console.example:6080"),
                           "wss://console.example:6083/"),
            std::nullopt);
}

TEST(OriginPolicy, ForwardedHeadersFromUntrustedPeer_AreIgnored) {
  OriginRequest r = Browser("https://public.example", "console.example:6080");
  r.forwarded_host = "public.example";
  r.forwarded_proto = "http";
  EXPECT_EQ(Policy().Check(r, kHttpBase),
            "Origin header does not match this host.");
  OriginRequest scheme_only = Browser("https://console.example:6080");
  scheme_only.forwarded_proto = "http";
  EXPECT_EQ(Policy().Check(scheme_only, kHttpBase),
            "Origin header protocol does not match this host.");
}

TEST(OriginPolicy, ForwardedHeadersFromTrustedProxy_AreBelieved) {
  OriginPolicy policy = Policy({}, {"10.0.0.0/8", "::1"});
  OriginRequest r =
      Browser("https://public.example", "backend:6080", "10.1.2.3");
  r.forwarded_host = "public.example, inner.example";
  EXPECT_EQ(policy.Check(r, kHttpsBase), std::nullopt);
  // TLS terminated at the proxy: the browser says https, the base URL http.
  OriginRequest tls =
      Browser("https://console.example:6080", "console.example:6080", "::1");
  tls.forwarded_proto = "http";
  EXPECT_EQ(policy.Check(tls, kHttpBase), std::nullopt);
  EXPECT_TRUE(policy.TrustsProxy("::ffff:10.9.9.9"));
  EXPECT_FALSE(policy.TrustsProxy("11.0.0.1"));
}

TEST(OriginPolicy, BadTrustedProxy_IsAnError) {
  EXPECT_FALSE(OriginPolicy::Create({}, {"10.0.0.0/33"}).ok());
  EXPECT_FALSE(OriginPolicy::Create({}, {"proxy.example"}).ok());
}

TEST(HostNameOf, StripsPortAndBrackets) {
  EXPECT_EQ(HostNameOf("Example.COM:443"), "example.com");
  EXPECT_EQ(HostNameOf("[::1]:6080"), "::1");
  EXPECT_EQ(HostNameOf(""), "");
}

TEST(OriginPolicy, ClientAddress_LastForwardedHopOnlyBehindATrustedProxy) {
  OriginPolicy policy = Policy({}, {"10.0.0.0/8"});
  OriginRequest direct = Browser("", "h", "198.51.100.7");
  direct.forwarded_for = "203.0.113.1";  // anyone can send it
  EXPECT_EQ(policy.ClientAddress(direct), "198.51.100.7");

  OriginRequest proxied = Browser("", "h", "10.1.2.3");
  EXPECT_EQ(policy.ClientAddress(proxied), "10.1.2.3");  // no header
  // The first hops are the client's word; the last is what the proxy saw.
  proxied.forwarded_for = "192.0.2.66, 203.0.113.9 ";
  EXPECT_EQ(policy.ClientAddress(proxied), "203.0.113.9");
  proxied.forwarded_for = "2001:db8::5";
  EXPECT_EQ(policy.ClientAddress(proxied), "2001:db8::5");
  proxied.forwarded_for = "not-an-address";
  EXPECT_EQ(policy.ClientAddress(proxied), "10.1.2.3");
}

}  // namespace
}  // namespace porthole::controller
