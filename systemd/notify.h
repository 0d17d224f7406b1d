// What kubenode tells systemd: READY=1 once the first syncs are done, STATUS= lines, WATCHDOG=1 pings.
// Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace kubenode::systemd {

void NotifyReady(const std::string& status);
void NotifyStatus(const std::string& status);
void NotifyStopping();
void NotifyWatchdog();

// The watchdog interval systemd asks for (WatchdogSec=), halved as sd_watchdog_enabled advises.
std::optional<std::chrono::microseconds> WatchdogPingInterval();

// True when stderr is connected to the journal (systemd sets JOURNAL_STREAM), so logs should go to
// journald with structured fields instead of plain text.
bool StderrIsJournal();

}  // namespace kubenode::systemd
