//! The Engine API: the one seam between the learner app and the runtime.
//!
//! Each method corresponds to one Docker Engine API request (`POST /images/create` for
//! `pull`, `GET /images/json` for `images`, …), so the front-end stays a thin translation
//! from Docker's command line to these calls and from their results to Docker's output.

use std::io::{Read, Write};

use serde::Serialize;

use crate::image::view::{
    DeleteItem, DiskUsage, HistoryEntry, ImageSummary, LoadedItem, PruneReport, SearchResult,
};
use crate::{Paths, Result};

/// The engine, opened on a state directory.
#[derive(Debug)]
pub struct Engine {
    paths: Paths,
}

/// Progress of a pull, in the order Docker prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PullEvent {
    /// `Using default tag: latest`
    UsingDefaultTag(String),
    /// `latest: Pulling from library/nginx`
    PullingFrom { tag: String, repository: String },
    /// `a2abf6c4d29d: Pull complete` and friends; `id` is the 12-hex short layer ID.
    Layer { id: String, status: String },
    /// `Digest: sha256:…`
    Digest(String),
    /// `Status: Downloaded newer image for nginx:latest`
    Status(String),
    /// A note from dockerlings itself, e.g. that the image came from the offline catalogue.
    Note(String),
}

/// The outcome of a pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PullReport {
    /// The canonical reference pulled (`docker.io/library/nginx:latest`), printed last.
    pub canonical: String,
    /// The manifest digest.
    pub digest: String,
    /// True when the store already had exactly this image.
    pub up_to_date: bool,
    /// True when the image came from the built-in offline catalogue.
    pub from_catalogue: bool,
}

/// What `docker info` and `docker version` show about the engine and its host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngineInfo {
    pub server_version: String,
    pub api_version: String,
    pub root_dir: String,
    pub storage_driver: String,
    pub cgroup_driver: String,
    pub cgroup_version: String,
    pub kernel_version: String,
    pub operating_system: String,
    pub os_type: String,
    pub architecture: String,
    pub cpus: usize,
    pub mem_total: u64,
    pub name: String,
    pub images: usize,
    pub containers: usize,
    pub containers_running: usize,
    pub containers_paused: usize,
    pub containers_stopped: usize,
}

impl Engine {
    /// Opens (creating if needed) the engine state under `paths`.
    pub fn open(paths: Paths) -> Result<Self> {
        std::fs::create_dir_all(paths.root())
            .map_err(|e| crate::Error::io(format!("create {}", paths.root().display()), e))?;
        Ok(Self { paths })
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// `POST /images/create`: pulls `reference` (built-in catalogue first).
    pub fn pull(&self, reference: &str, progress: &mut dyn FnMut(PullEvent)) -> Result<PullReport> {
        let _ = (reference, progress);
        todo!("image store")
    }

    /// `GET /images/json`: all images, newest first.
    pub fn images(&self) -> Result<Vec<ImageSummary>> {
        todo!("image store")
    }

    /// `GET /images/{name}/json`: Docker's image inspect JSON.
    pub fn image_inspect(&self, name: &str) -> Result<serde_json::Value> {
        let _ = name;
        todo!("image store")
    }

    /// `GET /images/{name}/history`
    pub fn image_history(&self, name: &str) -> Result<Vec<HistoryEntry>> {
        let _ = name;
        todo!("image store")
    }

    /// `POST /images/{name}/tag`
    pub fn image_tag(&self, source: &str, target: &str) -> Result<()> {
        let _ = (source, target);
        todo!("image store")
    }

    /// `DELETE /images/{name}`
    pub fn image_remove(&self, name: &str, force: bool) -> Result<Vec<DeleteItem>> {
        let _ = (name, force);
        todo!("image store")
    }

    /// `POST /images/prune`: dangling images, or with `all` every unused one.
    pub fn image_prune(&self, all: bool) -> Result<PruneReport> {
        let _ = all;
        todo!("image store")
    }

    /// `GET /images/get`: a docker-archive tar of `names` written to `out`.
    pub fn image_save(&self, names: &[String], out: &mut dyn Write) -> Result<()> {
        let _ = (names, out);
        todo!("image store")
    }

    /// `POST /images/load`: reads a docker-archive (plain or gzip) from `input`.
    pub fn image_load(&self, input: &mut dyn Read) -> Result<Vec<LoadedItem>> {
        let _ = input;
        todo!("image store")
    }

    /// `GET /images/search`, over the offline catalogue.
    pub fn search(&self, term: &str) -> Vec<SearchResult> {
        let _ = term;
        todo!("catalogue")
    }

    /// `GET /system/df`
    pub fn disk_usage(&self) -> Result<DiskUsage> {
        todo!("image store")
    }

    /// `GET /info`
    pub fn info(&self) -> Result<EngineInfo> {
        todo!("image store")
    }
}
