//! Where the engine keeps its state.
//!
//! Persistent state lives under the root (`/var/lib/dockerlings`, or `DOCKERLINGS_ROOT`);
//! runtime files that die with a reboot live under `/run/dockerlings` (or `DOCKERLINGS_RUN`).

use std::path::{Path, PathBuf};

/// The engine's directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    root: PathBuf,
    run: PathBuf,
}

impl Paths {
    pub const DEFAULT_ROOT: &'static str = "/var/lib/dockerlings";
    pub const DEFAULT_RUN: &'static str = "/run/dockerlings";

    pub fn new(root: impl Into<PathBuf>, run: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            run: run.into(),
        }
    }

    /// The paths from `DOCKERLINGS_ROOT` / `DOCKERLINGS_RUN`, or the defaults.
    pub fn from_env() -> Self {
        let root = std::env::var_os("DOCKERLINGS_ROOT")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(Self::DEFAULT_ROOT));
        let run = std::env::var_os("DOCKERLINGS_RUN")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(Self::DEFAULT_RUN));
        Self { root, run }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn run(&self) -> &Path {
        &self.run
    }

    /// The image store (OCI image layout plus unpacked layers).
    pub fn images(&self) -> PathBuf {
        self.root.join("image")
    }
}
