#include "proxy/tab_writer.h"

#include <gtest/gtest.h>

namespace kubenode::proxy {
namespace {

TEST(TabWriterTest, PadsEachColumnToItsWidestCellPlusPadding) {
  EXPECT_EQ(AlignColumns("NAME\tAGE\nhello-service\t5m\n", kGetTableOptions),
            "NAME            AGE\n"
            "hello-service   5m\n");
}

TEST(TabWriterTest, MinWidthAppliesToNarrowColumns) {
  EXPECT_EQ(AlignColumns("A\tB\nx\ty\n", kGetTableOptions), "A     B\nx     y\n");
}

TEST(TabWriterTest, ColumnBlocksEndAtLinesWithoutThatColumn) {
  // As Go's tabwriter: the second column of the two Port lines is sized separately, because the line
  // between them has no second column; the first column spans all lines.
  EXPECT_EQ(AlignColumns("Port:\t<unset>\t80/TCP\n"
                         "TargetPort:\t80/TCP\n"
                         "NodePort:\tlonger-name\t30001/TCP\n",
                         kDescribeOptions),
            "Port:        <unset>  80/TCP\n"
            "TargetPort:  80/TCP\n"
            "NodePort:    longer-name  30001/TCP\n");
}

TEST(TabWriterTest, EmptyLeadingCellsAlignContinuationLines) {
  EXPECT_EQ(AlignColumns("Labels:\ta=b\n\tc=d\nName:\tx\n", kDescribeOptions),
            "Labels:  a=b\n"
            "         c=d\n"
            "Name:    x\n");
}

TEST(TabWriterTest, LineWithoutTabsBreaksBlocks) {
  EXPECT_EQ(AlignColumns("a\tb\nplain\nlonger\tc\n", {0, 1}), "a b\nplain\nlonger c\n");
}

TEST(TabWriterTest, CountsUtf8CharactersNotBytes) {
  EXPECT_EQ(AlignColumns("é\tx\nab\ty\n", {0, 1}), "é  x\nab y\n");
}

TEST(TabWriterTest, TrailingTabPadsTheLastCell) {
  EXPECT_EQ(AlignColumns("Endpoints:\t\nIP:\t1\n", kDescribeOptions), "Endpoints:  \nIP:         1\n");
}

}  // namespace
}  // namespace kubenode::proxy
