//! Unpacking a layer tar into a directory that overlayfs can use as a lower layer.
//!
//! A layer is a tar of the files a build step added or changed, plus *whiteouts* for what it
//! deleted: an empty file `.wh.<name>` means "`<name>` was removed" and `.wh..wh..opq` in a
//! directory means "hide everything the layers below have here". overlayfs speaks a
//! different dialect: a removed file is a character device 0:0 with the same name, and an
//! opaque directory carries the xattr `trusted.overlay.opaque=y`. Making device nodes and
//! setting `trusted.*` xattrs needs root, so the conversion happens only when we are root;
//! otherwise the `.wh.*` files are kept as they are (such a layer dir is still fine for
//! reading files, but an overlay mount of it would not hide deleted files).
//!
//! Ownership, permissions, modification times, symlinks, hard links and extended
//! attributes are kept. Entries that would land outside the layer (`..`, absolute paths,
//! paths through a symlink) make the whole layer invalid.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use nix::sys::stat::{Mode, SFlag, UtimensatFlags};
use nix::sys::time::TimeSpec;

use super::ImageError;

const WHITEOUT_PREFIX: &str = ".wh.";
const OPAQUE_WHITEOUT: &str = ".wh..wh..opq";
const OPAQUE_XATTR: &str = "trusted.overlay.opaque";

/// How a layer was unpacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UnpackStats {
    /// The layer's size as Docker counts it: regular file bytes (each inode once) plus
    /// symlink target lengths.
    pub size: u64,
    /// Whiteouts converted to overlayfs form (0 when not root).
    pub whiteouts_converted: usize,
}

/// True when the process can create device nodes and set `trusted.*` xattrs.
pub fn privileged() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Unpacks the uncompressed layer tar `input` into the existing empty directory `dest`.
pub fn unpack_layer(
    input: impl Read,
    dest: &Path,
    privileged: bool,
) -> Result<UnpackStats, ImageError> {
    let mut archive = tar::Archive::new(input);
    let mut stats = UnpackStats::default();
    // Directory metadata is applied last: adding children changes a directory's mtime, and a
    // read-only directory would refuse them.
    let mut dirs: Vec<(PathBuf, DirMeta)> = Vec::new();
    let entries = archive
        .entries()
        .map_err(|e| invalid(format!("reading layer: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| invalid(format!("reading layer: {e}")))?;
        let raw = entry
            .path()
            .map_err(|e| invalid(format!("bad entry name: {e}")))?
            .into_owned();
        let rel = clean_relative(&raw)?;
        let header = entry.header().clone();
        let kind = header.entry_type();
        let uid = header.uid().unwrap_or(0) as u32;
        let gid = header.gid().unwrap_or(0) as u32;
        let mode = header.mode().unwrap_or(0o644) & 0o7777;
        let mtime = header.mtime().unwrap_or(0) as i64;
        let xattrs = pax_xattrs(&mut entry);

        if rel.as_os_str().is_empty() {
            // The layer root itself (`./`): record its metadata for the top directory.
            if kind.is_dir() {
                dirs.push((
                    dest.to_path_buf(),
                    DirMeta {
                        uid,
                        gid,
                        mode,
                        mtime,
                        xattrs,
                    },
                ));
            }
            continue;
        }
        let target = dest.join(&rel);
        let parent = target.parent().unwrap_or(dest).to_path_buf();
        ensure_parents(dest, &rel)?;
        let name = rel
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();

        if privileged && name.starts_with(WHITEOUT_PREFIX) {
            if name == OPAQUE_WHITEOUT {
                xattr::set(&parent, OPAQUE_XATTR, b"y")
                    .map_err(|e| ImageError::io(format!("mark {} opaque", parent.display()), e))?;
            } else {
                let hidden = parent.join(&name[WHITEOUT_PREFIX.len()..]);
                remove_existing(&hidden)?;
                nix::sys::stat::mknod(
                    &hidden,
                    SFlag::S_IFCHR,
                    Mode::empty(),
                    nix::sys::stat::makedev(0, 0),
                )
                .map_err(|e| {
                    ImageError::io(format!("create whiteout {}", hidden.display()), e.into())
                })?;
                chown(&hidden, uid, gid, privileged)?;
            }
            stats.whiteouts_converted += 1;
            continue;
        }

        match kind {
            tar::EntryType::Directory => {
                match fs::symlink_metadata(&target) {
                    Ok(meta) if meta.is_dir() => {}
                    Ok(_) => {
                        remove_existing(&target)?;
                        create_dir(&target)?;
                    }
                    Err(_) => create_dir(&target)?,
                }
                dirs.push((
                    target,
                    DirMeta {
                        uid,
                        gid,
                        mode,
                        mtime,
                        xattrs,
                    },
                ));
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                remove_existing(&target)?;
                let mut file = File::create(&target).map_err(|e| io_err(&target, e))?;
                let copied = io::copy(&mut entry, &mut file)
                    .map_err(|e| invalid(format!("reading {}: {e}", rel.display())))?;
                stats.size += copied;
                drop(file);
                chown(&target, uid, gid, privileged)?;
                fs::set_permissions(&target, fs::Permissions::from_mode(mode))
                    .map_err(|e| io_err(&target, e))?;
                set_xattrs(&target, &xattrs, privileged)?;
                set_mtime(&target, mtime)?;
            }
            tar::EntryType::Symlink => {
                let link = entry
                    .link_name()
                    .map_err(|e| invalid(format!("bad link name: {e}")))?
                    .ok_or_else(|| invalid(format!("symlink {} has no target", rel.display())))?
                    .into_owned();
                remove_existing(&target)?;
                symlink(&link, &target).map_err(|e| io_err(&target, e))?;
                stats.size += link.as_os_str().len() as u64;
                chown(&target, uid, gid, privileged)?;
                set_mtime(&target, mtime)?;
            }
            tar::EntryType::Link => {
                let link = entry
                    .link_name()
                    .map_err(|e| invalid(format!("bad link name: {e}")))?
                    .ok_or_else(|| invalid(format!("hard link {} has no target", rel.display())))?
                    .into_owned();
                let source_rel = clean_relative(&link)?;
                check_no_symlink_parents(dest, &source_rel)?;
                let source = dest.join(&source_rel);
                remove_existing(&target)?;
                fs::hard_link(&source, &target).map_err(|e| {
                    invalid(format!(
                        "hard link {} -> {}: {e}",
                        rel.display(),
                        source_rel.display()
                    ))
                })?;
            }
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                let sflag = match kind {
                    tar::EntryType::Char => SFlag::S_IFCHR,
                    tar::EntryType::Block => SFlag::S_IFBLK,
                    _ => SFlag::S_IFIFO,
                };
                if !privileged && sflag != SFlag::S_IFIFO {
                    // Device nodes need root; a rootless engine goes without them, as rootless
                    // Docker does.
                    continue;
                }
                let major = header.device_major().ok().flatten().unwrap_or(0) as u64;
                let minor = header.device_minor().ok().flatten().unwrap_or(0) as u64;
                remove_existing(&target)?;
                nix::sys::stat::mknod(
                    &target,
                    sflag,
                    Mode::from_bits_truncate(mode),
                    nix::sys::stat::makedev(major, minor),
                )
                .map_err(|e| ImageError::io(format!("mknod {}", target.display()), e.into()))?;
                chown(&target, uid, gid, privileged)?;
                fs::set_permissions(&target, fs::Permissions::from_mode(mode))
                    .map_err(|e| io_err(&target, e))?;
                set_mtime(&target, mtime)?;
            }
            // PAX and GNU long-name records are folded into the entries by the tar reader;
            // anything else (sparse files, volume labels) does not occur in image layers.
            _ => {}
        }
    }
    for (dir, meta) in dirs.iter().rev() {
        chown(dir, meta.uid, meta.gid, privileged)?;
        fs::set_permissions(dir, fs::Permissions::from_mode(meta.mode))
            .map_err(|e| io_err(dir, e))?;
        set_xattrs(dir, &meta.xattrs, privileged)?;
        set_mtime(dir, meta.mtime)?;
    }
    Ok(stats)
}

/// Computes [`UnpackStats::size`] of a layer tar without unpacking it.
pub fn layer_size(input: impl Read) -> Result<u64, ImageError> {
    let mut archive = tar::Archive::new(input);
    let mut size = 0u64;
    for entry in archive
        .entries()
        .map_err(|e| invalid(format!("reading layer: {e}")))?
    {
        let entry = entry.map_err(|e| invalid(format!("reading layer: {e}")))?;
        let header = entry.header();
        match header.entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let name = entry
                    .path()
                    .ok()
                    .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
                if !name.is_some_and(|n| n.starts_with(WHITEOUT_PREFIX)) {
                    size += header.size().unwrap_or(0);
                }
            }
            tar::EntryType::Symlink => {
                size += entry.link_name_bytes().map_or(0, |l| l.len() as u64);
            }
            _ => {}
        }
    }
    Ok(size)
}

struct DirMeta {
    uid: u32,
    gid: u32,
    mode: u32,
    mtime: i64,
    xattrs: Vec<(String, Vec<u8>)>,
}

/// The entry path made relative and checked: no `..`, not absolute. `./x` becomes `x`.
fn clean_relative(path: &Path) -> Result<PathBuf, ImageError> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::Normal(part) => out.push(part),
            Component::ParentDir => {
                return Err(invalid(format!(
                    "entry {} escapes the layer root",
                    path.display()
                )))
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(invalid(format!(
                    "entry {} has an absolute path",
                    path.display()
                )))
            }
        }
    }
    Ok(out)
}

/// Creates missing parent directories of `rel` and refuses parents that are symlinks (which
/// could point anywhere on the host).
fn ensure_parents(root: &Path, rel: &Path) -> Result<(), ImageError> {
    let mut current = root.to_path_buf();
    let parts: Vec<_> = rel.components().collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        current.push(part);
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.is_dir() => {}
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(invalid(format!(
                    "entry {} passes through a symlink",
                    rel.display()
                )))
            }
            Ok(_) => {
                return Err(invalid(format!(
                    "entry {} has a non-directory parent",
                    rel.display()
                )))
            }
            Err(_) => create_dir(&current)?,
        }
    }
    Ok(())
}

fn check_no_symlink_parents(root: &Path, rel: &Path) -> Result<(), ImageError> {
    let mut current = root.to_path_buf();
    let parts: Vec<_> = rel.components().collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        current.push(part);
        if fs::symlink_metadata(&current).is_ok_and(|m| !m.is_dir()) {
            return Err(invalid(format!(
                "link target {} passes through a non-directory",
                rel.display()
            )));
        }
    }
    Ok(())
}

fn create_dir(path: &Path) -> Result<(), ImageError> {
    match fs::create_dir(path) {
        Ok(()) => fs::set_permissions(path, fs::Permissions::from_mode(0o755))
            .map_err(|e| io_err(path, e)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io_err(path, e)),
    }
}

/// Removes whatever is at `path` (a later entry replaces an earlier one).
fn remove_existing(path: &Path) -> Result<(), ImageError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => crate::fsutil::remove_tree(path).map_err(|e| io_err(path, e)),
        Ok(_) => fs::remove_file(path).map_err(|e| io_err(path, e)),
        Err(_) => Ok(()),
    }
}

fn chown(path: &Path, uid: u32, gid: u32, privileged: bool) -> Result<(), ImageError> {
    if !privileged {
        return Ok(());
    }
    std::os::unix::fs::lchown(path, Some(uid), Some(gid)).map_err(|e| io_err(path, e))
}

fn set_mtime(path: &Path, mtime: i64) -> Result<(), ImageError> {
    let ts = TimeSpec::new(mtime, 0);
    nix::sys::stat::utimensat(None, path, &ts, &ts, UtimensatFlags::NoFollowSymlink)
        .map_err(|e| ImageError::io(format!("set mtime of {}", path.display()), e.into()))
}

/// Extended attributes recorded as PAX `SCHILY.xattr.<name>` records.
fn pax_xattrs<R: Read>(entry: &mut tar::Entry<'_, R>) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    if let Ok(Some(exts)) = entry.pax_extensions() {
        for ext in exts.flatten() {
            if let Ok(key) = ext.key() {
                if let Some(name) = key.strip_prefix("SCHILY.xattr.") {
                    out.push((name.to_string(), ext.value_bytes().to_vec()));
                }
            }
        }
    }
    out
}

fn set_xattrs(
    path: &Path,
    xattrs: &[(String, Vec<u8>)],
    privileged: bool,
) -> Result<(), ImageError> {
    let mut seen: HashMap<&str, ()> = HashMap::new();
    for (name, value) in xattrs {
        if seen.insert(name.as_str(), ()).is_some() {
            continue;
        }
        if !privileged && !name.starts_with("user.") {
            continue;
        }
        match xattr::set(path, name, value) {
            Ok(()) => {}
            // A filesystem without xattr support loses them, as Docker's does.
            Err(e) if e.raw_os_error() == Some(nix::libc::ENOTSUP) => {}
            Err(e) => {
                return Err(ImageError::io(
                    format!("set xattr {name} on {}", path.display()),
                    e,
                ))
            }
        }
    }
    Ok(())
}

fn invalid(msg: String) -> ImageError {
    ImageError::InvalidArchive(msg)
}

fn io_err(path: &Path, e: io::Error) -> ImageError {
    ImageError::io(format!("unpack {}", path.display()), e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn header(kind: tar::EntryType, path: &str, size: u64, mode: u32) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_path(path).unwrap();
        h.set_size(size);
        h.set_mode(mode);
        h.set_uid(1000);
        h.set_gid(1000);
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        h
    }

    fn layer(build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        build(&mut b);
        b.into_inner().unwrap()
    }

    /// Appends an entry with a raw name, bypassing the tar writer's own path checks, so
    /// hostile names can be tested.
    fn raw_entry(b: &mut tar::Builder<Vec<u8>>, name: &[u8], data: &[u8]) {
        let mut h = tar::Header::new_old();
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        b.append(&h, data).unwrap();
    }

    #[test]
    fn keeps_modes_mtimes_symlinks_and_hardlinks() {
        let tar = layer(|b| {
            b.append(
                &header(tar::EntryType::Directory, "etc/", 0, 0o700),
                &[][..],
            )
            .unwrap();
            b.append(
                &header(tar::EntryType::Regular, "etc/motd", 5, 0o640),
                &b"hello"[..],
            )
            .unwrap();
            let mut l = header(tar::EntryType::Symlink, "etc/link", 0, 0o777);
            l.set_link_name("motd").unwrap();
            l.set_cksum();
            b.append(&l, &[][..]).unwrap();
            let mut h = header(tar::EntryType::Link, "etc/hard", 0, 0o640);
            h.set_link_name("etc/motd").unwrap();
            h.set_cksum();
            b.append(&h, &[][..]).unwrap();
        });
        let dir = tempfile::tempdir().unwrap();
        let stats = unpack_layer(&tar[..], dir.path(), privileged()).unwrap();
        assert_eq!(stats.size, 5 + 4, "file bytes plus symlink target length");
        assert_eq!(layer_size(&tar[..]).unwrap(), stats.size);
        let motd = fs::metadata(dir.path().join("etc/motd")).unwrap();
        assert_eq!(motd.mode() & 0o7777, 0o640);
        assert_eq!(motd.mtime(), 1_700_000_000);
        assert_eq!(motd.nlink(), 2, "hard link shares the inode");
        assert_eq!(
            fs::read_link(dir.path().join("etc/link")).unwrap(),
            Path::new("motd")
        );
        let etc = fs::metadata(dir.path().join("etc")).unwrap();
        assert_eq!(etc.mode() & 0o7777, 0o700);
        assert_eq!(
            etc.mtime(),
            1_700_000_000,
            "directory mtime applied after its children"
        );
        if privileged() {
            assert_eq!(motd.uid(), 1000);
        }
    }

    #[test]
    fn refuses_entries_escaping_the_root() {
        for name in [&b"../evil"[..], b"a/../../evil", b"/etc/evil"] {
            let tar = layer(|b| raw_entry(b, name, b"x"));
            let dir = tempfile::tempdir().unwrap();
            let err =
                unpack_layer(&tar[..], &dir.path().join("root").tap_mkdir(), false).unwrap_err();
            assert!(
                matches!(err, ImageError::InvalidArchive(_)),
                "{name:?}: {err}"
            );
            assert!(!dir.path().join("evil").exists());
        }
    }

    #[test]
    fn refuses_writing_through_a_symlink() {
        let outside = tempfile::tempdir().unwrap();
        let tar = layer(|b| {
            let mut l = header(tar::EntryType::Symlink, "escape", 0, 0o777);
            l.set_link_name(outside.path()).unwrap();
            l.set_cksum();
            b.append(&l, &[][..]).unwrap();
            b.append(
                &header(tar::EntryType::Regular, "escape/pwned", 1, 0o644),
                &b"x"[..],
            )
            .unwrap();
        });
        let dir = tempfile::tempdir().unwrap();
        assert!(unpack_layer(&tar[..], dir.path(), false).is_err());
        assert!(!outside.path().join("pwned").exists());
    }

    #[test]
    fn whiteouts_become_overlay_markers_when_root() {
        let tar = layer(|b| {
            b.append(
                &header(tar::EntryType::Directory, "var/", 0, 0o755),
                &[][..],
            )
            .unwrap();
            b.append(
                &header(tar::EntryType::Regular, "var/.wh..wh..opq", 0, 0o644),
                &[][..],
            )
            .unwrap();
            b.append(
                &header(tar::EntryType::Regular, ".wh.gone", 0, 0o644),
                &[][..],
            )
            .unwrap();
        });
        let dir = tempfile::tempdir().unwrap();
        if !privileged() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must run this test as root"
            );
            eprintln!("skipped: whiteout conversion needs root");
            let stats = unpack_layer(&tar[..], dir.path(), false).unwrap();
            assert_eq!(stats.whiteouts_converted, 0);
            assert!(dir.path().join(".wh.gone").exists());
            return;
        }
        let stats = unpack_layer(&tar[..], dir.path(), true).unwrap();
        assert_eq!(stats.whiteouts_converted, 2);
        let gone = fs::symlink_metadata(dir.path().join("gone")).unwrap();
        use std::os::unix::fs::FileTypeExt;
        assert!(gone.file_type().is_char_device());
        assert_eq!(gone.rdev(), 0);
        assert!(!dir.path().join(".wh.gone").exists());
        match xattr::get(dir.path().join("var"), OPAQUE_XATTR) {
            Ok(value) => assert_eq!(value.as_deref(), Some(&b"y"[..])),
            Err(e) => panic!("reading opaque xattr: {e}"),
        }
    }

    trait TapMkdir {
        fn tap_mkdir(self) -> PathBuf;
    }
    impl TapMkdir for PathBuf {
        fn tap_mkdir(self) -> PathBuf {
            fs::create_dir_all(&self).unwrap();
            self
        }
    }
}
