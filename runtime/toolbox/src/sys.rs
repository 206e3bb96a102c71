//! Facts about the system read straight from files and syscalls, because a static program
//! in an empty image has no NSS modules: users come from `/etc/passwd`, hosts from
//! `/etc/hosts`, the distribution from `/etc/os-release`. Every reader degrades to a
//! sensible default when its file is missing.

use std::net::IpAddr;

/// One line of `/etc/passwd`.
#[derive(Debug, Clone)]
pub struct PasswdEntry {
    pub name: String,
    pub uid: u32,
}

/// Parses `/etc/passwd`-format text.
pub fn parse_passwd(text: &str) -> Vec<PasswdEntry> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 6 {
                return None;
            }
            Some(PasswdEntry {
                name: f[0].to_string(),
                uid: f[2].parse().ok()?,
            })
        })
        .collect()
}

/// The user name for `uid` from `/etc/passwd`; `root` for 0 when the file is missing,
/// the number otherwise.
pub fn user_name(uid: u32) -> String {
    let text = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    parse_passwd(&text)
        .into_iter()
        .find(|e| e.uid == uid)
        .map(|e| e.name)
        .unwrap_or_else(|| {
            if uid == 0 {
                "root".into()
            } else {
                uid.to_string()
            }
        })
}

/// The effective user id of this process.
pub fn euid() -> u32 {
    nix::unistd::geteuid().as_raw()
}

/// The host name: the kernel's (UTS namespace) name.
pub fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "localhost".into())
}

/// Fields of `/etc/os-release` that the applets use.
#[derive(Debug, Clone, Default)]
pub struct OsRelease {
    pub id: String,
    pub id_like: String,
    pub pretty_name: String,
    pub version_codename: String,
    pub version_id: String,
}

impl OsRelease {
    /// Reads `/etc/os-release` (or `/usr/lib/os-release`); empty fields when neither exists.
    pub fn read() -> Self {
        let text = std::fs::read_to_string("/etc/os-release")
            .or_else(|_| std::fs::read_to_string("/usr/lib/os-release"))
            .unwrap_or_default();
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Self {
        let mut os = OsRelease::default();
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let v = v.trim().trim_matches('"').trim_matches('\'').to_string();
            match k.trim() {
                "ID" => os.id = v,
                "ID_LIKE" => os.id_like = v,
                "PRETTY_NAME" => os.pretty_name = v,
                "VERSION_CODENAME" => os.version_codename = v,
                "VERSION_ID" => os.version_id = v,
                _ => {}
            }
        }
        os
    }

    /// True for busybox- and alpine-like systems (ash shell, busybox tool output).
    pub fn is_busybox_like(&self) -> bool {
        self.id.is_empty() || self.id == "alpine" || self.id == "busybox"
    }

    pub fn is_like(&self, id: &str) -> bool {
        self.id == id || self.id_like.split_whitespace().any(|l| l == id)
    }
}

/// Parses `/etc/hosts`-format text into (address, names) pairs.
pub fn parse_hosts(text: &str) -> Vec<(IpAddr, Vec<String>)> {
    text.lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or("");
            let mut it = line.split_whitespace();
            let addr: IpAddr = it.next()?.parse().ok()?;
            let names: Vec<String> = it.map(str::to_string).collect();
            (!names.is_empty()).then_some((addr, names))
        })
        .collect()
}

/// The addresses `/etc/hosts` gives `name`, in file order.
pub fn hosts_lookup(name: &str) -> Vec<IpAddr> {
    let text = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    parse_hosts(&text)
        .into_iter()
        .filter(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(name)))
        .map(|(a, _)| a)
        .collect()
}

/// An interface address: interface name, address, prefix length.
#[derive(Debug, Clone)]
pub struct IfAddr {
    pub name: String,
    pub addr: IpAddr,
    pub prefix: u8,
}

/// Every IPv4 and IPv6 address of every interface (from netlink via getifaddrs).
pub fn interface_addrs() -> Vec<IfAddr> {
    let Ok(addrs) = nix::ifaddrs::getifaddrs() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for ifa in addrs {
        let Some(addr) = ifa.address else { continue };
        let mask = ifa.netmask;
        if let Some(sin) = addr.as_sockaddr_in() {
            let prefix = mask
                .as_ref()
                .and_then(|m| m.as_sockaddr_in())
                .map(|m| u32::from(m.ip()).count_ones() as u8)
                .unwrap_or(32);
            out.push(IfAddr {
                name: ifa.interface_name.clone(),
                addr: IpAddr::V4(sin.ip()),
                prefix,
            });
        } else if let Some(sin6) = addr.as_sockaddr_in6() {
            let prefix = mask
                .as_ref()
                .and_then(|m| m.as_sockaddr_in6())
                .map(|m| u128::from(m.ip()).count_ones() as u8)
                .unwrap_or(128);
            out.push(IfAddr {
                name: ifa.interface_name.clone(),
                addr: IpAddr::V6(sin6.ip()),
                prefix,
            });
        }
    }
    out
}

/// Seconds since boot, from `/proc/uptime`.
pub fn uptime_secs() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/uptime").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Clock ticks per second (USER_HZ); 100 on every Linux architecture we target.
pub const CLK_TCK: u64 = 100;

/// The page size in bytes.
pub fn page_size() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .map(|v| v as u64)
        .unwrap_or(4096)
}

/// `/proc/meminfo` as (key, kB) pairs.
pub fn meminfo() -> Vec<(String, u64)> {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            let n = v.split_whitespace().next()?.parse().ok()?;
            Some((k.to_string(), n))
        })
        .collect()
}

/// The load averages from `/proc/loadavg`.
pub fn loadavg() -> Option<(f64, f64, f64)> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut it = text.split_whitespace().map(|s| s.parse::<f64>());
    Some((it.next()?.ok()?, it.next()?.ok()?, it.next()?.ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hosts_file() {
        let h = parse_hosts("127.0.0.1\tlocalhost\n# c\n172.17.0.2\tabc123 web # x\nbad line\n");
        assert_eq!(h.len(), 2);
        assert_eq!(h[1].0.to_string(), "172.17.0.2");
        assert_eq!(h[1].1, vec!["abc123", "web"]);
    }

    #[test]
    fn parses_os_release() {
        let os = OsRelease::parse(
            "ID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=jammy\nPRETTY_NAME=\"Ubuntu 22.04\"\n",
        );
        assert_eq!(os.id, "ubuntu");
        assert!(os.is_like("debian"));
        assert_eq!(os.pretty_name, "Ubuntu 22.04");
        assert!(!os.is_busybox_like());
    }

    #[test]
    fn parses_passwd() {
        let p = parse_passwd(
            "root:x:0:0:root:/root:/bin/sh\nnginx:x:101:101::/var/cache/nginx:/sbin/nologin\n",
        );
        assert_eq!(p[1].name, "nginx");
        assert_eq!(p[1].uid, 101);
    }
}
