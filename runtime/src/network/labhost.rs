//! The "lab host": the one network namespace the engine owns, where every bridge lives and
//! every container's veth pair begins. The real host's interfaces, routes and firewall are
//! never touched. Made on first need and kept by a bind mount at `$DOCKERLINGS_RUN/netns/lab`;
//! it holds nothing the store cannot rebuild (bridges are ensured whenever a container on
//! their network starts), so losing it (reboot, [`teardown`]) costs nothing.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use nix::mount::{mount, umount2, MntFlags, MsFlags};

use super::netns;
use crate::fsutil::FileLock;

/// Where the lab host's namespace is bind-mounted below the run directory.
pub fn path(run_dir: &Path) -> PathBuf {
    run_dir.join("netns").join("lab")
}

/// Opens the lab host, making it first when there is none.
pub fn ensure(run_dir: &Path) -> io::Result<File> {
    let path = path(run_dir);
    if let Some(ns) = open_existing(&path) {
        return Ok(ns);
    }
    let _lock = FileLock::exclusive(&run_dir.join("netns").join("lab.lock"))?;
    if let Some(ns) = open_existing(&path) {
        return Ok(ns);
    }
    File::create(&path)?;
    netns::create(|_| {
        refuse_to_route()?;
        mount(
            Some("/proc/thread-self/ns/net"),
            &path,
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .map_err(io::Error::from)
    })
    .inspect_err(|_| {
        let _ = std::fs::remove_file(&path);
    })
}

/// The lab host routes nothing: containers on different networks do not reach each other,
/// and nothing reaches beyond the lab host. It answers what it will not route with an ICMP
/// error ("administratively prohibited") rather than silence, so a container's DNS query to a name server out there
/// (the default bridge's `resolv.conf` names the host's) fails at once instead of timing
/// out. (Without forwarding on, the kernel drops such packets without an ICMP error; so
/// forwarding is on, and a policy rule prohibits routing to every non-local destination
/// first. Runs on the thread inside the new namespace.)
fn refuse_to_route() -> io::Result<()> {
    super::link::Netlink::new()?.add_prohibit_unless_local_rule(100)?;
    std::fs::write("/proc/sys/net/ipv4/ip_forward", "1")
}

/// Opens the lab host if it exists.
pub fn open(run_dir: &Path) -> Option<File> {
    open_existing(&path(run_dir))
}

fn open_existing(path: &Path) -> Option<File> {
    let file = File::open(path).ok()?;
    netns::is_namespace(&file).then_some(file)
}

/// Removes the lab host: unmounts and deletes its file. The namespace, and with it every
/// bridge in it, goes once nothing else holds it (running containers' supervisors do).
pub fn teardown(run_dir: &Path) -> io::Result<()> {
    let path = path(run_dir);
    let dir = run_dir.join("netns");
    let _lock = if dir.is_dir() {
        Some(FileLock::exclusive(&dir.join("lab.lock"))?)
    } else {
        None
    };
    if open_existing(&path).is_some() {
        umount2(&path, MntFlags::MNT_DETACH).map_err(io::Error::from)?;
    }
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let _ = std::fs::remove_file(dir.join("lab.lock"));
    let _ = std::fs::remove_dir(&dir);
    Ok(())
}
