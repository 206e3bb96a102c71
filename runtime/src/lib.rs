//! dockerlings-runtime: the embedded container engine.
//!
//! The app (`src/` of the root crate) talks to the engine only through [`Engine`]. Everything
//! below it — the image store, the built-in catalogue, later containers and networks — is an
//! implementation detail the app never reaches into.

pub mod catalogue;
pub mod container;
mod engine;
mod error;
pub mod fsutil;
pub mod image;
pub mod network;
mod paths;
pub mod platform;
pub mod shim;
pub mod toolbox;

pub use engine::{Engine, EngineInfo, PullEvent, PullReport, RegistryAccess};
pub use error::{Error, Result};
pub use image::reference::Reference;
pub use paths::Paths;

/// The version of the engine, shown by `docker version` and `docker info`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The Docker Engine API version this engine models (Docker 25's).
pub const API_VERSION: &str = "1.44";
