#include "kubelet/printers/tab_writer.h"

#include <algorithm>
#include <vector>

namespace kubenode::kubelet {
namespace {

using Line = std::vector<std::string_view>;  // cells; the last one is the unterminated rest

size_t Width(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

class Aligner {
 public:
  Aligner(std::vector<Line> lines, int min_width, int padding)
      : lines_(std::move(lines)), min_width_(min_width), padding_(padding) {}

  std::string Run() {
    Format(0, lines_.size());
    return out_;
  }

 private:
  bool HasCell(size_t line, size_t column) const { return column + 1 < lines_[line].size(); }

  // Go's tabwriter.format: finds the blocks of lines with a cell in the next column, sizes that column
  // per block and recurses into the columns to its right.
  void Format(size_t line0, size_t line1) {
    const size_t column = widths_.size();
    for (size_t cur = line0; cur < line1; ++cur) {
      if (!HasCell(cur, column)) continue;
      Write(line0, cur);
      line0 = cur;
      size_t width = static_cast<size_t>(min_width_);
      for (; cur < line1 && HasCell(cur, column); ++cur) {
        width = std::max(width, Width(lines_[cur][column]) + static_cast<size_t>(padding_));
      }
      widths_.push_back(width);
      Format(line0, cur);
      widths_.pop_back();
      line0 = cur;
      if (cur == line1) break;
    }
    Write(line0, line1);
  }

  void Write(size_t line0, size_t line1) {
    for (size_t i = line0; i < line1; ++i) {
      const auto& cells = lines_[i];
      for (size_t j = 0; j < cells.size(); ++j) {
        out_ += cells[j];
        if (j < widths_.size() && j + 1 < cells.size()) {
          out_ += std::string(widths_[j] - std::min(widths_[j], Width(cells[j])), ' ');
        }
      }
      out_ += '\n';
    }
  }

  std::vector<Line> lines_;
  const int min_width_;
  const int padding_;
  std::vector<size_t> widths_;
  std::string out_;
};

}  // namespace

std::string AlignTabs(std::string_view text, int min_width, int padding) {
  std::vector<Line> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    Line cells;
    for (size_t tab; (tab = line.find('\t')) != std::string_view::npos; line.remove_prefix(tab + 1)) {
      cells.push_back(line.substr(0, tab));
    }
    cells.push_back(line);
    lines.push_back(std::move(cells));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return Aligner(std::move(lines), min_width, padding).Run();
}

}  // namespace kubenode::kubelet
