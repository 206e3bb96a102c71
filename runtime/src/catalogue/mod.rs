//! The built-in offline catalogue: the images the course uses (`hello-world`, `busybox`,
//! `alpine`, `ubuntu`, `centos`, `nginx`, `httpd`, the `diamol/…` images), built by
//! dockerlings itself from its toolbox, reproducibly: the same dockerlings build gives the
//! same layer tars, configs and so image IDs on every machine and every run.
//!
//! The catalogue is data (`runtime/catalogue/catalogue.toml` and the file trees beside it,
//! embedded at compile time; `runtime/catalogue/README.md` describes the format). Images
//! share layers the way Docker images do: one bottom layer holds the toolbox at
//! `/usr/lib/dockerlings/toolbox` for every image; distribution layers (busybox, alpine,
//! debian, ubuntu, centos) hold the filesystem skeleton and link the toolbox's applets
//! (`sh`, `ls`, …) where that distribution keeps those programs; application layers (nginx,
//! httpd, …) sit on top. Every image is labelled `org.dockerlings.lab-build=true` and says
//! in its `/etc/os-release` that it is a lab build.
//!
//! Layers are built once per process and cached (the toolbox layer is a few MB).

mod embedded;
mod image_config;
mod instruction;
mod layer_tar;
mod model;
mod resolve;
#[cfg(test)]
mod tests;
mod validate;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::image::reference::{Reference, DEFAULT_REGISTRY, DEFAULT_TAG};
use crate::image::view::SearchResult;
use crate::image::ImageImport;

pub use image_config::Platform;
use layer_tar::BuiltLayer;
use resolve::Catalogue;
pub use validate::validate;

/// Why a built-in image could not be built: the catalogue data is wrong. `validate()` (and
/// the tests) find these before a learner can.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("catalogue: {0}")]
    Invalid(String),
}

/// One tag of the catalogue, for listings (`dockerlings dev check`, docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueEntry {
    /// `nginx:1.25`, `diamol/base:latest`
    pub reference: String,
    /// `nginx`, `diamol/base`
    pub repository: String,
    pub tag: String,
    pub description: String,
    pub official: bool,
    /// The catalogue's own id of the image behind the tag; tags with the same id are the
    /// same image (`nginx:latest` and `nginx:1.25`).
    pub image: String,
    /// The image's layer names, bottom first.
    pub layers: Vec<String>,
}

/// Builds the catalogue image `reference` names: `Ok(None)` when the catalogue does not have
/// it (another registry, an unknown repository or tag, or a digest reference). A reference
/// without a tag means `latest`. The import is tagged with exactly the reference asked for,
/// as `docker pull` tags only what it pulled.
pub fn build(reference: &Reference) -> Result<Option<ImageImport>, CatalogueError> {
    let Some((repository, tag)) = lookup_key(reference) else {
        return Ok(None);
    };
    let catalogue = catalogue()?;
    let Some(id) = catalogue.find(&repository, &tag) else {
        return Ok(None);
    };
    let built = build_image(catalogue, id, Platform::current())?;
    Ok(Some(ImageImport {
        config: built.config,
        layers: built.layers,
        tags: vec![reference.clone().with_default_tag()],
    }))
}

/// `docker search` over the catalogue: repositories whose name or description contains
/// `term` (case-insensitive), an exact name first, then official ones, then by name. No
/// star counts: the catalogue has none and invents none.
pub fn search(term: &str) -> Vec<SearchResult> {
    let Ok(catalogue) = catalogue() else {
        return Vec::new();
    };
    let needle = term.trim().to_lowercase();
    let mut hits: Vec<SearchResult> = catalogue
        .file
        .repositories
        .iter()
        .filter(|(name, repo)| {
            needle.is_empty()
                || name.to_lowercase().contains(&needle)
                || repo.description.to_lowercase().contains(&needle)
        })
        .map(|(name, repo)| SearchResult {
            name: name.clone(),
            description: repo.description.clone(),
            official: repo.official,
        })
        .collect();
    hits.sort_by(|a, b| {
        let exact = |r: &SearchResult| r.name != needle;
        (exact(a), !a.official, &a.name).cmp(&(exact(b), !b.official, &b.name))
    });
    hits
}

/// True when the catalogue has the repository `reference` names (whatever its tag), so a
/// missing tag can be told apart from a missing repository.
pub fn has_repository(reference: &Reference) -> bool {
    let Some((repository, _)) = lookup_key(reference) else {
        return false;
    };
    catalogue()
        .map(|c| c.file.repositories.contains_key(&repository))
        .unwrap_or(false)
}

/// Every tag of the catalogue, sorted by repository and tag.
pub fn entries() -> Vec<CatalogueEntry> {
    let Ok(catalogue) = catalogue() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (id, image) in &catalogue.file.images {
        let Some(repository) = &image.repository else {
            continue;
        };
        let Some(repo) = catalogue.file.repositories.get(repository) else {
            continue;
        };
        let layers = catalogue.resolve(id).map(|r| r.layers).unwrap_or_default();
        for tag in &image.tags {
            out.push(CatalogueEntry {
                reference: format!("{repository}:{tag}"),
                repository: repository.clone(),
                tag: tag.clone(),
                description: repo.description.clone(),
                official: repo.official,
                image: id.clone(),
                layers: layers.clone(),
            });
        }
    }
    out.sort_by(|a, b| (&a.repository, &a.tag).cmp(&(&b.repository, &b.tag)));
    out
}

/// `(familiar repository, tag)` for a Docker Hub reference without a digest.
fn lookup_key(reference: &Reference) -> Option<(String, String)> {
    if reference.registry() != DEFAULT_REGISTRY || reference.digest().is_some() {
        return None;
    }
    let tag = reference.tag().unwrap_or(DEFAULT_TAG).to_string();
    Some((reference.familiar_name(), tag))
}

/// The embedded catalogue, parsed once.
fn catalogue() -> Result<&'static Catalogue, CatalogueError> {
    static PARSED: OnceLock<Result<Catalogue, String>> = OnceLock::new();
    PARSED
        .get_or_init(|| Catalogue::parse(embedded::CATALOGUE_TOML))
        .as_ref()
        .map_err(|e| CatalogueError::Invalid(e.clone()))
}

/// An image's bytes: config and layer tars, bottom first.
pub(crate) struct BuiltImage {
    pub config: Vec<u8>,
    pub layers: Vec<Vec<u8>>,
}

fn build_image(
    catalogue: &Catalogue,
    id: &str,
    platform: Platform,
) -> Result<BuiltImage, CatalogueError> {
    let resolved = catalogue.resolve(id).map_err(CatalogueError::Invalid)?;
    let mut layers = Vec::with_capacity(resolved.layers.len());
    let mut diff_ids = Vec::with_capacity(resolved.layers.len());
    for name in &resolved.layers {
        let layer = cached_layer(catalogue, name)?;
        layers.push(layer.tar.clone());
        diff_ids.push(layer.diff_id.clone());
    }
    let config = image_config::config_json(
        platform,
        &resolved.created,
        &resolved.config,
        &resolved.history,
        &diff_ids,
    );
    Ok(BuiltImage { config, layers })
}

/// Builds a layer of the embedded catalogue, once per process.
fn cached_layer(catalogue: &Catalogue, name: &str) -> Result<Arc<BuiltLayer>, CatalogueError> {
    static CACHE: OnceLock<Mutex<BTreeMap<String, Arc<BuiltLayer>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(layer) = cache.get(name) {
        return Ok(Arc::clone(layer));
    }
    let layer = Arc::new(build_layer(catalogue, name).map_err(CatalogueError::Invalid)?);
    cache.insert(name.to_string(), Arc::clone(&layer));
    Ok(layer)
}

fn build_layer(catalogue: &Catalogue, name: &str) -> Result<BuiltLayer, String> {
    let def = catalogue.layer(name)?;
    let entries = layer_tar::collect_entries(
        name,
        def,
        &catalogue.file.toolbox_path,
        crate::toolbox::TOOLBOX,
    )?;
    let mtime = resolve::parse_time(&def.created).map_err(|e| format!("layer {name}: {e}"))?;
    let mtime = u64::try_from(mtime.timestamp())
        .map_err(|_| format!("layer {name}: created before 1970"))?;
    layer_tar::write_tar(name, &entries, mtime)
}
