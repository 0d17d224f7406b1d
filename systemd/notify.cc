#include "systemd/notify.h"

#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include <systemd/sd-daemon.h>

namespace kubenode::systemd {

void NotifyReady(const std::string& status) { sd_notify(0, ("READY=1\nSTATUS=" + status).c_str()); }

void NotifyStatus(const std::string& status) { sd_notify(0, ("STATUS=" + status).c_str()); }

void NotifyStopping() { sd_notify(0, "STOPPING=1"); }

void NotifyWatchdog() { sd_notify(0, "WATCHDOG=1"); }

std::optional<std::chrono::microseconds> WatchdogPingInterval() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec / 2);
}

bool StderrIsJournal() {
  // JOURNAL_STREAM is "DEV:INODE" of the journal stream; it only counts if stderr is still that stream.
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat st {};
  if (fstat(2, &st) != 0) return false;
  return std::string(stream) ==
         std::to_string(static_cast<unsigned long>(st.st_dev)) + ":" + std::to_string(st.st_ino);
}

}  // namespace kubenode::systemd
