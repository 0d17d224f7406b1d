#include "base/tab_writer.h"

#include <algorithm>
#include <vector>

namespace kubenode {

namespace {

struct Cell {
  std::string_view text;
  int width = 0;
};
using Line = std::vector<Cell>;

int Utf8Width(std::string_view text) {
  int width = 0;
  for (unsigned char c : text) width += (c & 0xc0) != 0x80;
  return width;
}

class Formatter {
 public:
  Formatter(const std::vector<Line>& lines, const TabWriterOptions& options) : lines_(lines), options_(options) {}

  // Go's Writer.format: find each block of consecutive lines with a cell in the current column, size the
  // column over that block, and recurse into the block for the next column.
  void Format(size_t line0, size_t line1) {
    const size_t column = widths_.size();
    for (size_t line = line0; line < line1; ++line) {
      if (column + 1 >= lines_[line].size()) continue;
      WriteLines(line0, line);
      line0 = line;
      int width = options_.min_width;
      for (; line < line1; ++line) {
        if (column + 1 >= lines_[line].size()) break;
        width = std::max(width, lines_[line][column].width + options_.padding);
      }
      widths_.push_back(width);
      Format(line0, line);
      widths_.pop_back();
      line0 = line;
    }
    WriteLines(line0, line1);
  }

  std::string Take() { return std::move(out_); }

 private:
  void WriteLines(size_t line0, size_t line1) {
    for (size_t i = line0; i < line1; ++i) {
      const Line& line = lines_[i];
      for (size_t j = 0; j < line.size(); ++j) {
        out_ += line[j].text;
        if (j < widths_.size()) out_.append(static_cast<size_t>(std::max(0, widths_[j] - line[j].width)), ' ');
      }
      out_ += '\n';
    }
  }

  const std::vector<Line>& lines_;
  const TabWriterOptions& options_;
  std::vector<int> widths_;
  std::string out_;
};

}  // namespace

std::string AlignColumns(std::string_view text, const TabWriterOptions& options) {
  std::vector<Line> lines;
  std::string_view rest = text;
  std::string_view unterminated;
  while (!rest.empty()) {
    size_t end = rest.find('\n');
    if (end == std::string_view::npos) {
      unterminated = rest;  // Go keeps it buffered until Flush, then writes it unaligned
      break;
    }
    std::string_view line_text = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    Line line;
    for (;;) {
      size_t tab = line_text.find('\t');
      std::string_view cell = line_text.substr(0, tab);
      line.push_back({cell, Utf8Width(cell)});
      if (tab == std::string_view::npos) break;
      line_text.remove_prefix(tab + 1);
    }
    lines.push_back(std::move(line));
  }
  Formatter formatter(lines, options);
  formatter.Format(0, lines.size());
  std::string out = formatter.Take();
  out += unterminated;
  return out;
}

}  // namespace kubenode
