//! Markdown → [`Lesson`]: comrak parses the file; this walks its tree once, splitting it into
//! steps at each `##` heading and taking the lesson's own fenced blocks (`docker`, `console`,
//! `check`, `hint`, `solution`, `setup`) out of the prose. Every error names the file and
//! the line.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use comrak::nodes::{AstNode, ListType, NodeValue, TableAlignment};
use comrak::{parse_document, Arena, Options};

use super::model::{
    Align, Block, CheckSource, ConsoleLine, Inline, Lesson, LessonMeta, Mistake, Step,
};

/// A lesson file that cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {message}", file.display())]
pub struct LessonError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

const DELIMITER: &str = "+++";

fn options() -> Options<'static> {
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.front_matter_delimiter = Some(DELIMITER.to_string());
    options
}

/// Reads and parses a lesson file.
pub fn load(path: &Path) -> Result<Lesson, LessonError> {
    let text = std::fs::read_to_string(path).map_err(|e| LessonError {
        file: path.to_path_buf(),
        line: 0,
        message: format!("cannot read: {e}"),
    })?;
    parse(path, &text)
}

/// Parses lesson `text`; `file` is only used in error messages and kept as the source.
pub fn parse(file: &Path, text: &str) -> Result<Lesson, LessonError> {
    let mut parser = Parser {
        file: file.to_path_buf(),
        meta: None,
        intro: Vec::new(),
        steps: Vec::new(),
        check_ids: HashSet::new(),
    };
    let arena = Arena::new();
    let root = parse_document(&arena, text, &options());
    for node in root.children() {
        parser.top_level(node)?;
    }
    let meta = parser
        .meta
        .ok_or_else(|| parser_error(file, 1, "missing front matter (`+++` TOML `+++`)"))?;
    if parser.steps.is_empty() {
        return Err(parser_error(
            file,
            1,
            "a lesson needs at least one `##` step",
        ));
    }
    for step in &parser.steps {
        for mistake in &step.mistakes {
            if let Some(unknown) = mistake
                .fails
                .iter()
                .find(|id| !step.checks.iter().any(|c| c.id() == id.as_str()))
            {
                return Err(parser_error(
                    file,
                    mistake.line,
                    format!("mistake: `{unknown}` is not a check of this step"),
                ));
            }
        }
    }
    Ok(Lesson {
        meta,
        source: file.to_path_buf(),
        intro: parser.intro,
        steps: parser.steps,
    })
}

/// A markdown snippet (a hint) as blocks, for the renderer.
pub fn parse_inline_markdown(text: &str) -> Vec<Block> {
    let parser = Parser {
        file: PathBuf::from("hint"),
        meta: None,
        intro: Vec::new(),
        steps: Vec::new(),
        check_ids: HashSet::new(),
    };
    let arena = Arena::new();
    let root = parse_document(&arena, text, &options());
    root.children()
        .filter_map(|node| parser.block(node).ok().flatten())
        .collect()
}

fn parser_error(file: &Path, line: usize, message: impl Into<String>) -> LessonError {
    LessonError {
        file: file.to_path_buf(),
        line,
        message: message.into(),
    }
}

struct Parser {
    file: PathBuf,
    meta: Option<LessonMeta>,
    intro: Vec<Block>,
    steps: Vec<Step>,
    check_ids: HashSet<String>,
}

fn line_of(node: &AstNode<'_>) -> usize {
    node.data.borrow().sourcepos.start.line
}

impl Parser {
    fn error(&self, line: usize, message: impl Into<String>) -> LessonError {
        parser_error(&self.file, line, message)
    }

    fn top_level<'a>(&mut self, node: &'a AstNode<'a>) -> Result<(), LessonError> {
        let line = line_of(node);
        let value = node.data.borrow().value.clone();
        match value {
            NodeValue::FrontMatter(raw) => self.front_matter(line, &raw),
            NodeValue::Heading(h) if h.level == 2 => {
                self.steps.push(Step {
                    title: Inline::plain(&inlines(node)).trim().to_string(),
                    line,
                    body: Vec::new(),
                    commands: Vec::new(),
                    checks: Vec::new(),
                    hints: Vec::new(),
                    solution: Vec::new(),
                    setup: Vec::new(),
                    mistakes: Vec::new(),
                });
                Ok(())
            }
            NodeValue::CodeBlock(code) if code.fenced => {
                let info = code
                    .info
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_string();
                self.fenced(line, &info, &code.literal)
            }
            _ => {
                let block = self.block(node)?;
                if let Some(block) = block {
                    match self.steps.last_mut() {
                        Some(step) => step.body.push(block),
                        None => self.intro.push(block),
                    }
                }
                Ok(())
            }
        }
    }

    fn front_matter(&mut self, line: usize, raw: &str) -> Result<(), LessonError> {
        let body = raw
            .trim()
            .trim_start_matches(DELIMITER)
            .trim_end_matches(DELIMITER);
        let meta: LessonMeta = toml::from_str(body).map_err(|e| {
            let at = e
                .span()
                .map_or(0, |s| body[..s.start].matches('\n').count());
            // The body starts on the line after the opening `+++` (its leading newline
            // is counted by `matches`).
            self.error(line + at, format!("front matter: {}", e.message()))
        })?;
        if meta.format_version != 1 {
            return Err(self.error(
                line,
                format!("unsupported format_version {}", meta.format_version),
            ));
        }
        if meta.id.trim().is_empty() || meta.title.trim().is_empty() {
            return Err(self.error(line, "front matter: `id` and `title` must not be empty"));
        }
        self.meta = Some(meta);
        Ok(())
    }

    /// The lesson's own fenced blocks; any other info string is prose code.
    fn fenced(&mut self, line: usize, info: &str, text: &str) -> Result<(), LessonError> {
        let special = matches!(info, "check" | "hint" | "solution" | "setup" | "mistake");
        if special && self.steps.is_empty() {
            return Err(self.error(line, format!("`{info}` block before the first `##` step")));
        }
        match info {
            "docker" | "console" => {
                let lines = console_lines(info, text);
                let block = Block::Console(lines.clone());
                match self.steps.last_mut() {
                    Some(step) => {
                        step.commands
                            .extend(lines.into_iter().filter_map(|l| match l {
                                ConsoleLine::Command(c) => Some(c),
                                ConsoleLine::Output(_) => None,
                            }));
                        step.body.push(block);
                    }
                    None => self.intro.push(block),
                }
            }
            "check" => {
                let checks = self.checks(line, text)?;
                self.steps
                    .last_mut()
                    .expect("checked above")
                    .checks
                    .extend(checks);
            }
            "hint" => {
                let hint = text.trim().to_string();
                if hint.is_empty() {
                    return Err(self.error(line, "empty `hint` block"));
                }
                self.steps
                    .last_mut()
                    .expect("checked above")
                    .hints
                    .push(hint);
            }
            "mistake" => {
                let mut mistake: Mistake = toml::from_str(text).map_err(|e| {
                    let at = e
                        .span()
                        .map_or(0, |s| text[..s.start].matches('\n').count());
                    self.error(line + 1 + at, format!("mistake: {}", e.message()))
                })?;
                if mistake.commands.is_empty() || mistake.fails.is_empty() {
                    return Err(
                        self.error(line, "mistake: `commands` and `fails` must not be empty")
                    );
                }
                mistake.line = line;
                self.steps
                    .last_mut()
                    .expect("checked above")
                    .mistakes
                    .push(mistake);
            }
            "solution" | "setup" => {
                let commands = command_lines(text);
                if commands.is_empty() {
                    return Err(self.error(line, format!("empty `{info}` block")));
                }
                let step = self.steps.last_mut().expect("checked above");
                if info == "solution" {
                    step.solution.extend(commands);
                } else {
                    step.setup.extend(commands);
                }
            }
            _ => {
                let block = Block::Code {
                    info: info.to_string(),
                    text: text.trim_end_matches('\n').to_string(),
                };
                match self.steps.last_mut() {
                    Some(step) => step.body.push(block),
                    None => self.intro.push(block),
                }
            }
        }
        Ok(())
    }

    /// A `check` block: TOML with one or more `[[check]]` tables, each typed as a
    /// [`CheckSpec`](crate::check::CheckSpec) with an `id` unique in the lesson.
    fn checks(&mut self, line: usize, text: &str) -> Result<Vec<CheckSource>, LessonError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct CheckBlock {
            check: Vec<toml::Table>,
        }
        let parsed: CheckBlock = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map_or(0, |s| text[..s.start].matches('\n').count());
            self.error(line + 1 + at, format!("check: {}", e.message()))
        })?;
        let mut out = Vec::new();
        for table in parsed.check {
            let spec = crate::check::CheckSpec::from_table(&table)
                .map_err(|e| self.error(line, format!("check: {e}")))?;
            if !self.check_ids.insert(spec.id.clone()) {
                return Err(self.error(line, format!("check: duplicate id `{}`", spec.id)));
            }
            out.push(CheckSource { line, spec });
        }
        Ok(out)
    }

    fn block<'a>(&self, node: &'a AstNode<'a>) -> Result<Option<Block>, LessonError> {
        let value = node.data.borrow().value.clone();
        Ok(Some(match value {
            NodeValue::Heading(h) => Block::Heading {
                level: h.level,
                text: inlines(node),
            },
            NodeValue::Paragraph => Block::Paragraph(inlines(node)),
            NodeValue::List(list) => {
                let mut items = Vec::new();
                for item in node.children() {
                    items.push(self.blocks(item)?);
                }
                Block::List {
                    start: (list.list_type == ListType::Ordered).then_some(list.start),
                    items,
                }
            }
            NodeValue::BlockQuote => Block::Quote(self.blocks(node)?),
            NodeValue::CodeBlock(code) => {
                let info = code.info.split_whitespace().next().unwrap_or("");
                if matches!(info, "docker" | "console") {
                    Block::Console(console_lines(info, &code.literal))
                } else if matches!(info, "check" | "hint" | "solution" | "setup") {
                    return Err(self.error(
                        line_of(node),
                        format!("`{info}` block must be at the top level of a step, not nested"),
                    ));
                } else {
                    Block::Code {
                        info: info.to_string(),
                        text: code.literal.trim_end_matches('\n').to_string(),
                    }
                }
            }
            NodeValue::Table(table) => {
                let align = table
                    .alignments
                    .iter()
                    .map(|a| match a {
                        TableAlignment::Center => Align::Center,
                        TableAlignment::Right => Align::Right,
                        _ => Align::Left,
                    })
                    .collect();
                let mut rows: Vec<Vec<Vec<Inline>>> = node
                    .children()
                    .map(|row| row.children().map(inlines).collect())
                    .collect();
                let header = if rows.is_empty() {
                    Vec::new()
                } else {
                    rows.remove(0)
                };
                Block::Table {
                    align,
                    header,
                    rows,
                }
            }
            NodeValue::ThematicBreak => Block::Rule,
            NodeValue::HtmlBlock(html) => {
                // Comments are notes for authors; other HTML is shown as text.
                let text = html.literal.trim();
                if text.starts_with("<!--") {
                    return Ok(None);
                }
                Block::Paragraph(vec![Inline::Text(text.to_string())])
            }
            _ => return Ok(None),
        }))
    }

    fn blocks<'a>(&self, node: &'a AstNode<'a>) -> Result<Vec<Block>, LessonError> {
        let mut out = Vec::new();
        for child in node.children() {
            if let Some(block) = self.block(child)? {
                out.push(block);
            }
        }
        Ok(out)
    }
}

fn inlines<'a>(node: &'a AstNode<'a>) -> Vec<Inline> {
    node.children().filter_map(inline).collect()
}

fn inline<'a>(node: &'a AstNode<'a>) -> Option<Inline> {
    let value = node.data.borrow().value.clone();
    Some(match value {
        NodeValue::Text(t) => Inline::Text(t.to_string()),
        NodeValue::Code(c) => Inline::Code(c.literal),
        NodeValue::Emph => Inline::Emph(inlines(node)),
        NodeValue::Strong => Inline::Strong(inlines(node)),
        NodeValue::Strikethrough => Inline::Strike(inlines(node)),
        NodeValue::Link(link) => Inline::Link {
            text: inlines(node),
            url: link.url,
        },
        NodeValue::SoftBreak => Inline::SoftBreak,
        NodeValue::LineBreak => Inline::LineBreak,
        NodeValue::HtmlInline(h) => Inline::Text(h),
        _ => return None,
    })
}

/// `docker` blocks: every non-empty line is a command. `console` blocks: lines starting
/// with `$ ` are commands, the others are their output.
fn console_lines(info: &str, text: &str) -> Vec<ConsoleLine> {
    text.lines()
        .filter(|l| info == "console" || !l.trim().is_empty())
        .map(|l| match l.strip_prefix("$ ") {
            Some(command) => ConsoleLine::Command(command.trim().to_string()),
            None if info == "docker" => ConsoleLine::Command(l.trim().to_string()),
            None => ConsoleLine::Output(l.to_string()),
        })
        .collect()
}

/// `solution`/`setup` blocks: one command per non-empty, non-comment line.
fn command_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim())
        .map(|l| l.strip_prefix("$ ").unwrap_or(l))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}
