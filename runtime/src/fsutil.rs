//! Crash-safe file primitives: atomic replacement and advisory locks.
//!
//! Every state change in the engine is "write a temporary file, fsync, rename over the old
//! one", so a kill -9 at any instant leaves either the old or the new content, never a mix.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (temp file in the same directory + fsync + rename).
pub fn atomic_write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    fs::create_dir_all(dir)?;
    write_via_temp(path, bytes, true)?;
    sync_dir(dir)
}

/// Writes a temporary sibling of `path` (synced first when `durable`) and renames it over
/// `path`; removes the temporary file when anything fails.
fn write_via_temp(path: &Path, bytes: &[u8], durable: bool) -> io::Result<()> {
    let tmp = temp_sibling(path);
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        if durable {
            file.sync_all()?;
        }
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Writes `bytes` to `path`, without the temp file, rename and syncs of [`atomic_write`]:
/// for the files of a directory nobody sees yet (a container being created), which its
/// creator makes durable all at once ([`sync_filesystem`]) and renames into place whole.
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)
}

/// Forces everything written to the filesystem holding `path` to disk: one `syncfs` (one
/// cache flush of the device) where an fsync per file and directory would flush once each.
pub fn sync_filesystem(path: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let dir = File::open(path)?;
    nix::unistd::syncfs(dir.as_raw_fd()).map_err(io::Error::from)
}

/// Replaces `path` with `bytes` atomically (temp file + rename) without forcing them to disk:
/// a reader, or a process killed mid-write (kill -9), sees the old or the new file, never a
/// part of one. For a container's runtime state, which changes several times per `docker
/// run` and which a reboot makes stale anyway (every supervisor is gone, so the engine
/// reconciles the container as exited); after a power loss it may come back empty, which its
/// reader takes as "never ran". Stores that must survive a reboot use [`atomic_write`].
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_via_temp(path, bytes, false)
}

/// Fsyncs a directory so a rename inside it survives a crash.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// A unique temporary name next to `path`, starting with `.tmp-` so leftovers are easy to
/// recognise and sweep.
pub fn temp_sibling(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".tmp-{}-{}-{name}", std::process::id(), n))
}

/// An exclusive advisory lock on a file, released when dropped (or when the process dies,
/// which is what makes it safe under kill -9).
#[derive(Debug)]
pub struct FileLock {
    _flock: nix::fcntl::Flock<File>,
}

impl FileLock {
    /// Blocks until the exclusive lock on `path` is held.
    pub fn exclusive(path: &Path) -> io::Result<Self> {
        Self::acquire(path, nix::fcntl::FlockArg::LockExclusive)
    }

    /// Takes the exclusive lock on `path` if nobody holds it; `None` when somebody does.
    pub fn try_exclusive(path: &Path) -> io::Result<Option<Self>> {
        match Self::acquire(path, nix::fcntl::FlockArg::LockExclusiveNonblock) {
            Ok(lock) => Ok(Some(lock)),
            Err(e) if e.raw_os_error() == Some(nix::libc::EWOULDBLOCK) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Blocks until a shared lock on `path` is held.
    pub fn shared(path: &Path) -> io::Result<Self> {
        Self::acquire(path, nix::fcntl::FlockArg::LockShared)
    }

    fn acquire(path: &Path, arg: nix::fcntl::FlockArg) -> io::Result<Self> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        let flock =
            nix::fcntl::Flock::lock(file, arg).map_err(|(_, errno)| io::Error::from(errno))?;
        Ok(Self { _flock: flock })
    }
}

/// Removes a directory tree, first making directories writable where a read-only one
/// (an unpacked layer's `dr-xr-xr-x /proc`, say) would refuse the removal of its children.
pub fn remove_tree(path: &Path) -> io::Result<()> {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            make_dirs_writable(path);
            fs::remove_dir_all(path)
        }
        Err(e) => Err(e),
    }
}

fn make_dirs_writable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = fs::symlink_metadata(path) else {
        return;
    };
    if !meta.is_dir() {
        return;
    }
    let mode = meta.permissions().mode();
    let _ = fs::set_permissions(path, fs::Permissions::from_mode(mode | 0o700));
    if let Ok(entries) = fs::read_dir(path) {
        for entry in entries.flatten() {
            make_dirs_writable(&entry.path());
        }
    }
}

/// Removes a directory tree crash-safely: renamed to a `.tmp-` sibling first (one atomic
/// step), then deleted, so a half-deleted tree is never seen under its real name.
pub fn remove_tree_atomically(path: &Path) -> io::Result<()> {
    match rename_aside(path) {
        Ok(doomed) => remove_tree(&doomed),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// The first step of [`remove_tree_atomically`]: renames `path` to a `.tmp-` sibling (which
/// a sweep of its directory removes if nobody else does) and returns the new name.
pub fn rename_aside(path: &Path) -> io::Result<PathBuf> {
    let doomed = temp_sibling(path);
    fs::rename(path, &doomed)?;
    Ok(doomed)
}

/// Removes every `.tmp-*` entry directly inside `dir` (leftovers of interrupted writes).
/// Call only while holding the lock that every writer of `dir` holds.
pub fn sweep_temp_entries(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        if !entry.file_name().to_string_lossy().starts_with(".tmp-") {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            remove_tree(&path)?;
        } else {
            fs::remove_file(&path)?;
        }
        removed += 1;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_and_replace_replace_and_leave_no_temp() {
        for write in [atomic_write, replace] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("state.json");
            write(&path, b"one").unwrap();
            write(&path, b"two").unwrap();
            assert_eq!(fs::read(&path).unwrap(), b"two");
            let names: Vec<_> = fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(names.len(), 1, "leftover files: {names:?}");
        }
    }

    #[test]
    fn try_exclusive_fails_while_another_holder_has_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let held = FileLock::exclusive(&path).unwrap();
        assert!(FileLock::try_exclusive(&path).unwrap().is_none());
        drop(held);
        assert!(FileLock::try_exclusive(&path).unwrap().is_some());
    }

    #[test]
    fn sweep_removes_only_temp_entries() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("keep"), b"1").unwrap();
        fs::write(temp_sibling(&dir.path().join("x")), b"1").unwrap();
        let tree = dir.path().join(".tmp-tree");
        fs::create_dir_all(tree.join("ro/inner")).unwrap();
        fs::set_permissions(tree.join("ro"), fs::Permissions::from_mode(0o555)).unwrap();
        assert_eq!(sweep_temp_entries(dir.path()).unwrap(), 2);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("keep")]);
    }
}
