// Column alignment as Go's text/tabwriter, which kubectl describe writes through (minwidth 0, padding 2):
// cells end with '\t'; a column is padded to its widest cell plus `padding` across each run of
// consecutive lines that have a cell in that column, so every indented block of `describe` aligns on its
// own. A line's last cell (no terminating tab) is never padded; widths count UTF-8 characters.
#pragma once

#include <string>
#include <string_view>

namespace kubenode::kubelet {

std::string AlignTabs(std::string_view text, int min_width, int padding);

}  // namespace kubenode::kubelet
