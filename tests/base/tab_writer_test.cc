#include "base/tab_writer.h"

#include <gtest/gtest.h>

namespace kubenode {
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

TEST(TabWriterBlocksTest, ColumnWidthPerBlockOfConsecutiveLines) {
  // "Mounts:" has no cell and ends the first block; the second block aligns on its own.
  EXPECT_EQ(AlignColumns("Name:\tweb\nRestart Count:\t0\nMounts:\n  a:\tb\n", {0, 2}),
            "Name:           web\n"
            "Restart Count:  0\n"
            "Mounts:\n"
            "  a:  b\n");
}

TEST(TabWriterBlocksTest, InnerColumnsAlignWithinTheOuterBlockOnly) {
  EXPECT_EQ(AlignColumns("a\tbb\tc\naaa\tb\tc\nx\n1\t2\n", {0, 2}),
            "a    bb  c\n"
            "aaa  b   c\n"
            "x\n"
            "1  2\n");
}

TEST(TabWriterBlocksTest, EmptyCellsArePaddedAndLastCellIsNot) {
  // A continuation line ("\tv2") and an empty trailing cell keep the padding, as Go's tabwriter.
  EXPECT_EQ(AlignColumns("Labels:\tk=v\n\tk2=v2\nID:\t\n", {0, 2}),
            "Labels:  k=v\n"
            "         k2=v2\n"
            "ID:      \n");
}

TEST(TabWriterBlocksTest, WidthCountsCharactersNotBytes) {
  EXPECT_EQ(AlignColumns("\xc3\xa9t\xc3\xa9:\tx\nab:\ty\n", {0, 1}), "\xc3\xa9t\xc3\xa9: x\nab:  y\n");
}

TEST(TabWriterBlocksTest, MinWidth) { EXPECT_EQ(AlignColumns("a\tb\n", {6, 3}), "a     b\n"); }

}  // namespace
}  // namespace kubenode
