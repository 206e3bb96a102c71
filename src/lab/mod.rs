//! Graded labs: one per practice problem of the course. A lab is a lesson file with a
//! `[lab]` table (`labs/<lang>/<id>.md`): its `##` sections are tasks whose checks carry
//! points. The REPL runs it like a lesson, but hints cost points, solutions stay locked and
//! everything the learner does is written to a hash-chained record (`record`), which
//! `grade` scores, `report` prints (text, JSON, JUnit, markdown), `submit` hands in and
//! `verify` re-checks for the instructor.

pub mod cli;
pub mod grade;
pub mod model;
pub mod record;
pub mod report;
pub mod submission;

pub use grade::{grade, Grade};
pub use model::{find, lab_hash, labs};
pub use record::{Event, LabRecord, What};

#[cfg(test)]
mod tests;
