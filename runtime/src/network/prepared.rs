//! A container's network namespace made and plumbed before its init exists. The supervisor
//! runs [`prepare`] on a thread of its own (ended before libcontainer creates the container),
//! whose
//! spec joins the namespace from the file this bind-mounts it on
//! (`container::netns_file`). So the new namespace, its loopback, the veth pairs,
//! addresses and routes and the embedded DNS's socket are ready when the create is, instead
//! of being made after it while the start waits.
//!
//! The bind mount is made in the supervisor's own mount namespace: nobody else sees it, and
//! it goes with the supervisor if that is killed. [`PreparedNetwork`] unmounts it when
//! dropped; the namespace then lives as long as the container's processes do.

use std::fs::File;
use std::net::UdpSocket;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sched::{setns, unshare, CloneFlags};

use super::link::Netlink;
use super::plumbing::{self, PlumbingError};
use super::{dns, labhost};
use crate::container::record::ContainerRecord;
use crate::Paths;

/// A prepared namespace, bind-mounted on its file until dropped.
#[derive(Debug)]
pub struct PreparedNetwork {
    ns: File,
    file: PathBuf,
    dns_socket: Option<UdpSocket>,
}

impl PreparedNetwork {
    /// The namespace itself.
    pub fn namespace(&self) -> &File {
        &self.ns
    }

    /// The embedded DNS server's socket, bound inside the namespace, when one was asked for.
    pub fn take_dns_socket(&mut self) -> Option<UdpSocket> {
        self.dns_socket.take()
    }
}

impl Drop for PreparedNetwork {
    fn drop(&mut self) {
        let _ = umount2(&self.file, MntFlags::MNT_DETACH);
    }
}

/// Whether the spec in `bundle` joins its network namespace from `file` (bundles written
/// before namespaces were prepared have libcontainer make one).
pub fn bundle_joins(bundle: &Path, file: &Path) -> bool {
    let Ok(spec) = std::fs::read(bundle.join("config.json")) else {
        return false;
    };
    // The file's path (it holds the container's ID) appears in the spec nowhere else.
    let Ok(needle) = serde_json::to_vec(file) else {
        return false;
    };
    spec.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// Makes a new network namespace for `record`'s container and bind-mounts it on `file`
/// (then calls `mounted`: from then on the container may be created), brings its loopback
/// up, binds the embedded DNS's socket in it when `with_dns`, and wires every endpoint of
/// the record as stored now (its `hosts`/`resolv.conf` rewritten first).
///
/// It moves the calling thread into the new namespace and then into the lab host: call it
/// on a thread that does nothing else and ends afterwards.
pub fn prepare(
    paths: &Paths,
    record: &ContainerRecord,
    file: &Path,
    with_dns: bool,
    mounted: impl FnOnce(),
) -> Result<PreparedNetwork, PlumbingError> {
    unshare(CloneFlags::CLONE_NEWNET)
        .map_err(|e| PlumbingError::io("create network namespace", e.into()))?;
    let own = "/proc/thread-self/ns/net";
    let ns = File::open(own).map_err(|e| PlumbingError::io("open network namespace", e))?;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| PlumbingError::io(format!("create {}", dir.display()), e))?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(file)
        .map_err(|e| PlumbingError::io(format!("create {}", file.display()), e))?;
    mount(
        Some(own),
        file,
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    )
    .map_err(|e| {
        PlumbingError::io(
            format!("bind-mount network namespace on {}", file.display()),
            e.into(),
        )
    })?;
    // From here on, dropping it unmounts the file again.
    let mut prepared = PreparedNetwork {
        ns,
        file: file.to_path_buf(),
        dns_socket: None,
    };
    mounted();
    let current = plumbing::reload(paths, record);
    let record = &current;
    plumbing::refresh_files(paths, record)?;
    let mut inside = Netlink::new().map_err(|e| PlumbingError::io("open netlink", e))?;
    plumbing::loopback_up(&mut inside)?;
    if with_dns {
        let socket = dns::bind().map_err(|e| PlumbingError::io("bind embedded dns", e))?;
        prepared.dns_socket = Some(socket);
    }
    let endpoints = plumbing::wired_endpoints(record);
    if endpoints.is_empty() {
        return Ok(prepared);
    }
    let lab = labhost::ensure(paths.run()).map_err(|e| PlumbingError::io("open lab host", e))?;
    setns(lab.as_fd(), CloneFlags::CLONE_NEWNET)
        .map_err(|e| PlumbingError::io("enter lab host", e.into()))?;
    let mut outside = Netlink::new().map_err(|e| PlumbingError::io("open netlink", e))?;
    plumbing::wire_all(&mut outside, &mut inside, &prepared.ns, &endpoints)?;
    Ok(prepared)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_joins_only_the_file_its_spec_names() {
        let dir = tempfile::tempdir().unwrap();
        let file = Path::new("/run/dockerlings/containers/abc/netns");
        std::fs::write(
            dir.path().join("config.json"),
            "{\"linux\": {\"namespaces\": [{\"type\": \"pid\"},\n  {\"type\": \"network\", \"path\": \"/run/dockerlings/containers/abc/netns\"}]}}",
        )
        .unwrap();
        assert!(bundle_joins(dir.path(), file));
        assert!(!bundle_joins(
            dir.path(),
            Path::new("/run/dockerlings/containers/abd/netns")
        ));
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"linux":{"namespaces":[{"type":"pid"},{"type":"network"}]}}"#,
        )
        .unwrap();
        assert!(!bundle_joins(dir.path(), file));
        assert!(!bundle_joins(&dir.path().join("missing"), file));
    }
}
