//! Pulling from real registries: the Docker Registry HTTP API v2, as `docker pull` speaks it.
//!
//! # Policy
//! `Engine::pull` serves a reference from the **built-in catalogue** whenever the catalogue
//! has it (offline, deterministic, instant — the labs depend on it) and says so in a note.
//! Anything else goes to the reference's **registry**, through this module:
//!
//! 1. `GET /v2/` (Docker's "ping"). A transport failure here is reported the way Docker
//!    reports it — `Get "https://registry-1.docker.io/v2/": dial tcp: lookup
//!    registry-1.docker.io on 10.0.0.53:53: no such host` — and the engine adds a note that
//!    offline only the catalogue's images can be pulled. A `401` with a `Bearer` challenge
//!    starts the anonymous token flow ([`auth`]): `GET realm?service=…&scope=repository:
//!    <path>:pull`, then every request carries `Authorization: Bearer <token>`; a later `401`
//!    with a new challenge (another scope) gets one more token and one retry.
//! 2. `GET /v2/<path>/manifests/<tag|digest>` accepting Docker schema 2 and OCI manifests
//!    and lists ([`manifest`]). Its sha256 is the image's repository digest (`Digest:`,
//!    RepoDigests). A list/index is narrowed to the host's platform ([`platform`]) and that
//!    manifest fetched by digest. Errors read like Docker's: `401`/`403` → `pull access
//!    denied for …`, unknown tag → `manifest for …:tag not found: manifest unknown: …`.
//! 3. The config and every layer not already in the store (`Already exists`) are fetched
//!    from `/v2/<path>/blobs/<digest>` ([`download`]), up to three at a time as Docker does,
//!    into the pull's private staging area, each checked against its descriptor's sha256
//!    and size. Layers are then extracted in order ([`decompress`] — gzip, zstd, or plain
//!    tar, recognised by their magic bytes as Docker's extractor does): the uncompressed
//!    tar is hashed while it is unpacked and must equal the config's `rootfs.diff_ids`.
//! 4. The store commits the image through the same staging/commit path as `docker load`, so
//!    kill -9 at any point leaves a usable store. It keeps the registry's manifest (and
//!    index) bytes unchanged, so the stored digest is the registry's; layers are kept as
//!    uncompressed tars, as for every other image.
//!
//! Hosts: `docker.io` is served by `https://registry-1.docker.io`; other registries by
//! `https://<host>`, except `localhost`, `127.0.0.0/8` and `[::1]` (with or without a port),
//! which Docker treats as insecure registries: those are spoken to in plain `http://`
//! ([`endpoint`]). Only anonymous pulls exist (there is no `docker login` yet).

pub mod auth;
pub mod client;
pub mod decompress;
pub mod download;
pub mod endpoint;
pub mod manifest;
pub mod platform;
pub mod pull;

pub use pull::{pull, Pulled};

/// What can go wrong talking to a registry. Texts are Docker's where Docker has one.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The registry could not be reached: `Get "https://…/v2/": dial tcp: …`.
    #[error("Get \"{url}\": {cause}")]
    Unreachable { url: String, cause: String },
    /// A request failed after it was sent (reset connection, broken TLS, timeout).
    #[error("Get \"{url}\": {cause}")]
    Transport { url: String, cause: String },
    #[error("repository {name} not found: name unknown: {message}")]
    RepositoryNotFound { name: String, message: String },
    #[error("no matching manifest for {0} in the manifest list entries")]
    NoMatchingPlatform(String),
    #[error("unsupported manifest media type and no default available: {0}")]
    UnsupportedManifest(String),
    #[error("[DEPRECATION NOTICE] Docker Image Format v1 and Docker Image manifest version 2, schema 1 support is disabled by default and will be removed in an upcoming release. Suggest the author of {0} to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2. More information at https://docs.docker.com/go/deprecated-image-specs/")]
    SchemaOne(String),
    #[error("manifest verification failed for digest {0}")]
    ManifestVerification(String),
    #[error("image config verification failed for digest {0}")]
    ConfigVerification(String),
    #[error("filesystem layer verification failed for digest {0}")]
    LayerVerification(String),
    #[error("layers from manifest don't match image configuration")]
    DiffIdMismatch,
    #[error("image operating system \"{0}\" cannot be used on this platform")]
    WrongOs(String),
    /// An error the registry answered with (`toomanyrequests: …`, `blob unknown: …`).
    #[error("{0}")]
    Registry(String),
    #[error("received unexpected HTTP status: {0}")]
    UnexpectedStatus(String),
    /// A document the registry sent that cannot be read.
    #[error("{0}")]
    Invalid(String),
    #[error("error pulling image configuration: {0}")]
    Config(Box<RegistryError>),
}

impl RegistryError {
    /// True when the registry could not be reached at all (DNS, connect): the case where the
    /// engine adds its offline note.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Unreachable { .. })
    }
}
