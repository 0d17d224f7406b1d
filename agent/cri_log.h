// Container logs in the CRI log format that containerd writes to /var/log/pods/<pod>/<container>/<n>.log:
//   2016-10-06T00:17:09.669794202Z stdout P first half of a long line,
//   2016-10-06T00:17:09.669794203Z stdout F  and the rest
//   2016-10-06T00:17:09.669794204Z stderr F a line on stderr
// read like kubelet's kuberuntime/logs for `kubectl logs`: P (partial) records are joined with the
// following records of the same stream up to an F (full) one; stdout and stderr are merged in file order.
//
// Malformed lines are handled like upstream: when the file's first line is not a CRI record the file is
// not a CRI log (error); a malformed line after that is skipped with a warning naming file and line.
// Differences from upstream, on purpose: `tail` counts logical lines (what the user sees), upstream
// counts records, so its tail of a split line can start mid-line; a P record waits for the F of its own
// stream, upstream joins whatever record comes next.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kubenode::agent {

enum class LogStream { kAll, kStdout, kStderr };

struct LogOptions {
  int64_t tail = -1;        // the last N lines; negative: all
  bool timestamps = false;  // prefix each line with its time, RFC 3339 with 9 fraction digits
  LogStream stream = LogStream::kAll;
  int64_t limit_bytes = -1;  // cut the output after this many bytes (timestamps included); negative: all
};

// One record of a CRI log file.
struct CriLogRecord {
  std::string timestamp;  // as written
  bool is_stderr = false;
  bool partial = false;     // tag P
  std::string_view content;  // after the tag, without the line's newline
};

// Parses one line (without its newline). Errors say what is wrong, like upstream's parseCRILog:
// "timestamp is not found", `unexpected timestamp "x": ...`, "stream type is not found",
// `unexpected stream type "x"`, "log tag is not found".
Result<CriLogRecord> ParseCriLogLine(std::string_view line);

// kubectl logs --timestamps' form of a CRI timestamp: fraction padded to 9 digits, offset kept ("Z" for
// UTC). Errors for a malformed timestamp.
Result<std::string> FormatCriLogTimestamp(std::string_view timestamp);

// The log `text` of file `file` (named in messages) rendered per `options`.
Result<std::string> RenderContainerLog(std::string_view text, const std::string& file, const LogOptions& options);

// Reads the log file at `path` and renders it.
Result<std::string> ReadContainerLog(const std::string& path, const LogOptions& options);

}  // namespace kubenode::agent
