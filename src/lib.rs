//! dockerlings as a library: the binary is a thin `main` over [`cli::main`], and integration
//! tests drive the modules directly.
#![forbid(unsafe_code)]

pub mod check;
pub mod cli;
pub mod dev;
pub mod docker;
pub mod greet;
pub mod home;
pub mod i18n;
pub mod lab;
pub mod lesson;
pub mod privilege;
pub mod progress;
pub mod repl;
pub mod supervise;
pub mod xray;
