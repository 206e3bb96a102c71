//! A container's place on its networks: turning `--network`, `--ip`, `--network-alias`,
//! `--link` and `--mac-address` into [`Endpoint`]s at `create`, and `network connect`'s
//! options into one more, with Docker 25's checks and texts (`runconfig`'s conflicts,
//! `invalid endpoint settings`, `Address already in use`, …).
//!
//! Addresses come from [`super::ipam`]; the addresses already held are the endpoints of the
//! other containers' records, which the caller reads under the container store's lock, so
//! two containers can never be handed the same address.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use super::error::conflict;
use super::model::{Endpoint, NetworkRecord};
use super::store::resolve_in;
use super::{mac, NetworkError};
use crate::container::options::CreateOptions;
use crate::container::record::ContainerRecord;
use crate::container::ContainerError;

/// What `create` decided about networking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkPlan {
    /// Keyed by network name; empty for `container:<x>`.
    pub endpoints: BTreeMap<String, Endpoint>,
    /// `HostConfig.Links` as Docker shows them (`/web:/client/web`), default bridge only.
    pub host_links: Option<Vec<String>>,
    /// Warnings `create` returns (Docker's texts).
    pub warnings: Vec<String>,
}

/// The daemon's warning for `-p` with `--network host`.
pub const HOST_PORTS_WARNING: &str = "Published ports are discarded when using host network mode";

/// What one endpoint asks for (`--ip`, aliases, links, MAC).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointRequest {
    pub ip: Option<String>,
    pub aliases: Vec<String>,
    /// `name:alias` (alias defaulted to the name).
    pub links: Vec<String>,
    pub mac: Option<String>,
}

/// `container:<name|id>` → the reference.
pub fn container_mode_target(mode: &str) -> Option<&str> {
    mode.strip_prefix("container:")
}

/// The network a `--network` value names: `default` is `bridge`.
pub fn network_name_of_mode(mode: &str) -> &str {
    match mode {
        "" | "default" => "bridge",
        other => other,
    }
}

/// The addresses held on `network_id` by `containers`.
pub fn held_addresses(containers: &[ContainerRecord], network_id: &str) -> BTreeSet<Ipv4Addr> {
    containers
        .iter()
        .flat_map(|c| c.networks.values())
        .filter(|e| e.network_id == network_id)
        .filter_map(|e| e.ip)
        .collect()
}

/// Finds a container by full ID, name (with or without `/`) or unique ID prefix.
fn find_container<'a>(
    containers: &'a [ContainerRecord],
    reference: &str,
) -> Option<&'a ContainerRecord> {
    let names = containers.iter().map(|c| (c.id.as_str(), c.name.as_str()));
    let id = crate::container::id::resolve(reference, names).ok()?;
    containers.iter().find(|c| c.id == id)
}

/// Normalises `--link name[:alias]` to `name:alias`.
fn parse_link(link: &str) -> Result<(String, String), NetworkError> {
    let (name, alias) = match link.split_once(':') {
        Some((n, a)) => (n, a),
        None => (link, link),
    };
    let name = name.trim_start_matches('/');
    if name.is_empty() || alias.is_empty() {
        return Err(NetworkError::InvalidArgument(format!(
            "invalid link format: {link}"
        )));
    }
    Ok((name.to_string(), alias.trim_start_matches('/').to_string()))
}

/// Checks `--ip` and aliases against the network (Docker's `validateEndpointSettings`).
fn validate_settings(
    network: &NetworkRecord,
    request: &EndpointRequest,
) -> Result<Option<Ipv4Addr>, NetworkError> {
    let mut errors = Vec::new();
    let mut ip = None;
    if let Some(text) = request.ip.as_deref().filter(|i| !i.is_empty()) {
        if network.is_predefined() {
            errors.push(conflict::IP_ON_PREDEFINED.to_string());
        } else if !network.ipam_configured {
            errors.push(conflict::IP_WITHOUT_SUBNET.to_string());
        } else {
            match text.parse::<Ipv4Addr>() {
                Ok(addr) if !addr.is_unspecified() => {
                    if network.ipam.iter().any(|p| p.subnet_cidr().contains(addr)) {
                        ip = Some(addr);
                    } else {
                        errors.push(format!(
                            "no configured subnet or ip-range contain the IP address {text}"
                        ));
                    }
                }
                _ => errors.push(format!("invalid IPv4 address: {text}")),
            }
        }
    }
    if !request.aliases.is_empty() && network.is_predefined() {
        errors.push(conflict::ALIAS_ON_PREDEFINED.to_string());
    }
    if errors.is_empty() {
        Ok(ip)
    } else {
        Err(NetworkError::InvalidEndpointSettings(errors))
    }
}

/// Makes an endpoint on `network` for a container: allocates (or checks the requested)
/// address among those `containers` hold. `interface` is `eth0`, `eth1`, ….
pub fn make_endpoint(
    network: &NetworkRecord,
    request: &EndpointRequest,
    interface: &str,
    containers: &[ContainerRecord],
) -> Result<Endpoint, NetworkError> {
    let requested = validate_settings(network, request)?;
    let mut endpoint = Endpoint {
        network_id: network.id.clone(),
        network_name: network.name.clone(),
        endpoint_id: crate::container::id::generate(),
        ip: None,
        prefix_len: 0,
        gateway: None,
        mac: String::new(),
        requested_ip: requested,
        aliases: request.aliases.clone(),
        links: request.links.clone(),
        interface: String::new(),
    };
    if network.driver != "bridge" {
        return Ok(endpoint);
    }
    let Some(pool) = network.ipam.first() else {
        return Ok(endpoint);
    };
    let held = held_addresses(containers, &network.id);
    let ip = match requested {
        Some(ip) => {
            let pool = network
                .ipam
                .iter()
                .find(|p| p.subnet_cidr().contains(ip))
                .unwrap_or(pool);
            if !pool.is_assignable(ip) || held.contains(&ip) {
                return Err(NetworkError::AddressInUse);
            }
            ip
        }
        None => pool
            .next_free(&held)
            .ok_or_else(|| NetworkError::NoAvailableAddress {
                name: network.name.clone(),
                id: network.id.clone(),
            })?,
    };
    let pool = network
        .ipam
        .iter()
        .find(|p| p.subnet_cidr().contains(ip))
        .unwrap_or(pool);
    endpoint.ip = Some(ip);
    endpoint.prefix_len = pool.prefix_len;
    endpoint.gateway = Some(pool.gateway);
    endpoint.mac = request.mac.clone().unwrap_or_else(|| mac::from_ip(ip));
    endpoint.interface = interface.to_string();
    Ok(endpoint)
}

/// Plans a new container's endpoints from its create options. `networks` are all networks;
/// `containers` all other containers (held addresses, link targets, `container:<x>`).
pub fn plan_create(
    opts: &CreateOptions,
    container_name: &str,
    networks: &[NetworkRecord],
    containers: &[ContainerRecord],
) -> crate::Result<NetworkPlan> {
    let mode = opts.network.as_deref().unwrap_or("default");
    let mode = if mode.is_empty() { "default" } else { mode };
    let conflict = |text: &str| -> crate::Error { NetworkError::Conflict(text.to_string()).into() };
    let mac = opts.mac_address.as_deref().filter(|m| !m.is_empty());
    if let Some(target) = container_mode_target(mode) {
        if target.is_empty() {
            return Err(NetworkError::InvalidArgument(
                "Invalid network mode: invalid container format container:<name|id>".to_string(),
            )
            .into());
        }
        if opts.hostname.as_deref().is_some_and(|h| !h.is_empty()) {
            return Err(conflict(conflict::NETWORK_HOSTNAME));
        }
        if !opts.links.is_empty() {
            return Err(conflict(conflict::CONTAINER_NETWORK_AND_LINKS));
        }
        if !opts.dns.is_empty() {
            return Err(conflict(conflict::NETWORK_AND_DNS));
        }
        if !opts.extra_hosts.is_empty() {
            return Err(conflict(conflict::NETWORK_HOSTS));
        }
        if mac.is_some() {
            return Err(conflict(conflict::CONTAINER_NETWORK_AND_MAC));
        }
        if !opts.publish.is_empty() || opts.publish_all {
            return Err(conflict(conflict::NETWORK_PUBLISH_PORTS));
        }
        if !opts.expose.is_empty() {
            return Err(conflict(conflict::NETWORK_EXPOSE_PORTS));
        }
        if find_container(containers, target).is_none() {
            return Err(ContainerError::NoSuchContainer(target.to_string()).into());
        }
        return Ok(NetworkPlan::default());
    }
    let network = resolve_in(networks.to_vec(), network_name_of_mode(mode))?;
    if network.driver == "host" {
        if !opts.links.is_empty() {
            return Err(conflict(conflict::HOST_NETWORK_AND_LINKS));
        }
        if mac.is_some() {
            return Err(conflict(conflict::CONTAINER_NETWORK_AND_MAC));
        }
    }
    let bare = container_name.trim_start_matches('/');
    let mut links = Vec::new();
    let mut host_links = Vec::new();
    for link in &opts.links {
        let (name, alias) = parse_link(link)?;
        let Some(target) = find_container(containers, &name) else {
            return Err(NetworkError::InvalidArgument(format!(
                "could not get container for {name}: No such container: {name}"
            ))
            .into());
        };
        host_links.push(format!("{}:/{bare}/{alias}", target.name));
        links.push(format!("{}:{alias}", target.bare_name()));
    }
    let request = EndpointRequest {
        ip: opts.ip.clone(),
        aliases: opts.network_aliases.clone(),
        links,
        mac: mac.map(str::to_string),
    };
    let endpoint = make_endpoint(&network, &request, "eth0", containers)?;
    let mut plan = NetworkPlan::default();
    if network.driver == "host" && !opts.publish.is_empty() {
        plan.warnings.push(HOST_PORTS_WARNING.to_string());
    }
    if network.is_default_bridge() && !host_links.is_empty() {
        plan.host_links = Some(host_links);
    }
    plan.endpoints.insert(network.name.clone(), endpoint);
    Ok(plan)
}

/// The first `ethN` no endpoint of `record` uses.
pub fn next_interface(record: &ContainerRecord) -> String {
    let used: BTreeSet<&str> = record
        .networks
        .values()
        .map(|e| e.interface.as_str())
        .collect();
    (0..)
        .map(|i| format!("eth{i}"))
        .find(|name| !used.contains(name.as_str()))
        .expect("some ethN is free")
}

/// Plans `network connect`: Docker's refusals, then a new endpoint.
pub fn plan_connect(
    record: &ContainerRecord,
    network: &NetworkRecord,
    request: &EndpointRequest,
    containers: &[ContainerRecord],
) -> Result<Endpoint, NetworkError> {
    let mode = record.host_config.network_mode.as_str();
    if container_mode_target(mode).is_some() {
        return Err(NetworkError::Conflict(conflict::SHARED_NETWORK.to_string()));
    }
    let on_host = record.networks.values().any(|e| e.network_name == "host") || mode == "host";
    if on_host || network.driver == "host" {
        return Err(NetworkError::Conflict(conflict::HOST_NETWORK.to_string()));
    }
    if record.networks.contains_key(&network.name) {
        return Err(NetworkError::AlreadyConnected {
            container: record.bare_name().to_string(),
            network: network.name.clone(),
        });
    }
    let on_none = record.networks.values().any(|e| e.network_name == "none");
    if on_none || (network.driver == "null" && !record.networks.is_empty()) {
        return Err(NetworkError::Conflict(conflict::NO_NETWORK.to_string()));
    }
    let others: Vec<ContainerRecord> = containers
        .iter()
        .filter(|c| c.id != record.id)
        .cloned()
        .collect();
    make_endpoint(network, request, &next_interface(record), &others)
}

/// Checks `network disconnect` and returns the endpoint to remove.
pub fn plan_disconnect(
    record: &ContainerRecord,
    network: &NetworkRecord,
) -> Result<Endpoint, NetworkError> {
    if network.driver == "host" {
        return Err(NetworkError::Conflict(conflict::HOST_NETWORK.to_string()));
    }
    record
        .networks
        .get(&network.name)
        .filter(|e| e.network_id == network.id)
        .cloned()
        .ok_or_else(|| NetworkError::NotConnected {
            container: record.bare_name().to_string(),
            network: network.name.clone(),
        })
}

#[cfg(test)]
#[path = "endpoints_tests.rs"]
mod tests;
