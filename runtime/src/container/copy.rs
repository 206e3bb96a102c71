//! `docker cp`: tar archives of paths inside a container, and tar archives extracted into
//! one (`GET`/`PUT /containers/{id}/archive`).
//!
//! Access to the filesystem: a running container is reached through `/proc/<pid>/root` of
//! its init process (the merged view it sees, bind mounts included). A stopped one has no
//! mount, so one is made on demand: a short-lived thread unshares its mount namespace,
//! makes `/` a slave, mounts the overlay (image layers + the container's `upper/`/`work/`),
//! opens the mount's root and detaches it. The open directory keeps the overlay alive
//! until it is closed; the mount never appears in the host's table, and a crash cannot
//! leave it behind (the namespace dies with the thread).
//!
//! Paths are always resolved *inside* the root (`openat2(RESOLVE_IN_ROOT)`), so a symlink
//! in the container (`/etc/x -> /`) can never lead to the host's files; the final
//! component is handled with `*at` calls that do not follow it.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{openat, openat2, AtFlags, OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::{fstatat, mkdirat, mknodat, utimensat, FileStat, Mode, SFlag, UtimensatFlags};
use nix::sys::time::TimeSpec;
use nix::unistd::{fchownat, symlinkat, unlinkat, Gid, Uid, UnlinkatFlags};

use super::state::Status;
use super::ContainerError;
use crate::{Engine, Result};

fn errno(e: Errno) -> io::Error {
    io::Error::from_raw_os_error(e as i32)
}

fn owned(fd: RawFd) -> OwnedFd {
    // SAFETY: `fd` was just returned by a successful open call and is owned by no one else.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// A directory that absolute paths are resolved inside, symlinks included.
#[derive(Debug)]
pub struct FsRoot {
    fd: OwnedFd,
}

/// What a path names, as `docker cp` needs to know it (`HEAD /containers/{id}/archive`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStat {
    /// The last component of the path as asked (`/` for the root).
    pub name: String,
    pub is_dir: bool,
    pub is_symlink: bool,
    pub size: u64,
}

/// The relative form of an absolute (or relative) path: `/etc/passwd` → `etc/passwd`,
/// `/` → `.`; `.` and empty components dropped, `..` kept (resolution stays in the root).
fn relative(path: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in Path::new(path).components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => out.push(".."),
            _ => {}
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Splits a path into its parent and last component (`None` for the root itself).
fn split_last(path: &str) -> (String, Option<OsString>) {
    let rel = relative(path);
    if rel == Path::new(".") {
        return ("/".to_string(), None);
    }
    let parent = rel
        .parent()
        .map(|p| format!("/{}", p.display()))
        .unwrap_or_else(|| "/".into());
    (parent, rel.file_name().map(|n| n.to_os_string()))
}

fn is_dir(st: &FileStat) -> bool {
    st.st_mode & SFlag::S_IFMT.bits() == SFlag::S_IFDIR.bits()
}

fn file_type(st: &FileStat) -> SFlag {
    SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits())
}

impl FsRoot {
    /// The host's own `/` (the local side of `docker cp`).
    pub fn host() -> io::Result<Self> {
        Self::open(Path::new("/"))
    }

    /// A directory as a root.
    pub fn open(dir: &Path) -> io::Result<Self> {
        let fd = nix::fcntl::open(
            dir,
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(errno)?;
        Ok(Self { fd: owned(fd) })
    }

    /// Opens `path` resolved inside the root.
    fn resolve(&self, path: &str, flags: OFlag, follow_last: bool) -> io::Result<OwnedFd> {
        let mut flags = flags | OFlag::O_CLOEXEC;
        if !follow_last {
            flags |= OFlag::O_NOFOLLOW;
        }
        let how = OpenHow::new()
            .flags(flags)
            .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
        openat2(self.fd.as_raw_fd(), &relative(path), how)
            .map(owned)
            .map_err(errno)
    }

    /// The directory `path` (following symlinks inside the root).
    fn dir(&self, path: &str) -> io::Result<OwnedFd> {
        self.resolve(path, OFlag::O_RDONLY | OFlag::O_DIRECTORY, true)
    }

    /// The parent directory of `path` and its last component; for the root itself, the
    /// root and `.`.
    fn parent_and_name(&self, path: &str, follow_last: bool) -> io::Result<(OwnedFd, OsString)> {
        if follow_last {
            // Resolve the whole path, then describe it as `.` of itself.
            let fd = self.resolve(path, OFlag::O_PATH, true)?;
            let st = nix::sys::stat::fstat(fd.as_raw_fd()).map_err(errno)?;
            if is_dir(&st) {
                return Ok((self.dir(path)?, OsString::from(".")));
            }
            // A file: its parent as reached through the followed link is not known, so
            // open it through its O_PATH descriptor with an empty name.
            return Ok((fd, OsString::new()));
        }
        let (parent, name) = split_last(path);
        Ok((
            self.dir(&parent)?,
            name.unwrap_or_else(|| OsString::from(".")),
        ))
    }

    /// `lstat` (or `stat` with `follow_last`) of a path inside the root.
    pub fn stat(&self, path: &str, follow_last: bool) -> io::Result<PathStat> {
        let fd = self.resolve(path, OFlag::O_PATH, follow_last)?;
        let st = nix::sys::stat::fstat(fd.as_raw_fd()).map_err(errno)?;
        let name = split_last(path)
            .1
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "/".into());
        Ok(PathStat {
            name,
            is_dir: is_dir(&st),
            is_symlink: file_type(&st) == SFlag::S_IFLNK,
            size: st.st_size as u64,
        })
    }

    /// Writes a tar of `path` (a directory recursively) to `out`, its entries named
    /// `<last component>/…`; with `follow_last`, a symlink at `path` is archived as what
    /// it points to. Symlinks below are archived as links, never followed.
    pub fn archive(&self, path: &str, follow_last: bool, out: &mut dyn Write) -> io::Result<()> {
        let stat = self.stat(path, follow_last)?;
        let top = if stat.name == "/" {
            ".".to_string()
        } else {
            stat.name
        };
        let mut builder = tar::Builder::new(out);
        builder.follow_symlinks(false);
        let (parent, name) = self.parent_and_name(path, follow_last)?;
        append(&mut builder, parent.as_raw_fd(), &name, Path::new(&top))?;
        builder.into_inner()?.flush()
    }

    /// Writes a tar of everything below `path`, entries named relative to it
    /// (`docker export`).
    pub fn archive_contents(&self, path: &str, out: &mut dyn Write) -> io::Result<()> {
        let dir = self.dir(path)?;
        let mut builder = tar::Builder::new(out);
        builder.follow_symlinks(false);
        append_children(&mut builder, dir.as_raw_fd(), Path::new(""))?;
        builder.into_inner()?.flush()
    }

    /// Extracts a tar into the directory `dest_dir`. `rename` replaces the first path
    /// component `from` with `to` (`to` empty: the contents land in `dest_dir` itself).
    /// With `keep_owner`, files get the archive's uid/gid; otherwise the caller's.
    /// Returns the bytes read.
    pub fn extract(
        &self,
        dest_dir: &str,
        rename: Option<(&str, &str)>,
        keep_owner: bool,
        input: &mut dyn Read,
    ) -> io::Result<u64> {
        let mut counting = Counting { inner: input, n: 0 };
        {
            let mut archive = tar::Archive::new(&mut counting);
            for entry in archive.entries()? {
                let mut entry = entry?;
                let raw = entry.path()?.into_owned();
                let mut parts: Vec<OsString> = Vec::new();
                for c in raw.components() {
                    match c {
                        Component::Normal(n) => parts.push(n.to_os_string()),
                        Component::CurDir | Component::RootDir => {}
                        _ => {
                            return Err(io::Error::new(
                                io::ErrorKind::InvalidData,
                                format!("invalid path in archive: {}", raw.display()),
                            ))
                        }
                    }
                }
                if let Some((from, to)) = rename {
                    if parts.first().map(|p| p.as_os_str()) == Some(OsStr::new(from)) {
                        if to.is_empty() {
                            parts.remove(0);
                        } else {
                            parts[0] = OsString::from(to);
                        }
                    }
                }
                let Some(name) = parts.pop() else {
                    continue; // the destination directory itself
                };
                let mut parent = PathBuf::from(dest_dir);
                for p in &parts {
                    parent.push(p);
                }
                let parent_fd = self.mkdir_all(&parent.display().to_string())?;
                self.extract_entry(
                    &mut entry,
                    parent_fd.as_raw_fd(),
                    &name,
                    dest_dir,
                    keep_owner,
                )?;
            }
        }
        // Read the rest (tar's trailing blocks), so the count is the whole archive.
        io::copy(&mut counting.inner, &mut io::sink())
            .map(|n| counting.n += n)
            .ok();
        Ok(counting.n)
    }

    /// Opens directory `path` inside the root, creating missing components (0755).
    fn mkdir_all(&self, path: &str) -> io::Result<OwnedFd> {
        match self.dir(path) {
            Ok(fd) => return Ok(fd),
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            Err(_) => {}
        }
        let mut current = self.dir("/")?;
        let mut so_far = PathBuf::from("/");
        for c in relative(path).components() {
            so_far.push(c);
            let name = c.as_os_str();
            match mkdirat(
                Some(current.as_raw_fd()),
                name,
                Mode::from_bits_truncate(0o755),
            ) {
                Ok(()) | Err(Errno::EEXIST) => {}
                Err(e) => return Err(errno(e)),
            }
            current = self.dir(&so_far.display().to_string())?;
        }
        Ok(current)
    }

    fn extract_entry(
        &self,
        entry: &mut tar::Entry<'_, &mut Counting<'_>>,
        parent: RawFd,
        name: &OsStr,
        dest_dir: &str,
        keep_owner: bool,
    ) -> io::Result<()> {
        let header = entry.header().clone();
        let kind = header.entry_type();
        let mode = Mode::from_bits_truncate(header.mode()? & 0o7777);
        let existing = fstatat(Some(parent), name, AtFlags::AT_SYMLINK_NOFOLLOW).ok();
        let existing_dir = existing.as_ref().is_some_and(is_dir);
        if existing.is_some() && !(kind.is_dir() && existing_dir) {
            if existing_dir {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!(
                        "cannot overwrite directory {:?} with non-directory",
                        name.to_string_lossy()
                    ),
                ));
            }
            unlinkat(Some(parent), name, UnlinkatFlags::NoRemoveDir).map_err(errno)?;
        }
        let mut opened: Option<File> = None;
        match kind {
            tar::EntryType::Directory => {
                if !existing_dir {
                    mkdirat(Some(parent), name, mode).map_err(errno)?;
                }
                let fd = openat(
                    Some(parent),
                    name,
                    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(errno)?;
                opened = Some(File::from(owned(fd)));
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let fd = openat(
                    Some(parent),
                    name,
                    OFlag::O_WRONLY
                        | OFlag::O_CREAT
                        | OFlag::O_EXCL
                        | OFlag::O_NOFOLLOW
                        | OFlag::O_CLOEXEC,
                    mode,
                )
                .map_err(errno)?;
                let mut file = File::from(owned(fd));
                io::copy(entry, &mut file)?;
                opened = Some(file);
            }
            tar::EntryType::Symlink => {
                let target = header.link_name()?.unwrap_or_default();
                symlinkat(target.as_ref(), Some(parent), name).map_err(errno)?;
            }
            tar::EntryType::Link => {
                // A hard link to an earlier entry, named relative to the archive's root.
                let target = header.link_name()?.unwrap_or_default();
                let source = self.resolve(
                    &Path::new(dest_dir).join(&target).display().to_string(),
                    OFlag::O_PATH,
                    false,
                )?;
                let link_name =
                    std::ffi::CString::new(name.as_bytes()).map_err(|_| errno(Errno::EINVAL))?;
                // SAFETY: linkat(2) with valid descriptors and NUL-terminated names;
                // AT_EMPTY_PATH links the file the O_PATH descriptor refers to.
                let rc = unsafe {
                    nix::libc::linkat(
                        source.as_raw_fd(),
                        c"".as_ptr(),
                        parent,
                        link_name.as_ptr(),
                        nix::libc::AT_EMPTY_PATH,
                    )
                };
                Errno::result(rc).map_err(errno)?;
                return Ok(());
            }
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                let kind = match kind {
                    tar::EntryType::Char => SFlag::S_IFCHR,
                    tar::EntryType::Block => SFlag::S_IFBLK,
                    _ => SFlag::S_IFIFO,
                };
                let dev = nix::sys::stat::makedev(
                    header.device_major()?.unwrap_or(0).into(),
                    header.device_minor()?.unwrap_or(0).into(),
                );
                mknodat(Some(parent), name, kind, mode, dev).map_err(errno)?;
            }
            // Global/extended headers are consumed by the tar reader; others are skipped.
            _ => return Ok(()),
        }
        if keep_owner {
            fchownat(
                Some(parent),
                name,
                Some(Uid::from_raw(header.uid()? as u32)),
                Some(Gid::from_raw(header.gid()? as u32)),
                AtFlags::AT_SYMLINK_NOFOLLOW,
            )
            .map_err(errno)?;
        }
        if let Some(file) = &opened {
            // After chown, which clears set-uid bits.
            nix::sys::stat::fchmod(file.as_raw_fd(), mode).map_err(errno)?;
        }
        let mtime = TimeSpec::new(header.mtime()? as i64, 0);
        let _ = utimensat(
            Some(parent),
            name,
            &mtime,
            &mtime,
            UtimensatFlags::NoFollowSymlink,
        );
        Ok(())
    }
}

struct Counting<'a> {
    inner: &'a mut dyn Read,
    n: u64,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n += n as u64;
        Ok(n)
    }
}

/// Appends `name` in directory `dir` (empty name: `dir` is an O_PATH descriptor of the
/// file itself) to the archive as `archive_path`, recursively.
fn append<W: Write>(
    b: &mut tar::Builder<W>,
    dir: RawFd,
    name: &OsStr,
    archive_path: &Path,
) -> io::Result<()> {
    let st = if name.is_empty() {
        nix::sys::stat::fstat(dir).map_err(errno)?
    } else {
        fstatat(Some(dir), name, AtFlags::AT_SYMLINK_NOFOLLOW).map_err(errno)?
    };
    let mut header = tar::Header::new_gnu();
    header.set_mode(st.st_mode & 0o7777);
    header.set_uid(st.st_uid.into());
    header.set_gid(st.st_gid.into());
    header.set_mtime(st.st_mtime.max(0) as u64);
    header.set_size(0);
    match file_type(&st) {
        SFlag::S_IFREG => {
            let fd = if name.is_empty() {
                // Reopen the O_PATH descriptor for reading.
                nix::fcntl::open(
                    Path::new(&format!("/proc/self/fd/{dir}")),
                    OFlag::O_RDONLY | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
            } else {
                openat(
                    Some(dir),
                    name,
                    OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
            }
            .map_err(errno)?;
            let file = File::from(owned(fd));
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(st.st_size as u64);
            b.append_data(&mut header, archive_path, file)?;
        }
        SFlag::S_IFDIR => {
            header.set_entry_type(tar::EntryType::Directory);
            if archive_path != Path::new("") && archive_path != Path::new(".") {
                b.append_data(&mut header, archive_path, io::empty())?;
            }
            let fd = openat(
                Some(dir),
                name,
                OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(errno)?;
            let fd = owned(fd);
            append_children(b, fd.as_raw_fd(), archive_path)?;
        }
        SFlag::S_IFLNK => {
            let target = nix::fcntl::readlinkat(Some(dir), name).map_err(errno)?;
            header.set_entry_type(tar::EntryType::Symlink);
            b.append_link(&mut header, archive_path, &target)?;
        }
        kind @ (SFlag::S_IFCHR | SFlag::S_IFBLK | SFlag::S_IFIFO) => {
            header.set_entry_type(match kind {
                SFlag::S_IFCHR => tar::EntryType::Char,
                SFlag::S_IFBLK => tar::EntryType::Block,
                _ => tar::EntryType::Fifo,
            });
            header.set_device_major(nix::sys::stat::major(st.st_rdev) as u32)?;
            header.set_device_minor(nix::sys::stat::minor(st.st_rdev) as u32)?;
            b.append_data(&mut header, archive_path, io::empty())?;
        }
        // Sockets do not go into archives (as with Docker).
        _ => {}
    }
    Ok(())
}

/// Appends the entries of directory `dir`, sorted by name, below `prefix`.
fn append_children<W: Write>(b: &mut tar::Builder<W>, dir: RawFd, prefix: &Path) -> io::Result<()> {
    let listing = nix::dir::Dir::openat(
        Some(dir),
        ".",
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(errno)?;
    let mut names: Vec<OsString> = Vec::new();
    let mut listing = listing;
    for entry in listing.iter() {
        let entry = entry.map_err(errno)?;
        let name = OsStr::from_bytes(entry.file_name().to_bytes());
        if name != "." && name != ".." {
            names.push(name.to_os_string());
        }
    }
    names.sort();
    for name in names {
        let path = if prefix == Path::new(".") {
            PathBuf::from(&name)
        } else {
            prefix.join(&name)
        };
        append(b, dir, &name, &path)?;
    }
    Ok(())
}

/// A container's filesystem opened for `docker cp`/`docker export`.
#[derive(Debug)]
pub struct ContainerFs {
    /// The container's name without `/`, for Docker's error texts.
    pub name: String,
    pub root: FsRoot,
}

impl ContainerFs {
    /// Docker's "not found" text for a path in this container.
    pub fn not_found(&self, path: &str) -> ContainerError {
        ContainerError::InvalidArgument(format!(
            "Could not find the file {path} in container {}",
            self.name
        ))
    }

    /// Maps an I/O error on `path` to Docker's text (not found) or a plain one.
    pub fn error(&self, path: &str, e: io::Error) -> ContainerError {
        if e.kind() == io::ErrorKind::NotFound {
            self.not_found(path)
        } else {
            ContainerError::io(path.to_string(), e)
        }
    }
}

/// Mounts the overlay in a private mount namespace of a short-lived thread, opens its
/// root and detaches it: the returned directory stays usable until closed, and the mount
/// never enters the host's table.
fn mount_detached(
    lower: Vec<PathBuf>,
    upper: PathBuf,
    work: PathBuf,
    target: PathBuf,
) -> io::Result<FsRoot> {
    let handle = std::thread::spawn(move || -> io::Result<FsRoot> {
        use nix::mount::{mount, umount2, MntFlags, MsFlags};
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS).map_err(errno)?;
        mount(
            None::<&str>,
            "/",
            None::<&str>,
            MsFlags::MS_REC | MsFlags::MS_SLAVE,
            None::<&str>,
        )
        .map_err(errno)?;
        crate::shim::overlay::mount_overlay(&lower, &upper, &work, &target)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let root = FsRoot::open(&target);
        let _ = umount2(&target, MntFlags::MNT_DETACH);
        root
    });
    handle
        .join()
        .map_err(|_| io::Error::other("mount helper thread panicked"))?
}

impl Engine {
    /// Opens a container's filesystem: the running container's own view, or the overlay
    /// mounted on demand (see the module docs).
    pub fn container_fs(&self, reference: &str) -> Result<ContainerFs> {
        let (record, state) = self.container(reference)?;
        let name = record.bare_name().to_string();
        let live = matches!(
            state.status,
            Status::Running | Status::Paused | Status::Restarting
        );
        if live && state.pid > 0 {
            if let Ok(root) = FsRoot::open(Path::new(&format!("/proc/{}/root", state.pid))) {
                return Ok(ContainerFs { name, root });
            }
        }
        let root = self.container_overlay(&record)?;
        Ok(ContainerFs { name, root })
    }

    /// The container's own filesystem (image layers + writable layer) without any of the
    /// mounts a running container has on top: what `docker export` archives.
    pub(crate) fn container_overlay(
        &self,
        record: &super::record::ContainerRecord,
    ) -> Result<FsRoot> {
        let store = self.container_store()?;
        let dir = store.container_dir(&record.id);
        let lower = self.container_lower_dirs(record)?;
        let scratch = store.run_dir(&record.id).join(
            format!(
                "cp-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            )
            .replace(['(', ')'], ""),
        );
        let result = mount_detached(lower, dir.join("upper"), dir.join("work"), scratch.clone());
        let _ = std::fs::remove_dir(&scratch);
        result.map_err(|e| ContainerError::io("mount container filesystem", e).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("etc/app")).unwrap();
        std::fs::write(t.path().join("etc/app/conf"), "a=1\n").unwrap();
        std::os::unix::fs::symlink("/", t.path().join("etc/escape")).unwrap();
        std::os::unix::fs::symlink("app/conf", t.path().join("etc/link")).unwrap();
        t
    }

    fn names(tar: &[u8]) -> Vec<String> {
        let mut a = tar::Archive::new(tar);
        a.entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn paths_split_and_relativise() {
        assert_eq!(relative("/etc/passwd"), PathBuf::from("etc/passwd"));
        assert_eq!(relative("/"), PathBuf::from("."));
        assert_eq!(split_last("/etc/app/"), ("/etc".into(), Some("app".into())));
        assert_eq!(split_last("/"), ("/".into(), None));
    }

    #[test]
    fn symlinks_resolve_inside_the_root() {
        let t = tree();
        let root = FsRoot::open(t.path()).unwrap();
        // `/etc/escape` points at `/`, which is the root itself, not the host's.
        let st = root.stat("/etc/escape/etc/app/conf", true).unwrap();
        assert!(!st.is_dir);
        assert_eq!(st.size, 4);
        assert!(root.stat("/etc/escape/proc/self", false).is_err());
        assert!(root.stat("/../../etc/link", false).unwrap().is_symlink);
    }

    #[test]
    fn archive_names_entries_by_last_component() {
        let t = tree();
        let root = FsRoot::open(t.path()).unwrap();
        let mut out = Vec::new();
        root.archive("/etc/app", false, &mut out).unwrap();
        assert_eq!(names(&out), vec!["app", "app/conf"]);
        let mut out = Vec::new();
        root.archive("/etc/link", true, &mut out).unwrap();
        assert_eq!(names(&out), vec!["link"]);
        let mut a = tar::Archive::new(out.as_slice());
        let mut s = String::new();
        a.entries()
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, "a=1\n");
        let mut out = Vec::new();
        root.archive("/etc/link", false, &mut out).unwrap();
        let mut a = tar::Archive::new(out.as_slice());
        let e = a.entries().unwrap().next().unwrap().unwrap();
        assert_eq!(e.header().entry_type(), tar::EntryType::Symlink);
    }

    #[test]
    fn extract_renames_and_stays_inside() {
        let src = tree();
        let mut tar = Vec::new();
        FsRoot::open(src.path())
            .unwrap()
            .archive("/etc", false, &mut tar)
            .unwrap();
        let dst = tempfile::tempdir().unwrap();
        let root = FsRoot::open(dst.path()).unwrap();
        let n = root
            .extract(
                "/copy",
                Some(("etc", "renamed")),
                false,
                &mut tar.as_slice(),
            )
            .unwrap();
        assert_eq!(n, tar.len() as u64);
        assert_eq!(
            std::fs::read_to_string(dst.path().join("copy/renamed/app/conf")).unwrap(),
            "a=1\n"
        );
        // Extracting through the `escape -> /` link lands inside the root.
        let mut tar2 = Vec::new();
        FsRoot::open(src.path())
            .unwrap()
            .archive("/etc/app/conf", false, &mut tar2)
            .unwrap();
        root.extract(
            "/copy/renamed/escape/inside",
            None,
            false,
            &mut tar2.as_slice(),
        )
        .unwrap();
        assert!(dst.path().join("inside/conf").is_file());
    }
}
