//! Checks: typed questions about the engine's state and the host ("is `web` running", "does
//! 127.0.0.1:8080 serve nginx's page"), shared by lessons and labs.

pub mod eval;
pub mod spec;

pub use eval::{evaluate, evaluate_settled, CheckContext, Outcome, TypedCommand};
pub use spec::{CheckKind, CheckSpec, ContainerState, Presence};
