#include "tests/support/virtual_display.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <regex>

namespace porthole::testing {
namespace {

// XWD headers are big-endian 32-bit fields.
uint32_t U32(const std::string& s, size_t at) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data() + at);
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
         (uint32_t{p[2]} << 8) | p[3];
}

// The light gray pixels of an XWD file of a 24-bit TrueColor ZPixmap with
// 4 bytes a pixel (what Xvfb's root dumps as), or -1 when it is not one: the
// header says where pixels start and how the channels are laid out. The
// header says 32 bits a pixel, or 24 once a window with a 32-bit (ARGB)
// visual is on the screen (GTK's, remote-viewer's): xwd then composes the
// visuals into one image, still 4 bytes a pixel.
int CountGray(const std::string& xwd) {
  if (xwd.size() < 100) return -1;
  const uint32_t header_size = U32(xwd, 0);
  const uint32_t width = U32(xwd, 16);
  const uint32_t height = U32(xwd, 20);
  const uint32_t byte_order = U32(xwd, 28);  // 0: LSBFirst
  const uint32_t bits_per_pixel = U32(xwd, 44);
  const uint32_t bytes_per_line = U32(xwd, 48);
  const uint32_t ncolors = U32(xwd, 76);
  const size_t start = header_size + size_t{ncolors} * 12;
  if ((bits_per_pixel != 32 && bits_per_pixel != 24) ||
      bytes_per_line < size_t{width} * 4 ||
      xwd.size() < start + size_t{bytes_per_line} * height) {
    return -1;
  }
  int gray = 0;
  for (uint32_t y = 0; y < height; ++y) {
    for (uint32_t x = 0; x < width; ++x) {
      const auto* p = reinterpret_cast<const uint8_t*>(
          xwd.data() + start + size_t{y} * bytes_per_line + size_t{x} * 4);
      const uint32_t pixel = byte_order == 0
                                 ? (p[0] | (p[1] << 8) | (p[2] << 16))
                                 : ((p[1] << 16) | (p[2] << 8) | p[3]);
      const int r = (pixel >> 16) & 0xff, g = (pixel >> 8) & 0xff,
                b = pixel & 0xff;
      if (r == g && g == b && r >= 0xa0 && r <= 0xb0) ++gray;
    }
  }
  return gray;
}

}  // namespace

VirtualDisplay::VirtualDisplay(const std::string& dir)
    : xvfb_({"Xvfb", "-displayfd", "1", "-screen", "0", "1024x768x24", "-br",
             "-nolisten", "tcp"},
            {}, dir + "/xvfb.log") {
  // The display number is a line of digits (written when the server is
  // ready); Xvfb's complaints about displays another Xvfb took share the
  // log.
  WaitFor(
      [&] {
        const std::string log = ReadFile(xvfb_.log_path());
        static const std::regex kNumber("(^|\n)([0-9]+)\n");
        std::smatch m;
        if (!std::regex_search(log, m, kNumber)) return false;
        display_ = ":" + m[2].str();
        return true;
      },
      std::chrono::seconds(20));
}

int VirtualDisplay::GrayPixels(const std::string& dir) const {
  const std::string dump = dir + "/screen.xwd";
  if (RunCommand({"xwd", "-root", "-silent", "-display", display_, "-out",
                  dump}) != 0) {
    return -1;
  }
  return CountGray(ReadFile(dump));
}

}  // namespace porthole::testing
