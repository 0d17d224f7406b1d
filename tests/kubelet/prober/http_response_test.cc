#include "kubelet/prober/http_response.h"

#include <gtest/gtest.h>

namespace kubenode::kubelet::prober {
namespace {

TEST(ParseResponseHeadTest, StatusAndHeaders) {
  Result<HttpResponseHead> head =
      ParseResponseHead("HTTP/1.1 302 Found\r\nLocation: /login\r\ncontent-length:  12 \r\nX-Empty:");
  ASSERT_TRUE(head.ok()) << head.status().message();
  EXPECT_EQ(head->status_code, 302);
  EXPECT_EQ(head->Header("location"), "/login");
  EXPECT_EQ(head->Header("Content-Length"), "12");
  EXPECT_EQ(head->Header("X-Empty"), "");
  EXPECT_EQ(head->Header("Missing"), std::nullopt);
}

TEST(ParseResponseHeadTest, ReasonIsOptional) {
  Result<HttpResponseHead> head = ParseResponseHead("HTTP/1.0 200");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->status_code, 200);
}

TEST(ParseResponseHeadTest, RejectsWhatIsNotHttp) {
  Result<HttpResponseHead> head = ParseResponseHead("SSH-2.0-OpenSSH_9.2");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.status().message(),
            "net/http: HTTP/1.x transport connection broken: malformed HTTP response \"SSH-2.0-OpenSSH_9.2\"");
  EXPECT_FALSE(ParseResponseHead("HTTP/1.1 2x0 OK").ok());
  EXPECT_FALSE(ParseResponseHead("HTTP/1.1 200 OK\r\nno colon here").ok());
}

TEST(DecodeChunkedTest, WholeBody) {
  ChunkedBody body = DecodeChunked("5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n", 100);
  EXPECT_TRUE(body.complete);
  EXPECT_EQ(body.data, "hello, world");
}

TEST(DecodeChunkedTest, PartialBodyIsIncomplete) {
  ChunkedBody body = DecodeChunked("5\r\nhello\r\na\r\nwor", 100);
  EXPECT_FALSE(body.complete);
  EXPECT_EQ(body.data, "hellowor");
}

TEST(DecodeChunkedTest, StopsAtLimit) {
  ChunkedBody body = DecodeChunked("a\r\n0123456789\r\n", 4);
  EXPECT_TRUE(body.complete);
  EXPECT_EQ(body.data, "0123");
}

}  // namespace
}  // namespace kubenode::kubelet::prober
