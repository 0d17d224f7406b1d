#include "server/cri_log.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "api/field_errors.h"
#include "api/rfc3339.h"
#include "base/log.h"

namespace kubenode::server {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::optional<int> Number(std::string_view text, size_t pos, size_t len) {
  if (pos + len > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (!IsDigit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

Result<std::string> FormatCriLogTimestamp(std::string_view ts) {
  auto invalid = [&] {
    return Status::Error("unexpected timestamp " + api::Quote(ts) +
                         ": want RFC 3339 such as \"2016-10-06T00:17:09.669794202Z\"");
  };
  // Go's time.RFC3339Nano read leniently: "2006-01-02T15:04:05.999999999Z07:00".
  auto year = Number(ts, 0, 4), month = Number(ts, 5, 2), day = Number(ts, 8, 2);
  auto hour = Number(ts, 11, 2), minute = Number(ts, 14, 2), second = Number(ts, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || ts[4] != '-' || ts[7] != '-' || ts[10] != 'T' ||
      ts[13] != ':' || ts[16] != ':') {
    return invalid();
  }
  if (*month < 1 || *month > 12 || *day < 1 || *day > DaysInMonth(*year, *month) || *hour > 23 || *minute > 59 ||
      *second > 59) {
    return invalid();
  }
  size_t i = 19;
  std::string fraction;
  if (i < ts.size() && ts[i] == '.') {
    size_t start = ++i;
    while (i < ts.size() && IsDigit(ts[i])) ++i;
    if (i == start) return invalid();
    fraction = std::string(ts.substr(start, std::min<size_t>(i - start, 9)));  // Go keeps nanoseconds
  }
  fraction.resize(9, '0');
  std::string_view zone = ts.substr(std::min(i, ts.size()));
  std::string zone_out;
  if (zone == "Z") {
    zone_out = "Z";
  } else {
    auto zh = Number(zone, 1, 2), zm = Number(zone, 4, 2);
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' || !zh || !zm || *zh > 23 ||
        *zm > 59) {
      return invalid();
    }
    zone_out = *zh == 0 && *zm == 0 ? "Z" : std::string(zone);  // Go writes a zero offset as "Z"
  }
  return std::string(ts.substr(0, 19)) + "." + fraction + zone_out;
}

Result<CriLogRecord> ParseCriLogLine(std::string_view line) {
  CriLogRecord record;
  size_t space = line.find(' ');
  if (space == std::string_view::npos) return Status::Error("timestamp is not found");
  record.timestamp = std::string(line.substr(0, space));
  if (Result<std::string> ts = FormatCriLogTimestamp(record.timestamp); !ts.ok()) return ts.status();
  line.remove_prefix(space + 1);

  space = line.find(' ');
  if (space == std::string_view::npos) return Status::Error("stream type is not found");
  std::string_view stream = line.substr(0, space);
  if (stream != "stdout" && stream != "stderr") return Status::Error("unexpected stream type " + api::Quote(stream));
  record.is_stderr = stream == "stderr";
  line.remove_prefix(space + 1);

  space = line.find(' ');
  if (space == std::string_view::npos) return Status::Error("log tag is not found");
  // Tags are ':'-separated; the first says partial or full, later ones are for forward compatibility.
  std::string_view tags = line.substr(0, space);
  record.partial = tags.substr(0, tags.find(':')) == "P";
  record.content = line.substr(space + 1);
  return record;
}

Result<std::vector<LogLine>> CriLogParser::Feed(std::string_view text) {
  std::vector<LogLine> done;
  while (!text.empty()) {
    ++line_number_;
    const size_t eol = text.find('\n');
    const bool has_newline = eol != std::string_view::npos;
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(has_newline ? eol + 1 : text.size());

    Result<CriLogRecord> record = ParseCriLogLine(line);
    if (!record.ok()) {
      if (line_number_ == 1) {
        return Status::Error(file_ + ": line 1: not a CRI log file: " + record.status().message());
      }
      Logger("kubelet")->warn("{}: line {}: skipping malformed CRI log line: {}", file_, line_number_,
                              record.status().message());
      continue;
    }
    if ((stream_ == LogStream::kStdout && record->is_stderr) || (stream_ == LogStream::kStderr && !record->is_stderr)) {
      continue;
    }
    int64_t& open = open_[record->is_stderr ? 1 : 0];
    if (open < 0) {
      pending_.push_back({{record->timestamp, {}}, false});
      open = static_cast<int64_t>(popped_ + pending_.size() - 1);
    }
    Pending& p = pending_[static_cast<size_t>(open - static_cast<int64_t>(popped_))];
    p.line.text += record->content;
    if (record->partial) continue;
    // A full record ends the line; like upstream, a last line the runtime has not finished writing keeps
    // its missing newline.
    if (has_newline) p.line.text += '\n';
    p.complete = true;
    open = -1;
  }
  while (!pending_.empty() && pending_.front().complete) {
    if (Wanted(pending_.front().line)) done.push_back(std::move(pending_.front().line));
    pending_.pop_front();
    ++popped_;
  }
  return done;
}

bool CriLogParser::Wanted(const LogLine& line) const {
  if (!since_) return true;
  // Whole seconds suffice: `since` is a metav1.Time (sinceSeconds is counted from now in seconds too).
  auto when = api::ParseRFC3339(line.timestamp);
  return !when || *when >= std::chrono::time_point_cast<std::chrono::seconds>(*since_);
}

std::vector<LogLine> CriLogParser::TakeUnfinished() {
  std::vector<LogLine> out;
  for (auto& p : pending_) {
    if (Wanted(p.line)) out.push_back(std::move(p.line));
  }
  popped_ += pending_.size();
  pending_.clear();
  open_[0] = open_[1] = -1;
  return out;
}

std::string FormatLogLine(const LogLine& line, bool timestamps) {
  if (!timestamps) return line.text;
  return *FormatCriLogTimestamp(line.timestamp) + " " + line.text;  // validated by ParseCriLogLine
}

Result<std::string> RenderContainerLog(std::string_view text, const std::string& file, const LogOptions& options) {
  CriLogParser parser(file, options.stream, options.since);
  Result<std::vector<LogLine>> lines = parser.Feed(text);
  if (!lines.ok()) return lines.status();
  for (auto& line : parser.TakeUnfinished()) lines->push_back(std::move(line));
  size_t first = 0;
  if (options.tail >= 0 && static_cast<uint64_t>(options.tail) < lines->size()) {
    first = lines->size() - static_cast<size_t>(options.tail);
  }
  std::string out;
  for (size_t i = first; i < lines->size(); ++i) {
    out += FormatLogLine((*lines)[i], options.timestamps);
    if (options.limit_bytes >= 0 && out.size() >= static_cast<uint64_t>(options.limit_bytes)) {
      out.resize(static_cast<size_t>(options.limit_bytes));
      break;
    }
  }
  return out;
}

Result<std::string> ReadContainerLog(const std::string& path, const LogOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot open log file: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::Error(path + ": cannot read log file: " + std::strerror(errno));
  return RenderContainerLog(text.str(), path, options);
}

}  // namespace kubenode::server
