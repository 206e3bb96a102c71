//! Network namespaces by file descriptor: open one (`/proc/<pid>/ns/net`, the lab host's
//! bind mount), make a new one, and run code inside one. Entering a network namespace
//! (`setns`) changes only the calling thread, so [`run_in`] does it on a short-lived thread
//! of its own and the caller's thread never moves. Sockets made there (netlink, the
//! embedded DNS's UDP socket) keep acting in that namespace wherever they are used from.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;

use nix::sched::{setns, unshare, CloneFlags};

use super::link::Netlink;

/// Opens a network namespace file.
pub fn open(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// The network namespace of process `pid`.
pub fn of_pid(pid: i32) -> io::Result<File> {
    File::open(format!("/proc/{pid}/ns/net"))
}

/// Runs `f` on a thread inside the namespace `ns`, and returns what it returns.
pub fn run_in<T: Send>(
    ns: BorrowedFd<'_>,
    f: impl FnOnce() -> io::Result<T> + Send,
) -> io::Result<T> {
    std::thread::scope(|s| {
        s.spawn(|| {
            setns(ns, CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
            f()
        })
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("network namespace thread panicked")))
    })
}

/// A netlink socket acting in the namespace `ns`.
pub fn netlink_in(ns: &File) -> io::Result<Netlink> {
    run_in(ns.as_fd(), Netlink::new)
}

/// Makes a new network namespace with its loopback up and returns it open; `keep` runs on
/// the thread inside it (the lab host bind-mounts it there) before the thread ends.
pub fn create(keep: impl FnOnce(&File) -> io::Result<()> + Send) -> io::Result<File> {
    std::thread::scope(|s| {
        s.spawn(|| {
            unshare(CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
            let ns = File::open("/proc/thread-self/ns/net")?;
            loopback_up()?;
            keep(&ns)?;
            Ok(ns)
        })
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("network namespace thread panicked")))
    })
}

/// Brings `lo` up in the calling thread's namespace.
pub fn loopback_up() -> io::Result<()> {
    let mut nl = Netlink::new()?;
    let lo = nl
        .link("lo")?
        .ok_or_else(|| io::Error::other("no loopback interface"))?;
    nl.set_up(lo.index)
}

/// Whether `file` is a namespace file (a bind mount of one, not the empty mount point).
pub fn is_namespace(file: &File) -> bool {
    nix::sys::statfs::fstatfs(file)
        .is_ok_and(|s| s.filesystem_type() == nix::sys::statfs::NSFS_MAGIC)
}
