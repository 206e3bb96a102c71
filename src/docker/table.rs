//! Column alignment the way Docker's tables are laid out.
//!
//! Docker renders a table by running a template per row, joining cells with tabs, and passing
//! the text through Go's `text/tabwriter` ("elastic tabstops") configured as
//! `NewWriter(out, 10, 1, 3, ' ', 0)`: every column is as wide as its widest cell plus 3 spaces
//! of padding, and never narrower than 10. A cell belongs to a column only when a tab ends it,
//! so the last cell of a line is never padded, and a column's width is decided per *block* of
//! consecutive lines that have that column. Widths count display columns (a CJK character
//! counts two), as Docker's fork of tabwriter does.

use unicode_width::UnicodeWidthStr;

/// Docker's table settings: minimum cell width 10, padding 3.
pub const DOCKER_MIN_WIDTH: usize = 10;
pub const DOCKER_PADDING: usize = 3;

/// Aligns tab-separated text into columns (Go `text/tabwriter` semantics, space padding,
/// left alignment, no flags). Text is buffered until [`TabWriter::finish`], because a
/// column's width depends on lines still to come.
#[derive(Debug, Clone)]
pub struct TabWriter {
    min_width: usize,
    padding: usize,
    text: String,
}

impl Default for TabWriter {
    fn default() -> Self {
        Self::docker()
    }
}

impl TabWriter {
    pub fn new(min_width: usize, padding: usize) -> Self {
        Self {
            min_width,
            padding,
            text: String::new(),
        }
    }

    /// A writer with Docker's table settings.
    pub fn docker() -> Self {
        Self::new(DOCKER_MIN_WIDTH, DOCKER_PADDING)
    }

    /// Adds text; tabs end cells and newlines end lines.
    pub fn write(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// Formats everything written and returns the aligned text.
    pub fn finish(self) -> String {
        // Each line is a list of cells; every cell but the last of a line was ended by a
        // tab. Text after the final newline forms a last line printed without a newline.
        let mut raw: Vec<&str> = self.text.split('\n').collect();
        let ends_with_newline = raw.last().is_some_and(|l| l.is_empty());
        if ends_with_newline {
            raw.pop();
        }
        let lines: Vec<Vec<&str>> = raw.iter().map(|l| l.split('\t').collect()).collect();
        let mut out = String::new();
        let mut widths = Vec::new();
        let layout = Layout {
            lines: &lines,
            min_width: self.min_width,
            padding: self.padding,
            ends_with_newline,
        };
        layout.format(&mut widths, &mut out, 0, lines.len());
        out
    }
}

struct Layout<'a> {
    lines: &'a [Vec<&'a str>],
    min_width: usize,
    padding: usize,
    ends_with_newline: bool,
}

fn cell_width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

impl Layout<'_> {
    /// Go tabwriter's recursive `format`: find the next block of lines that have a cell in
    /// this column, fix the column's width for that block, recurse for the columns to its
    /// right, and print what precedes and follows.
    fn format(&self, widths: &mut Vec<usize>, out: &mut String, mut line0: usize, line1: usize) {
        let column = widths.len();
        let mut this = line0;
        while this < line1 {
            // The last cell of a line is not tab-terminated and belongs to no column.
            if column + 1 >= self.lines[this].len() {
                this += 1;
                continue;
            }
            self.write_lines(widths, out, line0, this);
            line0 = this;
            let mut width = self.min_width;
            while this < line1 && column + 1 < self.lines[this].len() {
                width = width.max(cell_width(self.lines[this][column]) + self.padding);
                this += 1;
            }
            widths.push(width);
            self.format(widths, out, line0, this);
            widths.pop();
            line0 = this;
        }
        self.write_lines(widths, out, line0, line1);
    }

    fn write_lines(&self, widths: &[usize], out: &mut String, line0: usize, line1: usize) {
        for i in line0..line1 {
            let line = &self.lines[i];
            for (j, cell) in line.iter().enumerate() {
                out.push_str(cell);
                if j + 1 < line.len() {
                    if let Some(&w) = widths.get(j) {
                        let pad = w.saturating_sub(cell_width(cell));
                        out.extend(std::iter::repeat_n(' ', pad));
                    }
                }
            }
            if i + 1 < self.lines.len() || self.ends_with_newline {
                out.push('\n');
            }
        }
    }
}

/// Aligns a whole text at once with Docker's settings.
pub fn align(text: &str) -> String {
    let mut w = TabWriter::docker();
    w.write(text);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_images_header_and_rows() {
        let text = "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\n\
                    nginx\tlatest\t605c77e624dd\t2 years ago\t141MB\n\
                    hello-world\tlatest\td2c94e258dcb\t20 months ago\t13.3kB\n";
        let expected = "REPOSITORY    TAG       IMAGE ID       CREATED         SIZE\n\
                        nginx         latest    605c77e624dd   2 years ago     141MB\n\
                        hello-world   latest    d2c94e258dcb   20 months ago   13.3kB\n";
        assert_eq!(align(text), expected);
    }

    #[test]
    fn empty_table_has_header_only() {
        assert_eq!(
            align("REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\n"),
            "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n"
        );
    }

    #[test]
    fn minimum_width_is_ten() {
        assert_eq!(align("a\tb\n"), "a         b\n");
    }

    #[test]
    fn columns_are_per_block_of_contiguous_lines() {
        // The middle line has no tab, so it splits the first column into two blocks.
        let text = "aaaaaaaaaaaa\tx\nplain\nb\ty\n";
        assert_eq!(align(text), "aaaaaaaaaaaa   x\nplain\nb         y\n");
    }

    #[test]
    fn trailing_text_without_newline_is_kept() {
        assert_eq!(align("a\tb\nc\td"), "a         b\nc         d");
    }

    #[test]
    fn wide_characters_count_twice() {
        let text = "이미지\tx\nab\ty\n";
        // "이미지" is 6 columns wide: 6 + 3 padding = 9 < 10, so the minimum applies.
        assert_eq!(align(text), "이미지    x\nab        y\n");
    }

    #[test]
    fn ragged_rows_align_shared_columns() {
        let text = "a\tb\tc\nlonger-than-ten\tb\n";
        // Column 0 is 15 + 3 wide for both lines; column 1 exists only on the first line.
        assert_eq!(
            align(text),
            "a                 b         c\nlonger-than-ten   b\n"
        );
    }

    #[test]
    fn incremental_writes_join_cells() {
        let mut w = TabWriter::docker();
        w.write("NA");
        w.write("ME\tX\nn");
        w.write("ginx\ty\n");
        assert_eq!(w.finish(), "NAME      X\nnginx     y\n");
    }
}
