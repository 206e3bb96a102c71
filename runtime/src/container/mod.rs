//! Containers: the Docker-level record (what `docker create` asked for), the OCI bundle the
//! runtime executes, and the runtime state the supervisor keeps current.
//!
//! On disk, one directory per container: `$DOCKERLINGS_ROOT/containers/<64-hex id>/`
//! - `container.json` — the Docker-level record (name, image, config, host config, created);
//!   written by the engine on create/rename/update, atomically.
//! - `bundle/config.json` — the OCI runtime spec generated from the image config and the
//!   run flags (`oci-spec`), shown by x-ray.
//! - `state.json` — [`state::RuntimeState`]: status, pids, start/finish times, exit code;
//!   written atomically by whoever changes it, under the container's lock (`lock`).
//! - `<id>-json.log` — the json-file log (`{"log":…,"stream":…,"time":…}` per line).
//! - `rootfs/` — mount point of the overlay (lower = image layers, upper/work below).
//! - `upper/`, `work/` — the container's own writable layer.
//! - `hostname`, `hosts`, `resolv.conf` — bind-mounted over the container's `/etc` files, as
//!   Docker does (`HostnamePath`, `HostsPath`, `ResolvConfPath` in inspect).
//!
//! Runtime files (sockets, pid files) live in `$DOCKERLINGS_RUN/containers/<id>/`.
//! The store-wide lock `$DOCKERLINGS_ROOT/containers/lock` serialises name allocation and
//! removal; a container's own `lock` serialises changes to its state. Lock order: the store
//! lock first, then a container's.
//!
//! Named volumes live in `$DOCKERLINGS_ROOT/volumes/<name>/_data` (see [`volume`]).

pub mod control;
pub mod copy;
pub mod create;
mod engine_api;
pub mod etc_files;
pub mod exec;
mod export;
pub mod id;
pub mod inspect;
pub mod lifecycle;
pub mod names;
pub mod options;
pub mod reconcile;
pub mod record;
pub mod spec;
pub mod state;
pub mod stats;
pub mod store;
pub mod top;
pub mod users;
pub mod volume;

pub use engine_api::{CreateReport, PruneContainersReport};

/// What can go wrong with containers and volumes. Texts are Docker's where Docker has one.
#[derive(Debug, thiserror::Error)]
pub enum ContainerError {
    #[error("No such container: {0}")]
    NoSuchContainer(String),
    #[error("multiple IDs found with provided prefix: {0}")]
    AmbiguousPrefix(String),
    #[error("Invalid container name ({0}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")]
    InvalidName(String),
    #[error("Conflict. The container name \"{name}\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name.")]
    NameConflict { name: String, id: String },
    #[error("Neither old nor new names may be empty")]
    EmptyRename,
    #[error("Renaming a container with the same name as its current name")]
    SameName,
    #[error("cannot remove container \"{0}\": container is running: stop the container before removing or force remove")]
    RemoveRunning(String),
    #[error("cannot remove container \"{0}\": container is paused and must be unpaused first")]
    RemovePaused(String),
    #[error("unable to find user {0}: no matching entries in passwd file")]
    UserNotFound(String),
    #[error("unable to find group {0}: no matching entries in group file")]
    GroupNotFound(String),
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    InvalidMount(String),
    #[error("No such volume: {0}")]
    NoSuchVolume(String),
    /// The daemon's wording when removing a volume that does not exist.
    #[error("get {0}: no such volume")]
    VolumeNotFound(String),
    #[error("remove {name}: volume is in use - [{ids}]")]
    VolumeInUse { name: String, ids: String },
    #[error("create {0}: \"{0}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path")]
    InvalidVolumeName(String),
    #[error("container store is corrupt: {0}")]
    Corrupt(String),
    #[error("generate runtime spec: {0}")]
    Spec(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl ContainerError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }

    /// Whether the error means "nothing by that name" (inspect prints `Error: No such …`).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Self::NoSuchContainer(_) | Self::NoSuchVolume(_) | Self::VolumeNotFound(_)
        )
    }
}

/// `$DOCKERLINGS_ROOT/containers`.
pub fn containers_dir(paths: &crate::Paths) -> std::path::PathBuf {
    paths.root().join("containers")
}

/// `$DOCKERLINGS_RUN/containers/<id>`: the container's runtime files.
pub fn run_dir(paths: &crate::Paths, id: &str) -> std::path::PathBuf {
    paths.run().join("containers").join(id)
}

/// `$DOCKERLINGS_RUN/containers/<id>/netns`: where the supervisor bind-mounts the network
/// namespace it makes for a container before libcontainer creates it (the spec names this
/// file; see `network::plumbing::prepare`). The mount lives only in the supervisor's own
/// mount namespace, so it goes when the supervisor goes.
pub fn netns_file(paths: &crate::Paths, id: &str) -> std::path::PathBuf {
    run_dir(paths, id).join("netns")
}

/// `$DOCKERLINGS_ROOT/volumes`.
pub fn volumes_dir(paths: &crate::Paths) -> std::path::PathBuf {
    paths.root().join("volumes")
}
