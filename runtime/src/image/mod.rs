//! Images: references, the on-disk OCI image store, docker-archive save/load, and the views
//! the front-end renders (`docker images`, `image inspect`, `history`, …).

pub mod archive;
pub mod digest;
pub mod inspect;
pub mod reference;
pub mod registry;
pub mod remove;
pub mod staging;
pub mod store;
pub mod unpack;
pub mod users;
pub mod view;

use reference::Reference;

/// An image to put into the store: what the built-in catalogue builds and what `docker load`
/// reads out of an archive.
#[derive(Debug, Clone)]
pub struct ImageImport {
    /// The image configuration JSON, byte for byte as stored: its sha256 is the image ID.
    pub config: Vec<u8>,
    /// The layers, bottom first, as uncompressed tar streams (their sha256s are the diff IDs
    /// listed in the config's `rootfs.diff_ids`).
    pub layers: Vec<Vec<u8>>,
    /// Tags to point at the image once it is stored.
    pub tags: Vec<Reference>,
}

/// What can go wrong with images. Texts are Docker's where Docker has one.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("No such image: {0}")]
    NoSuchImage(String),
    #[error("pull access denied for {0}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied")]
    PullAccessDenied(String),
    #[error("manifest for {0} not found: manifest unknown: manifest unknown")]
    ManifestUnknown(String),
    #[error("{0}")]
    Conflict(String),
    #[error("invalid archive: {0}")]
    InvalidArchive(String),
    #[error("image store is corrupt: {0}")]
    Corrupt(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl ImageError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}
