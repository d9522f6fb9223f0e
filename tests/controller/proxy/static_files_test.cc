#include "controller/proxy/static_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "controller/proxy/porthole_vnc_page.h"
#include "tests/support/child_process.h"

namespace porthole::controller {
namespace {

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() + "/web";
    mkdir(root_.c_str(), 0755);
    mkdir((root_ + "/app").c_str(), 0755);
    testing::WriteFile(root_ + "/vnc.html", "<html></html>");
    testing::WriteFile(root_ + "/app/ui.js", "1;");
    testing::WriteFile(dir_.path() + "/secret.txt", "secret");
    symlink("vnc.html", (root_ + "/vnc_auto.html").c_str());
    symlink((dir_.path() + "/secret.txt").c_str(),
            (root_ + "/escape.html").c_str());
    symlink(dir_.path().c_str(), (root_ + "/up").c_str());
  }
  testing::TempDir dir_;
  std::string root_;
};

TEST_F(StaticFilesTest, FileInRoot_IsServedWithItsType) {
  StaticFile f = ResolveStaticFile(root_, "/vnc.html?path=%3Ftoken%3Dx");
  EXPECT_EQ(f.status, 200);
  EXPECT_EQ(f.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(ResolveStaticFile(root_, "/app/ui.js").content_type,
            "application/javascript");
  EXPECT_EQ(ResolveStaticFile(root_, "/app/%75i.js").status, 200);
}

TEST_F(StaticFilesTest, SymlinkInsideRoot_IsServed) {
  StaticFile f = ResolveStaticFile(root_, "/vnc_auto.html");
  EXPECT_EQ(f.status, 200);
  EXPECT_EQ(f.content_type, "text/html; charset=utf-8");
}

TEST_F(StaticFilesTest, SymlinkOutOfRoot_IsRefused) {
  EXPECT_EQ(ResolveStaticFile(root_, "/escape.html").status, 404);
  EXPECT_EQ(ResolveStaticFile(root_, "/up/secret.txt").status, 404);
}

TEST_F(StaticFilesTest, Traversal_IsRefused) {
  EXPECT_EQ(ResolveStaticFile(root_, "/../secret.txt").status, 404);
  EXPECT_EQ(ResolveStaticFile(root_, "/app/..%2F..%2Fsecret.txt").status, 404);
  EXPECT_EQ(ResolveStaticFile(root_, "/%2e%2e/secret.txt").status, 404);
  EXPECT_EQ(ResolveStaticFile(root_, "/vnc.html%00.png").status, 400);
  EXPECT_EQ(ResolveStaticFile(root_, "/bad%zzescape").status, 400);
  EXPECT_EQ(ResolveStaticFile(root_, "/bad%4").status, 400);
}

TEST_F(StaticFilesTest, DoubleSlashPrefix_Is400) {
  // Nova bug 1927677: //host/... must never turn into a redirect.
  StaticFile f = ResolveStaticFile(root_, "//example.com/%2F..");
  EXPECT_EQ(f.status, 400);
  EXPECT_EQ(f.reason, "URI must not start with //");
}

TEST_F(StaticFilesTest, Directories_AreNotListed) {
  EXPECT_EQ(ResolveStaticFile(root_, "/").status, 404);
  EXPECT_EQ(ResolveStaticFile(root_, "/app/").status, 404);
  EXPECT_EQ(ResolveStaticFile(root_, "/app").status, 404);
  EXPECT_EQ(ResolveStaticFile(root_, "/missing.js").status, 404);
}

TEST(ContentTypeFor, KnownAndUnknownExtensions) {
  EXPECT_EQ(ContentTypeFor("a.css"), "text/css");
  EXPECT_EQ(ContentTypeFor("a.SVG"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("a.png"), "image/png");
  EXPECT_EQ(ContentTypeFor("favicon.ico"), "image/x-icon");
  EXPECT_EQ(ContentTypeFor("a.json"), "application/json");
  EXPECT_EQ(ContentTypeFor("a.wasm"), "application/wasm");
  EXPECT_EQ(ContentTypeFor("dir.d/file"), "application/octet-stream");
}

// Porthole's console page: at its path whatever the query, on Debian's
// noVNC core, showing the close frame's reason and code.
TEST(PortholeVncPage, ServedAtItsPathOnly_ShowsTheCloseReason) {
  std::optional<std::string_view> page =
      PortholeVncPageFor("/porthole_vnc.html?path=%3Ftoken%3Dabc");
  ASSERT_TRUE(page.has_value());
  EXPECT_NE(page->find("import RFB from './core/rfb.js'"), std::string::npos);
  EXPECT_NE(page->find("lastClose.reason"), std::string::npos);
  EXPECT_TRUE(PortholeVncPageFor("/porthole_vnc.html").has_value());
  EXPECT_FALSE(PortholeVncPageFor("/vnc_lite.html").has_value());
  EXPECT_FALSE(PortholeVncPageFor("/porthole_vnc.html/x").has_value());
  EXPECT_FALSE(PortholeVncPageFor("//porthole_vnc.html").has_value());
}

}  // namespace
}  // namespace porthole::controller
