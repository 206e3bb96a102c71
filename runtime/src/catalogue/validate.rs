//! Checks the catalogue data as a whole, for the tests and `dockerlings dev check`: that it
//! parses, that everything it names exists (layers, bases, file trees, applets of the
//! toolbox), that tags are unique and valid, that every image starts from the shared
//! toolbox layer, is runnable and carries the lab-build labels, and that nothing in it is
//! left unused.

use std::collections::{BTreeMap, BTreeSet};

use crate::image::reference::Reference;

use super::layer_tar::{self, Entry};
use super::resolve::{parse_time, Catalogue};
use super::{catalogue, embedded, CatalogueError};

/// The label every catalogue image carries, with the value `true`.
pub const LAB_BUILD_LABEL: &str = "org.dockerlings.lab-build";
/// The label with the image's own one-line description; every tagged image sets its own.
pub const DESCRIPTION_LABEL: &str = "org.opencontainers.image.description";

/// Names under which the toolbox acts as a launcher (`busybox ls`), not as one applet.
const TOOLBOX_LAUNCHER_NAMES: [&str; 3] = ["busybox", "toolbox", "dockerlings-toolbox"];

/// Validates the embedded catalogue. The error lists every problem found, one a line.
pub fn validate() -> Result<(), CatalogueError> {
    let catalogue = catalogue()?;
    let problems = problems(catalogue);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CatalogueError::Invalid(problems.join("\n")))
    }
}

pub(crate) fn problems(c: &Catalogue) -> Vec<String> {
    let mut out = Vec::new();
    check_repositories(c, &mut out);
    check_layers(c, &mut out);
    check_images(c, &mut out);
    out
}

fn check_repositories(c: &Catalogue, out: &mut Vec<String>) {
    let mut seen: BTreeMap<(String, String), &str> = BTreeMap::new();
    let mut used = BTreeSet::new();
    for (id, image) in &c.file.images {
        match &image.repository {
            None if !image.tags.is_empty() => {
                out.push(format!("image {id}: has tags but no repository"))
            }
            None => {}
            Some(repo) => {
                used.insert(repo.as_str());
                if !c.file.repositories.contains_key(repo) {
                    out.push(format!(
                        "image {id}: repository {repo:?} is not in [repositories]"
                    ));
                }
                if image.tags.is_empty() {
                    out.push(format!("image {id}: repository {repo} but no tags"));
                }
                for tag in &image.tags {
                    let text = format!("{repo}:{tag}");
                    match Reference::parse(&text) {
                        Ok(r) if r.familiar_name() == *repo && r.tag() == Some(tag) => {}
                        _ => out.push(format!(
                            "image {id}: {text:?} is not a valid Docker Hub reference"
                        )),
                    }
                    if let Some(other) = seen.insert((repo.clone(), tag.clone()), id) {
                        out.push(format!(
                            "tag {text} is given by both image {other} and image {id}"
                        ));
                    }
                }
            }
        }
    }
    for name in c.file.repositories.keys() {
        if !used.contains(name.as_str()) {
            out.push(format!("repository {name} has no image"));
        }
    }
}

fn check_layers(c: &Catalogue, out: &mut Vec<String>) {
    let applets: BTreeSet<&str> = embedded::applets().into_iter().map(|(n, _)| n).collect();
    let toolbox_layers: Vec<&String> = c
        .file
        .layers
        .iter()
        .filter(|(_, l)| l.toolbox)
        .map(|(n, _)| n)
        .collect();
    if toolbox_layers.len() != 1 {
        out.push(format!(
            "exactly one layer must have toolbox = true, found {toolbox_layers:?}"
        ));
    }
    if !c.file.toolbox_path.starts_with('/') {
        out.push(format!(
            "toolbox_path {:?} must be absolute",
            c.file.toolbox_path
        ));
    }
    let mut used_trees = BTreeSet::new();
    for (name, layer) in &c.file.layers {
        if let Err(e) = parse_time(&layer.created) {
            out.push(format!("layer {name}: {e}"));
        }
        used_trees.extend(layer.trees.iter().map(String::as_str));
        for (dir, names) in &layer.applets {
            for applet in names {
                if !applets.contains(applet.as_str()) {
                    out.push(format!(
                        "layer {name}: applet {applet} (in {dir}) is not in runtime/toolbox/applets.txt"
                    ));
                }
            }
        }
        for (path, target) in &layer.symlinks {
            let base = path.rsplit('/').next().unwrap_or_default();
            if *target == c.file.toolbox_path
                && !applets.contains(base)
                && !TOOLBOX_LAUNCHER_NAMES.contains(&base)
            {
                out.push(format!(
                    "layer {name}: link {path} points at the toolbox, which has no applet {base}"
                ));
            }
        }
        let entries = match layer_tar::collect_entries(name, layer, &c.file.toolbox_path, b"") {
            Ok(entries) => entries,
            Err(e) => {
                out.push(e);
                continue;
            }
        };
        if let Some(target) = &layer.applet_target {
            let key = target.trim_start_matches('/');
            let ok = *target == c.file.toolbox_path
                || matches!(entries.get(key), Some(Entry::Symlink { target: t }) if *t == c.file.toolbox_path);
            if !ok {
                out.push(format!(
                    "layer {name}: applet_target {target} is neither the toolbox nor a link to it in this layer"
                ));
            }
        }
    }
    for tree in embedded::tree_names() {
        if !used_trees.contains(tree) {
            out.push(format!("files/{tree} is used by no layer"));
        }
    }
    let used_layers: BTreeSet<&str> = c
        .steps
        .values()
        .flatten()
        .filter_map(|s| s.layer.as_deref())
        .collect();
    for name in c.file.layers.keys() {
        if !used_layers.contains(name.as_str()) {
            out.push(format!("layer {name} is used by no image"));
        }
    }
}

fn check_images(c: &Catalogue, out: &mut Vec<String>) {
    let used_as_base: BTreeSet<&str> = c
        .file
        .images
        .values()
        .filter_map(|i| i.from.as_deref())
        .collect();
    for (id, image) in &c.file.images {
        if image.repository.is_none() && !used_as_base.contains(id.as_str()) {
            out.push(format!(
                "image {id} has no repository and is no other image's base"
            ));
        }
        let resolved = match c.resolve(id) {
            Ok(r) => r,
            Err(e) => {
                out.push(format!("image {id}: {e}"));
                continue;
            }
        };
        match resolved.layers.first() {
            Some(first) if c.file.layers.get(first).is_some_and(|l| l.toolbox) => {}
            _ => out.push(format!(
                "image {id}: its bottom layer must be the toolbox layer"
            )),
        }
        let mut seen = BTreeSet::new();
        for layer in &resolved.layers {
            if !seen.insert(layer) {
                out.push(format!("image {id}: layer {layer} is used twice"));
            }
        }
        if image.repository.is_none() {
            continue;
        }
        let cfg = &resolved.config;
        if cfg.cmd.as_ref().is_none_or(|v| v.is_empty())
            && cfg.entrypoint.as_ref().is_none_or(|v| v.is_empty())
        {
            out.push(format!("image {id}: has neither Cmd nor Entrypoint"));
        }
        if cfg.labels.get(LAB_BUILD_LABEL).map(String::as_str) != Some("true") {
            out.push(format!(
                "image {id}: label {LAB_BUILD_LABEL}=true is missing"
            ));
        }
        let own_description = c.steps[id.as_str()].iter().any(|s| {
            matches!(&s.instruction, super::instruction::Instruction::Label(l) if l.contains_key(DESCRIPTION_LABEL))
        });
        if !own_description {
            out.push(format!(
                "image {id}: sets no {DESCRIPTION_LABEL} label of its own"
            ));
        }
    }
}
