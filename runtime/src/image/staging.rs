//! Bringing images into the store: everything is first written and verified in a private
//! staging area, then committed in one short critical section under the store lock.
//!
//! The staging area is a `staging/.tmp-…/` directory whose `lock` file its owner holds for
//! as long as it lives; a sweep removes only staging areas whose lock is free (their owner
//! died). Nothing in it is visible to other processes until [`Staging::commit`], which
//! renames blobs and layer directories into place and then — last — rewrites `index.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::path::PathBuf;

use oci_spec::image::ImageConfiguration;

use super::digest::{sha256_digest, HashingWriter};
use super::reference::Reference;
use super::store::{local_manifest, ImageStore, IndexEntry};
use super::unpack;
use super::ImageError;
use crate::fsutil::{self, FileLock};

/// A private work area for one import.
#[derive(Debug)]
pub struct Staging<'s> {
    store: &'s ImageStore,
    dir: PathBuf,
    _lock: FileLock,
    /// Staged blobs by digest.
    blobs: BTreeMap<String, (PathBuf, u64)>,
    /// Staged unpacked layers by diff ID, with their sizes.
    layers: BTreeMap<String, (PathBuf, u64)>,
    counter: u64,
}

/// An image ready to commit: its config and manifest are staged blobs.
#[derive(Debug, Clone)]
pub struct PreparedImage {
    pub id: String,
    pub manifest_digest: String,
    pub manifest_size: u64,
    pub diff_ids: Vec<String>,
    /// Names to point at the image.
    pub names: Vec<Reference>,
    /// Further staged blobs the image needs: the platform manifest under a pulled index.
    pub extra_blobs: Vec<String>,
    /// The manifest is a registry's (pulled): it names the image from now on, replacing a
    /// locally generated manifest of the same image. A local manifest instead yields to a
    /// manifest the store already has for the same image ID, so one image has one manifest.
    pub from_registry: bool,
}

/// What a commit did for one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitOutcome {
    pub id: String,
    pub manifest_digest: String,
    /// The image (its manifest) was in the store before.
    pub existed: bool,
    /// Names that already pointed at this image before the commit.
    pub unchanged_names: Vec<Reference>,
    /// Diff IDs whose unpacked layer was already in the store when staging began.
    pub layers_existing: Vec<String>,
}

impl<'s> Staging<'s> {
    /// Creates a staging area (briefly under the store lock, so no sweep sees it unlocked).
    pub fn new(store: &'s ImageStore) -> Result<Self, ImageError> {
        let guard = store.lock_exclusive()?;
        let dir = fsutil::temp_sibling(&store.staging_dir().join("import"));
        fs::create_dir_all(&dir).map_err(|e| ImageError::io("create staging area", e))?;
        let lock = FileLock::exclusive(&dir.join("lock"))
            .map_err(|e| ImageError::io("lock staging area", e))?;
        drop(guard);
        Ok(Self {
            store,
            dir,
            _lock: lock,
            blobs: BTreeMap::new(),
            layers: BTreeMap::new(),
            counter: 0,
        })
    }

    fn next_path(&mut self, what: &str) -> PathBuf {
        self.counter += 1;
        self.dir.join(format!("{what}-{}", self.counter))
    }

    /// Stages `bytes` as a blob; returns its digest.
    pub fn add_blob(&mut self, bytes: &[u8]) -> Result<String, ImageError> {
        let digest = sha256_digest(bytes);
        if !self.blobs.contains_key(&digest) {
            let path = self.next_path("blob");
            fs::write(&path, bytes).map_err(|e| ImageError::io("stage blob", e))?;
            self.blobs
                .insert(digest.clone(), (path, bytes.len() as u64));
        }
        Ok(digest)
    }

    /// Streams `input` into a staged blob; returns its digest and size. A read error (a
    /// truncated archive) is reported as such.
    pub fn add_blob_from(&mut self, input: &mut dyn Read) -> Result<(String, u64), ImageError> {
        let path = self.next_path("blob");
        let file = File::create(&path).map_err(|e| ImageError::io("stage blob", e))?;
        let mut writer = HashingWriter::new(io::BufWriter::new(file));
        io::copy(input, &mut writer).map_err(read_error)?;
        let (digest, size, buffered) = writer.finish();
        buffered
            .into_inner()
            .map_err(|e| ImageError::io("stage blob", e.into_error()))?;
        if self.blobs.contains_key(&digest) {
            let _ = fs::remove_file(&path);
        } else {
            self.blobs.insert(digest.clone(), (path, size));
        }
        Ok((digest, size))
    }

    pub fn has_blob(&self, digest: &str) -> bool {
        self.blobs.contains_key(digest)
    }

    /// Opens a staged blob for reading.
    pub fn open_blob(&self, digest: &str) -> Result<File, ImageError> {
        let (path, _) = self
            .blobs
            .get(digest)
            .ok_or_else(|| ImageError::InvalidArchive(format!("missing blob {digest}")))?;
        File::open(path).map_err(|e| ImageError::io("read staged blob", e))
    }

    pub fn read_blob(&self, digest: &str) -> Result<Vec<u8>, ImageError> {
        let mut bytes = Vec::new();
        self.open_blob(digest)?
            .read_to_end(&mut bytes)
            .map_err(|e| ImageError::io("read staged blob", e))?;
        Ok(bytes)
    }

    /// A fresh path inside the staging area for a download in progress (nothing is recorded
    /// about it; whatever is written there is removed with the staging area).
    pub fn scratch_path(&mut self, what: &str) -> PathBuf {
        self.next_path(what)
    }

    /// Streams an uncompressed layer tar from `input` into a staged blob and, in the same
    /// pass, unpacks it into a staged layer directory. Returns the layer's diff ID (the
    /// sha256 of the tar) and the tar's size. Bytes after the tar's end are hashed too.
    pub fn add_layer_from(&mut self, input: &mut dyn Read) -> Result<(String, u64), ImageError> {
        let blob_path = self.next_path("blob");
        let dir = self.next_path("layer");
        fs::create_dir(&dir).map_err(|e| ImageError::io("stage layer", e))?;
        let file = File::create(&blob_path).map_err(|e| ImageError::io("stage blob", e))?;
        let mut tee = TeeReader {
            input,
            copy: HashingWriter::new(io::BufWriter::new(file)),
        };
        let stats = unpack::unpack_layer(&mut tee, &dir, unpack::privileged())?;
        io::copy(&mut tee, &mut io::sink()).map_err(read_error)?;
        let (diff_id, size, buffered) = tee.copy.finish();
        buffered
            .into_inner()
            .map_err(|e| ImageError::io("stage blob", e.into_error()))?;
        if self.blobs.contains_key(&diff_id) {
            let _ = fs::remove_file(&blob_path);
        } else {
            self.blobs.insert(diff_id.clone(), (blob_path, size));
        }
        if self.layers.contains_key(&diff_id) || self.store.has_layer(&diff_id) {
            let _ = fsutil::remove_tree(&dir);
        } else {
            self.layers.insert(diff_id.clone(), (dir, stats.size));
        }
        Ok((diff_id, size))
    }

    /// Stages an image pulled from a registry: `top` is the document the reference resolved
    /// to (a manifest, or an index whose chosen manifest is `platform_manifest`), kept byte
    /// for byte so its digest stays the registry's. The config and every layer must already
    /// be staged (layers through [`Self::add_layer_from`]) or in the store.
    pub fn prepare_pulled(
        &mut self,
        top: &[u8],
        platform_manifest: Option<&[u8]>,
        config_digest: &str,
        names: Vec<Reference>,
    ) -> Result<PreparedImage, ImageError> {
        let config_bytes = self.read_blob(config_digest)?;
        let config = ImageConfiguration::from_reader(&config_bytes[..]).map_err(|e| {
            ImageError::InvalidArchive(format!("image config {config_digest}: {e}"))
        })?;
        let diff_ids = config.rootfs().diff_ids().clone();
        for diff_id in &diff_ids {
            let blob = self.blobs.contains_key(diff_id) || self.store.blob_path(diff_id).is_file();
            let layer = self.layers.contains_key(diff_id) || self.store.has_layer(diff_id);
            if !blob || !layer {
                return Err(ImageError::InvalidArchive(format!(
                    "missing layer {diff_id}"
                )));
            }
        }
        let manifest_digest = self.add_blob(top)?;
        let mut extra_blobs = Vec::new();
        if let Some(bytes) = platform_manifest {
            extra_blobs.push(self.add_blob(bytes)?);
        }
        Ok(PreparedImage {
            id: config_digest.to_string(),
            manifest_digest,
            manifest_size: top.len() as u64,
            diff_ids,
            names,
            extra_blobs,
            from_registry: true,
        })
    }

    /// Stages the image described by `config` (already staged) over the staged layer
    /// blobs `layer_digests`, which must be the uncompressed layers the config lists.
    /// Builds the OCI manifest, unpacks layers the store does not have yet.
    pub fn prepare_image(
        &mut self,
        config_digest: &str,
        layer_digests: &[String],
        names: Vec<Reference>,
    ) -> Result<PreparedImage, ImageError> {
        let config_bytes = self.read_blob(config_digest)?;
        let config = ImageConfiguration::from_reader(&config_bytes[..]).map_err(|e| {
            ImageError::InvalidArchive(format!("image config {config_digest}: {e}"))
        })?;
        let diff_ids = config.rootfs().diff_ids().clone();
        if diff_ids.len() != layer_digests.len() {
            return Err(ImageError::InvalidArchive(format!(
                "image config lists {} layers but {} were given",
                diff_ids.len(),
                layer_digests.len()
            )));
        }
        let mut layers = Vec::new();
        for (diff_id, digest) in diff_ids.iter().zip(layer_digests) {
            if diff_id != digest {
                return Err(ImageError::InvalidArchive(format!(
                    "layer digest {digest} does not match the config's diff ID {diff_id}"
                )));
            }
            let size = self
                .blobs
                .get(digest)
                .map(|(_, s)| *s)
                .ok_or_else(|| ImageError::InvalidArchive(format!("missing layer {digest}")))?;
            layers.push((digest.clone(), size));
            self.unpack(diff_id)?;
        }
        let manifest_bytes = local_manifest(config_digest, config_bytes.len() as u64, &layers)?;
        let manifest_digest = self.add_blob(&manifest_bytes)?;
        Ok(PreparedImage {
            id: config_digest.to_string(),
            manifest_digest,
            manifest_size: manifest_bytes.len() as u64,
            diff_ids,
            names,
            extra_blobs: Vec::new(),
            from_registry: false,
        })
    }

    /// Unpacks a staged layer unless the store (or this staging area) already has it.
    fn unpack(&mut self, diff_id: &str) -> Result<(), ImageError> {
        if self.layers.contains_key(diff_id) || self.store.has_layer(diff_id) {
            return Ok(());
        }
        let dir = self.next_path("layer");
        fs::create_dir(&dir).map_err(|e| ImageError::io("stage layer", e))?;
        let file = self.open_blob(diff_id)?;
        let stats = unpack::unpack_layer(BufReader::new(file), &dir, unpack::privileged())?;
        self.layers.insert(diff_id.to_string(), (dir, stats.size));
        Ok(())
    }

    /// Commits the prepared images: blobs and layers into place, then the index. Names
    /// move to the new images (an image that loses its last name stays, dangling).
    pub fn commit(self, images: &[PreparedImage]) -> Result<Vec<CommitOutcome>, ImageError> {
        let layers_before: BTreeSet<String> = images
            .iter()
            .flat_map(|i| i.diff_ids.iter())
            .filter(|d| self.store.has_layer(d))
            .cloned()
            .collect();
        // Everything written so far must be durable before the index can point at it.
        crate::fsutil::sync_filesystem(&self.dir)
            .map_err(|e| ImageError::io("sync staged content", e))?;
        let _lock = self.store.lock_exclusive()?;
        let current = self.store.read_snapshot()?;
        let before = current.entries.clone();
        let (images, repoint) = one_manifest_per_image(&current, &before, images);
        let images = &images[..];
        let mut outcomes = Vec::new();
        let mut needed: BTreeSet<&str> = BTreeSet::new();
        for image in images {
            needed.insert(&image.id);
            needed.insert(&image.manifest_digest);
            for d in image.diff_ids.iter().chain(&image.extra_blobs) {
                needed.insert(d);
            }
        }
        for digest in needed {
            let target = self.store.blob_path(digest);
            if target.exists() {
                continue;
            }
            let (path, _) = self
                .blobs
                .get(digest)
                .ok_or_else(|| ImageError::InvalidArchive(format!("missing blob {digest}")))?;
            fs::rename(path, &target).map_err(|e| ImageError::io("commit blob", e))?;
        }
        for (diff_id, (dir, size)) in &self.layers {
            if self.store.has_layer(diff_id) {
                continue;
            }
            self.store.write_layer_meta(diff_id, *size)?;
            fs::rename(dir, self.store.layer_dir(diff_id))
                .map_err(|e| ImageError::io("commit layer", e))?;
        }
        fsutil::sync_dir(&self.store.blobs_dir()).map_err(|e| ImageError::io("sync blobs", e))?;
        fsutil::sync_dir(&self.store.layers_dir()).map_err(|e| ImageError::io("sync layers", e))?;

        let mut after = before.clone();
        for (old, new, size) in &repoint {
            for entry in after.iter_mut().filter(|e| &e.manifest_digest == old) {
                entry.manifest_digest = new.clone();
                entry.manifest_size = *size;
            }
        }
        for image in images {
            let existed = before
                .iter()
                .any(|e| e.manifest_digest == image.manifest_digest);
            let mut unchanged = Vec::new();
            for name in &image.names {
                let canonical = name.canonical();
                let slot = after
                    .iter()
                    .position(|e| e.name.as_ref().is_some_and(|n| n.canonical() == canonical));
                match slot {
                    Some(i) if after[i].manifest_digest == image.manifest_digest => {
                        unchanged.push(name.clone())
                    }
                    Some(i) => {
                        after[i].manifest_digest = image.manifest_digest.clone();
                        after[i].manifest_size = image.manifest_size;
                        after[i].last_tag_time = None;
                    }
                    None => after.push(IndexEntry {
                        name: Some(name.clone()),
                        manifest_digest: image.manifest_digest.clone(),
                        manifest_size: image.manifest_size,
                        last_tag_time: None,
                    }),
                }
            }
            if !after
                .iter()
                .any(|e| e.manifest_digest == image.manifest_digest)
            {
                after.push(IndexEntry {
                    name: None,
                    manifest_digest: image.manifest_digest.clone(),
                    manifest_size: image.manifest_size,
                    last_tag_time: None,
                });
            }
            outcomes.push(CommitOutcome {
                id: image.id.clone(),
                manifest_digest: image.manifest_digest.clone(),
                existed,
                unchanged_names: unchanged,
                layers_existing: image
                    .diff_ids
                    .iter()
                    .filter(|d| layers_before.contains(*d))
                    .cloned()
                    .collect(),
            });
        }
        let replaced: BTreeSet<String> = repoint.iter().map(|(old, _, _)| old.clone()).collect();
        ImageStore::keep_dangling(&before, &mut after, &replaced);
        if after != before {
            self.store.write_index(&after)?;
        }
        Ok(outcomes)
    }
}

/// Keeps one manifest per image ID in the index. A registry's manifest replaces a manifest
/// the store generated for the same image (returned as `(old, new, size)` re-pointings); a
/// generated one yields to whatever manifest the store already has for that image.
fn one_manifest_per_image(
    current: &super::store::Snapshot,
    before: &[IndexEntry],
    images: &[PreparedImage],
) -> (Vec<PreparedImage>, Vec<(String, String, u64)>) {
    let mut out = Vec::new();
    let mut repoint = Vec::new();
    for image in images {
        let mut image = image.clone();
        let other = current
            .images
            .iter()
            .find(|i| i.id == image.id && i.manifest_digest != image.manifest_digest);
        if let Some(other) = other {
            if image.from_registry {
                repoint.push((
                    other.manifest_digest.clone(),
                    image.manifest_digest.clone(),
                    image.manifest_size,
                ));
            } else if let Some(entry) = before
                .iter()
                .find(|e| e.manifest_digest == other.manifest_digest)
            {
                image.manifest_digest = entry.manifest_digest.clone();
                image.manifest_size = entry.manifest_size;
                image.extra_blobs.clear();
            }
        }
        out.push(image);
    }
    (out, repoint)
}

impl Drop for Staging<'_> {
    fn drop(&mut self) {
        let _ = fsutil::remove_tree(&self.dir);
    }
}

/// A reader that copies everything read through it into `copy`.
struct TeeReader<'a, W: io::Write> {
    input: &'a mut dyn Read,
    copy: HashingWriter<W>,
}

impl<W: io::Write> Read for TeeReader<'_, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.input.read(buf)?;
        io::Write::write_all(&mut self.copy, &buf[..n])?;
        Ok(n)
    }
}

/// A read error of an archive stream: a short read is Docker's `unexpected EOF`.
pub(crate) fn read_error(e: io::Error) -> ImageError {
    let text = e.to_string();
    if e.kind() == io::ErrorKind::UnexpectedEof || text.contains("failed to read entire block") {
        ImageError::InvalidArchive("unexpected EOF".into())
    } else if matches!(
        e.kind(),
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::Other
    ) {
        // The tar and gzip readers report malformed input this way.
        ImageError::InvalidArchive(text)
    } else {
        ImageError::io("read archive", e)
    }
}

/// Imports a fully formed image (what the catalogue builds) in one go.
pub fn import(store: &ImageStore, image: &super::ImageImport) -> Result<CommitOutcome, ImageError> {
    let mut staging = Staging::new(store)?;
    let config_digest = staging.add_blob(&image.config)?;
    let mut layer_digests = Vec::new();
    for layer in &image.layers {
        layer_digests.push(staging.add_blob(layer)?);
    }
    let prepared = staging.prepare_image(&config_digest, &layer_digests, image.tags.clone())?;
    let mut outcomes = staging.commit(&[prepared])?;
    Ok(outcomes.remove(0))
}
