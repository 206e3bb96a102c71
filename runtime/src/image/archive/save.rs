//! `docker save`: the docker-archive format Docker 25 writes — an OCI image layout
//! (`oci-layout`, `index.json`, `blobs/sha256/…`) plus Docker's own `manifest.json` and the
//! legacy `repositories` file, in one uncompressed tar streamed to any writer.
//!
//! Layers are the uncompressed layer tars kept in the store, so the archive holds the very
//! bytes whose digests the config lists. Docker 25 also writes a legacy "v1" JSON per layer;
//! nothing reads those any more, and they are left out.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write};

use serde_json::{json, Map, Value};

use oci_spec::image::ImageManifest;

use super::super::digest::{hex_part, sha256_digest};
use super::super::inspect::created;
use super::super::reference::Reference;
use super::super::store::{
    local_manifest, ImageStore, Snapshot, StoredImage, ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME,
};
use super::super::ImageError;

/// One image to save and the names to save it under.
struct SaveItem {
    image: StoredImage,
    tags: Vec<Reference>,
}

/// Writes `names` (references or IDs) as one docker-archive to `out`.
pub fn save(
    store: &ImageStore,
    snapshot: &Snapshot,
    names: &[String],
    out: &mut dyn Write,
) -> Result<(), crate::Error> {
    let items = select(snapshot, names)?;
    let mut tar = tar::Builder::new(out);
    tar.mode(tar::HeaderMode::Deterministic);
    let io_err = |e: io::Error| ImageError::io("write archive", e);

    // The manifest each image is saved with: the one in the store, unless that one is a
    // registry's (it names compressed layers the archive does not hold); then the manifest
    // over the uncompressed layers, as Docker writes it.
    let mut archive_manifests: Vec<(String, Vec<u8>, ImageManifest)> = Vec::new();
    for item in &items {
        archive_manifests.push(archive_manifest(store, &item.image)?);
    }

    // Blobs, sorted by name as Docker's directory walk emits them (generated manifests are
    // written from memory).
    let mut blobs: BTreeMap<String, (i64, Option<&[u8]>)> = BTreeMap::new();
    for (item, (digest, bytes, _)) in items.iter().zip(&archive_manifests) {
        let time = created(&item.image).timestamp();
        blobs.insert(hex_part(&item.image.id).to_string(), (time, None));
        blobs.insert(hex_part(digest).to_string(), (0, Some(&bytes[..])));
        for diff in item.image.diff_ids() {
            blobs.insert(hex_part(diff).to_string(), (time, None));
        }
    }
    append_dir(&mut tar, "blobs/", 0).map_err(io_err)?;
    append_dir(&mut tar, "blobs/sha256/", 0).map_err(io_err)?;
    for (hex, (mtime, bytes)) in &blobs {
        let name = format!("blobs/sha256/{hex}");
        if let Some(bytes) = bytes {
            let mut header = file_header(bytes.len() as u64, *mtime);
            tar.append_data(&mut header, name, *bytes).map_err(io_err)?;
            continue;
        }
        let path = store.blob_path(hex);
        let file = File::open(&path)
            .map_err(|e| ImageError::Corrupt(format!("blob sha256:{hex}: {e}")))?;
        let len = file.metadata().map_err(io_err)?.len();
        let mut header = file_header(len, *mtime);
        tar.append_data(&mut header, name, file).map_err(io_err)?;
    }

    let mut manifests = Vec::new();
    let mut index_entries = Vec::new();
    let mut repositories: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (item, (manifest_digest, manifest_bytes, manifest)) in items.iter().zip(&archive_manifests)
    {
        let image = &item.image;
        let untagged = json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifest_digest,
            "size": manifest_bytes.len(),
        });
        for tag in &item.tags {
            let mut entry = untagged.clone();
            entry["annotations"] = json!({
                ANNOTATION_IMAGE_NAME: tag.canonical(),
                ANNOTATION_REF_NAME: tag.tag().unwrap_or("latest"),
            });
            index_entries.push(entry);
            if let Some(top) = image.diff_ids().last() {
                repositories.entry(tag.familiar_name()).or_default().insert(
                    tag.tag().unwrap_or("latest").to_string(),
                    hex_part(top).to_string(),
                );
            }
        }
        if item.tags.is_empty() {
            index_entries.push(untagged);
        }
        let layer_paths: Vec<String> = image
            .diff_ids()
            .iter()
            .map(|d| format!("blobs/sha256/{}", hex_part(d)))
            .collect();
        let mut sources = Map::new();
        for layer in manifest.layers() {
            sources.insert(
                layer.digest().to_string(),
                json!({ "mediaType": layer.media_type().to_string(), "size": layer.size(), "digest": layer.digest().to_string() }),
            );
        }
        sources.sort_keys();
        let repo_tags: Value = if item.tags.is_empty() {
            Value::Null
        } else {
            json!(item.tags.iter().map(|t| t.familiar()).collect::<Vec<_>>())
        };
        manifests.push(json!({
            "Config": format!("blobs/sha256/{}", hex_part(&image.id)),
            "RepoTags": repo_tags,
            "Layers": layer_paths,
            "LayerSources": Value::Object(sources),
        }));
    }
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": index_entries,
    });
    let mut manifest_json =
        serde_json::to_vec(&manifests).map_err(|e| ImageError::Corrupt(e.to_string()))?;
    manifest_json.push(b'\n');
    append_file(
        &mut tar,
        "index.json",
        &serde_json::to_vec(&index).unwrap_or_default(),
    )
    .map_err(io_err)?;
    append_file(&mut tar, "manifest.json", &manifest_json).map_err(io_err)?;
    append_file(
        &mut tar,
        "oci-layout",
        br#"{"imageLayoutVersion": "1.0.0"}"#,
    )
    .map_err(io_err)?;
    if !repositories.is_empty() {
        let mut repos = serde_json::to_vec(&repositories).unwrap_or_default();
        repos.push(b'\n');
        append_file(&mut tar, "repositories", &repos).map_err(io_err)?;
    }
    tar.into_inner().map_err(io_err)?.flush().map_err(io_err)?;
    Ok(())
}

/// The manifest to save `image` with: `(digest, bytes, parsed)`.
fn archive_manifest(
    store: &ImageStore,
    image: &StoredImage,
) -> Result<(String, Vec<u8>, ImageManifest), crate::Error> {
    let layer_digests: Vec<String> = image
        .manifest
        .layers()
        .iter()
        .map(|l| l.digest().to_string())
        .collect();
    let bytes = if image.manifest_blob == image.manifest_digest && layer_digests == image.diff_ids()
    {
        store.read_blob(&image.manifest_digest)?
    } else {
        let mut layers = Vec::new();
        for diff in image.diff_ids() {
            let size = std::fs::metadata(store.blob_path(diff))
                .map_err(|e| ImageError::Corrupt(format!("blob {diff}: {e}")))?
                .len();
            layers.push((diff.clone(), size));
        }
        local_manifest(&image.id, image.config_size, &layers)?
    };
    let manifest = ImageManifest::from_reader(&bytes[..])
        .map_err(|e| ImageError::Corrupt(format!("manifest of {}: {e}", image.id)))?;
    Ok((sha256_digest(&bytes), bytes, manifest))
}

/// Docker's name rules for save: an ID saves the image without names, a bare repository
/// saves all its tags, `repo:tag` saves that tag.
fn select(snapshot: &Snapshot, names: &[String]) -> Result<Vec<SaveItem>, crate::Error> {
    let mut items: Vec<SaveItem> = Vec::new();
    for name in names {
        let image = snapshot.resolve(name)?;
        let is_id = hex_part(&image.id).starts_with(name.strip_prefix("sha256:").unwrap_or(name));
        let mut tags = Vec::new();
        if !is_id {
            let parsed = Reference::parse(name)?;
            if parsed.tag().is_none() && parsed.digest().is_none() {
                for img in &snapshot.images {
                    for tag in img.tags().filter(|t| t.full_name() == parsed.full_name()) {
                        push_item(&mut items, img, Some(tag.clone()));
                    }
                }
                continue;
            }
            if parsed.digest().is_none() {
                tags.push(parsed);
            }
        }
        if tags.is_empty() {
            push_item(&mut items, image, None);
        }
        for tag in tags {
            push_item(&mut items, image, Some(tag));
        }
    }
    Ok(items)
}

fn push_item(items: &mut Vec<SaveItem>, image: &StoredImage, tag: Option<Reference>) {
    let slot = match items.iter().position(|i| i.image.id == image.id) {
        Some(slot) => slot,
        None => {
            items.push(SaveItem {
                image: image.clone(),
                tags: Vec::new(),
            });
            items.len() - 1
        }
    };
    if let Some(tag) = tag {
        if !items[slot].tags.contains(&tag) {
            items[slot].tags.push(tag);
        }
    }
}

fn file_header(len: u64, mtime: i64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(len);
    header.set_mode(0o644);
    header.set_mtime(mtime.max(0) as u64);
    header
}

fn append_file<W: Write>(tar: &mut tar::Builder<W>, path: &str, bytes: &[u8]) -> io::Result<()> {
    let mut header = file_header(bytes.len() as u64, 0);
    tar.append_data(&mut header, path, bytes)
}

fn append_dir<W: Write>(tar: &mut tar::Builder<W>, path: &str, mtime: u64) -> io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Directory);
    header.set_size(0);
    header.set_mode(0o755);
    header.set_mtime(mtime);
    tar.append_data(&mut header, path, io::empty())
}
