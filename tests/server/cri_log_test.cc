#include "server/cri_log.h"

#include "api/rfc3339.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "base/log.h"

namespace kubenode::server {
namespace {

// Two streams, a line split in three records on stdout with a stderr line in between.
constexpr char kLog[] =
    "2016-10-06T00:17:09.669794202Z stdout F first line\n"
    "2016-10-06T00:17:09.7Z stdout P second \n"
    "2016-10-06T00:17:10Z stderr F an error\n"
    "2016-10-06T00:17:10.1Z stdout P line, \n"
    "2016-10-06T00:17:10.2Z stdout F joined\n"
    "2016-10-06T02:17:11.000000001+02:00 stdout F last line\n";

std::string Render(std::string_view text, const LogOptions& options) {
  Result<std::string> out = RenderContainerLog(text, "0.log", options);
  EXPECT_TRUE(out.ok()) << out.status().message();
  return out.ok() ? *out : "<error>";
}

TEST(CriLogTest, ParsesOneRecord) {
  Result<CriLogRecord> r = ParseCriLogLine("2016-10-06T00:17:09.669794202Z stderr P:x some  text ");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->timestamp, "2016-10-06T00:17:09.669794202Z");
  EXPECT_TRUE(r->is_stderr);
  EXPECT_TRUE(r->partial);
  EXPECT_EQ(r->content, "some  text ");

  r = ParseCriLogLine("2016-10-06T00:17:09Z stdout F ");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->is_stderr);
  EXPECT_FALSE(r->partial);
  EXPECT_EQ(r->content, "");
}

TEST(CriLogTest, RecordErrorsSayWhatIsWrong) {
  EXPECT_EQ(ParseCriLogLine("garbage").status().message(), "timestamp is not found");
  EXPECT_EQ(ParseCriLogLine("2016-10-06 stdout F x").status().message(),
            "unexpected timestamp \"2016-10-06\": want RFC 3339 such as \"2016-10-06T00:17:09.669794202Z\"");
  EXPECT_EQ(ParseCriLogLine("2016-10-06T00:17:09Z").status().message(), "timestamp is not found");
  EXPECT_EQ(ParseCriLogLine("2016-10-06T00:17:09Z stdout").status().message(), "stream type is not found");
  EXPECT_EQ(ParseCriLogLine("2016-10-06T00:17:09Z stdin F x").status().message(), "unexpected stream type \"stdin\"");
  EXPECT_EQ(ParseCriLogLine("2016-10-06T00:17:09Z stdout F").status().message(), "log tag is not found");
}

TEST(CriLogTest, TimestampsAreFixedWidthRFC3339Nano) {
  EXPECT_EQ(*FormatCriLogTimestamp("2016-10-06T00:17:09.669794202Z"), "2016-10-06T00:17:09.669794202Z");
  EXPECT_EQ(*FormatCriLogTimestamp("2016-10-06T00:17:09.5Z"), "2016-10-06T00:17:09.500000000Z");
  EXPECT_EQ(*FormatCriLogTimestamp("2016-10-06T00:17:09Z"), "2016-10-06T00:17:09.000000000Z");
  EXPECT_EQ(*FormatCriLogTimestamp("2016-10-06T00:17:09.1234567891Z"), "2016-10-06T00:17:09.123456789Z");
  EXPECT_EQ(*FormatCriLogTimestamp("2016-10-06T02:17:09.1+02:00"), "2016-10-06T02:17:09.100000000+02:00");
  EXPECT_EQ(*FormatCriLogTimestamp("2016-10-06T00:17:09-00:00"), "2016-10-06T00:17:09.000000000Z");
  EXPECT_EQ(*FormatCriLogTimestamp("2024-02-29T00:00:00Z"), "2024-02-29T00:00:00.000000000Z");
  for (const char* bad : {"2023-02-29T00:00:00Z", "2016-13-06T00:17:09Z", "2016-10-06T24:00:00Z",
                          "2016-10-06T00:17:09.Z", "2016-10-06T00:17:09", "2016-10-06T00:17:09+0200",
                          "2016-10-06t00:17:09Z", "16-10-06T00:17:09Z"}) {
    EXPECT_FALSE(FormatCriLogTimestamp(bad).ok()) << bad;
  }
}

TEST(CriLogTest, JoinsPartialRecordsPerStream) {
  EXPECT_EQ(Render(kLog, {}),
            "first line\n"
            "second line, joined\n"
            "an error\n"
            "last line\n");
}

TEST(CriLogTest, TimestampsPrefixEachLineWithItsFirstRecordsTime) {
  EXPECT_EQ(Render(kLog, {.timestamps = true}),
            "2016-10-06T00:17:09.669794202Z first line\n"
            "2016-10-06T00:17:09.700000000Z second line, joined\n"
            "2016-10-06T00:17:10.000000000Z an error\n"
            "2016-10-06T02:17:11.000000001+02:00 last line\n");
}

TEST(CriLogTest, StreamFilter) {
  EXPECT_EQ(Render(kLog, {.stream = LogStream::kStderr}), "an error\n");
  EXPECT_EQ(Render(kLog, {.stream = LogStream::kStdout}), "first line\nsecond line, joined\nlast line\n");
}

TEST(CriLogTest, TailCountsJoinedLines) {
  EXPECT_EQ(Render(kLog, {.tail = 0}), "");
  EXPECT_EQ(Render(kLog, {.tail = 1}), "last line\n");
  // The last three lines reach back into the line split across records 2, 4 and 5.
  EXPECT_EQ(Render(kLog, {.tail = 3}), "second line, joined\nan error\nlast line\n");
  EXPECT_EQ(Render(kLog, {.tail = 100}), Render(kLog, {}));
  EXPECT_EQ(Render(kLog, {.tail = 2, .stream = LogStream::kStdout}), "second line, joined\nlast line\n");

  constexpr char kSplitLast[] =
      "2016-10-06T00:17:09Z stdout F one\n"
      "2016-10-06T00:17:10Z stdout P a\n"
      "2016-10-06T00:17:11Z stdout P b\n"
      "2016-10-06T00:17:12Z stdout F c\n";
  EXPECT_EQ(Render(kSplitLast, {.tail = 1, .timestamps = true}), "2016-10-06T00:17:10.000000000Z abc\n");
}

TEST(CriLogTest, LimitBytesCutsTheOutput) {
  EXPECT_EQ(Render(kLog, {.limit_bytes = 0}), "");
  EXPECT_EQ(Render(kLog, {.limit_bytes = 5}), "first");
  EXPECT_EQ(Render(kLog, {.limit_bytes = 11}), "first line\n");
  EXPECT_EQ(Render(kLog, {.limit_bytes = 15}), "first line\nseco");
  EXPECT_EQ(Render(kLog, {.timestamps = true, .limit_bytes = 34}), "2016-10-06T00:17:09.669794202Z fir");
  EXPECT_EQ(Render(kLog, {.tail = 1, .limit_bytes = 4}), "last");
}

TEST(CriLogTest, UnfinishedLastLineKeepsWhatIsThere) {
  // The runtime is mid-write: a partial record with nothing after it, and a last line without newline.
  EXPECT_EQ(Render("2016-10-06T00:17:09Z stdout F done\n2016-10-06T00:17:10Z stdout P half", {}), "done\nhalf");
  EXPECT_EQ(Render("2016-10-06T00:17:09Z stdout F done\n2016-10-06T00:17:10Z stdout F no newline", {}),
            "done\nno newline");
  EXPECT_EQ(Render("", {}), "");
}

TEST(CriLogTest, MalformedFirstLineMeansNotACriLog) {
  Result<std::string> out = RenderContainerLog("{\"log\":\"docker-json\"}\n", "/var/log/pods/x/c/0.log", {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "/var/log/pods/x/c/0.log: line 1: not a CRI log file: timestamp is not found");
}

TEST(CriLogTest, MalformedLaterLinesAreSkippedWithAWarning) {
  std::ostringstream logged;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(logged);
  sink->set_pattern("%n %l %v");
  ConfigureLogging({sink}, spdlog::level::info);
  Result<std::string> out = RenderContainerLog(
      "2016-10-06T00:17:09Z stdout F one\n"
      "2016-10-06T00:17:10Z stdin F nope\n"
      "2016-10-06T00:17:11Z stdout F two\n",
      "0.log", {});
  ConfigureLogging({std::make_shared<spdlog::sinks::ostream_sink_mt>(std::cerr)}, spdlog::level::info);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, "one\ntwo\n");
  EXPECT_EQ(logged.str(), "kubelet warning 0.log: line 2: skipping malformed CRI log line: unexpected stream type \"stdin\"\n");
}

TEST(CriLogTest, ReadsFiles) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("kubenode-cri-log-" + std::to_string(getpid()) + ".log")).string();
  {
    std::ofstream out(path);
    out << kLog;
  }
  Result<std::string> out = ReadContainerLog(path, {.tail = 1, .timestamps = true});
  std::filesystem::remove(path);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, "2016-10-06T02:17:11.000000001+02:00 last line\n");
  EXPECT_EQ(ReadContainerLog(path, {}).status().message(),
            path + ": cannot open log file: No such file or directory");
}

}  // namespace
}  // namespace kubenode::server

namespace kubenode::server {
namespace {

TEST(CriLogParserTest, FeedsIncrementallyKeepingLineOrder) {
  CriLogParser parser("0.log", LogStream::kAll, std::nullopt);
  auto first = parser.Feed("2016-10-06T00:17:09Z stdout P split \n2016-10-06T00:17:10Z stderr F err\n");
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->empty());  // "err" waits behind the unfinished stdout line that started before it
  auto second = parser.Feed("2016-10-06T00:17:11Z stdout F line\n");
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 2u);
  EXPECT_EQ((*second)[0].text, "split line\n");
  EXPECT_EQ((*second)[1].text, "err\n");
  EXPECT_TRUE(parser.Feed("garbage\n").ok());  // a bad line after the first is skipped
}

TEST(CriLogParserTest, SinceDropsEarlierLines) {
  auto since = api::ParseRFC3339("2016-10-06T00:17:10Z");
  LogOptions options;
  options.since = *since;
  auto out = RenderContainerLog("2016-10-06T00:17:09.9Z stdout F old\n"
                                "2016-10-06T00:17:10.1Z stdout F new\n"
                                "2016-10-06T02:17:11+02:00 stdout F newer\n",
                                "0.log", options);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "new\nnewer\n");
}

}  // namespace
}  // namespace kubenode::server
