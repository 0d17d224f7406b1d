// Column alignment as Go's text/tabwriter does it, which kubectl uses for every table and description:
// cells end with '\t', and a column is padded to its widest cell plus `padding` across each run of
// consecutive lines that have a cell in that column (so `describe` keeps its multi-line label blocks and
// the second "Port:" column aligned independently). Widths count UTF-8 characters, not bytes.
#pragma once

#include <string>
#include <string_view>

namespace kubenode {

struct TabWriterOptions {
  int min_width = 0;  // a column is at least this wide, padding included
  int padding = 1;    // spaces added to the widest cell
};

// kubectl get (cli-runtime printers.GetNewTabWriter): minwidth 6, padding 3.
inline constexpr TabWriterOptions kGetTableOptions{6, 3};
// kubectl describe (tabbedString): minwidth 0, padding 2.
inline constexpr TabWriterOptions kDescribeOptions{0, 2};

// Aligns `text` ('\n'-terminated lines of '\t'-separated cells). The text of a line's last cell (the one
// without a terminating tab) is never padded.
std::string AlignColumns(std::string_view text, const TabWriterOptions& options);

}  // namespace kubenode
