#include "kubelet/printers/tab_writer.h"

#include <gtest/gtest.h>

namespace kubenode::kubelet {
namespace {

TEST(TabWriterTest, ColumnWidthPerBlockOfConsecutiveLines) {
  // "Mounts:" has no cell and ends the first block; the second block aligns on its own.
  EXPECT_EQ(AlignTabs("Name:\tweb\nRestart Count:\t0\nMounts:\n  a:\tb\n", 0, 2),
            "Name:           web\n"
            "Restart Count:  0\n"
            "Mounts:\n"
            "  a:  b\n");
}

TEST(TabWriterTest, InnerColumnsAlignWithinTheOuterBlockOnly) {
  EXPECT_EQ(AlignTabs("a\tbb\tc\naaa\tb\tc\nx\n1\t2\n", 0, 2),
            "a    bb  c\n"
            "aaa  b   c\n"
            "x\n"
            "1  2\n");
}

TEST(TabWriterTest, EmptyCellsArePaddedAndLastCellIsNot) {
  // A continuation line ("\tv2") and an empty trailing cell keep the padding, as Go's tabwriter.
  EXPECT_EQ(AlignTabs("Labels:\tk=v\n\tk2=v2\nID:\t\n", 0, 2),
            "Labels:  k=v\n"
            "         k2=v2\n"
            "ID:      \n");
}

TEST(TabWriterTest, WidthCountsCharactersNotBytes) {
  EXPECT_EQ(AlignTabs("\xc3\xa9t\xc3\xa9:\tx\nab:\ty\n", 0, 1), "\xc3\xa9t\xc3\xa9: x\nab:  y\n");
}

TEST(TabWriterTest, MinWidth) { EXPECT_EQ(AlignTabs("a\tb\n", 6, 3), "a     b\n"); }

}  // namespace
}  // namespace kubenode::kubelet
