//! Text tools written for the toolbox where no uutils crate exists: `grep`, `which`.

pub mod grep;
pub mod which;
