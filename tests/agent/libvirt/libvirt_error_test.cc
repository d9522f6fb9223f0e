// LastLibvirtError against the in-process test driver's real errors.

#include "agent/libvirt/libvirt_error.h"

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <memory>
#include <string>

#include "agent/libvirt/libvirt_event_loop.h"
#include "agent/libvirt/libvirt_handles.h"

namespace porthole::agent {
namespace {

class LibvirtErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    loop_ = LibvirtEventLoop::Acquire();  // libvirt set up as in production
    conn_.reset(virConnectOpenReadOnly("test:///default"));
    ASSERT_NE(conn_, nullptr);
  }

  std::shared_ptr<LibvirtEventLoop> loop_;
  ConnectHandle conn_;
};

TEST_F(LibvirtErrorTest, NoSuchDomain_IsNotFoundWithLibvirtsCode) {
  const DomainHandle dom(virDomainLookupByUUIDString(
      conn_.get(), "99999999-9999-4999-8999-999999999999"));
  ASSERT_EQ(dom, nullptr);
  const absl::Status status = LastLibvirtError();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_EQ(LibvirtErrorCode(status), VIR_ERR_NO_DOMAIN);
  EXPECT_FALSE(status.message().empty());
}

TEST_F(LibvirtErrorTest, MalformedUuid_IsInvalidArgument) {
  const DomainHandle dom(virDomainLookupByUUIDString(conn_.get(), "nope"));
  ASSERT_EQ(dom, nullptr);
  const absl::Status status = LastLibvirtError();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(LibvirtErrorCode(status), VIR_ERR_INVALID_ARG);
}

TEST_F(LibvirtErrorTest, Context_PrefixesTheMessage) {
  ASSERT_EQ(virDomainLookupByUUIDString(conn_.get(), "nope"), nullptr);
  const std::string message(LastLibvirtError("lookup").message());
  EXPECT_EQ(message.rfind("lookup: ", 0), 0u) << message;
}

TEST(LibvirtErrorCode, StatusWithoutLibvirtCode_IsOk) {
  EXPECT_EQ(LibvirtErrorCode(absl::OkStatus()), VIR_ERR_OK);
  EXPECT_EQ(LibvirtErrorCode(absl::InvalidArgumentError("bad XML")),
            VIR_ERR_OK);
}

TEST(IsLibvirtConnectionError, OnlyTheBrokenConnectionCodes) {
  for (int code : {VIR_ERR_SYSTEM_ERROR, VIR_ERR_INTERNAL_ERROR, VIR_ERR_RPC,
                   VIR_ERR_NO_CONNECT}) {
    EXPECT_TRUE(IsLibvirtConnectionError(code)) << code;
  }
  for (int code : {VIR_ERR_OK, VIR_ERR_NO_DOMAIN, VIR_ERR_INVALID_ARG,
                   VIR_ERR_NO_SUPPORT, VIR_ERR_OPERATION_INVALID}) {
    EXPECT_FALSE(IsLibvirtConnectionError(code)) << code;
  }
}

}  // namespace
}  // namespace porthole::agent
