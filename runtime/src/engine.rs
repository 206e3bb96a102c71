//! The Engine API: the one seam between the learner app and the runtime.
//!
//! Each method corresponds to one Docker Engine API request (`POST /images/create` for
//! `pull`, `GET /images/json` for `images`, …), so the front-end stays a thin translation
//! from Docker's command line to these calls and from their results to Docker's output.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::sync::Arc;

use serde::Serialize;

use crate::catalogue;
use crate::image::reference::Reference;
use crate::image::staging::{CommitOutcome, Staging};
use crate::image::store::ImageStore;
use crate::image::users::ImageUsers;
use crate::image::view::{
    DeleteItem, DiskUsage, HistoryEntry, ImageSummary, LoadedItem, PruneReport, SearchResult,
    UsageRow,
};
use crate::image::{archive, digest, inspect, registry, remove, ImageError, ImageImport};
use crate::{Paths, Result};

/// The engine, opened on a state directory.
#[derive(Debug)]
pub struct Engine {
    pub(crate) paths: Paths,
    pub(crate) users: Arc<dyn ImageUsers>,
    /// Ends and cleans up container processes (the supervisor side implements it).
    pub(crate) process_control: Arc<dyn crate::container::control::ProcessControl>,
    /// Whether `pull` may contact registries.
    pub(crate) registries: RegistryAccess,
}

/// Whether `pull` may contact registries for images the built-in catalogue does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryAccess {
    /// Registries are contacted (the default).
    Online,
    /// Only the catalogue answers: set `DOCKERLINGS_OFFLINE=1`, or by tests that must not
    /// touch the network. Unknown images then fail as an unknown registry image does.
    Offline,
}

impl RegistryAccess {
    /// `Offline` when `DOCKERLINGS_OFFLINE` is set to anything but empty or `0`.
    pub fn from_env() -> Self {
        match std::env::var_os("DOCKERLINGS_OFFLINE") {
            Some(v) if !v.is_empty() && v != "0" => Self::Offline,
            _ => Self::Online,
        }
    }
}

/// The note added to every pull: where the image really came from.
const CATALOGUE_NOTE: &str =
    "this image comes from dockerlings' built-in offline catalogue (a lab build, not Docker Hub's image)";
/// The note added when a pull cannot be served.
const OFFLINE_NOTE: &str =
    "dockerlings works offline: only images of its built-in catalogue can be pulled (see `docker search`)";
/// The note added when the registry could not be reached.
const UNREACHABLE_NOTE: &str =
    "dockerlings could not reach the registry; offline, only images of its built-in catalogue can be pulled (see `docker search`)";

/// Progress of a pull, in the order Docker prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PullEvent {
    /// `Using default tag: latest`
    UsingDefaultTag(String),
    /// `latest: Pulling from library/nginx`
    PullingFrom { tag: String, repository: String },
    /// `a2abf6c4d29d: Pull complete` and friends; `id` is the 12-hex short layer ID.
    Layer { id: String, status: String },
    /// `a2abf6c4d29d: Downloading [=====>   ]  1.2MB/30MB` (`action` is `Downloading` or
    /// `Extracting`; bytes of the compressed layer). Docker shows these only on a terminal.
    Progress {
        id: String,
        action: String,
        current: u64,
        total: u64,
    },
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
        ImageStore::open(paths.images())?;
        Ok(Self {
            users: Arc::new(crate::container::users::ContainerImageUsers::new(&paths)),
            process_control: Arc::new(crate::shim::ShimControl::new(&paths)),
            registries: RegistryAccess::from_env(),
            paths,
        })
    }

    /// Allows or forbids contacting registries (see [`RegistryAccess`]).
    pub fn with_registry_access(mut self, access: RegistryAccess) -> Self {
        self.registries = access;
        self
    }

    /// Tells the engine which containers use which images (the container store does, once it
    /// exists); `rmi` and `image prune` consult it.
    pub fn with_image_users(mut self, users: Arc<dyn ImageUsers>) -> Self {
        self.users = users;
        self
    }

    /// Plugs in what ends container processes (the supervisor's implementation).
    pub fn with_process_control(
        mut self,
        control: Arc<dyn crate::container::control::ProcessControl>,
    ) -> Self {
        self.process_control = control;
        self
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The image store (for the container side: layer dirs of an image).
    pub fn image_store(&self) -> Result<ImageStore> {
        // `open` made and swept it when the engine was opened; every change sweeps again.
        Ok(ImageStore::at(self.paths.images()))
    }

    /// `POST /images/create`: pulls `reference`.
    ///
    /// Policy: a reference the built-in catalogue serves comes from the catalogue (offline,
    /// deterministic, instant — the labs depend on it), with a note saying so. Anything else
    /// is pulled from its registry (see [`crate::image::registry`]); when the registry
    /// cannot be reached the error is Docker's (`Get "https://…/v2/": dial tcp: …`) plus a
    /// note that offline only the catalogue's images can be pulled. With
    /// [`RegistryAccess::Offline`] no registry is contacted and unknown images are refused
    /// as Docker Hub refuses them (`pull access denied …`, `manifest … not found`).
    pub fn pull(&self, reference: &str, progress: &mut dyn FnMut(PullEvent)) -> Result<PullReport> {
        let parsed = Reference::parse(reference)?;
        if parsed.tag().is_none() && parsed.digest().is_none() {
            progress(PullEvent::UsingDefaultTag(
                crate::image::reference::DEFAULT_TAG.to_string(),
            ));
        }
        let wanted = parsed.with_default_tag();
        if let Some(import) = catalogue::build(&wanted)? {
            return self.pull_from_catalogue(&wanted, &import, progress);
        }
        if self.registries == RegistryAccess::Offline {
            progress(PullEvent::Note(OFFLINE_NOTE.to_string()));
            if catalogue::has_repository(&wanted) {
                return Err(ImageError::ManifestUnknown(wanted.familiar()).into());
            }
            return Err(ImageError::PullAccessDenied(wanted.familiar_name()).into());
        }
        let store = self.image_store()?;
        match registry::pull(&store, &wanted, progress) {
            Ok(pulled) => Ok(PullReport {
                canonical: wanted.canonical(),
                digest: pulled.manifest_digest,
                up_to_date: pulled.up_to_date,
                from_catalogue: false,
            }),
            Err(crate::Error::Registry(e)) if e.is_unreachable() => {
                progress(PullEvent::Note(UNREACHABLE_NOTE.to_string()));
                Err(e.into())
            }
            Err(e) => Err(e),
        }
    }

    /// The catalogue half of [`Self::pull`].
    fn pull_from_catalogue(
        &self,
        wanted: &Reference,
        import: &ImageImport,
        progress: &mut dyn FnMut(PullEvent),
    ) -> Result<PullReport> {
        progress(PullEvent::PullingFrom {
            tag: wanted
                .tag()
                .or(wanted.digest())
                .unwrap_or_default()
                .to_string(),
            repository: wanted.path().to_string(),
        });
        let store = self.image_store()?;
        let outcome = import_pulled(&store, import)?;
        let up_to_date = outcome.existed && outcome.unchanged_names.iter().any(|n| n == wanted);
        if !up_to_date {
            let mut seen = BTreeSet::new();
            let diff_ids: Vec<String> = store
                .snapshot()?
                .image(&outcome.id)
                .map(|i| i.diff_ids().to_vec())
                .unwrap_or_default();
            for diff in diff_ids {
                if !seen.insert(diff.clone()) {
                    continue;
                }
                let status = if outcome.layers_existing.contains(&diff) {
                    "Already exists"
                } else {
                    "Pull complete"
                };
                progress(PullEvent::Layer {
                    id: digest::short(&diff),
                    status: status.to_string(),
                });
            }
        }
        progress(PullEvent::Digest(outcome.manifest_digest.clone()));
        progress(PullEvent::Status(if up_to_date {
            format!("Image is up to date for {}", wanted.familiar())
        } else {
            format!("Downloaded newer image for {}", wanted.familiar())
        }));
        progress(PullEvent::Note(CATALOGUE_NOTE.to_string()));
        Ok(PullReport {
            canonical: wanted.canonical(),
            digest: outcome.manifest_digest,
            up_to_date,
            from_catalogue: true,
        })
    }

    /// Puts an image into the store directly (the catalogue's builds, tests).
    pub fn import(&self, image: &ImageImport) -> Result<CommitOutcome> {
        Ok(crate::image::staging::import(&self.image_store()?, image)?)
    }

    /// `GET /images/json`: all images, newest first.
    pub fn images(&self) -> Result<Vec<ImageSummary>> {
        let store = self.image_store()?;
        let _lock = store.lock_shared()?;
        let snapshot = store.read_snapshot()?;
        Ok(inspect::summaries(&store, &snapshot, self.users.as_ref()))
    }

    /// `GET /images/{name}/json`: Docker's image inspect JSON.
    pub fn image_inspect(&self, name: &str) -> Result<serde_json::Value> {
        let store = self.image_store()?;
        let _lock = store.lock_shared()?;
        let snapshot = store.read_snapshot()?;
        Ok(inspect::inspect(&store, snapshot.resolve(name)?))
    }

    /// `GET /images/{name}/history`
    pub fn image_history(&self, name: &str) -> Result<Vec<HistoryEntry>> {
        let store = self.image_store()?;
        let _lock = store.lock_shared()?;
        let snapshot = store.read_snapshot()?;
        Ok(inspect::history(&store, snapshot.resolve(name)?))
    }

    /// `POST /images/{name}/tag`
    pub fn image_tag(&self, source: &str, target: &str) -> Result<()> {
        remove::tag(&self.image_store()?, source, target)
    }

    /// `DELETE /images/{name}`
    pub fn image_remove(&self, name: &str, force: bool) -> Result<Vec<DeleteItem>> {
        remove::remove(&self.image_store()?, self.users.as_ref(), name, force)
    }

    /// `POST /images/prune`: dangling images, or with `all` every unused one.
    pub fn image_prune(&self, all: bool) -> Result<PruneReport> {
        remove::prune(&self.image_store()?, self.users.as_ref(), all)
    }

    /// `GET /images/get`: a docker-archive tar of `names` written to `out`.
    pub fn image_save(&self, names: &[String], out: &mut dyn Write) -> Result<()> {
        let store = self.image_store()?;
        let _lock = store.lock_shared()?;
        let snapshot = store.read_snapshot()?;
        archive::save(&store, &snapshot, names, out)
    }

    /// `POST /images/load`: reads a docker-archive (plain or gzip) from `input`.
    pub fn image_load(&self, input: &mut dyn Read) -> Result<Vec<LoadedItem>> {
        archive::load(&self.image_store()?, input)
    }

    /// `GET /images/search`, over the offline catalogue.
    pub fn search(&self, term: &str) -> Vec<SearchResult> {
        catalogue::search(term)
    }

    /// `GET /system/df`
    pub fn disk_usage(&self) -> Result<DiskUsage> {
        let store = self.image_store()?;
        let _lock = store.lock_shared()?;
        let snapshot = store.read_snapshot()?;
        let mut all_layers = BTreeSet::new();
        let mut active_layers = BTreeSet::new();
        let mut active = 0;
        for image in &snapshot.images {
            let used = !self.users.users(&image.id).is_empty();
            if used {
                active += 1;
            }
            for diff in image.diff_ids() {
                all_layers.insert(diff.clone());
                if used {
                    active_layers.insert(diff.clone());
                }
            }
        }
        let size: u64 = all_layers.iter().map(|d| store.layer_size(d)).sum();
        let active_size: u64 = active_layers.iter().map(|d| store.layer_size(d)).sum();
        Ok(DiskUsage {
            images: UsageRow {
                total: snapshot.images.len(),
                active,
                size,
                reclaimable: size - active_size,
            },
            ..DiskUsage::default()
        })
    }

    /// `GET /info`
    pub fn info(&self) -> Result<EngineInfo> {
        let images = self.image_store()?.snapshot()?.images.len();
        let counts = self.container_counts()?;
        Ok(EngineInfo {
            server_version: crate::VERSION.to_string(),
            api_version: crate::API_VERSION.to_string(),
            root_dir: self.paths.root().display().to_string(),
            storage_driver: "overlay2".to_string(),
            cgroup_driver: "cgroupfs".to_string(),
            cgroup_version: host::cgroup_version(std::path::Path::new("/sys/fs/cgroup"))
                .to_string(),
            kernel_version: host::kernel_version(),
            operating_system: host::operating_system(),
            os_type: "linux".to_string(),
            architecture: std::env::consts::ARCH.to_string(),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            mem_total: host::mem_total(),
            name: nix::unistd::gethostname()
                .map(|h| h.to_string_lossy().into_owned())
                .unwrap_or_default(),
            images,
            containers: counts.total,
            containers_running: counts.running,
            containers_paused: counts.paused,
            containers_stopped: counts.stopped,
        })
    }
}

/// Imports a pulled image and records its repository digest (`nginx@sha256:…`) next to the
/// tag, as a registry pull does.
fn import_pulled(store: &ImageStore, image: &ImageImport) -> Result<CommitOutcome> {
    let mut staging = Staging::new(store)?;
    let config = staging.add_blob(&image.config)?;
    let mut layers = Vec::new();
    for layer in &image.layers {
        layers.push(staging.add_blob(layer)?);
    }
    let mut prepared = staging.prepare_image(&config, &layers, image.tags.clone())?;
    let digest_refs: Vec<Reference> = image
        .tags
        .iter()
        .filter_map(|t| {
            Reference::parse(&format!("{}@{}", t.full_name(), prepared.manifest_digest)).ok()
        })
        .collect();
    prepared.names.extend(digest_refs);
    let mut outcomes = staging.commit(&[prepared])?;
    Ok(outcomes.remove(0))
}

/// Facts about the host for `docker info`.
mod host {
    use std::path::Path;

    /// cgroup v2 has a single hierarchy whose root lists `cgroup.controllers`.
    pub fn cgroup_version(root: &Path) -> &'static str {
        if root.join("cgroup.controllers").exists() {
            "2"
        } else {
            "1"
        }
    }

    pub fn kernel_version() -> String {
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }

    pub fn operating_system() -> String {
        let text = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
        os_release_pretty_name(&text).unwrap_or_else(|| "Linux".to_string())
    }

    pub fn os_release_pretty_name(text: &str) -> Option<String> {
        text.lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim().trim_matches('"').to_string())
    }

    /// `MemTotal` from /proc/meminfo, in bytes.
    pub fn mem_total() -> u64 {
        std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|t| meminfo_total(&t))
            .unwrap_or(0)
    }

    pub fn meminfo_total(text: &str) -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn parses_meminfo_and_os_release() {
            assert_eq!(
                meminfo_total("MemTotal:       16314284 kB\nMemFree: 1 kB\n"),
                Some(16314284 * 1024)
            );
            assert_eq!(
                os_release_pretty_name("NAME=x\nPRETTY_NAME=\"Debian GNU/Linux 12\"\n").as_deref(),
                Some("Debian GNU/Linux 12")
            );
        }

        #[test]
        fn cgroup_version_follows_the_root_layout() {
            let dir = tempfile::tempdir().unwrap();
            assert_eq!(cgroup_version(dir.path()), "1");
            std::fs::write(dir.path().join("cgroup.controllers"), "cpu memory").unwrap();
            assert_eq!(cgroup_version(dir.path()), "2");
        }
    }
}
