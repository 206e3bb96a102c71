//! `which NAME…`: the first executable named NAME on `$PATH`, like Debian's `which`
//! (exit 1 when any name was not found, printing nothing for it).

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub fn main(args: Vec<OsString>) -> i32 {
    let mut all = false;
    let mut names = Vec::new();
    for a in args.iter().skip(1) {
        match a.to_str() {
            Some("-a") => all = true,
            _ => names.push(a.clone()),
        }
    }
    if names.is_empty() {
        return 1;
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    let mut code = 0;
    for name in names {
        let found = find(&name, &path, all);
        if found.is_empty() {
            code = 1;
        }
        for p in found {
            println!("{}", p.display());
        }
    }
    code
}

fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Every match of `name` on `path` (only the first unless `all`).
pub fn find(name: &OsString, path: &OsString, all: bool) -> Vec<PathBuf> {
    if name.to_string_lossy().contains('/') {
        let p = PathBuf::from(name);
        return if is_executable(&p) { vec![p] } else { vec![] };
    }
    let mut out = Vec::new();
    for dir in std::env::split_paths(path) {
        let cand = dir.join(name);
        if is_executable(&cand) {
            out.push(cand);
            if !all {
                break;
            }
        }
    }
    out
}
