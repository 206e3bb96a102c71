//! Docker's JSON for networks (`GET /networks/{id}`) and for a container's place on them
//! (`NetworkSettings` of `GET /containers/{id}/json`), made from the stored records.
//!
//! As in Docker, an endpoint is "live" only while its container runs: a stopped container
//! keeps its addresses (they stay allocated) but inspect shows them empty, and a network's
//! `Containers` lists running containers only.

use serde_json::{json, Map, Value};

use super::model::{Endpoint, NetworkRecord};
use crate::container::inspect::go_time;
use crate::container::record::ContainerRecord;
use crate::container::state::{RuntimeState, Status};

/// Whether a container in this state has its endpoints plumbed.
pub fn is_live(status: Status) -> bool {
    matches!(
        status,
        Status::Running | Status::Paused | Status::Restarting
    )
}

/// `a.b.c.d/nn`, or empty.
pub fn address_with_prefix(endpoint: &Endpoint) -> String {
    endpoint
        .ip
        .map(|ip| format!("{ip}/{}", endpoint.prefix_len))
        .unwrap_or_default()
}

/// `IPAM.Config` of a network.
fn ipam_config(network: &NetworkRecord) -> Value {
    Value::Array(
        network
            .ipam
            .iter()
            .map(|p| {
                let mut c = Map::new();
                c.insert("Subnet".into(), json!(p.subnet_cidr().to_string()));
                if let Some((addr, len)) = p.ip_range {
                    c.insert("IPRange".into(), json!(format!("{addr}/{len}")));
                }
                c.insert("Gateway".into(), json!(p.gateway.to_string()));
                Value::Object(c)
            })
            .collect(),
    )
}

/// Docker's network inspect document. `members` are the containers attached to it with
/// their states (only running ones appear under `Containers`).
pub fn document(network: &NetworkRecord, members: &[(ContainerRecord, RuntimeState)]) -> Value {
    let mut containers = Map::new();
    for (record, state) in members {
        if !is_live(state.status) {
            continue;
        }
        let Some(e) = record
            .networks
            .values()
            .find(|e| e.network_id == network.id)
        else {
            continue;
        };
        containers.insert(
            record.id.clone(),
            json!({
                "Name": record.bare_name(),
                "EndpointID": e.endpoint_id,
                "MacAddress": e.mac,
                "IPv4Address": address_with_prefix(e),
                "IPv6Address": "",
            }),
        );
    }
    // The default bridge and `host`/`none` carry no IPAM options; user networks an empty map,
    // as the CLI sends one.
    let ipam_options = if network.is_predefined() {
        Value::Null
    } else {
        json!({})
    };
    json!({
        "Name": network.name,
        "Id": network.id,
        "Created": go_time(Some(network.created)),
        "Scope": network.scope,
        "Driver": network.driver,
        "EnableIPv6": false,
        "IPAM": {
            "Driver": "default",
            "Options": ipam_options,
            "Config": ipam_config(network),
        },
        "Internal": network.internal,
        "Attachable": network.attachable,
        "Ingress": false,
        "ConfigFrom": { "Network": "" },
        "ConfigOnly": false,
        "Containers": containers,
        "Options": network.options,
        "Labels": network.labels,
    })
}

/// One entry of `NetworkSettings.Networks`.
fn endpoint_settings(
    record: &ContainerRecord,
    endpoint: &Endpoint,
    network: Option<&NetworkRecord>,
    state: &RuntimeState,
) -> Value {
    let live = is_live(state.status);
    let user_defined = network.is_some_and(|n| !n.is_predefined());
    let ipam_config = endpoint
        .requested_ip
        .map(|ip| json!({ "IPv4Address": ip.to_string() }))
        .unwrap_or(Value::Null);
    let mut aliases: Vec<String> = endpoint.aliases.clone();
    if user_defined && live {
        let short = crate::container::id::short(&record.id).to_string();
        if !aliases.contains(&short) {
            aliases.push(short);
        }
    }
    let links = if user_defined && !endpoint.links.is_empty() {
        json!(endpoint.links)
    } else {
        Value::Null
    };
    let configured_mac = if record.mac_address.is_empty() {
        String::new()
    } else {
        endpoint.mac.clone()
    };
    // Docker 25's order: name, aliases, short ID.
    let dns_names = if user_defined && live {
        let mut names = vec![record.bare_name().to_string()];
        for n in endpoint
            .aliases
            .iter()
            .cloned()
            .chain([crate::container::id::short(&record.id).to_string()])
        {
            if !names.contains(&n) {
                names.push(n);
            }
        }
        json!(names)
    } else {
        Value::Null
    };
    let network_id = if state.status == Status::Created {
        String::new()
    } else {
        endpoint.network_id.clone()
    };
    let text = |v: String| if live { v } else { String::new() };
    json!({
        "IPAMConfig": ipam_config,
        "Links": links,
        "Aliases": if aliases.is_empty() { Value::Null } else { json!(aliases) },
        "MacAddress": if live { endpoint.mac.clone() } else { configured_mac },
        "NetworkID": network_id,
        "EndpointID": text(endpoint.endpoint_id.clone()),
        "Gateway": text(endpoint.gateway.map(|g| g.to_string()).unwrap_or_default()),
        "IPAddress": text(endpoint.ip.map(|i| i.to_string()).unwrap_or_default()),
        "IPPrefixLen": if live && endpoint.ip.is_some() { endpoint.prefix_len } else { 0 },
        "IPv6Gateway": "",
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "DriverOpts": null,
        "DNSNames": dns_names,
    })
}

/// Docker 25's `NetworkSettings` of a container. `networks` are the records of the networks
/// its endpoints are on (missing ones — removed meanwhile — still show the endpoint).
pub fn network_settings(
    record: &ContainerRecord,
    state: &RuntimeState,
    networks: &[NetworkRecord],
) -> Value {
    let live = is_live(state.status);
    let mut map = Map::new();
    for (name, endpoint) in &record.networks {
        let network = networks.iter().find(|n| n.id == endpoint.network_id);
        map.insert(
            name.clone(),
            endpoint_settings(record, endpoint, network, state),
        );
    }
    // The top-level address fields mirror the default bridge's endpoint (legacy fields).
    let bridge = record
        .networks
        .get("bridge")
        .filter(|e| live && e.ip.is_some());
    let field = |f: &dyn Fn(&Endpoint) -> String| bridge.map(f).unwrap_or_default();
    let (sandbox_id, sandbox_key) = if live && state.pid > 0 {
        (
            sandbox_id(&record.id, state.pid),
            format!("/proc/{}/ns/net", state.pid),
        )
    } else {
        (String::new(), String::new())
    };
    json!({
        "Bridge": "",
        "SandboxID": sandbox_id,
        "SandboxKey": sandbox_key,
        "Ports": if live {
            super::ports::network_settings_ports(record.config.exposed_ports.as_ref(), &state.ports)
        } else {
            json!({})
        },
        "HairpinMode": false,
        "LinkLocalIPv6Address": "",
        "LinkLocalIPv6PrefixLen": 0,
        "SecondaryIPAddresses": null,
        "SecondaryIPv6Addresses": null,
        "EndpointID": field(&|e| e.endpoint_id.clone()),
        "Gateway": field(&|e| e.gateway.map(|g| g.to_string()).unwrap_or_default()),
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "IPAddress": field(&|e| e.ip.map(|i| i.to_string()).unwrap_or_default()),
        "IPPrefixLen": bridge.map_or(0, |e| e.prefix_len),
        "IPv6Gateway": "",
        "MacAddress": field(&|e| e.mac.clone()),
        "Networks": map,
    })
}

/// A stable 64-hex ID for a running container's network namespace (Docker's `SandboxID`).
fn sandbox_id(container_id: &str, pid: i32) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(format!("sandbox:{container_id}:{pid}")))
}
