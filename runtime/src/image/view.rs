//! What the engine tells the front-end about images. Plain data: the front-end turns it into
//! Docker's tables, JSON and templates.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// One image in `docker images`: one row per tag (or one `<none>` row when untagged).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageSummary {
    /// `sha256:<64 hex>` — the digest of the image config.
    pub id: String,
    /// Familiar `repo:tag` names, e.g. `nginx:1.25`, sorted.
    pub repo_tags: Vec<String>,
    /// Familiar `repo@sha256:…` names (the manifest digest per repository).
    pub repo_digests: Vec<String>,
    pub created: DateTime<Utc>,
    /// Sum of the uncompressed layer sizes, in bytes (what `docker images` shows).
    pub size: u64,
    /// Bytes in layers this image shares with other images.
    pub shared_size: u64,
    /// Number of containers using the image (0 until containers exist).
    pub containers: usize,
    pub labels: std::collections::BTreeMap<String, String>,
}

/// One line of `docker history`, newest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// The image ID for the top entry of a locally known image, `None` shows as `<missing>`.
    pub id: Option<String>,
    pub created: DateTime<Utc>,
    pub created_by: String,
    pub size: u64,
    pub comment: String,
    pub tags: Vec<String>,
}

/// One line of `docker rmi` / `image prune` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum DeleteItem {
    /// `Untagged: nginx:latest` (also `Untagged: nginx@sha256:…`)
    Untagged(String),
    /// `Deleted: sha256:…`
    Deleted(String),
}

/// The result of `image prune`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PruneReport {
    pub deleted: Vec<DeleteItem>,
    pub space_reclaimed: u64,
}

/// One line of `docker load` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum LoadedItem {
    /// `Loaded image: alpine:3.19`
    Tag(String),
    /// `Loaded image ID: sha256:…` (an untagged image)
    Id(String),
}

/// One result of `docker search` over the offline catalogue. No invented figures: the
/// catalogue has no star counts, so there are none here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchResult {
    pub name: String,
    pub description: String,
    pub official: bool,
}

/// `docker system df`: one row per kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DiskUsage {
    pub images: UsageRow,
    pub containers: UsageRow,
    pub volumes: UsageRow,
    pub build_cache: UsageRow,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UsageRow {
    pub total: usize,
    pub active: usize,
    pub size: u64,
    pub reclaimable: u64,
}
