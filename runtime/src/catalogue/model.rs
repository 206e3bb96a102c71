//! The catalogue as data: the shape of `runtime/catalogue/catalogue.toml`.
//!
//! Three tables: `repositories` (what `docker search` shows), `layers` (what goes into each
//! layer tar) and `images` (a Dockerfile-like list of steps per image, optionally `from`
//! another image). `runtime/catalogue/README.md` explains every field for authors.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The whole catalogue file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CatalogueFile {
    /// Bumped when the meaning of a field changes.
    pub format_version: u32,
    /// Where the toolbox executable lives in every image; applets link here.
    pub toolbox_path: String,
    /// Docker Hub style repositories, keyed by familiar name (`nginx`, `diamol/base`).
    pub repositories: BTreeMap<String, RepositoryDef>,
    /// Layers, keyed by a name the images refer to.
    pub layers: BTreeMap<String, LayerDef>,
    /// Images, keyed by an internal id that `from` refers to.
    pub images: BTreeMap<String, ImageDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RepositoryDef {
    pub description: String,
    pub official: bool,
}

/// What one layer tar holds. Every entry is owned by root (0:0, names `root`), and has the
/// layer's `created` time as its mtime.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LayerDef {
    /// RFC 3339 time stamp: the mtime of every entry in the tar.
    pub created: String,
    /// Put the toolbox executable at `toolbox_path` (the one shared bottom layer does).
    #[serde(default)]
    pub toolbox: bool,
    /// Directories under `runtime/catalogue/files/` whose contents are copied to `/`.
    #[serde(default)]
    pub trees: Vec<String>,
    /// Empty directories to create (parents of any entry are created automatically).
    #[serde(default)]
    pub dirs: Vec<String>,
    /// Octal modes for entries of this layer (default 0644 for files, 0755 for directories).
    #[serde(default)]
    pub modes: BTreeMap<String, String>,
    /// Symbolic links: path → target, written as given.
    #[serde(default)]
    pub symlinks: BTreeMap<String, String>,
    /// Applet links: directory → applet names (each must be listed in `applets.txt`).
    #[serde(default)]
    pub applets: BTreeMap<String, Vec<String>>,
    /// What the applet links point at (default `toolbox_path`); alpine and busybox point
    /// them at `/bin/busybox`, which is itself a link to the toolbox.
    #[serde(default)]
    pub applet_target: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImageDef {
    /// The repository the tags belong to; `None` for an image that is only a base.
    #[serde(default)]
    pub repository: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The image id this one is built on, like a Dockerfile's `FROM`.
    #[serde(default)]
    pub from: Option<String>,
    /// RFC 3339: the image's `created` and the time of its own history entries.
    pub created: String,
    pub steps: Vec<StepDef>,
}

/// One Dockerfile-like instruction. Exactly one of the instruction fields is set; `layer`
/// names the layer a `run`, `copy`, `add` (or a `workdir` that made a directory) produced.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepDef {
    pub env: Option<Vec<String>>,
    pub label: Option<BTreeMap<String, String>>,
    pub cmd: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    pub workdir: Option<String>,
    pub expose: Option<Vec<String>>,
    pub stopsignal: Option<String>,
    pub user: Option<String>,
    pub run: Option<String>,
    pub copy: Option<String>,
    pub add: Option<String>,
    pub layer: Option<String>,
}
