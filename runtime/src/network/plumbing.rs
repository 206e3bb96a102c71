//! Making a container's endpoints real: inside the engine's lab host, a veth pair per
//! endpoint, one end on the network's bridge, the other made directly in the container's
//! network namespace as `eth0`, `eth1`… with its MAC, address and (first endpoint) default
//! route. The supervisor plumbs a new container while libcontainer creates it, in a
//! namespace it made beforehand (`super::prepared`); a container whose spec has libcontainer
//! make the namespace is plumbed between create and start ([`plumb`]). `network connect` and
//! `disconnect` of a running container use [`attach_live`]/[`detach_live`]. Nothing here
//! needs undoing when a container ends: its namespace dies with its last holder and takes
//! its veth ends (and so their lab-host peers) with it.

use std::fs::File;
use std::io;
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::path::Path;

use super::link::{self, Netlink};
use super::{labhost, netns};
use crate::container::etc_files::LinkedHost;
use crate::container::record::ContainerRecord;
use crate::container::state::Status;
use crate::container::store::ContainerStore;
use crate::network::{Endpoint, NetworkRecord};
use crate::Paths;

/// What can go wrong plumbing a container's network.
#[derive(Debug, thiserror::Error)]
pub enum PlumbingError {
    /// The container has no running process whose network namespace we could enter.
    #[error("container {0} is not running")]
    NotRunning(String),
    /// `--network container:<x>` while x does not run (Docker's text).
    #[error("cannot join network of a non running container: {0}")]
    JoinNotRunning(String),
    #[error("No such container: {0}")]
    NoSuchContainer(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
}

impl PlumbingError {
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}

type Result<T> = std::result::Result<T, PlumbingError>;

/// Whether the container has a network namespace of its own that we plumb (not `host`,
/// not `container:<x>`).
pub fn has_own_namespace(record: &ContainerRecord) -> bool {
    let mode = record.host_config.network_mode.as_str();
    mode != "host" && !mode.starts_with("container:")
}

/// Whether the container gets the embedded DNS server: every container with a namespace
/// of its own but `--network none` (a `network connect` later points its `resolv.conf` at
/// the server).
pub fn resolves(record: &ContainerRecord) -> bool {
    has_own_namespace(record) && record.host_config.network_mode != "none"
}

/// The endpoints that get an interface (those with an address), in interface order.
pub fn wired_endpoints(record: &ContainerRecord) -> Vec<&Endpoint> {
    let mut eps: Vec<&Endpoint> = record
        .networks
        .values()
        .filter(|e| e.ip.is_some() && !e.interface.is_empty())
        .collect();
    eps.sort_by_key(|e| interface_order(&e.interface));
    eps
}

/// `eth2` → (2, "eth2"), so `eth10` sorts after `eth9`.
fn interface_order(name: &str) -> (u32, String) {
    let digits: String = name.chars().filter(char::is_ascii_digit).collect();
    (digits.parse().unwrap_or(u32::MAX), name.to_string())
}

/// The bridge of an endpoint's network, as the network record names it: `docker0` for the
/// default `bridge`, `br-<12 hex of the network ID>` for user-defined ones.
pub fn bridge_name(endpoint: &Endpoint) -> String {
    if endpoint.network_name == "bridge" {
        "docker0".to_string()
    } else {
        let short: String = endpoint.network_id.chars().take(12).collect();
        format!("br-{short}")
    }
}

/// The lab-host end of an endpoint's veth pair: `veth` and 7 hex digits of the endpoint ID
/// (Docker's shape).
pub fn host_veth_name(endpoint: &Endpoint) -> String {
    let short: String = endpoint.endpoint_id.chars().take(7).collect();
    format!("veth{short}")
}

/// Plumbs a container whose init (`pid`) waits to be started: its `hosts`/`resolv.conf`
/// rewritten, loopback up, then every endpoint of its record as stored now (reread, so a
/// `connect` while it was stopped counts). `host` and `container:<x>` containers get no
/// interfaces.
pub fn plumb(paths: &Paths, record: &ContainerRecord, pid: i32) -> Result<()> {
    let current = reload(paths, record);
    let record = &current;
    refresh_files(paths, record)?;
    if !has_own_namespace(record) {
        return Ok(());
    }
    let ns = netns::of_pid(pid).map_err(|e| PlumbingError::io("open container netns", e))?;
    let mut inside =
        netns::netlink_in(&ns).map_err(|e| PlumbingError::io("enter container netns", e))?;
    loopback_up(&mut inside)?;
    let endpoints = wired_endpoints(record);
    if endpoints.is_empty() {
        return Ok(());
    }
    let lab = labhost::ensure(paths.run()).map_err(|e| PlumbingError::io("open lab host", e))?;
    let mut outside =
        netns::netlink_in(&lab).map_err(|e| PlumbingError::io("enter lab host", e))?;
    wire_all(&mut outside, &mut inside, &ns, &endpoints)
}

/// Wires `endpoints` (in interface order) into the namespace `ns`, which `inside` acts in;
/// the first gets the default route.
pub(super) fn wire_all(
    outside: &mut Netlink,
    inside: &mut Netlink,
    ns: &File,
    endpoints: &[&Endpoint],
) -> Result<()> {
    for (i, endpoint) in endpoints.iter().enumerate() {
        wire(
            outside,
            inside,
            ns,
            endpoint,
            &bridge_name(endpoint),
            i == 0,
        )?;
    }
    Ok(())
}

/// Brings `lo` up in the namespace `inside` acts in.
pub(super) fn loopback_up(inside: &mut Netlink) -> Result<()> {
    let lo = inside
        .link("lo")
        .map_err(|e| PlumbingError::io("find lo", e))?
        .ok_or_else(|| PlumbingError::io("find lo", io::ErrorKind::NotFound.into()))?;
    inside
        .set_up(lo.index)
        .map_err(|e| PlumbingError::io("bring lo up", e))
}

/// `--network container:<x>`: points the bundle's network namespace at x's init
/// (`/proc/<pid>/ns/net`), which changes whenever x restarts, so it is set at every start.
pub fn join_container_network(
    paths: &Paths,
    record: &ContainerRecord,
    bundle: &Path,
) -> Result<()> {
    use oci_spec::runtime::{LinuxNamespaceType, Spec};
    let Some(target) = record.host_config.network_mode.strip_prefix("container:") else {
        return Ok(());
    };
    let store = ContainerStore::open(paths)
        .map_err(|e| PlumbingError::io("open container store", io::Error::other(e.to_string())))?;
    let id = store
        .resolve(target)
        .map_err(|_| PlumbingError::NoSuchContainer(target.to_string()))?;
    let pid = match store.state(&id) {
        Ok(s) if matches!(s.status, Status::Running | Status::Paused) && s.pid > 0 => s.pid,
        _ => return Err(PlumbingError::JoinNotRunning(id)),
    };
    let path = bundle.join("config.json");
    let spec_err = |e: oci_spec::OciSpecError| {
        PlumbingError::io("update spec", io::Error::other(e.to_string()))
    };
    let mut spec = Spec::load(&path).map_err(spec_err)?;
    let Some(mut linux) = spec.linux().clone() else {
        return Ok(());
    };
    let mut namespaces = linux.namespaces().clone().unwrap_or_default();
    for ns in &mut namespaces {
        if ns.typ() == LinuxNamespaceType::Network {
            ns.set_path(Some(format!("/proc/{pid}/ns/net").into()));
        }
    }
    linux.set_namespaces(Some(namespaces));
    spec.set_linux(Some(linux));
    // Docker gives such a container x's hostname and x's /etc files.
    let target_record = store
        .record(&id)
        .map_err(|_| PlumbingError::NoSuchContainer(target.to_string()))?;
    spec.set_hostname(Some(target_record.config.hostname.clone()));
    spec.save(&path).map_err(spec_err)?;
    let ours = crate::container::containers_dir(paths).join(&record.id);
    let theirs = crate::container::containers_dir(paths).join(&id);
    for name in ["hosts", "resolv.conf", "hostname"] {
        let text = std::fs::read(theirs.join(name))
            .map_err(|e| PlumbingError::io(format!("read {name} of {target}"), e))?;
        std::fs::write(ours.join(name), text)
            .map_err(|e| PlumbingError::io(format!("write {name}"), e))?;
    }
    Ok(())
}

/// The container's record as stored now (the given one if it cannot be read).
pub(super) fn reload(paths: &Paths, record: &ContainerRecord) -> ContainerRecord {
    ContainerRecord::load(&crate::container::containers_dir(paths).join(&record.id))
        .unwrap_or_else(|_| record.clone())
}

/// Rewrites the container's `hosts` and `resolv.conf` for its networks as they are now,
/// with its `--link`ed containers' current addresses.
pub fn refresh_files(paths: &Paths, record: &ContainerRecord) -> Result<()> {
    if record.host_config.network_mode.starts_with("container:") {
        // Its files are the other container's ([`join_container_network`]).
        return Ok(());
    }
    let dir = crate::container::containers_dir(paths).join(&record.id);
    let links = linked_hosts(paths, record);
    crate::container::etc_files::rewrite_network_files(record, &dir, &links)
        .map_err(|e| PlumbingError::io("write /etc files", io::Error::other(e.to_string())))
}

/// The `--link` targets (`name:alias` on the default bridge's endpoint) that run now.
fn linked_hosts(paths: &Paths, record: &ContainerRecord) -> Vec<LinkedHost> {
    let links: Vec<&String> = record.networks.values().flat_map(|e| &e.links).collect();
    if links.is_empty() {
        return Vec::new();
    }
    let Ok(store) = ContainerStore::open(paths) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for link in links {
        let (name, alias) = link.split_once(':').unwrap_or((link, link));
        let Ok(id) = store.resolve(name) else {
            continue;
        };
        let (Ok(target), Ok(state)) = (store.record(&id), store.state(&id)) else {
            continue;
        };
        if !matches!(state.status, Status::Running | Status::Paused) {
            continue;
        }
        let Some(ip) = target.networks.get("bridge").and_then(|e| e.ip) else {
            continue;
        };
        out.push(LinkedHost {
            ip,
            alias: alias.to_string(),
            hostname: target.config.hostname.clone(),
            name: target.bare_name().to_string(),
        });
    }
    out
}

/// Makes sure the bridge `name` exists in the lab host with `gateway/prefix_len` and is up;
/// returns its index.
fn ensure_bridge(
    lab: &mut Netlink,
    name: &str,
    gateway: Option<Ipv4Addr>,
    prefix_len: u8,
) -> Result<u32> {
    let ctx = |what: &str| format!("{what} bridge {name}");
    let bridge = match lab
        .link(name)
        .map_err(|e| PlumbingError::io(ctx("find"), e))?
    {
        Some(b) => b,
        None => {
            match lab.add_bridge(name) {
                Ok(()) => {}
                Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {}
                Err(e) => return Err(PlumbingError::io(ctx("create"), e)),
            }
            lab.link(name)
                .map_err(|e| PlumbingError::io(ctx("find"), e))?
                .ok_or_else(|| PlumbingError::io(ctx("find"), io::ErrorKind::NotFound.into()))?
        }
    };
    if let Some(gw) = gateway {
        let have = lab
            .addresses(bridge.index)
            .map_err(|e| PlumbingError::io(ctx("list addresses of"), e))?;
        if !have.contains(&(gw, prefix_len)) {
            match lab.add_address(bridge.index, gw, prefix_len) {
                Ok(()) => {}
                Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {}
                Err(e) => return Err(PlumbingError::io(ctx("address"), e)),
            }
        }
    }
    if !bridge.up {
        lab.set_up(bridge.index)
            .map_err(|e| PlumbingError::io(ctx("bring up"), e))?;
    }
    Ok(bridge.index)
}

/// One endpoint: the bridge, the veth pair (its container end made directly in `ns` under
/// the endpoint's interface name and MAC), the container end's address, and the default
/// route when `default_route`.
fn wire(
    lab: &mut Netlink,
    inside: &mut Netlink,
    ns: &File,
    endpoint: &Endpoint,
    bridge: &str,
    default_route: bool,
) -> Result<()> {
    let Some(ip) = endpoint.ip else {
        return Ok(());
    };
    let bridge_index = ensure_bridge(lab, bridge, endpoint.gateway, endpoint.prefix_len)?;
    let host_name = host_veth_name(endpoint);
    let mac = link::parse_mac(&endpoint.mac);
    let ifname = endpoint.interface.as_str();
    let ctx = |what: &str| format!("{what} {host_name} for {ifname}");
    let mut made = lab.add_veth(&host_name, ifname, mac, ns.as_raw_fd());
    if made
        .as_ref()
        .is_err_and(|e| e.raw_os_error() == Some(libc::EEXIST))
    {
        // A veth of the same endpoint from an earlier run whose namespace the kernel has
        // not finished tearing down: it is ours, and dead.
        if let Ok(Some(old)) = lab.link(&host_name) {
            let _ = lab.delete(old.index);
        }
        made = lab.add_veth(&host_name, ifname, mac, ns.as_raw_fd());
    }
    made.map_err(|e| PlumbingError::io(ctx("create veth"), e))?;
    let outer = lab
        .link(&host_name)
        .map_err(|e| PlumbingError::io(ctx("find veth"), e))?
        .ok_or_else(|| PlumbingError::io(ctx("find veth"), io::ErrorKind::NotFound.into()))?;
    lab.set_master(outer.index, bridge_index)
        .map_err(|e| PlumbingError::io(ctx("attach to bridge"), e))?;
    lab.set_up(outer.index)
        .map_err(|e| PlumbingError::io(ctx("bring up"), e))?;
    let inner = inside
        .link(ifname)
        .map_err(|e| PlumbingError::io(ctx("find"), e))?
        .ok_or_else(|| PlumbingError::io(ctx("find"), io::ErrorKind::NotFound.into()))?;
    inside
        .add_address(inner.index, ip, endpoint.prefix_len)
        .map_err(|e| PlumbingError::io(ctx("address"), e))?;
    inside
        .set_up(inner.index)
        .map_err(|e| PlumbingError::io(ctx("bring up"), e))?;
    if let Some(gw) = endpoint.gateway.filter(|_| default_route) {
        match inside.add_default_route(gw) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {}
            Err(e) => return Err(PlumbingError::io(ctx("default route"), e)),
        }
    }
    Ok(())
}

/// The init PID of a running container.
fn running_pid(paths: &Paths, container: &ContainerRecord) -> Result<i32> {
    let layout = crate::shim::layout::Layout::new(paths, &container.id);
    let state = layout
        .read_state()
        .map_err(|e| PlumbingError::io("read state", io::Error::other(e.to_string())))?;
    match state.status {
        Status::Running | Status::Paused if state.pid > 0 => Ok(state.pid),
        _ => Err(PlumbingError::NotRunning(container.id.clone())),
    }
}

/// Adds `endpoint` (already stored in the container's record, with its `interface` name) to
/// the running `container`: ensures the network's bridge in the lab host, then a veth pair
/// into the container's network namespace. A container without a default route (it had
/// only `none`) gets one through this network's gateway. `paths` locates the lab host and
/// the container's runtime state (its init PID).
pub fn attach_live(
    paths: &Paths,
    container: &ContainerRecord,
    endpoint: &Endpoint,
    network: &NetworkRecord,
) -> Result<()> {
    if !has_own_namespace(container) || endpoint.ip.is_none() {
        return Ok(());
    }
    let pid = running_pid(paths, container)?;
    let ns = netns::of_pid(pid).map_err(|e| PlumbingError::io("open container netns", e))?;
    let mut inside =
        netns::netlink_in(&ns).map_err(|e| PlumbingError::io("enter container netns", e))?;
    let lab = labhost::ensure(paths.run()).map_err(|e| PlumbingError::io("open lab host", e))?;
    let mut outside =
        netns::netlink_in(&lab).map_err(|e| PlumbingError::io("enter lab host", e))?;
    let bridge = if network.bridge.is_empty() {
        bridge_name(endpoint)
    } else {
        network.bridge.clone()
    };
    wire(&mut outside, &mut inside, &ns, endpoint, &bridge, true)?;
    refresh_files(paths, &reload(paths, container))
}

/// Removes `endpoint`'s interface from the running `container` (deleting one end of a veth
/// pair deletes both, so the lab host's end goes too). A container that is not running has
/// nothing to remove.
pub fn detach_live(paths: &Paths, container: &ContainerRecord, endpoint: &Endpoint) -> Result<()> {
    if !has_own_namespace(container) || endpoint.interface.is_empty() {
        return Ok(());
    }
    let pid = match running_pid(paths, container) {
        Ok(pid) => pid,
        Err(PlumbingError::NotRunning(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    let ns = netns::of_pid(pid).map_err(|e| PlumbingError::io("open container netns", e))?;
    let mut inside =
        netns::netlink_in(&ns).map_err(|e| PlumbingError::io("enter container netns", e))?;
    let ctx = format!("remove {}", endpoint.interface);
    if let Some(l) = inside
        .link(&endpoint.interface)
        .map_err(|e| PlumbingError::io(ctx.clone(), e))?
    {
        inside
            .delete(l.index)
            .map_err(|e| PlumbingError::io(ctx, e))?;
    }
    let mut current = reload(paths, container);
    current
        .networks
        .retain(|_, e| e.endpoint_id != endpoint.endpoint_id);
    refresh_files(paths, &current)
}

/// The interfaces left in the lab host (for tests and diagnostics): name and kind.
pub fn lab_links(run_dir: &Path) -> io::Result<Vec<(String, String)>> {
    let Some(lab) = labhost::open(run_dir) else {
        return Ok(Vec::new());
    };
    let mut nl = netns::netlink_in(&lab)?;
    Ok(nl.links()?.into_iter().map(|l| (l.name, l.kind)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(network: &str, iface: &str) -> Endpoint {
        Endpoint {
            network_id: "0123456789abcdef".repeat(4),
            network_name: network.to_string(),
            endpoint_id: "fedcba9876543210".repeat(4),
            ip: Some(Ipv4Addr::new(172, 17, 0, 2)),
            prefix_len: 16,
            gateway: Some(Ipv4Addr::new(172, 17, 0, 1)),
            mac: "02:42:ac:11:00:02".to_string(),
            requested_ip: None,
            aliases: Vec::new(),
            links: Vec::new(),
            interface: iface.to_string(),
        }
    }

    #[test]
    fn names_follow_dockers_shapes() {
        assert_eq!(bridge_name(&endpoint("bridge", "eth0")), "docker0");
        assert_eq!(bridge_name(&endpoint("labnet", "eth0")), "br-0123456789ab");
        assert_eq!(host_veth_name(&endpoint("labnet", "eth0")), "vethfedcba9");
    }

    #[test]
    fn interfaces_sort_numerically() {
        let mut names = vec!["eth10", "eth2", "eth0"];
        names.sort_by_key(|n| interface_order(n));
        assert_eq!(names, ["eth0", "eth2", "eth10"]);
    }
}
