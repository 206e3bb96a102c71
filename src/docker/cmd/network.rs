//! `docker network create/ls/inspect/rm/prune/connect/disconnect`.

use std::collections::BTreeMap;

use dockerlings_runtime::network::endpoints::EndpointRequest;
use dockerlings_runtime::network::ipam::{Cidr, PoolRequest};
use dockerlings_runtime::network::{NetworkCreateRequest, NetworkError, NetworkSummary};
use serde_json::{json, Value};

use super::containers::confirm;
use super::filters::Filters;
use crate::docker::commands::{FORMAT_JSON_HELP, FORMAT_TABLE_HELP};
use crate::docker::format::{render_rows, Format};
use crate::docker::spec::{FlagSpec, Matches};
use crate::docker::units::go_time_string;
use crate::docker::{CmdResult, Ctx, Failure};

const TABLE: &str = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";
const NETWORK_CONTEXT: &str = "*network.networkContext";

pub const CONNECT_FLAGS: &[FlagSpec] = &[
    FlagSpec::list(
        "alias",
        None,
        "strings",
        "Add network-scoped alias for the container",
    ),
    FlagSpec::list(
        "driver-opt",
        None,
        "strings",
        "driver options for the network",
    ),
    FlagSpec::string("ip", None, "IPv4 address (e.g., \"172.30.100.104\")"),
    FlagSpec::string("ip6", None, "IPv6 address (e.g., \"2001:db8::33\")"),
    FlagSpec::list("link", None, "list", "Add link to another container"),
    FlagSpec::list(
        "link-local-ip",
        None,
        "strings",
        "Add a link-local address for the container",
    ),
];

pub const CREATE_FLAGS: &[FlagSpec] = &[
    FlagSpec::bool("attachable", None, "Enable manual container attachment"),
    FlagSpec::list(
        "aux-address",
        None,
        "map",
        "Auxiliary IPv4 or IPv6 addresses used by Network driver",
    ),
    FlagSpec::string(
        "config-from",
        None,
        "The network from which to copy the configuration",
    ),
    FlagSpec::bool("config-only", None, "Create a configuration only network"),
    FlagSpec::string("driver", Some('d'), "Driver to manage the Network").default("bridge"),
    FlagSpec::list(
        "gateway",
        None,
        "strings",
        "IPv4 or IPv6 Gateway for the master subnet",
    ),
    FlagSpec::bool("ingress", None, "Create swarm routing-mesh network"),
    FlagSpec::bool("internal", None, "Restrict external access to the network"),
    FlagSpec::list(
        "ip-range",
        None,
        "strings",
        "Allocate container ip from a sub-range",
    ),
    FlagSpec::string("ipam-driver", None, "IP Address Management Driver").default("default"),
    FlagSpec::list("ipam-opt", None, "map", "Set IPAM driver specific options"),
    FlagSpec::bool("ipv6", None, "Enable IPv6 networking"),
    FlagSpec::list("label", None, "list", "Set metadata on a network"),
    FlagSpec::list("opt", Some('o'), "map", "Set driver specific options"),
    FlagSpec::string("scope", None, "Control the network's scope"),
    FlagSpec::list(
        "subnet",
        None,
        "strings",
        "Subnet in CIDR format that represents a network segment",
    ),
];

pub const DISCONNECT_FLAGS: &[FlagSpec] = &[FlagSpec::bool(
    "force",
    Some('f'),
    "Force the container to disconnect from a network",
)];

pub const INSPECT_FLAGS: &[FlagSpec] = &[
    FlagSpec::string("format", Some('f'), FORMAT_JSON_HELP),
    FlagSpec::bool("verbose", Some('v'), "Verbose output for diagnostics"),
];

pub const LS_FLAGS: &[FlagSpec] = &[
    FlagSpec::list(
        "filter",
        Some('f'),
        "filter",
        "Provide filter values (e.g. \"driver=bridge\")",
    ),
    FlagSpec::string("format", None, FORMAT_TABLE_HELP),
    FlagSpec::bool("no-trunc", None, "Do not truncate the output"),
    FlagSpec::bool("quiet", Some('q'), "Only display network IDs"),
];

pub const PRUNE_FLAGS: &[FlagSpec] = &[
    FlagSpec::list(
        "filter",
        None,
        "filter",
        "Provide filter values (e.g. \"until=<timestamp>\")",
    ),
    FlagSpec::bool("force", Some('f'), "Do not prompt for confirmation"),
];

pub const RM_FLAGS: &[FlagSpec] = &[FlagSpec::bool(
    "force",
    Some('f'),
    "Do not error if the network does not exist",
)];

pub const PRUNE_WARNING: &str =
    "WARNING! This will remove all custom networks not used by at least one container.";

/// `key=value` list values as a map (`--label`, `-o`); a bare key maps to "".
fn key_values(values: &[String]) -> BTreeMap<String, String> {
    values
        .iter()
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or((l, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// pflag's string slices: every value may hold several, comma-separated.
fn split_commas(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `subnetMatches` of Docker's CLI: whether `data` (an address or prefix) is in `subnet`.
fn subnet_matches(subnet: &str, data: &str) -> Result<bool, Failure> {
    let s = Cidr::parse(subnet)
        .ok_or_else(|| Failure::cli(format!("invalid subnet: invalid CIDR address: {subnet}")))?;
    let ip = if data.contains('/') {
        match Cidr::parse(data) {
            Some(c) => c.addr,
            None => return Err(Failure::cli(format!("invalid CIDR address: {data}"))),
        }
    } else {
        match data.parse() {
            Ok(ip) => ip,
            Err(_) => return Ok(false),
        }
    };
    Ok(s.contains(ip))
}

/// The CLI's `consolidateIpam`: pairs each `--ip-range` and `--gateway` with its subnet.
pub fn consolidate_ipam(
    subnets: &[String],
    ranges: &[String],
    gateways: &[String],
) -> Result<Vec<PoolRequest>, Failure> {
    if subnets.len() < ranges.len() || subnets.len() < gateways.len() {
        return Err(Failure::cli(
            "every ip-range or gateway must have a corresponding subnet",
        ));
    }
    let mut pools: Vec<PoolRequest> = Vec::new();
    for s in subnets {
        for p in &pools {
            if subnet_matches(s, &p.subnet)? || subnet_matches(&p.subnet, s)? {
                return Err(Failure::cli(
                    "multiple overlapping subnet configuration is not supported",
                ));
            }
        }
        pools.push(PoolRequest {
            subnet: s.clone(),
            ..PoolRequest::default()
        });
    }
    for r in ranges {
        let mut matched = false;
        for p in pools.iter_mut() {
            if !subnet_matches(&p.subnet, r)? {
                continue;
            }
            if let Some(existing) = &p.ip_range {
                return Err(Failure::cli(format!(
                    "cannot configure multiple ranges ({r}, {existing}) on the same subnet ({})",
                    p.subnet
                )));
            }
            p.ip_range = Some(r.clone());
            matched = true;
        }
        if !matched {
            return Err(Failure::cli(format!("no matching subnet for range {r}")));
        }
    }
    for g in gateways {
        let mut matched = false;
        for p in pools.iter_mut() {
            if !subnet_matches(&p.subnet, g)? {
                continue;
            }
            if let Some(existing) = &p.gateway {
                return Err(Failure::cli(format!(
                    "cannot configure multiple gateways ({g}, {existing}) for the same subnet ({})",
                    p.subnet
                )));
            }
            p.gateway = Some(g.clone());
            matched = true;
        }
        if !matched {
            return Err(Failure::cli(format!("no matching subnet for gateway {g}")));
        }
    }
    Ok(pools)
}

pub fn create(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let pools = consolidate_ipam(
        &split_commas(m.values("subnet")),
        &split_commas(m.values("ip-range")),
        &split_commas(m.values("gateway")),
    )?;
    let driver = m
        .value("driver")
        .filter(|d| !d.is_empty())
        .unwrap_or("bridge");
    let request = NetworkCreateRequest {
        name: m.args[0].clone(),
        driver: driver.to_string(),
        pools,
        internal: m.flag("internal"),
        attachable: m.flag("attachable"),
        options: key_values(m.values("opt")),
        labels: key_values(m.values("label")),
    };
    let id = ctx
        .engine()?
        .network_create(&request)
        .map_err(Failure::daemon)?;
    ctx.out(&format!("{id}\n"))
}

fn headers() -> Value {
    json!({
        "ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE",
        "IPv6": "IPV6", "Internal": "INTERNAL", "Labels": "LABELS", "CreatedAt": "CREATED AT",
    })
}

fn row(n: &NetworkSummary, no_trunc: bool) -> Value {
    let r = &n.record;
    let labels: Vec<String> = r.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let id = if no_trunc {
        r.id.clone()
    } else {
        r.id[..12].to_string()
    };
    json!({
        "ID": id, "Name": r.name, "Driver": r.driver, "Scope": r.scope,
        "IPv6": "false", "Internal": r.internal.to_string(), "Labels": labels.join(","),
        "CreatedAt": go_time_string(r.created),
    })
}

/// Whether a network passes `docker network ls`'s filters.
fn keep(n: &NetworkSummary, f: &Filters) -> Result<bool, Failure> {
    let r = &n.record;
    let any = |key: &str, test: &dyn Fn(&str) -> bool| {
        let values = f.get(key);
        values.is_empty() || values.iter().any(|v| test(v))
    };
    if !any("driver", &|v| r.driver == v) {
        return Ok(false);
    }
    if !any("name", &|v| r.name.contains(v)) {
        return Ok(false);
    }
    if !any("id", &|v| r.id.starts_with(v)) {
        return Ok(false);
    }
    if !any("scope", &|v| r.scope == v) {
        return Ok(false);
    }
    for t in f.get("type") {
        if t != "custom" && t != "builtin" {
            return Err(Failure::daemon(format!("invalid filter: 'type'='{t}'")));
        }
    }
    if !any("type", &|v| (v == "builtin") == r.is_predefined()) {
        return Ok(false);
    }
    if let Some(dangling) = f.bool("dangling")? {
        if dangling != (!r.is_predefined() && n.live_endpoints == 0) {
            return Ok(false);
        }
    }
    Ok(f.labels_match("label", &r.labels))
}

pub fn ls(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let path = ctx.path.clone();
    let filters = Filters::parse(
        m.values("filter"),
        &path,
        "--filter",
        &["dangling", "driver", "id", "label", "name", "scope", "type"],
    )?;
    let no_trunc = m.flag("no-trunc");
    let mut rows = Vec::new();
    for n in ctx.engine()?.networks().map_err(Failure::daemon)? {
        if keep(&n, &filters)? {
            rows.push(row(&n, no_trunc));
        }
    }
    let format = match m.value("format").filter(|f| !f.is_empty()) {
        Some("table") | None if !m.flag("quiet") => Format(TABLE.into()),
        Some(f) if !m.flag("quiet") => Format(f.to_string()),
        _ => Format("{{.ID}}".into()),
    };
    let text =
        render_rows(&format, &rows, &headers(), NETWORK_CONTEXT).map_err(|e| Failure::cli(e.0))?;
    ctx.out(&text)
}

pub fn inspect(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let template = super::inspect::format_template(m)?;
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for name in &m.args {
        match ctx.engine()?.network_inspect(name) {
            Ok(v) => found.push(v),
            Err(e) => errors.push(format!("Error response from daemon: {e}")),
        }
    }
    super::inspect::print_inspected(ctx, template.as_ref(), &found, &errors)
}

pub fn rm(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let force = m.flag("force");
    let mut errors = Vec::new();
    for name in &m.args {
        match ctx.engine()?.network_remove(name) {
            Ok(()) => ctx.out(&format!("{name}\n"))?,
            Err(dockerlings_runtime::Error::Network(NetworkError::NotFound(_))) if force => {}
            Err(e) => errors.push(format!("Error response from daemon: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::cli(errors.join("\n")))
    }
}

/// The `Deleted Networks:` section (followed by a blank line), or nothing.
pub fn prune_report(names: &[String]) -> String {
    if names.is_empty() {
        return String::new();
    }
    let mut out = String::from("Deleted Networks:\n");
    for n in names {
        out.push_str(n);
        out.push('\n');
    }
    out.push('\n');
    out
}

pub fn prune(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    if !m.flag("force") && !confirm(ctx, PRUNE_WARNING)? {
        return Ok(());
    }
    let deleted = ctx.engine()?.network_prune().map_err(Failure::daemon)?;
    ctx.out(&prune_report(&deleted))
}

pub fn connect(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let (network, container) = (&m.args[0], &m.args[1]);
    let links = m
        .values("link")
        .iter()
        .map(|l| match l.split_once(':') {
            Some(_) => l.clone(),
            None => format!("{l}:{l}"),
        })
        .collect();
    let request = EndpointRequest {
        ip: m.value("ip").filter(|i| !i.is_empty()).map(str::to_string),
        aliases: split_commas(m.values("alias")),
        links,
        mac: None,
    };
    ctx.engine()?
        .network_connect(network, container, &request)
        .map_err(Failure::daemon)
}

pub fn disconnect(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let (network, container) = (&m.args[0], &m.args[1]);
    ctx.engine()?
        .network_disconnect(network, container, m.flag("force"))
        .map_err(Failure::daemon)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn ipam_flags_consolidate_like_dockers_cli() {
        let pools = consolidate_ipam(
            &s(&["172.19.10.0/24"]),
            &s(&["172.19.10.128/25"]),
            &s(&["172.19.10.1"]),
        )
        .unwrap();
        assert_eq!(pools.len(), 1);
        assert_eq!(pools[0].gateway.as_deref(), Some("172.19.10.1"));
        assert_eq!(pools[0].ip_range.as_deref(), Some("172.19.10.128/25"));
        let err = |sub: &[&str], r: &[&str], g: &[&str]| {
            consolidate_ipam(&s(sub), &s(r), &s(g)).unwrap_err().message
        };
        assert_eq!(
            err(&[], &[], &["10.0.0.1"]),
            "every ip-range or gateway must have a corresponding subnet"
        );
        assert_eq!(
            err(&["172.19.10.0/24"], &[], &["10.0.0.1"]),
            "no matching subnet for gateway 10.0.0.1"
        );
        assert_eq!(
            err(&["abc"], &[], &["10.0.0.1"]),
            "invalid subnet: invalid CIDR address: abc"
        );
        assert_eq!(
            err(&["10.0.0.0/8", "10.1.0.0/16"], &[], &[]),
            "multiple overlapping subnet configuration is not supported"
        );
    }

    #[test]
    fn prune_report_lists_names() {
        assert_eq!(prune_report(&[]), "");
        assert_eq!(
            prune_report(&s(&["labnet"])),
            "Deleted Networks:\nlabnet\n\n"
        );
    }
}
