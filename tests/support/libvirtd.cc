#include "tests/support/libvirtd.h"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

namespace porthole::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kUser[] = "nobody";
constexpr char kGroup[] = "nogroup";
constexpr int kVncPorts = 16;

void ChownTree(const std::string& root, uid_t uid, gid_t gid) {
  if (lchown(root.c_str(), uid, gid) != 0) {
    throw std::runtime_error("chown " + root + ": " + std::strerror(errno));
  }
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    lchown(entry.path().c_str(), uid, gid);
  }
}

// Processes the daemon spawned that outlive it (QEMU guests, virtlogd) carry
// our directory in their environment (HOME, XDG_*): that tells them apart
// from an unrelated process that reused a PID from a stale pid file.
bool ProcessBelongsTo(pid_t pid, const std::string& dir) {
  std::string environ = ReadFile("/proc/" + std::to_string(pid) + "/environ");
  return environ.find("=" + dir + "/") != std::string::npos;
}

// Gone, or a zombie that its (foreign) parent has yet to reap.
bool ProcessGone(pid_t pid) {
  if (kill(pid, 0) != 0) return true;
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ||
         stat[paren + 2] == 'Z';
}

}  // namespace

bool CanConnectUnix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

Libvirtd::Libvirtd(const std::string& extra_qemu_conf) {
  for (const char* sub : {"home", "run", "cfg", "cache"}) {
    fs::create_directories(dir() + "/" + sub);
  }
  // QEMU's autoport range: libvirt's default (5900 and up) is shared with
  // every other daemon and VNC server on the machine, and two daemons that
  // probe the same free port race for it. A range of our own, from the
  // ephemeral ports, makes that unlikely. stdio_handler=file: no virtlogd.
  vnc_port_min_ = std::min(PickFreePort(), 65535 - kVncPorts + 1);
  fs::create_directories(dir() + "/cfg/libvirt");
  WriteFile(dir() + "/cfg/libvirt/qemu.conf",
            "remote_display_port_min = " + std::to_string(vnc_port_min_) +
                "\nremote_display_port_max = " +
                std::to_string(vnc_port_min_ + kVncPorts - 1) +
                "\nstdio_handler = \"file\"\n" + extra_qemu_conf);
  ShareWithDaemon(dir());
  // nobody must traverse the top directory (mkdtemp made it 0700 for root);
  // the runtime directory stays private, as libvirtd wants it.
  chmod(dir().c_str(), 0755);
  chmod((dir() + "/run").c_str(), 0700);
}

void Libvirtd::ShareWithDaemon(const std::string& path) {
  passwd* user = getpwnam(kUser);
  group* grp = getgrnam(kGroup);
  if (user == nullptr || grp == nullptr) {
    throw std::runtime_error("no user nobody / group nogroup");
  }
  ChownTree(path, user->pw_uid, grp->gr_gid);
}

Libvirtd::~Libvirtd() {
  if (process_ != nullptr) {
    process_->Signal(SIGKILL);
    process_->Signal(SIGCONT);
    process_.reset();
  }
  KillGuests();
}

bool Libvirtd::Start(std::chrono::milliseconds timeout) {
  if (process_ != nullptr && process_->running()) return true;
  // A daemon killed hard leaves its socket behind; a fresh one must not be
  // mistaken for it.
  std::error_code ignored;
  fs::remove(socket_path(), ignored);
  const std::string& d = dir();
  std::vector<std::string> argv;
  if (!netns_.empty()) argv = {"ip", "netns", "exec", netns_};
  const std::vector<std::string> daemon = {
      "setpriv", std::string("--reuid=") + kUser,
      std::string("--regid=") + kGroup, "--clear-groups",
      // A test process killed by a timeout takes its daemon with it.
      "--pdeathsig", "SIGKILL", "env", "HOME=" + d + "/home",
      "XDG_RUNTIME_DIR=" + d + "/run", "XDG_CONFIG_HOME=" + d + "/cfg",
      "XDG_CACHE_HOME=" + d + "/cache", "/usr/sbin/libvirtd", "--timeout", "0"};
  argv.insert(argv.end(), daemon.begin(), daemon.end());
  process_ = std::make_unique<ChildProcess>(argv, std::vector<std::string>{},
                                            d + "/libvirtd.log");
  return WaitFor(
             [&] {
               return !process_->running() || CanConnectUnix(socket_path());
             },
             timeout) &&
         process_->running();
}

void Libvirtd::Stop(std::chrono::milliseconds grace) {
  if (process_ != nullptr) process_->Stop(grace);
}

bool Libvirtd::Restart(std::chrono::milliseconds timeout) {
  Stop();
  return Start(timeout);
}

void Libvirtd::Pause() {
  if (process_ != nullptr) process_->Signal(SIGSTOP);
}

void Libvirtd::Resume() {
  if (process_ != nullptr) process_->Signal(SIGCONT);
}

bool Libvirtd::running() { return process_ != nullptr && process_->running(); }

pid_t Libvirtd::pid() const {
  return process_ != nullptr ? process_->pid() : -1;
}

std::string Libvirtd::socket_path() const {
  return dir() + "/run/libvirt/libvirt-sock";
}

std::string Libvirtd::test_uri() const {
  return "test+unix:///default?socket=" + socket_path();
}

std::string Libvirtd::qemu_uri() const {
  return "qemu+unix:///session?socket=" + socket_path();
}

std::string Libvirtd::ReadLog() const {
  return ReadFile(dir() + "/libvirtd.log");
}

bool Libvirtd::CreateGuest(const std::string& domain_xml, std::string* error) {
  const std::string path =
      dir() + "/guest-" + std::to_string(++guests_) + ".xml";
  WriteFile(path, domain_xml);
  // libvirt checks an autoport is free before QEMU binds it; another
  // process may take it in between, so a failed create is retried.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (RunCommand({"virsh", "-q", "-c", qemu_uri(), "create", path}, error) ==
        0) {
      return true;
    }
  }
  *error += ReadLog();
  return false;
}

bool Libvirtd::DestroyGuest(const std::string& name, std::string* error) {
  return RunCommand({"virsh", "-q", "-c", qemu_uri(), "destroy", name},
                    error) == 0;
}

std::string Libvirtd::GuestXml(const std::string& name) {
  std::string xml;
  return RunCommand({"virsh", "-q", "-c", qemu_uri(), "dumpxml", name}, &xml) ==
                 0
             ? xml
             : "";
}

void Libvirtd::KillGuests() {
  std::vector<std::string> pid_files;
  std::error_code error;
  for (const auto& entry :
       fs::directory_iterator(dir() + "/run/libvirt/qemu/run", error)) {
    const fs::path& path = entry.path();
    if (path.extension() == ".pid" && path.filename() != "driver.pid") {
      pid_files.push_back(path.string());
    }
  }
  pid_files.push_back(dir() + "/run/libvirt/virtlogd.pid");
  pid_files.push_back(dir() + "/run/libvirt/virtlockd.pid");
  for (const std::string& file : pid_files) {
    pid_t pid = static_cast<pid_t>(std::atoi(ReadFile(file).c_str()));
    if (pid > 1 && ProcessBelongsTo(pid, dir())) {
      kill(pid, SIGKILL);
      kill(pid, SIGCONT);
      // Not our children: wait for them to go before the directory does.
      WaitFor([pid] { return ProcessGone(pid); }, std::chrono::seconds(5));
    }
  }
}

}  // namespace porthole::testing
