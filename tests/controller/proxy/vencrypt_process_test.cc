// porthole-controller with [vnc] auth_schemes = vencrypt, as deployed: a bad
// combination stops it at start with exit 2, and SIGHUP re-reads the
// certificate files (a broken one keeps the loaded ones).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>
#include <string>

#include "tests/support/child_process.h"
#include "tests/support/controller_stack.h"
#include "tests/support/test_pki.h"

namespace porthole::testing {
namespace {

using std::chrono::seconds;

TEST(VencryptProcess, VencryptWithoutCa_ExitsTwoNamingTheOption) {
  TempDir dir;
  WriteFile(dir.path() + "/controller.conf",
            "[vnc]\nauth_schemes = vencrypt,none\n");
  ChildProcess controller(
      {ControllerBinary(), "--config", dir.path() + "/controller.conf"}, {},
      dir.path() + "/controller.log");
  const std::optional<int> status = controller.Wait(seconds(20));
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  EXPECT_NE(controller.ReadLog().find("vencrypt_ca_certs"), std::string::npos)
      << controller.ReadLog();
}

TEST(VencryptProcess, Sighup_RereadsTheCertificateFiles) {
  TempDir pki_dir;
  TestPki pki(pki_dir.path());
  ASSERT_TRUE(pki.Init()) << pki.error();
  ASSERT_TRUE(pki.IssueClient("client", "porthole-proxy")) << pki.error();
  const std::string ca = pki_dir.path() + "/proxy-ca.pem";
  WriteFile(ca, ReadFile(pki.ca_cert()));
  ControllerStack stack(
      "",
      "[vnc]\nauth_schemes = vencrypt,none\n"
      "vencrypt_ca_certs = " +
          ca + "\nvencrypt_client_cert = " + pki.cert("client") +
          "\nvencrypt_client_key = " + pki.key("client") + "\n");
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog();
  // The API answers before the proxies have read their files: a file
  // changed before that is a failed start, not a reload.
  ASSERT_TRUE(WaitFor(
      [&] {
        return stack.ControllerLog().find("listening listener=novnc") !=
               std::string::npos;
      },
      seconds(10)))
      << stack.ControllerLog();

  WriteFile(ca, "not a certificate\n");
  stack.controller()->Signal(SIGHUP);
  EXPECT_TRUE(WaitFor(
      [&] {
        return stack.ControllerLog().find(
                   "keeping the old VeNCrypt certificates") !=
               std::string::npos;
      },
      seconds(10)))
      << stack.ControllerLog();
  EXPECT_TRUE(stack.controller()->running());

  WriteFile(ca, ReadFile(pki.ca_cert()));
  stack.controller()->Signal(SIGHUP);
  EXPECT_TRUE(WaitFor(
      [&] {
        return stack.ControllerLog().find(
                   "reloaded the VeNCrypt certificates") != std::string::npos;
      },
      seconds(10)))
      << stack.ControllerLog();
}

}  // namespace
}  // namespace porthole::testing
