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

#include <chrono>
#include <deque>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kubenode::server {

enum class LogStream { kAll, kStdout, kStderr };

struct LogOptions {
  int64_t tail = -1;        // the last N lines; negative: all
  bool timestamps = false;  // prefix each line with its time, RFC 3339 with 9 fraction digits
  LogStream stream = LogStream::kAll;
  int64_t limit_bytes = -1;  // cut the output after this many bytes (timestamps included); negative: all
  // Only lines logged at or after this time (sinceSeconds / sinceTime).
  std::optional<std::chrono::system_clock::time_point> since;
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

// One line of output, assembled from a P...F run of records.
struct LogLine {
  std::string timestamp;  // of its first record, as written
  std::string text;       // with its newline (none for a last line the runtime has not finished)
};

// Reads a CRI log incrementally (for follow): Feed it text as the file grows; it returns the lines that
// are complete. Lines of a stream not selected, or logged before `since`, are dropped here.
class CriLogParser {
 public:
  CriLogParser(std::string file, LogStream stream, std::optional<std::chrono::system_clock::time_point> since)
      : file_(std::move(file)), stream_(stream), since_(since) {}
  // `text` holds whole records; the last may lack its newline only when the file is read to its end once.
  Result<std::vector<LogLine>> Feed(std::string_view text);
  // Lines started by P records whose F never came (the file ended): stdout's, then stderr's.
  std::vector<LogLine> TakeUnfinished();

 private:
  std::string file_;
  LogStream stream_;
  std::optional<std::chrono::system_clock::time_point> since_;
  bool Wanted(const LogLine& line) const;

  // Lines in the order they started; a line is handed out once it and every line before it is complete
  // (so a line split across records keeps its place before a line of the other stream logged meanwhile).
  struct Pending {
    LogLine line;
    bool complete = false;
  };
  std::deque<Pending> pending_;
  uint64_t popped_ = 0;       // lines handed out or dropped so far: pending_[i] is line popped_ + i
  int64_t open_[2] = {-1, -1};  // per stream (stdout, stderr): the line number a P record started
  int line_number_ = 0;
};

// A line as written to the client: "<timestamp> " in front with `timestamps`.
std::string FormatLogLine(const LogLine& line, bool timestamps);

// The log `text` of file `file` (named in messages) rendered per `options`.
Result<std::string> RenderContainerLog(std::string_view text, const std::string& file, const LogOptions& options);

// Reads the log file at `path` and renders it.
Result<std::string> ReadContainerLog(const std::string& path, const LogOptions& options);

}  // namespace kubenode::server
