//! `docker cp`: copies files and directories between a container and the local
//! filesystem, or streams a tar archive (`-`), with Docker's placement rules:
//! a file onto a directory lands inside it, onto a file replaces it, onto a missing path
//! gets that name; a directory onto a missing path gets that name, onto a directory lands
//! inside it — or, with a trailing `/.`, only its contents do.

use std::path::Path;

use dockerlings_runtime::container::copy::{ContainerFs, FsRoot, PathStat};

use crate::docker::spec::Matches;
use crate::docker::units::human_size;
use crate::docker::{CmdResult, Ctx, Failure};

/// One side of the copy: `CONTAINER:PATH` or a local path (`-` for a tar stream).
#[derive(Debug, PartialEq, Eq)]
enum Side {
    Container { name: String, path: String },
    Local(String),
}

/// Docker's `splitCpArg`: a path starting with `/` or `.` is local even with a `:`;
/// otherwise `NAME:PATH` names a container.
fn split_arg(arg: &str) -> Side {
    if arg.starts_with('/') || arg.starts_with('.') {
        return Side::Local(arg.to_string());
    }
    match arg.split_once(':') {
        Some((name, path)) if !name.is_empty() => Side::Container {
            name: name.to_string(),
            path: path.to_string(),
        },
        _ => Side::Local(arg.to_string()),
    }
}

/// Whether a source asks for its contents only (`dir/.`).
fn contents_only(path: &str) -> bool {
    path == "." || path.ends_with("/.")
}

fn last_component(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".".into())
}

fn parent_of(path: &str) -> String {
    match Path::new(path.trim_end_matches('/')).parent() {
        Some(p) if !p.as_os_str().is_empty() => p.display().to_string(),
        _ if path.starts_with('/') => "/".into(),
        _ => ".".into(),
    }
}

/// Where an archive of `src` goes for destination `dst`: the directory to extract into
/// and the renaming of the archive's top entry.
#[derive(Debug, PartialEq, Eq)]
struct Placement {
    dir: String,
    rename: Option<(String, String)>,
}

/// Docker's rules (see the module docs). `dst_is_dir` is `None` when `dst` is missing.
fn place(
    src: &PathStat,
    src_path: &str,
    dst: &str,
    dst_is_dir: Option<bool>,
) -> Result<Placement, String> {
    let base = src.name.clone();
    match dst_is_dir {
        Some(true) if src.is_dir && contents_only(src_path) => Ok(Placement {
            dir: dst.to_string(),
            rename: Some((base, String::new())),
        }),
        Some(true) => Ok(Placement {
            dir: dst.to_string(),
            rename: None,
        }),
        Some(false) if src.is_dir => Err("cannot copy directory".into()),
        Some(false) if dst.ends_with('/') => Err("not a directory".into()),
        None if dst.ends_with('/') && !src.is_dir => Err("no such directory".into()),
        _ => Ok(Placement {
            dir: parent_of(dst),
            rename: Some((base, last_component(dst.trim_end_matches('/')))),
        }),
    }
}

fn absolute(path: &str) -> String {
    if path.starts_with('/') {
        return path.to_string();
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| "/".into());
    let mut s = cwd.join(path).display().to_string();
    if path.ends_with('/') && !s.ends_with('/') {
        s.push('/');
    }
    s
}

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let follow = m.flag("follow-link");
    let archive = m.flag("archive");
    let quiet = m.flag("quiet") || !ctx.io.stdout_is_tty;
    let (src, dst) = (split_arg(&m.args[0]), split_arg(&m.args[1]));
    let copied = match (src, dst) {
        (Side::Local(_), Side::Local(_)) => {
            return Err(Failure::cli("must specify at least one container source"))
        }
        (Side::Container { .. }, Side::Container { .. }) => {
            return Err(Failure::cli("copying between containers is not supported"))
        }
        (Side::Container { name, path }, Side::Local(dst)) => {
            from_container(ctx, &name, &path, &dst, follow)?.map(|n| (n, dst))
        }
        (Side::Local(src), Side::Container { name, path }) => {
            let n = to_container(ctx, &src, &name, &path, follow, archive)?;
            Some((n, format!("{name}:{path}")))
        }
    };
    if let Some((n, to)) = copied {
        if !quiet {
            ctx.err(&format!(
                "Successfully copied {} to {to}\n",
                human_size(n as f64)
            ))?;
        }
    }
    Ok(())
}

fn open_container(ctx: &mut Ctx<'_, '_>, name: &str) -> Result<ContainerFs, Failure> {
    ctx.engine()?.container_fs(name).map_err(Failure::daemon)
}

/// Returns the bytes copied, `None` when streamed to stdout.
fn from_container(
    ctx: &mut Ctx<'_, '_>,
    name: &str,
    path: &str,
    dst: &str,
    follow: bool,
) -> Result<Option<u64>, Failure> {
    let fs = open_container(ctx, name)?;
    let path = if path.is_empty() { "/" } else { path };
    let stat = match fs.root.stat(path, follow) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && follow => {
            return Err(Failure::cli(format!(
                "Error: No such container:path: {name}:{path}"
            )))
        }
        Err(e) => return Err(Failure::daemon(fs.error(path, e))),
    };
    let mut tar = Vec::new();
    fs.root
        .archive(path, follow, &mut tar)
        .map_err(|e| Failure::daemon(fs.error(path, e)))?;
    if dst == "-" {
        ctx.io.stdout.write_all(&tar)?;
        return Ok(None);
    }
    let dst_abs = absolute(dst);
    let dst_is_dir = match std::fs::metadata(&dst_abs) {
        Ok(m) => Some(m.is_dir()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Failure::cli(format!("stat {dst}: {e}"))),
    };
    let placement = place(&stat, path, &dst_abs, dst_is_dir).map_err(Failure::cli)?;
    if !Path::new(&placement.dir).is_dir() {
        return Err(Failure::cli(format!(
            "lstat {}: no such file or directory",
            parent_of(dst)
        )));
    }
    let host = FsRoot::host().map_err(|e| Failure::cli(e.to_string()))?;
    let rename = placement
        .rename
        .as_ref()
        .map(|(a, b)| (a.as_str(), b.as_str()));
    let n = host
        .extract(&placement.dir, rename, false, &mut tar.as_slice())
        .map_err(|e| Failure::cli(e.to_string()))?;
    Ok(Some(n))
}

fn to_container(
    ctx: &mut Ctx<'_, '_>,
    src: &str,
    name: &str,
    path: &str,
    follow: bool,
    archive: bool,
) -> Result<u64, Failure> {
    let path = if path.is_empty() { "/" } else { path };
    if src == "-" {
        let mut tar = Vec::new();
        ctx.io.stdin.read_to_end(&mut tar)?;
        let fs = open_container(ctx, name)?;
        match fs.root.stat(path, true) {
            Ok(s) if s.is_dir => {}
            Ok(_) => return Err(Failure::daemon("extraction point is not a directory")),
            Err(e) => return Err(Failure::daemon(fs.error(path, e))),
        }
        return fs
            .root
            .extract(path, None, archive, &mut tar.as_slice())
            .map_err(|e| Failure::daemon(fs.error(path, e)));
    }
    let src_abs = absolute(src);
    let host = FsRoot::host().map_err(|e| Failure::cli(e.to_string()))?;
    let stat = host.stat(&src_abs, follow).map_err(|e| {
        let call = if follow { "stat" } else { "lstat" };
        if e.kind() == std::io::ErrorKind::NotFound {
            Failure::cli(format!("{call} {src_abs}: no such file or directory"))
        } else {
            Failure::cli(format!("{call} {src_abs}: {e}"))
        }
    })?;
    let mut tar = Vec::new();
    host.archive(&src_abs, follow, &mut tar)
        .map_err(|e| Failure::cli(e.to_string()))?;
    let fs = open_container(ctx, name)?;
    let dst_is_dir = match fs.root.stat(path, true) {
        Ok(s) => Some(s.is_dir),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Failure::daemon(fs.error(path, e))),
    };
    let placement = place(&stat, src, path, dst_is_dir).map_err(Failure::cli)?;
    if let Err(e) = fs.root.stat(&placement.dir, true) {
        return Err(Failure::daemon(fs.error(&placement.dir, e)));
    }
    let rename = placement
        .rename
        .as_ref()
        .map(|(a, b)| (a.as_str(), b.as_str()));
    fs.root
        .extract(&placement.dir, rename, archive, &mut tar.as_slice())
        .map_err(|e| Failure::daemon(fs.error(&placement.dir, e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(name: &str, is_dir: bool) -> PathStat {
        PathStat {
            name: name.into(),
            is_dir,
            is_symlink: false,
            size: 0,
        }
    }

    #[test]
    fn args_split_like_docker() {
        assert_eq!(
            split_arg("web:/etc/hosts"),
            Side::Container {
                name: "web".into(),
                path: "/etc/hosts".into()
            }
        );
        assert_eq!(split_arg("./a:b"), Side::Local("./a:b".into()));
        assert_eq!(split_arg("/tmp/x"), Side::Local("/tmp/x".into()));
        assert_eq!(split_arg("-"), Side::Local("-".into()));
    }

    #[test]
    fn placement_rules() {
        let file = stat("hosts", false);
        let dir = stat("app", true);
        assert_eq!(
            place(&file, "/etc/hosts", "/tmp", Some(true)).unwrap(),
            Placement {
                dir: "/tmp".into(),
                rename: None
            }
        );
        assert_eq!(
            place(&file, "/etc/hosts", "/tmp/h", None).unwrap(),
            Placement {
                dir: "/tmp".into(),
                rename: Some(("hosts".into(), "h".into()))
            }
        );
        assert_eq!(
            place(&dir, "/app/.", "/tmp/x", Some(true)).unwrap().rename,
            Some(("app".into(), String::new()))
        );
        assert_eq!(
            place(&dir, "/app", "/tmp/f", Some(false)).unwrap_err(),
            "cannot copy directory"
        );
        assert_eq!(
            place(&file, "/etc/hosts", "/tmp/nope/", None).unwrap_err(),
            "no such directory"
        );
    }
}
