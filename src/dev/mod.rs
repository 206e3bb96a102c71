//! Tools for authors and CI.

pub mod check;
pub mod live;
pub mod reference;
