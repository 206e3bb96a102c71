//! [`Lesson`] → terminal text: wrapped to the terminal's width by display width (Hangul is two
//! columns wide), commands to type highlighted, colour only when asked for. The renderer
//! knows nothing of markdown; it draws the model.

use colored::Colorize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::model::{Align, Block, ConsoleLine, Inline, Step};

/// How to draw: the width to wrap to and whether to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    pub width: usize,
    pub color: bool,
}

impl RenderOptions {
    /// Plain text at `width` columns (tests, `NO_COLOR`, pipes).
    pub fn plain(width: usize) -> Self {
        Self {
            width,
            color: false,
        }
    }
}

/// A step: its heading (`label` is the caller's translated "Step 2/5") and its body.
pub fn render_step(step: &Step, label: &str, options: RenderOptions) -> String {
    let heading = format!("{label} · {}", step.title);
    let mut out = String::new();
    out.push_str(&styled(&heading, Flags::HEADING, options.color));
    out.push('\n');
    out.push_str(&"─".repeat(heading.width().min(options.width)));
    out.push_str("\n\n");
    out.push_str(&render_blocks(&step.body, options));
    out
}

/// Blocks separated by blank lines, each line ending in `\n`.
pub fn render_blocks(blocks: &[Block], options: RenderOptions) -> String {
    let width = options.width.max(20);
    blocks
        .iter()
        .map(|b| block_lines(b, width, options.color).join("\n") + "\n")
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Flags(u8);

impl Flags {
    const BOLD: Flags = Flags(1);
    const ITALIC: Flags = Flags(2);
    const CODE: Flags = Flags(4);
    const STRIKE: Flags = Flags(8);
    const URL: Flags = Flags(16);
    const HEADING: Flags = Flags(32);

    fn with(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }

    fn has(self, other: Flags) -> bool {
        self.0 & other.0 != 0
    }
}

fn styled(text: &str, flags: Flags, color: bool) -> String {
    if !color || flags == Flags::default() {
        return text.to_string();
    }
    let mut s = text.normal();
    if flags.has(Flags::CODE) {
        s = s.yellow();
    }
    if flags.has(Flags::HEADING) {
        s = s.bold().cyan();
    }
    if flags.has(Flags::BOLD) {
        s = s.bold();
    }
    if flags.has(Flags::ITALIC) {
        s = s.italic();
    }
    if flags.has(Flags::STRIKE) {
        s = s.strikethrough();
    }
    if flags.has(Flags::URL) {
        s = s.dimmed().underline();
    }
    s.to_string()
}

/// A piece of text with one style; `None` text is a forced line break.
type Piece = (Option<String>, Flags);

fn pieces(inlines: &[Inline], flags: Flags, color: bool, out: &mut Vec<Piece>) {
    for inline in inlines {
        match inline {
            Inline::Text(t) => out.push((Some(t.clone()), flags)),
            Inline::Code(t) if color => out.push((Some(t.clone()), flags.with(Flags::CODE))),
            Inline::Code(t) => out.push((Some(format!("`{t}`")), flags)),
            Inline::Emph(c) => pieces(c, flags.with(Flags::ITALIC), color, out),
            Inline::Strong(c) => pieces(c, flags.with(Flags::BOLD), color, out),
            Inline::Strike(c) => pieces(c, flags.with(Flags::STRIKE), color, out),
            Inline::Link { text, url } => {
                pieces(text, flags, color, out);
                if Inline::plain(text) != *url {
                    out.push((Some(format!(" ({url})")), flags.with(Flags::URL)));
                }
            }
            Inline::SoftBreak => out.push((Some(" ".to_string()), flags)),
            Inline::LineBreak => out.push((None, flags)),
        }
    }
}

/// Stands in for a space inside inline code while wrapping.
const NBSP: &str = "\u{a0}";

/// A word: styled runs with no space between them.
type Word = Vec<(String, Flags)>;

fn word_width(word: &Word) -> usize {
    word.iter().map(|(t, _)| t.width()).sum()
}

/// Splits pieces into words; `None` marks a forced break.
fn words(pieces: &[Piece]) -> Vec<Option<Word>> {
    let mut out: Vec<Option<Word>> = Vec::new();
    let mut current: Word = Vec::new();
    for (text, flags) in pieces {
        let Some(text) = text else {
            if !current.is_empty() {
                out.push(Some(std::mem::take(&mut current)));
            }
            out.push(None);
            continue;
        };
        // Inline code stays on one line where it fits: its spaces do not break.
        let is_code = flags.has(Flags::CODE) || (text.starts_with('`') && text.ends_with('`'));
        let text = if is_code {
            text.replace(' ', NBSP)
        } else {
            text.clone()
        };
        for (i, part) in text.split([' ', '\n']).enumerate() {
            if i > 0 && !current.is_empty() {
                out.push(Some(std::mem::take(&mut current)));
            }
            if !part.is_empty() {
                current.push((part.to_string(), *flags));
            }
        }
    }
    if !current.is_empty() {
        out.push(Some(current));
    }
    out
}

/// Breaks a word wider than `width` into pieces that fit.
fn split_long(word: Word, width: usize) -> Vec<Word> {
    let mut out = Vec::new();
    let mut current: Word = Vec::new();
    let mut used = 0;
    for (text, flags) in word {
        let mut run = String::new();
        for ch in text.chars() {
            let w = ch.width().unwrap_or(0);
            if used + w > width && used > 0 {
                if !run.is_empty() {
                    current.push((std::mem::take(&mut run), flags));
                }
                out.push(std::mem::take(&mut current));
                used = 0;
            }
            run.push(ch);
            used += w;
        }
        if !run.is_empty() {
            current.push((run, flags));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Wraps inline text to `width` display columns.
fn wrap(inlines: &[Inline], base: Flags, width: usize, color: bool) -> Vec<String> {
    let mut ps = Vec::new();
    pieces(inlines, base, color, &mut ps);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in words(&ps) {
        let Some(word) = word else {
            lines.push(std::mem::take(&mut line));
            used = 0;
            continue;
        };
        let parts = if word_width(&word) > width {
            split_long(word, width)
        } else {
            vec![word]
        };
        for part in parts {
            let w = word_width(&part);
            if used > 0 && used + 1 + w > width {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            if used > 0 {
                line.push(' ');
                used += 1;
            }
            for (text, flags) in &part {
                line.push_str(&styled(&text.replace(NBSP, " "), *flags, color));
            }
            used += w;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn block_lines(block: &Block, width: usize, color: bool) -> Vec<String> {
    match block {
        Block::Heading { level, text } => {
            let flags = if *level <= 2 {
                Flags::HEADING
            } else {
                Flags::BOLD
            };
            let mut lines = wrap(text, flags, width, color);
            if *level <= 2 {
                let w = Inline::plain(text).width().min(width);
                lines.push(if *level == 1 { "═" } else { "─" }.repeat(w));
            }
            lines
        }
        Block::Paragraph(text) => wrap(text, Flags::default(), width, color),
        Block::List { start, items } => {
            let mut lines = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let marker = match start {
                    Some(n) => format!("{}. ", n + i),
                    None => "• ".to_string(),
                };
                let indent = marker.width();
                let inner = width.saturating_sub(indent).max(10);
                let body: Vec<String> = item
                    .iter()
                    .flat_map(|b| block_lines(b, inner, color))
                    .collect();
                for (j, l) in body.into_iter().enumerate() {
                    let prefix = if j == 0 {
                        marker.clone()
                    } else {
                        " ".repeat(indent)
                    };
                    lines.push(format!("{prefix}{l}").trim_end().to_string());
                }
            }
            lines
        }
        Block::Quote(blocks) => {
            let inner = width.saturating_sub(2).max(10);
            let bar = if color {
                "│".dimmed().to_string()
            } else {
                "│".to_string()
            };
            let body: Vec<String> = blocks
                .iter()
                .enumerate()
                .flat_map(|(i, b)| {
                    let mut ls = block_lines(b, inner, color);
                    if i > 0 {
                        ls.insert(0, String::new());
                    }
                    ls
                })
                .collect();
            body.into_iter()
                .map(|l| format!("{bar} {l}").trim_end().to_string())
                .collect()
        }
        Block::Console(lines) => lines
            .iter()
            .map(|l| match l {
                ConsoleLine::Command(c) if color => {
                    format!("  {} {}", "$".dimmed(), c.bold().green())
                }
                ConsoleLine::Command(c) => format!("  $ {c}"),
                ConsoleLine::Output(o) if color => format!("    {}", o.dimmed()),
                ConsoleLine::Output(o) => format!("    {o}").trim_end().to_string(),
            })
            .collect(),
        Block::Code { text, .. } => text
            .lines()
            .map(|l| {
                let line = format!("    {l}");
                if color {
                    line.dimmed().to_string()
                } else {
                    line.trim_end().to_string()
                }
            })
            .collect(),
        Block::Table {
            align,
            header,
            rows,
        } => table_lines(align, header, rows, width, color),
        Block::Rule => vec!["─".repeat(width.min(40))],
    }
}

/// A boxed table; columns shrink (widest first) and cells wrap when it would not fit.
fn table_lines(
    align: &[Align],
    header: &[Vec<Inline>],
    rows: &[Vec<Vec<Inline>>],
    width: usize,
    color: bool,
) -> Vec<String> {
    let columns = header
        .len()
        .max(rows.iter().map(Vec::len).max().unwrap_or(0));
    if columns == 0 {
        return Vec::new();
    }
    let plain_width = |cell: &Vec<Inline>| {
        let mut ps = Vec::new();
        pieces(cell, Flags::default(), false, &mut ps);
        ps.iter()
            .filter_map(|(t, _)| t.as_ref())
            .map(|t| t.width())
            .sum::<usize>()
    };
    let mut widths = vec![1usize; columns];
    for row in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(plain_width(cell));
        }
    }
    // Borders: "│ " before each column, " │" after the last, " │ " between.
    let chrome = 3 * columns + 1;
    while widths.iter().sum::<usize>() + chrome > width {
        let (widest, w) = widths
            .iter()
            .copied()
            .enumerate()
            .max_by_key(|&(_, w)| w)
            .expect("at least one column");
        if w <= 4 {
            break;
        }
        widths[widest] = w - 1;
    }
    let border = |left: &str, mid: &str, right: &str| {
        let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
        format!("{left}{}{right}", parts.join(mid))
    };
    let render_row = |row: &[Vec<Inline>], bold: bool| -> Vec<String> {
        let base = if bold { Flags::BOLD } else { Flags::default() };
        let empty = Vec::new();
        let cells: Vec<Vec<String>> = (0..columns)
            .map(|i| wrap(row.get(i).unwrap_or(&empty), base, widths[i], color))
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        (0..height)
            .map(|line| {
                let parts: Vec<String> = (0..columns)
                    .map(|i| {
                        let text = cells[i].get(line).cloned().unwrap_or_default();
                        let shown = strip_ansi_width(&text);
                        let pad = widths[i].saturating_sub(shown);
                        match align.get(i).copied().unwrap_or(Align::Left) {
                            Align::Left => format!("{text}{}", " ".repeat(pad)),
                            Align::Right => format!("{}{text}", " ".repeat(pad)),
                            Align::Center => format!(
                                "{}{text}{}",
                                " ".repeat(pad / 2),
                                " ".repeat(pad - pad / 2)
                            ),
                        }
                    })
                    .collect();
                format!("│ {} │", parts.join(" │ "))
            })
            .collect()
    };
    let mut lines = vec![border("┌", "┬", "┐")];
    lines.extend(render_row(header, true));
    lines.push(border("├", "┼", "┤"));
    for row in rows {
        lines.extend(render_row(row, false));
    }
    lines.push(border("└", "┴", "┘"));
    lines
}

/// Display width of text that may carry ANSI colour codes.
fn strip_ansi_width(text: &str) -> usize {
    let mut width = 0;
    let mut chars = text.chars();
    while let Some(ch) = chars.next() {
        if ch == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            width += ch.width().unwrap_or(0);
        }
    }
    width
}
