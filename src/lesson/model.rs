//! A lesson as the REPL and the checks see it: metadata, the steps with their commands,
//! checks, hints, solution and setup, and the prose as a small document tree the terminal
//! renderer draws. Nothing here knows markdown; `parse` builds it, `render` draws it.

use std::path::PathBuf;

use serde::Deserialize;

/// The front matter (`+++` … `+++`, TOML) every lesson starts with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonMeta {
    /// Stable id shared by the ko and en files, e.g. `01-hello-containers`.
    pub id: String,
    pub title: String,
    /// The course chapter it follows: a file name in the course folder.
    pub chapter: String,
    /// Images the lesson uses: a list for authors and the book (ko and en must agree). They
    /// are not pulled ahead: the course teaches what `docker run` does with a missing image.
    #[serde(default)]
    pub images: Vec<String>,
    /// Version of the lesson format; 1 today.
    #[serde(default = "format_version_one")]
    pub format_version: u32,
    /// Present in labs (`labs/<lang>/*.md`) only: how the lab is graded.
    #[serde(default)]
    pub lab: Option<LabMeta>,
}

/// The `[lab]` table of a lab's front matter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabMeta {
    /// The practice problem it grades, as the course numbers it (`5.2`).
    pub practice: String,
    /// Minutes from `lab start`; checks passed later do not count.
    pub time_limit_minutes: Option<u32>,
    /// Points needed to pass (default: 70% of the total, rounded up).
    pub pass_points: Option<u32>,
    /// Points one revealed hint costs (a task never goes below 0).
    #[serde(default = "one")]
    pub hint_cost: u32,
}

fn one() -> u32 {
    1
}

fn format_version_one() -> u32 {
    1
}

/// One parsed lesson file.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    pub meta: LessonMeta,
    /// Where it was read from (for error messages and `dev check`).
    pub source: PathBuf,
    /// The prose before the first step.
    pub intro: Vec<Block>,
    pub steps: Vec<Step>,
}

/// One `##` section: something the learner does, and how the program knows it was done.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub title: String,
    /// Line of the `##` heading in the source.
    pub line: usize,
    /// The prose and the commands shown, in order.
    pub body: Vec<Block>,
    /// The commands the step shows (`docker`/`console` blocks), one per line.
    pub commands: Vec<String>,
    /// The `check` blocks' tables, typed by the check engine.
    pub checks: Vec<CheckSource>,
    /// `hint` blocks, revealed one at a time.
    pub hints: Vec<String>,
    /// `solution` commands.
    pub solution: Vec<String>,
    /// `setup` commands: the state the step starts from.
    pub setup: Vec<String>,
    /// `mistake` blocks: typical wrong attempts and the checks each must fail.
    pub mistakes: Vec<Mistake>,
}

/// A typical wrong attempt at a step: after its setup, `commands` leave exactly the checks
/// `fails` failing and every other check of the step passing (`dev check --live` plays it;
/// the lab tests grade it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mistake {
    #[serde(skip)]
    pub line: usize,
    pub commands: Vec<String>,
    pub fails: Vec<String>,
}

/// One typed `[[check]]` and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckSource {
    pub line: usize,
    pub spec: crate::check::CheckSpec,
}

impl CheckSource {
    /// The check's `id`.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// The check's kind (`container`, `http`, …).
    pub fn kind(&self) -> &str {
        self.spec.kind.name()
    }
}

/// Block-level prose.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading {
        level: u8,
        text: Vec<Inline>,
    },
    Paragraph(Vec<Inline>),
    List {
        /// `Some(first number)` for ordered lists.
        start: Option<usize>,
        items: Vec<Vec<Block>>,
    },
    Quote(Vec<Block>),
    /// Commands for the learner to type (`docker`/`console` blocks), with the output a
    /// `console` block shows after them.
    Console(Vec<ConsoleLine>),
    /// Any other fenced or indented code: shown as is.
    Code {
        info: String,
        text: String,
    },
    Table {
        align: Vec<Align>,
        header: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    Rule,
}

/// One line of a `docker`/`console` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleLine {
    /// Something to type (written with or without a leading `$ `).
    Command(String),
    /// What the command printed (in `console` blocks: lines without `$ `).
    Output(String),
}

/// Column alignment of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// Inline prose.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    Text(String),
    Code(String),
    Emph(Vec<Inline>),
    Strong(Vec<Inline>),
    Strike(Vec<Inline>),
    Link { text: Vec<Inline>, url: String },
    SoftBreak,
    LineBreak,
}

impl Inline {
    /// The text without any styling.
    pub fn plain(inlines: &[Inline]) -> String {
        let mut out = String::new();
        for inline in inlines {
            match inline {
                Inline::Text(t) | Inline::Code(t) => out.push_str(t),
                Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) => {
                    out.push_str(&Inline::plain(c))
                }
                Inline::Link { text, .. } => out.push_str(&Inline::plain(text)),
                Inline::SoftBreak | Inline::LineBreak => out.push(' '),
            }
        }
        out
    }
}
