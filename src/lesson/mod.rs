//! Lessons: markdown files that follow the course chapters, parsed with comrak into a
//! [`Lesson`] model (`parse`) and drawn for the terminal (`render`). The REPL and the checks
//! use the model only.

pub mod catalog;
pub mod model;
pub mod parse;
pub mod render;

pub use model::{Block, CheckSource, ConsoleLine, Inline, Lesson, LessonMeta, Step};
pub use parse::{load, parse, LessonError};
pub use render::{render_blocks, render_step, RenderOptions};

#[cfg(test)]
mod tests;
