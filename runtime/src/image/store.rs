//! The on-disk image store: an OCI image layout plus unpacked layers.
//!
//! ```text
//! image/
//!   oci-layout              {"imageLayoutVersion":"1.0.0"}
//!   index.json              one manifest descriptor per name (tag or digest reference),
//!                           plus a nameless one per untagged ("dangling") image
//!   lock                    the store lock (flock): exclusive for changes, shared for reads
//!   changing                present while a change holds the lock (left by a killed one)
//!   blobs/sha256/<hex>      manifests, configs and uncompressed layer tars
//!   layers/<diffid-hex>/    each layer unpacked once, usable as an overlayfs lower dir
//!   layers/<diffid-hex>.json  the layer's size as Docker counts it
//!   staging/.tmp-*/         work areas of imports in progress, each locked by its owner
//! ```
//!
//! Crash safety comes from ordering: content is written to temporary names and renamed into
//! place only when complete and verified; `index.json` — the only thing that makes an image
//! exist — is replaced atomically, after everything it points at is in place. Anything a
//! killed process left behind is either a `.tmp-` leftover or a blob/layer no index entry
//! reaches; both are swept whenever the lock is taken for a change, and on open when a
//! change left its marker (`changing`, present while a change holds the lock) or an import
//! left its staging area.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use oci_spec::image::{
    Descriptor, ImageConfiguration, ImageIndex, ImageIndexBuilder, ImageManifest, MediaType,
};

use super::digest::{self, chain_ids, hex_part, is_full_hex, sha256_digest};
use super::reference::Reference;
use super::ImageError;
use crate::fsutil::{self, FileLock};

pub const ANNOTATION_REF_NAME: &str = "org.opencontainers.image.ref.name";
pub const ANNOTATION_IMAGE_NAME: &str = "io.containerd.image.name";
/// When `docker tag` last pointed a name at the image (Docker's `Metadata.LastTagTime`).
pub const ANNOTATION_LAST_TAG_TIME: &str = "dev.dockerlings.last-tag-time";

const LAYOUT: &str = r#"{"imageLayoutVersion":"1.0.0"}"#;

/// One line of `index.json`: a name (or none, for a dangling image) and the manifest it
/// points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    pub name: Option<Reference>,
    pub manifest_digest: String,
    pub manifest_size: u64,
    pub last_tag_time: Option<String>,
}

/// An image as the store knows it.
#[derive(Debug, Clone)]
pub struct StoredImage {
    /// `sha256:` digest of the config: the image ID.
    pub id: String,
    /// The digest names point at: the image's manifest, or for an image pulled through a
    /// registry's manifest list / OCI index, that index (what `Digest:` and RepoDigests show).
    pub manifest_digest: String,
    /// The digest of the single-platform manifest [`Self::manifest`] was read from; the same
    /// as `manifest_digest` unless that is an index.
    pub manifest_blob: String,
    pub manifest: ImageManifest,
    pub config: ImageConfiguration,
    /// The config exactly as stored, for fields oci-spec does not model.
    pub config_json: serde_json::Value,
    pub config_size: u64,
    /// Names pointing at the image (tags and digest references), sorted.
    pub names: Vec<Reference>,
    pub last_tag_time: Option<String>,
}

impl StoredImage {
    /// The diff IDs of the layers, bottom first.
    pub fn diff_ids(&self) -> &[String] {
        self.config.rootfs().diff_ids()
    }

    pub fn chain_ids(&self) -> Vec<String> {
        chain_ids(self.diff_ids())
    }

    pub fn tags(&self) -> impl Iterator<Item = &Reference> {
        self.names.iter().filter(|n| n.digest().is_none())
    }
}

/// The image store on disk.
#[derive(Debug, Clone)]
pub struct ImageStore {
    root: PathBuf,
}

/// A consistent view of the store, read under a lock.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub entries: Vec<IndexEntry>,
    /// Images by ID, in index order of first appearance.
    pub images: Vec<StoredImage>,
}

impl Snapshot {
    pub fn image(&self, id: &str) -> Option<&StoredImage> {
        self.images.iter().find(|i| i.id == id)
    }

    /// Resolves a name the way Docker's daemon does: a full ID or digest first, then a
    /// reference (with `latest` filled in), then a unique ID prefix.
    pub fn resolve(&self, name: &str) -> Result<&StoredImage, crate::Error> {
        if is_full_hex(name) || digest::is_sha256_digest(name) {
            let id = format!("sha256:{}", hex_part(name));
            return self
                .image(&id)
                .ok_or_else(|| ImageError::NoSuchImage(id).into());
        }
        let reference = Reference::parse(name)?.with_default_tag();
        if let Some(image) = self.by_reference(&reference) {
            return Ok(image);
        }
        if let Some(image) = self.by_id_prefix(name) {
            return Ok(image);
        }
        Err(ImageError::NoSuchImage(reference.familiar()).into())
    }

    /// The image a name (tag or digest reference) points at.
    pub fn by_reference(&self, reference: &Reference) -> Option<&StoredImage> {
        let canonical = reference.canonical();
        if let Some(entry) = self
            .entries
            .iter()
            .find(|e| e.name.as_ref().is_some_and(|n| n.canonical() == canonical))
        {
            return self
                .images
                .iter()
                .find(|i| i.manifest_digest == entry.manifest_digest);
        }
        // `repo@sha256:<manifest digest>` also finds an image that repository has under a tag.
        let digest = reference.digest()?;
        self.images.iter().find(|i| {
            i.manifest_digest == digest
                && i.names
                    .iter()
                    .any(|n| n.full_name() == reference.full_name())
        })
    }

    /// A unique ID prefix (`sha256:` optional) → the image.
    pub fn by_id_prefix(&self, prefix: &str) -> Option<&StoredImage> {
        let hex = prefix.strip_prefix("sha256:").unwrap_or(prefix);
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut found = self
            .images
            .iter()
            .filter(|i| hex_part(&i.id).starts_with(hex));
        match (found.next(), found.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }

    /// How many images use each layer (by diff ID).
    pub fn layer_use_counts(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for image in &self.images {
            let unique: BTreeSet<&String> = image.diff_ids().iter().collect();
            for diff in unique {
                *counts.entry(diff.clone()).or_insert(0) += 1;
            }
        }
        counts
    }
}

/// The store lock held for a change ([`ImageStore::lock_exclusive`]).
pub(crate) struct ChangeLock {
    marker: PathBuf,
    _lock: FileLock,
}

impl Drop for ChangeLock {
    fn drop(&mut self) {
        // Removed before the lock is let go (fields drop after this), so it never removes the
        // next holder's; a change that panicked keeps it, and the next open sweeps.
        if !std::thread::panicking() {
            let _ = fs::remove_file(&self.marker);
        }
    }
}

impl ImageStore {
    /// Opens the store at `root` (`$DOCKERLINGS_ROOT/image`), creating its skeleton, and
    /// sweeps what a killed process may have left (when a change or an import never finished)
    /// when nobody else is working in it.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, ImageError> {
        let store = Self { root: root.into() };
        for dir in [store.blobs_dir(), store.layers_dir(), store.staging_dir()] {
            fs::create_dir_all(&dir)
                .map_err(|e| ImageError::io(format!("create {}", dir.display()), e))?;
        }
        let layout = store.root.join("oci-layout");
        if !layout.exists() {
            fsutil::atomic_write(&layout, LAYOUT.as_bytes())
                .map_err(|e| ImageError::io("write oci-layout", e))?;
        }
        if let Some(lock) = FileLock::try_exclusive(&store.lock_path())
            .map_err(|e| ImageError::io("lock image store", e))?
        {
            // Only a change that never finished leaves anything to sweep: its marker, or an
            // import's staging area. Sweeping reads every image, so a store nobody broke is
            // not swept here (each change sweeps before it starts anyway).
            if store.change_marker().exists() || store.has_staging_areas()? {
                store.recover(&lock)?;
                let _ = fs::remove_file(store.change_marker());
            }
        }
        Ok(store)
    }

    /// Present while a change holds the store lock; left behind by one that was killed.
    fn change_marker(&self) -> PathBuf {
        self.root.join("changing")
    }

    fn has_staging_areas(&self) -> Result<bool, ImageError> {
        let dir = self.staging_dir();
        let mut entries =
            fs::read_dir(&dir).map_err(|e| ImageError::io(format!("read {}", dir.display()), e))?;
        Ok(entries.next().is_some())
    }

    /// The store at `root` as [`Self::open`] left it: no skeleton check, no sweep. For the
    /// second and later handles in one process (the engine opens the store once, with
    /// its sweep) and for supervisors, which only read.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn blobs_dir(&self) -> PathBuf {
        self.root.join("blobs").join("sha256")
    }

    pub fn layers_dir(&self) -> PathBuf {
        self.root.join("layers")
    }

    pub(crate) fn staging_dir(&self) -> PathBuf {
        self.root.join("staging")
    }

    fn lock_path(&self) -> PathBuf {
        self.root.join("lock")
    }

    fn index_path(&self) -> PathBuf {
        self.root.join("index.json")
    }

    pub fn blob_path(&self, digest: &str) -> PathBuf {
        self.blobs_dir().join(hex_part(digest))
    }

    /// The unpacked directory of a layer: an overlayfs lower dir.
    pub fn layer_dir(&self, diff_id: &str) -> PathBuf {
        self.layers_dir().join(hex_part(diff_id))
    }

    fn layer_meta_path(&self, diff_id: &str) -> PathBuf {
        self.layers_dir()
            .join(format!("{}.json", hex_part(diff_id)))
    }

    pub fn has_layer(&self, diff_id: &str) -> bool {
        self.layer_dir(diff_id).is_dir()
    }

    /// The overlayfs lower dirs of the image with ID `id` (its config's digest), top layer
    /// first, read from that one config rather than from a snapshot of every image: what a
    /// container needs to mount its root, read again at every start.
    pub fn lower_dirs_of(&self, id: &str) -> Result<Vec<PathBuf>, ImageError> {
        let _lock = self.lock_shared()?;
        let gone = || ImageError::NoSuchImage(id.to_string());
        let bytes = fs::read(self.blob_path(id)).map_err(|_| gone())?;
        let config = ImageConfiguration::from_reader(&bytes[..])
            .map_err(|e| ImageError::Corrupt(format!("config {id}: {e}")))?;
        let dirs: Vec<PathBuf> = config
            .rootfs()
            .diff_ids()
            .iter()
            .rev()
            .map(|d| self.layer_dir(d))
            .collect();
        if dirs.iter().any(|d| !d.is_dir()) {
            return Err(gone());
        }
        Ok(dirs)
    }

    /// The overlayfs lower dirs of an image, top layer first (the order `lowerdir=` wants).
    pub fn lower_dirs(&self, image: &StoredImage) -> Vec<PathBuf> {
        image
            .diff_ids()
            .iter()
            .rev()
            .map(|d| self.layer_dir(d))
            .collect()
    }

    /// Takes the store lock for a change, after which leftovers are swept; the change's
    /// marker stays until the returned guard is dropped (or the process dies, and the next
    /// open sweeps).
    pub(crate) fn lock_exclusive(&self) -> Result<ChangeLock, ImageError> {
        let lock = FileLock::exclusive(&self.lock_path())
            .map_err(|e| ImageError::io("lock image store", e))?;
        let marker = self.change_marker();
        // Written before the sweep: a sweep killed half-way is a change killed half-way.
        fs::write(&marker, b"")
            .map_err(|e| ImageError::io(format!("write {}", marker.display()), e))?;
        self.recover(&lock)?;
        Ok(ChangeLock {
            marker,
            _lock: lock,
        })
    }

    pub(crate) fn lock_shared(&self) -> Result<FileLock, ImageError> {
        FileLock::shared(&self.lock_path()).map_err(|e| ImageError::io("lock image store", e))
    }

    /// Reads a consistent snapshot (under a shared lock).
    pub fn snapshot(&self) -> Result<Snapshot, ImageError> {
        let _lock = self.lock_shared()?;
        self.read_snapshot()
    }

    /// The image a tag names, reading only the index and that image (a snapshot reads them
    /// all); `None` when `name` is not a tag in the index — an ID, a digest reference, a
    /// prefix or a missing image, which [`Snapshot::resolve`] handles. Call with a lock held.
    pub(crate) fn read_tagged(&self, name: &str) -> Result<Option<StoredImage>, ImageError> {
        if is_full_hex(name) || digest::is_sha256_digest(name) {
            return Ok(None);
        }
        let Ok(reference) = Reference::parse(name) else {
            return Ok(None);
        };
        let canonical = reference.with_default_tag().canonical();
        let entries = self.read_index()?;
        let Some(entry) = entries
            .iter()
            .find(|e| e.name.as_ref().is_some_and(|n| n.canonical() == canonical))
        else {
            return Ok(None);
        };
        self.read_image(&entry.manifest_digest).map(Some)
    }

    /// Reads the index and every image it names. Call with a lock held.
    pub(crate) fn read_snapshot(&self) -> Result<Snapshot, ImageError> {
        let entries = self.read_index()?;
        let mut images: Vec<StoredImage> = Vec::new();
        let mut by_manifest: HashMap<String, usize> = HashMap::new();
        for entry in &entries {
            let slot = match by_manifest.get(&entry.manifest_digest) {
                Some(&slot) => slot,
                None => {
                    let image = self.read_image(&entry.manifest_digest)?;
                    images.push(image);
                    by_manifest.insert(entry.manifest_digest.clone(), images.len() - 1);
                    images.len() - 1
                }
            };
            let image = &mut images[slot];
            if let Some(name) = &entry.name {
                image.names.push(name.clone());
            }
            if entry.last_tag_time > image.last_tag_time {
                image.last_tag_time = entry.last_tag_time.clone();
            }
        }
        for image in &mut images {
            image.names.sort();
            image.names.dedup();
        }
        Ok(Snapshot { entries, images })
    }

    fn read_image(&self, manifest_digest: &str) -> Result<StoredImage, ImageError> {
        let mut manifest_blob = manifest_digest.to_string();
        let mut manifest_bytes = self.read_blob(manifest_digest)?;
        if let Some(chosen) = self.platform_manifest_in_index(&manifest_bytes) {
            manifest_bytes = self.read_blob(&chosen)?;
            manifest_blob = chosen;
        }
        let manifest = ImageManifest::from_reader(&manifest_bytes[..])
            .map_err(|e| ImageError::Corrupt(format!("manifest {manifest_blob}: {e}")))?;
        let id = manifest.config().digest().to_string();
        let config_bytes = self.read_blob(&id)?;
        let config = ImageConfiguration::from_reader(&config_bytes[..])
            .map_err(|e| ImageError::Corrupt(format!("config {id}: {e}")))?;
        let config_json = serde_json::from_slice(&config_bytes)
            .map_err(|e| ImageError::Corrupt(format!("config {id}: {e}")))?;
        Ok(StoredImage {
            id,
            manifest_digest: manifest_digest.to_string(),
            manifest_blob,
            manifest,
            config,
            config_json,
            config_size: config_bytes.len() as u64,
            names: Vec::new(),
            last_tag_time: None,
        })
    }

    /// When `bytes` is a manifest list / OCI index (a pulled multi-platform image), the
    /// digest of the manifest the store holds for it: the host platform's when present.
    fn platform_manifest_in_index(&self, bytes: &[u8]) -> Option<String> {
        let doc: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        let manifests = doc.get("manifests")?.as_array()?;
        let present: Vec<&serde_json::Value> = manifests
            .iter()
            .filter(|m| {
                m.get("digest")
                    .and_then(|d| d.as_str())
                    .is_some_and(|d| digest::is_sha256_digest(d) && self.blob_path(d).is_file())
            })
            .collect();
        let chosen = present
            .iter()
            .find(|m| super::registry::platform::matches_host(m.get("platform")))
            .or(present.first())?;
        chosen.get("digest")?.as_str().map(str::to_string)
    }

    pub fn read_blob(&self, digest: &str) -> Result<Vec<u8>, ImageError> {
        let path = self.blob_path(digest);
        fs::read(&path).map_err(|e| ImageError::Corrupt(format!("blob {digest}: {e}")))
    }

    pub(crate) fn read_index(&self) -> Result<Vec<IndexEntry>, ImageError> {
        let path = self.index_path();
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(ImageError::io("read index.json", e)),
        };
        let index = ImageIndex::from_reader(&bytes[..])
            .map_err(|e| ImageError::Corrupt(format!("index.json: {e}")))?;
        let mut entries = Vec::new();
        for desc in index.manifests() {
            let annotations = desc.annotations().clone().unwrap_or_default();
            let name = match annotations.get(ANNOTATION_IMAGE_NAME) {
                Some(name) => Some(
                    Reference::parse(name)
                        .map_err(|e| ImageError::Corrupt(format!("index.json name {name}: {e}")))?,
                ),
                None => None,
            };
            entries.push(IndexEntry {
                name,
                manifest_digest: desc.digest().to_string(),
                manifest_size: desc.size(),
                last_tag_time: annotations.get(ANNOTATION_LAST_TAG_TIME).cloned(),
            });
        }
        Ok(entries)
    }

    /// Replaces `index.json` atomically. Call with the exclusive lock held, after every blob
    /// and layer the entries reach is in place.
    pub(crate) fn write_index(&self, entries: &[IndexEntry]) -> Result<(), ImageError> {
        let manifests: Vec<Descriptor> = entries
            .iter()
            .map(|entry| {
                let mut desc = Descriptor::new(
                    MediaType::ImageManifest,
                    entry.manifest_size,
                    oci_digest(&entry.manifest_digest),
                );
                let mut annotations = HashMap::new();
                if let Some(name) = &entry.name {
                    annotations.insert(ANNOTATION_IMAGE_NAME.to_string(), name.canonical());
                    annotations.insert(ANNOTATION_REF_NAME.to_string(), name.canonical());
                }
                if let Some(time) = &entry.last_tag_time {
                    annotations.insert(ANNOTATION_LAST_TAG_TIME.to_string(), time.clone());
                }
                if !annotations.is_empty() {
                    desc.set_annotations(Some(annotations));
                }
                desc
            })
            .collect();
        let index = ImageIndexBuilder::default()
            .schema_version(2u32)
            .media_type(MediaType::ImageIndex)
            .manifests(manifests)
            .build()
            .map_err(|e| ImageError::Corrupt(format!("index.json: {e}")))?;
        let bytes =
            serde_json::to_vec_pretty(&index).map_err(|e| ImageError::Corrupt(e.to_string()))?;
        fsutil::atomic_write(&self.index_path(), &bytes)
            .map_err(|e| ImageError::io("write index.json", e))
    }

    /// The layer's size as `docker images` counts it.
    pub fn layer_size(&self, diff_id: &str) -> u64 {
        #[derive(serde::Deserialize)]
        struct Meta {
            size: u64,
        }
        if let Ok(bytes) = fs::read(self.layer_meta_path(diff_id)) {
            if let Ok(meta) = serde_json::from_slice::<Meta>(&bytes) {
                return meta.size;
            }
        }
        // Fall back to reading the layer tar's headers.
        fs::File::open(self.blob_path(diff_id))
            .ok()
            .and_then(|f| super::unpack::layer_size(std::io::BufReader::new(f)).ok())
            .unwrap_or(0)
    }

    pub(crate) fn write_layer_meta(&self, diff_id: &str, size: u64) -> Result<(), ImageError> {
        let json = serde_json::json!({ "diffID": diff_id, "size": size });
        fsutil::atomic_write(&self.layer_meta_path(diff_id), json.to_string().as_bytes())
            .map_err(|e| ImageError::io("write layer metadata", e))
    }

    /// Sum of the image's layer sizes (each layer once).
    pub fn image_size(&self, image: &StoredImage) -> u64 {
        let unique: BTreeSet<&String> = image.diff_ids().iter().collect();
        unique.into_iter().map(|d| self.layer_size(d)).sum()
    }

    /// Sweeps leftovers and garbage. Needs the exclusive lock (proved by `_lock`).
    fn recover(&self, _lock: &FileLock) -> Result<(), ImageError> {
        let sweep = |dir: &Path| {
            fsutil::sweep_temp_entries(dir)
                .map_err(|e| ImageError::io(format!("sweep {}", dir.display()), e))
        };
        sweep(&self.root)?;
        sweep(&self.blobs_dir())?;
        sweep(&self.layers_dir())?;
        self.sweep_staging()?;
        self.collect_garbage()
    }

    /// Removes staging areas whose owner is gone (its lock is free).
    fn sweep_staging(&self) -> Result<(), ImageError> {
        let Ok(entries) = fs::read_dir(self.staging_dir()) else {
            return Ok(());
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let lock_path = path.join("lock");
            let abandoned = match FileLock::try_exclusive(&lock_path) {
                Ok(Some(_lock)) => true,
                Ok(None) => false,
                Err(_) => !lock_path.exists(),
            };
            if abandoned {
                fsutil::remove_tree(&path)
                    .map_err(|e| ImageError::io(format!("sweep {}", path.display()), e))?;
            }
        }
        Ok(())
    }

    /// Deletes blobs and unpacked layers that no image in the index reaches.
    pub(crate) fn collect_garbage(&self) -> Result<(), ImageError> {
        let snapshot = self.read_snapshot()?;
        let mut live_blobs: BTreeSet<String> = BTreeSet::new();
        let mut live_layers: BTreeSet<String> = BTreeSet::new();
        for image in &snapshot.images {
            live_blobs.insert(hex_part(&image.manifest_digest).to_string());
            live_blobs.insert(hex_part(&image.manifest_blob).to_string());
            live_blobs.insert(hex_part(&image.id).to_string());
            for layer in image.manifest.layers() {
                live_blobs.insert(hex_part(layer.digest().as_ref()).to_string());
            }
            // A pulled image's manifest names the compressed layers; the store keeps the
            // uncompressed tars, named by diff ID.
            for diff in image.diff_ids() {
                live_blobs.insert(hex_part(diff).to_string());
                live_layers.insert(hex_part(diff).to_string());
            }
        }
        let io = |what: &str, e| ImageError::io(format!("garbage-collect {what}"), e);
        for entry in fs::read_dir(self.blobs_dir())
            .map_err(|e| io("blobs", e))?
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !live_blobs.contains(&name) {
                fs::remove_file(entry.path()).map_err(|e| io("blob", e))?;
            }
        }
        for entry in fs::read_dir(self.layers_dir())
            .map_err(|e| io("layers", e))?
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            let hex = name.strip_suffix(".json").unwrap_or(&name);
            if live_layers.contains(hex) {
                continue;
            }
            if name.ends_with(".json") {
                fs::remove_file(entry.path()).map_err(|e| io("layer metadata", e))?;
            } else {
                fsutil::remove_tree_atomically(&entry.path()).map_err(|e| io("layer", e))?;
            }
        }
        Ok(())
    }

    /// Makes sure every image in `before` that still has an entry keeps one, and drops
    /// nothing else: used after names were moved, so an image that lost its last name stays
    /// as a dangling `<none>` image instead of vanishing.
    pub(crate) fn keep_dangling(
        before: &[IndexEntry],
        after: &mut Vec<IndexEntry>,
        deleted: &BTreeSet<String>,
    ) {
        let mut seen: BTreeMap<String, u64> = BTreeMap::new();
        for entry in before {
            seen.insert(entry.manifest_digest.clone(), entry.manifest_size);
        }
        for (digest, size) in seen {
            if deleted.contains(&digest) || after.iter().any(|e| e.manifest_digest == digest) {
                continue;
            }
            after.push(IndexEntry {
                name: None,
                manifest_digest: digest,
                manifest_size: size,
                last_tag_time: None,
            });
        }
        // A named entry makes a nameless one for the same image redundant.
        let named: BTreeSet<String> = after
            .iter()
            .filter(|e| e.name.is_some())
            .map(|e| e.manifest_digest.clone())
            .collect();
        after.retain(|e| e.name.is_some() || !named.contains(&e.manifest_digest));
    }
}

/// The OCI manifest the store writes for an image it built or loaded itself: the config and
/// the uncompressed layer tars (`(diff ID, size)`), which is what the store keeps.
pub(crate) fn local_manifest(
    config_digest: &str,
    config_size: u64,
    layers: &[(String, u64)],
) -> Result<Vec<u8>, ImageError> {
    let layers: Vec<Descriptor> = layers
        .iter()
        .map(|(diff, size)| Descriptor::new(MediaType::ImageLayer, *size, oci_digest(diff)))
        .collect();
    let manifest = oci_spec::image::ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(Descriptor::new(
            MediaType::ImageConfig,
            config_size,
            oci_digest(config_digest),
        ))
        .layers(layers)
        .build()
        .map_err(|e| ImageError::InvalidArchive(format!("manifest: {e}")))?;
    serde_json::to_vec(&manifest).map_err(|e| ImageError::InvalidArchive(e.to_string()))
}

/// An oci-spec digest from a `sha256:` string we produced or verified.
pub(crate) fn oci_digest(digest: &str) -> oci_spec::image::Digest {
    digest.parse().unwrap_or_else(|_| {
        // Only reached for corrupt input; fall back to the digest of nothing so callers
        // still produce a well-formed document.
        sha256_digest(b"").parse().expect("valid digest")
    })
}
