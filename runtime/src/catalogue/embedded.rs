//! The catalogue's data, embedded at compile time: `catalogue.toml`, the file trees under
//! `runtime/catalogue/files/`, and the toolbox's applet list (`runtime/toolbox/applets.txt`),
//! the contract that says which names the toolbox answers to.
//!
//! `include_dir!` expands to one `include_bytes!` per file, so editing a file rebuilds the
//! crate; a newly added file is picked up when `catalogue.toml` (which names its tree)
//! changes, which adding a file normally goes with.

use include_dir::{include_dir, Dir, DirEntry};

/// The catalogue description.
pub(crate) const CATALOGUE_TOML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/catalogue/catalogue.toml"
));

/// The applet list the toolbox promises to answer to.
pub(crate) const APPLETS_TXT: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/toolbox/applets.txt"));

static FILES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/catalogue/files");

/// The names of the trees under `files/` (its top-level directories).
pub(crate) fn tree_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = FILES.dirs().filter_map(|d| d.path().to_str()).collect();
    names.sort_unstable();
    names
}

/// Every file of `files/<tree>/`, as (path inside the image without leading `/`, bytes),
/// sorted by path. `None` when there is no such tree.
pub(crate) fn tree_files(tree: &str) -> Option<Vec<(String, &'static [u8])>> {
    let dir = FILES.get_dir(tree)?;
    let mut out = Vec::new();
    walk(dir, tree, &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Some(out)
}

fn walk(dir: &'static Dir<'static>, tree: &str, out: &mut Vec<(String, &'static [u8])>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(d) => walk(d, tree, out),
            DirEntry::File(f) => {
                let full = f.path().to_string_lossy().replace('\\', "/");
                let inner = full
                    .strip_prefix(tree)
                    .unwrap_or(&full)
                    .trim_start_matches('/');
                out.push((inner.to_string(), f.contents()));
            }
        }
    }
}

/// The applets of `applets.txt` as (name, group), in file order.
pub(crate) fn applets() -> Vec<(&'static str, &'static str)> {
    APPLETS_TXT
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            Some((parts.next()?, parts.next().unwrap_or("")))
        })
        .collect()
}
