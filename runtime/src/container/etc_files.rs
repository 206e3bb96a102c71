//! The three `/etc` files Docker writes for each container and bind-mounts over the image's:
//! `hostname`, `hosts` (localhost lines plus `--add-host` entries) and `resolv.conf` (the
//! host's, without loopback nameservers a container could not reach, or `--dns`).
//! Networking rewrites `hosts` when it gives the container an address.

use std::path::Path;

use super::record::ContainerRecord;
use super::ContainerError;
use crate::fsutil;

/// Google's public resolvers, which Docker falls back to when the host has only local ones.
const FALLBACK_NAMESERVERS: &[&str] = &["8.8.8.8", "8.8.4.4"];

/// `/etc/hosts` for a container: the localhost lines Docker writes, then `--add-host`
/// entries (`host:ip` → `ip\thost`).
pub fn hosts(extra_hosts: &[String]) -> String {
    let mut text = String::from(
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n",
    );
    for entry in extra_hosts {
        // `host:ip`, where the IP may itself contain colons (IPv6).
        if let Some((host, ip)) = entry.split_once(':').or_else(|| entry.split_once('=')) {
            text.push_str(&format!("{ip}\t{host}\n"));
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

/// Writes the three files into a (new) container directory.
pub fn write_all(record: &ContainerRecord, dir: &Path) -> Result<(), ContainerError> {
    let host_resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let files = [
        ("hostname", format!("{}\n", record.config.hostname)),
        (
            "hosts",
            hosts(
                record
                    .host_config
                    .extra_hosts
                    .as_deref()
                    .unwrap_or_default(),
            ),
        ),
        (
            "resolv.conf",
            resolv_conf(&host_resolv, &record.host_config.dns),
        ),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        fsutil::atomic_write(&path, text.as_bytes())
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
}
