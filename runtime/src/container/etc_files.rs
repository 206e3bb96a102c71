//! The three `/etc` files Docker writes for each container and bind-mounts over the image's:
//! `hostname`, `hosts` and `resolv.conf`.
//!
//! - `hosts`: the localhost lines, `--add-host` entries, `--link` entries
//!   (`<ip>\t<alias> <hostname> [<name>]`, default bridge only) and the container's own
//!   `<ip>\t<hostname>` for its first interface (so `hostname -i` prints its address).
//! - `resolv.conf`: on a user-defined network the embedded DNS (`nameserver 127.0.0.11`,
//!   `options ndots:0`, the host's `search`/`options` kept); elsewhere the host's file
//!   without loopback name servers a container could not reach (Docker's public fallback
//!   when none is left); `--dns`, `--dns-search`, `--dns-option` override. `--network host`
//!   gets the host's file as it is.
//!
//! Written when the container is created, and the `hosts` file again when it starts (linked
//! containers' addresses are only known then) and when it is connected to a network. Once
//! the container runs, the files are bind-mounted, so rewrites go in place.

use std::io::Write;
use std::net::Ipv4Addr;
use std::path::Path;

use super::record::ContainerRecord;
use super::ContainerError;
use crate::fsutil;

/// Google's public resolvers, which Docker falls back to when the host has only local ones.
const FALLBACK_NAMESERVERS: &[&str] = &["8.8.8.8", "8.8.4.4"];

const LOCALHOST_LINES: &str = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";

/// A `--link`ed container as `/etc/hosts` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedHost {
    pub ip: Ipv4Addr,
    pub alias: String,
    /// The linked container's hostname (its short ID unless `--hostname`).
    pub hostname: String,
    /// The linked container's name, without its `/`.
    pub name: String,
}

/// `/etc/hosts` for a container: the localhost lines Docker writes, then `--add-host`
/// entries (`host:ip` → `ip\thost`).
pub fn hosts(extra_hosts: &[String]) -> String {
    hosts_with(extra_hosts, &[], None)
}

/// `/etc/hosts` with `--link` entries and the container's own line (`ip`, hostname,
/// domain name).
pub fn hosts_with(
    extra_hosts: &[String],
    links: &[LinkedHost],
    own: Option<(Ipv4Addr, &str, &str)>,
) -> String {
    let mut text = String::from(LOCALHOST_LINES);
    for entry in extra_hosts {
        // `host:ip`, where the IP may itself contain colons (IPv6).
        if let Some((host, ip)) = entry.split_once(':').or_else(|| entry.split_once('=')) {
            text.push_str(&format!("{ip}\t{host}\n"));
        }
    }
    for link in links {
        let mut names = format!("{} {}", link.alias, link.hostname);
        if link.alias != link.name {
            names.push(' ');
            names.push_str(&link.name);
        }
        text.push_str(&format!("{}\t{names}\n", link.ip));
    }
    if let Some((ip, hostname, domainname)) = own {
        if domainname.is_empty() {
            text.push_str(&format!("{ip}\t{hostname}\n"));
        } else {
            text.push_str(&format!("{ip}\t{hostname}.{domainname} {hostname}\n"));
        }
    }
    text
}

fn is_loopback(ns: &str) -> bool {
    ns.starts_with("127.") || ns == "::1"
}

/// `/etc/resolv.conf` for a container from the host's text and `--dns` servers.
pub fn resolv_conf(host_text: &str, dns: &[String]) -> String {
    let mut out = String::new();
    let mut servers = 0;
    for line in host_text.lines() {
        let trimmed = line.trim();
        if let Some(ns) = trimmed.strip_prefix("nameserver") {
            let ns = ns.trim();
            if !dns.is_empty() || is_loopback(ns) {
                continue;
            }
            servers += 1;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        out.push_str(trimmed);
        out.push('\n');
    }
    for ns in dns {
        out.push_str(&format!("nameserver {ns}\n"));
        servers += 1;
    }
    if servers == 0 {
        for ns in FALLBACK_NAMESERVERS {
            out.push_str(&format!("nameserver {ns}\n"));
        }
    }
    out
}

/// `/etc/resolv.conf` for a container on a user-defined network: the embedded DNS, the
/// host's `search` and `options` lines (its name servers become the DNS's upstreams), and
/// `ndots:0` unless an `ndots` option is there.
pub fn resolv_conf_internal(host_text: &str) -> String {
    let mut out = format!("nameserver {}\n", crate::network::dns::ADDRESS);
    let mut options: Vec<String> = Vec::new();
    for line in host_text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("search") || trimmed.starts_with("domain") {
            out.push_str(trimmed);
            out.push('\n');
        } else if let Some(opts) = trimmed.strip_prefix("options") {
            options.extend(opts.split_whitespace().map(str::to_string));
        }
    }
    if !options.iter().any(|o| o.starts_with("ndots:")) {
        options.push("ndots:0".to_string());
    }
    out.push_str(&format!("options {}\n", options.join(" ")));
    out
}

/// `--dns-search` and `--dns-option` replace the file's `search` and `options` lines.
fn apply_overrides(text: String, search: &[String], options: &[String]) -> String {
    if search.is_empty() && options.is_empty() {
        return text;
    }
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim();
        if (!search.is_empty() && (t.starts_with("search") || t.starts_with("domain")))
            || (!options.is_empty() && t.starts_with("options"))
        {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if !search.is_empty() {
        out.push_str(&format!("search {}\n", search.join(" ")));
    }
    if !options.is_empty() {
        out.push_str(&format!("options {}\n", options.join(" ")));
    }
    out
}

/// Whether the container's name resolution goes through the embedded DNS (it is on a
/// user-defined network).
pub fn uses_embedded_dns(record: &ContainerRecord) -> bool {
    record
        .networks
        .values()
        .any(|e| e.network_name != "bridge" && e.ip.is_some())
}

/// The `resolv.conf` text for `record`, from the host's.
pub fn resolv_conf_for(record: &ContainerRecord, host_text: &str) -> String {
    let hc = &record.host_config;
    let text = if hc.network_mode == "host" && hc.dns.is_empty() {
        host_text.to_string()
    } else if uses_embedded_dns(record) {
        resolv_conf_internal(host_text)
    } else {
        resolv_conf(host_text, &hc.dns)
    };
    apply_overrides(text, &hc.dns_search, &hc.dns_options)
}

/// The container's own address for `/etc/hosts`: its first interface's.
fn own_address(record: &ContainerRecord) -> Option<Ipv4Addr> {
    crate::network::plumbing::wired_endpoints(record)
        .first()
        .and_then(|e| e.ip)
}

/// The `hosts` text for `record`, `links` already resolved.
pub fn hosts_for(record: &ContainerRecord, links: &[LinkedHost]) -> String {
    if record.host_config.network_mode == "host" {
        let mut text = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        for entry in record
            .host_config
            .extra_hosts
            .as_deref()
            .unwrap_or_default()
        {
            if let Some((host, ip)) = entry.split_once(':') {
                text.push_str(&format!("{ip}\t{host}\n"));
            }
        }
        return text;
    }
    hosts_with(
        record
            .host_config
            .extra_hosts
            .as_deref()
            .unwrap_or_default(),
        links,
        own_address(record).map(|ip| {
            (
                ip,
                record.config.hostname.as_str(),
                record.config.domainname.as_str(),
            )
        }),
    )
}

/// Writes the three files into a new container's staging directory (which the store syncs
/// and renames into place whole).
pub fn write_all(record: &ContainerRecord, dir: &Path) -> Result<(), ContainerError> {
    let host_resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let files = [
        ("hostname", format!("{}\n", record.config.hostname)),
        ("hosts", hosts_for(record, &[])),
        ("resolv.conf", resolv_conf_for(record, &host_resolv)),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        fsutil::write_new(&path, text.as_bytes())
            .map_err(|e| ContainerError::io(format!("write {}", path.display()), e))?;
    }
    Ok(())
}

/// Rewrites `hosts` and `resolv.conf` of a container that starts or whose networks changed,
/// in place (they may be bind-mounted into it). `links` are its `--link`ed containers.
pub fn rewrite_network_files(
    record: &ContainerRecord,
    dir: &Path,
    links: &[LinkedHost],
) -> Result<(), ContainerError> {
    let host_resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let files = [
        ("hosts", hosts_for(record, links)),
        ("resolv.conf", resolv_conf_for(record, &host_resolv)),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == text) {
            continue;
        }
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|e| ContainerError::io(format!("write {}", path.display()), e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_has_localhost_and_added_hosts() {
        let text = hosts(&["db:10.0.0.5".to_string(), "v6:fe80::1".to_string()]);
        assert!(text.starts_with("127.0.0.1\tlocalhost\n"));
        assert!(text.contains("\n10.0.0.5\tdb\n"), "{text}");
        assert!(text.ends_with("fe80::1\tv6\n"), "{text}");
    }

    #[test]
    fn hosts_has_links_then_the_containers_own_line() {
        let links = [
            LinkedHost {
                ip: Ipv4Addr::new(172, 17, 0, 2),
                alias: "webdb".into(),
                hostname: "6e5cdeb2d300".into(),
                name: "db".into(),
            },
            LinkedHost {
                ip: Ipv4Addr::new(172, 17, 0, 4),
                alias: "cache".into(),
                hostname: "0123456789ab".into(),
                name: "cache".into(),
            },
        ];
        let text = hosts_with(
            &["gw:10.0.0.1".to_string()],
            &links,
            Some((Ipv4Addr::new(172, 17, 0, 3), "aed84ee21bde", "")),
        );
        assert!(
            text.ends_with("ff02::2\tip6-allrouters\n10.0.0.1\tgw\n172.17.0.2\twebdb 6e5cdeb2d300 db\n172.17.0.4\tcache 0123456789ab\n172.17.0.3\taed84ee21bde\n"),
            "{text}"
        );
        let text = hosts_with(
            &[],
            &[],
            Some((Ipv4Addr::new(10, 0, 0, 9), "web", "lab.test")),
        );
        assert!(text.ends_with("\n10.0.0.9\tweb.lab.test web\n"), "{text}");
    }

    #[test]
    fn resolv_conf_drops_loopback_and_honours_dns() {
        let host = "# generated\nnameserver 127.0.0.53\nsearch lan\noptions edns0\n";
        assert_eq!(
            resolv_conf(host, &[]),
            "search lan\noptions edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n"
        );
        assert_eq!(
            resolv_conf("nameserver 192.168.1.1\n", &[]),
            "nameserver 192.168.1.1\n"
        );
        assert_eq!(
            resolv_conf(
                "nameserver 192.168.1.1\nsearch lan\n",
                &["1.1.1.1".to_string()]
            ),
            "search lan\nnameserver 1.1.1.1\n"
        );
    }

    #[test]
    fn user_networks_point_at_the_embedded_dns() {
        let host = "nameserver 127.0.0.53\nsearch lan\noptions edns0 trust-ad\n";
        assert_eq!(
            resolv_conf_internal(host),
            "nameserver 127.0.0.11\nsearch lan\noptions edns0 trust-ad ndots:0\n"
        );
        assert_eq!(
            resolv_conf_internal("options ndots:2\n"),
            "nameserver 127.0.0.11\noptions ndots:2\n"
        );
        assert_eq!(
            apply_overrides(
                "nameserver 127.0.0.11\nsearch lan\noptions ndots:0\n".into(),
                &["corp".into()],
                &[]
            ),
            "nameserver 127.0.0.11\noptions ndots:0\nsearch corp\n"
        );
    }
}
