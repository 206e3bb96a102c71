//! `docker load`: reads a docker-archive from a stream — Docker 25's (OCI layout plus
//! `manifest.json`), the legacy one (`<id>/layer.tar`, `<config>.json`, `manifest.json`), or
//! a plain OCI layout (`index.json` only) — plain or gzip-compressed (detected by its magic
//! bytes), without seeking.
//!
//! Every file of the archive is streamed into the staging area while being hashed; blobs
//! named by digest are checked against their names, layers against the config's diff IDs.
//! Only when the whole archive has been read and checked are the images committed, so a
//! corrupt or truncated archive — or a kill in the middle — leaves the store as it was.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::super::digest::{hex_part, is_full_hex};
use super::super::reference::Reference;
use super::super::staging::{read_error, PreparedImage, Staging};
use super::super::store::{ImageStore, ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME};
use super::super::view::LoadedItem;
use super::super::ImageError;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// One element of `manifest.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ManifestItem {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

/// Reads an archive from `input` into the store.
pub fn load(store: &ImageStore, input: &mut dyn Read) -> Result<Vec<LoadedItem>, crate::Error> {
    let mut buffered = BufReader::with_capacity(1 << 16, input);
    let head = buffered.fill_buf().map_err(read_error)?;
    if head.is_empty() {
        return Err(ImageError::InvalidArchive("empty input".into()).into());
    }
    let gzip = head.starts_with(&GZIP_MAGIC);
    let reader: Box<dyn Read + '_> = if gzip {
        Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };

    let mut staging = Staging::new(store)?;
    let files = read_entries(&mut staging, reader)?;

    let images = if let Some(manifest_digest) = files.get(Path::new("manifest.json")) {
        let bytes = staging.read_blob(manifest_digest)?;
        let items: Vec<ManifestItem> = serde_json::from_slice(&bytes)
            .map_err(|e| ImageError::InvalidArchive(format!("manifest.json: {e}")))?;
        let mut prepared = Vec::new();
        for item in items {
            let config = lookup(&files, &item.config)?;
            let mut layers = Vec::new();
            for layer in &item.layers {
                layers.push(lookup(&files, layer)?);
            }
            let mut tags = Vec::new();
            for tag in item.repo_tags.unwrap_or_default() {
                let parsed = Reference::parse(&tag)
                    .map_err(|e| ImageError::InvalidArchive(format!("invalid tag {tag:?}: {e}")))?;
                tags.push(parsed.with_default_tag());
            }
            prepared.push(prepare(&mut staging, &config, layers, tags)?);
        }
        prepared
    } else if let Some(index_digest) = files.get(Path::new("index.json")) {
        load_oci_index(&mut staging, index_digest)?
    } else {
        return Err(
            ImageError::InvalidArchive("no manifest.json or index.json found".into()).into(),
        );
    };
    if images.is_empty() {
        return Err(ImageError::InvalidArchive("the archive holds no images".into()).into());
    }
    let outcomes = staging.commit(&images)?;
    let mut loaded = Vec::new();
    for (image, outcome) in images.iter().zip(outcomes) {
        if image.names.is_empty() {
            loaded.push(LoadedItem::Id(outcome.id));
        }
        for name in &image.names {
            loaded.push(LoadedItem::Tag(name.familiar()));
        }
    }
    Ok(loaded)
}

/// Streams every file of the archive into staging; returns path → digest. Blobs under
/// `blobs/sha256/` must hash to their names. Symlinks (legacy archives link identical
/// layers) resolve to what they point at.
fn read_entries(
    staging: &mut Staging<'_>,
    reader: impl Read,
) -> Result<HashMap<PathBuf, String>, ImageError> {
    let mut archive = tar::Archive::new(reader);
    let mut files: HashMap<PathBuf, String> = HashMap::new();
    let mut links: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut saw_entry = false;
    for entry in archive.entries().map_err(read_error)? {
        let mut entry = entry.map_err(read_error)?;
        saw_entry = true;
        let raw = entry
            .path()
            .map_err(|e| ImageError::InvalidArchive(format!("bad entry name: {e}")))?
            .into_owned();
        let path = clean(&raw)?;
        match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let expected_size = entry.header().size().unwrap_or(0);
                let (digest, size) = staging.add_blob_from(&mut entry)?;
                if size != expected_size {
                    return Err(ImageError::InvalidArchive("unexpected EOF".into()));
                }
                if let Some(expected) = blob_name(&path) {
                    if hex_part(&digest) != expected {
                        return Err(ImageError::InvalidArchive(format!(
                            "{} does not match its digest (got {digest})",
                            path.display()
                        )));
                    }
                }
                files.insert(path, digest);
            }
            tar::EntryType::Symlink | tar::EntryType::Link => {
                let target = entry
                    .link_name()
                    .map_err(|e| ImageError::InvalidArchive(format!("bad link: {e}")))?
                    .ok_or_else(|| {
                        ImageError::InvalidArchive(format!("link {} has no target", path.display()))
                    })?
                    .into_owned();
                let resolved = if entry.header().entry_type() == tar::EntryType::Symlink {
                    clean(&path.parent().unwrap_or(Path::new("")).join(&target))?
                } else {
                    clean(&target)?
                };
                links.push((path, resolved));
            }
            _ => {}
        }
    }
    if !saw_entry {
        return Err(ImageError::InvalidArchive("unexpected EOF".into()));
    }
    for (link, target) in links {
        if let Some(digest) = files.get(&target).cloned() {
            files.insert(link, digest);
        }
    }
    Ok(files)
}

/// The expected hex digest of a `blobs/sha256/<hex>` path.
fn blob_name(path: &Path) -> Option<&str> {
    let rest = path.strip_prefix("blobs/sha256").ok()?;
    let name = rest.to_str()?;
    is_full_hex(name).then_some(name)
}

/// Normalizes an archive path (`./a/../b` → `b`) and refuses paths leaving the archive.
fn clean(path: &Path) -> Result<PathBuf, ImageError> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return Err(ImageError::InvalidArchive(format!(
                        "entry {} leaves the archive",
                        path.display()
                    )));
                }
            }
            Component::RootDir | Component::Prefix(_) => {}
        }
    }
    Ok(out)
}

fn lookup(files: &HashMap<PathBuf, String>, path: &str) -> Result<String, ImageError> {
    let cleaned = clean(Path::new(path))?;
    files.get(&cleaned).cloned().ok_or_else(|| {
        ImageError::InvalidArchive(format!("{path} is listed in the manifest but missing"))
    })
}

/// Checks the config and layers, decompressing gzip layers where the archive has them
/// compressed (OCI layouts from other tools do), and stages the image.
fn prepare(
    staging: &mut Staging<'_>,
    config_digest: &str,
    layers: Vec<String>,
    names: Vec<Reference>,
) -> Result<PreparedImage, ImageError> {
    let config: Value = serde_json::from_slice(&staging.read_blob(config_digest)?)
        .map_err(|e| ImageError::InvalidArchive(format!("image config {config_digest}: {e}")))?;
    let diff_ids: Vec<String> = config
        .pointer("/rootfs/diff_ids")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut uncompressed = Vec::new();
    for (i, digest) in layers.into_iter().enumerate() {
        let expected = diff_ids.get(i).cloned().unwrap_or_default();
        if digest == expected {
            uncompressed.push(digest);
            continue;
        }
        let mut file = staging.open_blob(&digest)?;
        let mut magic = [0u8; 2];
        let is_gzip = file.read_exact(&mut magic).is_ok() && magic == GZIP_MAGIC;
        if !is_gzip {
            uncompressed.push(digest);
            continue;
        }
        let file = staging.open_blob(&digest)?;
        let mut decoder = flate2::read::MultiGzDecoder::new(BufReader::new(file));
        let (plain, _) = staging.add_blob_from(&mut decoder)?;
        uncompressed.push(plain);
    }
    staging.prepare_image(config_digest, &uncompressed, names)
}

/// A plain OCI image layout: `index.json` → manifests → config and layers.
fn load_oci_index(
    staging: &mut Staging<'_>,
    index_digest: &str,
) -> Result<Vec<PreparedImage>, ImageError> {
    let index: Value = serde_json::from_slice(&staging.read_blob(index_digest)?)
        .map_err(|e| ImageError::InvalidArchive(format!("index.json: {e}")))?;
    let mut prepared: Vec<PreparedImage> = Vec::new();
    for desc in index
        .get("manifests")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        let digest = desc
            .get("digest")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if !staging.has_blob(&digest) {
            return Err(ImageError::InvalidArchive(format!(
                "manifest {digest} is missing"
            )));
        }
        let manifest: Value = serde_json::from_slice(&staging.read_blob(&digest)?)
            .map_err(|e| ImageError::InvalidArchive(format!("manifest {digest}: {e}")))?;
        let config = manifest
            .pointer("/config/digest")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if !staging.has_blob(&config) {
            return Err(ImageError::InvalidArchive(format!(
                "config {config} is missing (is this an image index of several platforms?)"
            )));
        }
        let layers: Vec<String> = manifest
            .get("layers")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|l| l.get("digest").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let annotations = desc.get("annotations");
        let name = annotations
            .and_then(|a| a.get(ANNOTATION_IMAGE_NAME))
            .or_else(|| annotations.and_then(|a| a.get(ANNOTATION_REF_NAME)))
            .and_then(Value::as_str)
            .and_then(|n| Reference::parse(n).ok())
            .filter(|r| r.tag().is_some());
        let image = prepare(staging, &config, layers, name.into_iter().collect())?;
        match prepared.iter_mut().find(|p| p.id == image.id) {
            Some(existing) => existing.names.extend(image.names),
            None => prepared.push(image),
        }
    }
    Ok(prepared)
}
