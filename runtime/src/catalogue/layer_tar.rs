//! Layer tars, written so the same catalogue gives the same bytes on every machine.
//!
//! A layer is first collected as a sorted map of entries (path → directory, file or link),
//! then written as a POSIX ustar archive: entries in byte order of their paths, directories
//! named with a trailing `/`, every entry owned by `root:root` (0:0, names set explicitly,
//! never read from the host), one fixed mtime per layer, fixed modes, no extended headers.
//! ustar is chosen on purpose: it has no access/change times or host-derived fields that
//! PAX or GNU headers may carry, and every path in the catalogue fits its 255-byte limit
//! (paths that do not are rejected, not silently switched to another format).

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::embedded;
use super::model::LayerDef;

/// One entry of a layer, keyed by its path without the leading `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    Dir { mode: u32 },
    File { mode: u32, data: &'static [u8] },
    Symlink { target: String },
}

/// A layer ready to store: the uncompressed tar and its sha256 (the diff ID).
#[derive(Debug)]
pub(crate) struct BuiltLayer {
    pub tar: Vec<u8>,
    /// `sha256:<hex>` of `tar`.
    pub diff_id: String,
}

const DIR_MODE: u32 = 0o755;
const FILE_MODE: u32 = 0o644;
const TOOLBOX_MODE: u32 = 0o755;

/// Collects the entries of a layer, checking that no two sources claim one path and that no
/// entry sits below a link or a file of the same layer.
pub(crate) fn collect_entries(
    name: &str,
    def: &LayerDef,
    toolbox_path: &str,
    toolbox: &'static [u8],
) -> Result<BTreeMap<String, Entry>, String> {
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    let mut insert = |path: &str, entry: Entry| -> Result<(), String> {
        let key = relative(path)
            .ok_or_else(|| format!("layer {name}: path {path:?} must be absolute"))?;
        if entries.insert(key.clone(), entry).is_some() {
            return Err(format!("layer {name}: /{key} is defined twice"));
        }
        Ok(())
    };

    if def.toolbox {
        insert(
            toolbox_path,
            Entry::File {
                mode: TOOLBOX_MODE,
                data: toolbox,
            },
        )?;
    }
    for tree in &def.trees {
        let files = embedded::tree_files(tree)
            .ok_or_else(|| format!("layer {name}: no directory files/{tree}"))?;
        for (path, data) in files {
            insert(
                &format!("/{path}"),
                Entry::File {
                    mode: FILE_MODE,
                    data,
                },
            )?;
        }
    }
    for dir in &def.dirs {
        insert(dir, Entry::Dir { mode: DIR_MODE })?;
    }
    for (path, target) in &def.symlinks {
        if target.is_empty() {
            return Err(format!("layer {name}: link {path} has an empty target"));
        }
        insert(
            path,
            Entry::Symlink {
                target: target.clone(),
            },
        )?;
    }
    let applet_target = def.applet_target.as_deref().unwrap_or(toolbox_path);
    for (dir, names) in &def.applets {
        for applet in names {
            let path = format!("{}/{applet}", dir.trim_end_matches('/'));
            insert(
                &path,
                Entry::Symlink {
                    target: applet_target.to_string(),
                },
            )?;
        }
    }

    for (path, mode) in &def.modes {
        let key = relative(path)
            .ok_or_else(|| format!("layer {name}: mode for {path:?}: path must be absolute"))?;
        let mode = u32::from_str_radix(mode, 8)
            .ok()
            .filter(|m| *m <= 0o7777)
            .ok_or_else(|| format!("layer {name}: mode {mode:?} for {path} is not octal"))?;
        match entries.get_mut(&key) {
            Some(Entry::Dir { mode: m }) | Some(Entry::File { mode: m, .. }) => *m = mode,
            Some(Entry::Symlink { .. }) => {
                return Err(format!(
                    "layer {name}: {path} is a link; links have no mode"
                ))
            }
            None => {
                return Err(format!(
                    "layer {name}: mode given for {path}, which the layer does not hold"
                ))
            }
        }
    }

    // Parent directories, as a real layer has them.
    let paths: Vec<String> = entries.keys().cloned().collect();
    for path in paths {
        let mut parent = path.as_str();
        while let Some((up, _)) = parent.rsplit_once('/') {
            parent = up;
            match entries.get(parent) {
                None => {
                    entries.insert(parent.to_string(), Entry::Dir { mode: DIR_MODE });
                }
                Some(Entry::Dir { .. }) => {}
                Some(_) => {
                    return Err(format!(
                        "layer {name}: /{path} lies below /{parent}, which is not a directory in this layer"
                    ))
                }
            }
        }
    }
    Ok(entries)
}

/// `/etc/passwd` → `etc/passwd`; rejects relative paths, `.`/`..` and empty components.
fn relative(path: &str) -> Option<String> {
    let rest = path.strip_prefix('/')?.trim_end_matches('/');
    let ok = !rest.is_empty()
        && rest
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..");
    ok.then(|| rest.to_string())
}

/// Writes the entries as a ustar archive with the given mtime (seconds since the epoch).
pub(crate) fn write_tar(
    name: &str,
    entries: &BTreeMap<String, Entry>,
    mtime: u64,
) -> Result<BuiltLayer, String> {
    let size: usize = entries
        .values()
        .map(|e| match e {
            Entry::File { data, .. } => 512 + data.len().div_ceil(512) * 512,
            _ => 512,
        })
        .sum();
    let mut builder = tar::Builder::new(Vec::with_capacity(size + 1024));
    for (path, entry) in entries {
        let fail = |e: std::io::Error| format!("layer {name}: /{path}: {e}");
        let mut header = tar::Header::new_ustar();
        let (entry_type, mode, data): (tar::EntryType, u32, &[u8]) = match entry {
            Entry::Dir { mode } => (tar::EntryType::Directory, *mode, &[]),
            Entry::File { mode, data } => (tar::EntryType::Regular, *mode, data),
            Entry::Symlink { .. } => (tar::EntryType::Symlink, 0o777, &[]),
        };
        let tar_path = match entry {
            Entry::Dir { .. } => format!("{path}/"),
            _ => path.clone(),
        };
        header.set_path(&tar_path).map_err(fail)?;
        header.set_entry_type(entry_type);
        header.set_mode(mode);
        header.set_uid(0);
        header.set_gid(0);
        header.set_username("root").map_err(fail)?;
        header.set_groupname("root").map_err(fail)?;
        header.set_mtime(mtime);
        header.set_device_major(0).map_err(fail)?;
        header.set_device_minor(0).map_err(fail)?;
        header.set_size(data.len() as u64);
        if let Entry::Symlink { target } = entry {
            header
                .set_link_name_literal(target.as_bytes())
                .map_err(fail)?;
        }
        header.set_cksum();
        builder.append(&header, data).map_err(fail)?;
    }
    let tar = builder
        .into_inner()
        .map_err(|e| format!("layer {name}: {e}"))?;
    let diff_id = format!("sha256:{}", hex::encode(Sha256::digest(&tar)));
    Ok(BuiltLayer { tar, diff_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer() -> LayerDef {
        LayerDef {
            created: "2024-01-01T00:00:00Z".into(),
            toolbox: false,
            trees: vec![],
            dirs: vec!["/tmp".into()],
            modes: [("/tmp".to_string(), "1777".to_string())].into(),
            symlinks: [("/bin".to_string(), "usr/bin".to_string())].into(),
            applets: [("/usr/bin".to_string(), vec!["sh".to_string()])].into(),
            applet_target: None,
        }
    }

    #[test]
    fn catalogue_layer_entries_get_parents_and_modes() {
        let e = collect_entries("t", &layer(), "/usr/lib/dockerlings/toolbox", b"x").unwrap();
        assert_eq!(e.get("tmp"), Some(&Entry::Dir { mode: 0o1777 }));
        assert_eq!(e.get("usr"), Some(&Entry::Dir { mode: 0o755 }));
        assert_eq!(
            e.get("usr/bin/sh"),
            Some(&Entry::Symlink {
                target: "/usr/lib/dockerlings/toolbox".into()
            })
        );
    }

    #[test]
    fn catalogue_layer_rejects_entries_below_a_link() {
        let mut def = layer();
        def.applets = [("/bin".to_string(), vec!["sh".to_string()])].into();
        let err = collect_entries("t", &def, "/t", b"x").unwrap_err();
        assert!(err.contains("not a directory"), "{err}");
    }

    #[test]
    fn catalogue_layer_tar_is_ustar_owned_by_root() {
        let e = collect_entries("t", &layer(), "/t", b"x").unwrap();
        let built = write_tar("t", &e, 1_700_000_000).unwrap();
        let mut archive = tar::Archive::new(built.tar.as_slice());
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            let h = entry.header();
            assert!(h.as_ustar().is_some());
            assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0));
            assert_eq!(h.username().unwrap(), Some("root"));
            assert_eq!(h.mtime().unwrap(), 1_700_000_000);
            seen.push(String::from_utf8(h.path_bytes().to_vec()).unwrap());
        }
        assert_eq!(seen, ["bin", "tmp/", "usr/", "usr/bin/", "usr/bin/sh"]);
    }
}
