//! What a network and a container's place on it are, as the engine stores them. Two sides
//! read these records: the network commands (`network create/ls/inspect/connect/…`, IPAM,
//! `inspect`'s `NetworkSettings`) and the supervisor's plumbing (bridge, veth, addresses,
//! embedded DNS) inside the engine's "lab host" network namespace. Docker's JSON is made
//! from them, not stored as is.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One network: the three built-in ones (`bridge`, `host`, `none`) and user-defined bridges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkRecord {
    /// 64 hex digits.
    pub id: String,
    pub name: String,
    pub created: DateTime<Utc>,
    /// `bridge`, `host` or `null` (Docker's driver names).
    pub driver: String,
    /// `local` for every network here.
    pub scope: String,
    /// `--internal`: no route out of the lab host.
    pub internal: bool,
    pub attachable: bool,
    /// IPv4 pools (one for every bridge network; none for `host`/`null`).
    pub ipam: Vec<IpamPool>,
    /// `-o` driver options, as given (the default bridge carries Docker's `com.docker.network.*`).
    pub options: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    /// The bridge interface in the lab host: `docker0` for `bridge`, `br-<12 hex of id>` for
    /// user networks, empty for `host` and `none`.
    pub bridge: String,
    /// Whether the pools came from `--subnet` (Docker allows `--ip` only then).
    #[serde(default)]
    pub ipam_configured: bool,
}

impl NetworkRecord {
    /// The default `bridge` is the one bridge network where names do not resolve.
    pub fn is_default_bridge(&self) -> bool {
        self.name == "bridge"
    }

    /// `bridge`, `host` and `none` are there from the start and cannot be removed.
    pub fn is_predefined(&self) -> bool {
        matches!(self.name.as_str(), "bridge" | "host" | "none")
    }
}

/// One IPAM pool (Docker's `IPAM.Config[i]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpamPool {
    pub subnet: Ipv4Addr,
    pub prefix_len: u8,
    pub gateway: Ipv4Addr,
    /// `--ip-range`: where automatic addresses come from (the whole subnet when `None`).
    pub ip_range: Option<(Ipv4Addr, u8)>,
}

/// One container on one network (Docker's `EndpointSettings`). Allocated when the container
/// is created or connected, held until it is disconnected or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub network_id: String,
    /// The network's name (the key of `NetworkSettings.Networks`).
    pub network_name: String,
    /// 64 hex digits.
    pub endpoint_id: String,
    /// `None` on `host` and `none`.
    pub ip: Option<Ipv4Addr>,
    pub prefix_len: u8,
    pub gateway: Option<Ipv4Addr>,
    /// `02:42:…` derived from the IP unless `--mac-address` set one; empty on `host`/`none`.
    pub mac: String,
    /// `--ip` as asked (Docker's `IPAMConfig.IPv4Address`).
    pub requested_ip: Option<Ipv4Addr>,
    /// `--network-alias` / `connect --alias`.
    pub aliases: Vec<String>,
    /// `--link name:alias` (default bridge only), stored as Docker shows them.
    pub links: Vec<String>,
    /// The interface inside the container: `eth0` for the first network, `eth1`… after.
    pub interface: String,
}

impl Endpoint {
    /// The names this endpoint answers to on its network (user-defined networks only):
    /// the container's name, its 12-hex short ID and its aliases (Docker's `DNSNames`).
    pub fn dns_names(&self, container_name: &str, container_id: &str) -> Vec<String> {
        let mut names = vec![container_name.trim_start_matches('/').to_string()];
        names.push(container_id.chars().take(12).collect());
        for alias in &self.aliases {
            if !names.contains(alias) {
                names.push(alias.clone());
            }
        }
        names
    }
}
