//! IPv4 address management, as Docker's default IPAM driver does it:
//! - a network's pool is its subnet (`--subnet`, or the first of Docker's default pools —
//!   172.17.0.0/16 … 172.31.0.0/16, then 192.168.0.0/20, 192.168.16.0/20 … — that overlaps
//!   no existing network);
//! - the gateway is the subnet's first host address unless `--gateway` names one;
//! - a container gets the lowest free address of the pool (or of `--ip-range`): never the
//!   subnet's network or broadcast address, the gateway, or an address another endpoint
//!   holds. An address is held from `create`/`connect` until `disconnect`/`rm`, so a freed
//!   address is the next one handed out, as in Docker.
//!
//! Held addresses are not stored here: they are the endpoints in the container records, read
//! under the container store's lock (see `network::engine_api`), so removing a container
//! releases its addresses in the same atomic step that removes its record.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use super::model::IpamPool;
use super::NetworkError;

/// An IPv4 prefix: an address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cidr {
    pub addr: Ipv4Addr,
    pub len: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/nn` (the address need not be the network address; see
    /// [`Cidr::is_masked`]).
    pub fn parse(text: &str) -> Option<Self> {
        let (addr, len) = text.split_once('/')?;
        let addr: Ipv4Addr = addr.parse().ok()?;
        if len.is_empty() || len.len() > 2 || !len.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let len: u8 = len.parse().ok()?;
        (len <= 32).then_some(Self { addr, len })
    }

    pub fn mask(self) -> u32 {
        if self.len == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(self.len))
        }
    }

    /// The network address.
    pub fn network(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) & self.mask())
    }

    /// The broadcast (last) address.
    pub fn broadcast(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.network()) | !self.mask())
    }

    /// The same prefix with the host bits cleared.
    pub fn masked(self) -> Self {
        Self {
            addr: self.network(),
            len: self.len,
        }
    }

    pub fn is_masked(self) -> bool {
        self.addr == self.network()
    }

    pub fn contains(self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & self.mask() == u32::from(self.network())
    }

    /// Whether the two prefixes share any address.
    pub fn overlaps(self, other: Cidr) -> bool {
        self.contains(other.network()) || other.contains(self.network())
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl IpamPool {
    /// The pool's subnet as a prefix.
    pub fn subnet_cidr(&self) -> Cidr {
        Cidr {
            addr: self.subnet,
            len: self.prefix_len,
        }
    }

    /// Where automatic addresses come from: `--ip-range`, else the subnet.
    pub fn range_cidr(&self) -> Cidr {
        match self.ip_range {
            Some((addr, len)) => Cidr { addr, len },
            None => self.subnet_cidr(),
        }
    }

    /// Whether `ip` may be given to a container at all (inside the subnet, not its network
    /// or broadcast address, not the gateway).
    pub fn is_assignable(&self, ip: Ipv4Addr) -> bool {
        let subnet = self.subnet_cidr();
        subnet.contains(ip)
            && (subnet.len >= 31 || (ip != subnet.network() && ip != subnet.broadcast()))
            && ip != self.gateway
    }

    /// The lowest assignable address of the range that nobody holds. An `--ip-range`'s own
    /// first and last addresses are skipped as well (a container at `10.30.5.0` would
    /// puzzle more than it teaches).
    pub fn next_free(&self, held: &BTreeSet<Ipv4Addr>) -> Option<Ipv4Addr> {
        let range = self.range_cidr();
        let (mut first, mut last) = (u32::from(range.network()), u32::from(range.broadcast()));
        if self.ip_range.is_some() && range.len <= 30 {
            first += 1;
            last -= 1;
        }
        (first..=last)
            .map(Ipv4Addr::from)
            .find(|ip| self.is_assignable(*ip) && !held.contains(ip))
    }
}

/// Docker's default local address pools (`daemon/config` `DefaultAddressPools`): the
/// 172.17–172.31 /16s, then 192.168.0.0/16 cut into /20s. The default bridge takes the
/// first.
pub fn default_pools() -> Vec<Cidr> {
    let mut pools: Vec<Cidr> = (17..=31)
        .map(|b| Cidr {
            addr: Ipv4Addr::new(172, b, 0, 0),
            len: 16,
        })
        .collect();
    pools.extend((0..16).map(|i| Cidr {
        addr: Ipv4Addr::new(192, 168, i * 16, 0),
        len: 20,
    }));
    pools
}

/// The first default pool that overlaps none of `taken`.
pub fn next_default_pool(taken: &[Cidr]) -> Result<Cidr, NetworkError> {
    default_pools()
        .into_iter()
        .find(|p| !taken.iter().any(|t| t.overlaps(*p)))
        .ok_or(NetworkError::NoAvailablePool)
}

/// What `network create` asked for, per pool (the CLI's `--subnet/--gateway/--ip-range`
/// consolidated; strings as typed).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PoolRequest {
    pub subnet: String,
    pub gateway: Option<String>,
    pub ip_range: Option<String>,
}

/// Validates a requested pool as Docker's daemon does (`network.ValidateIPAM`: every problem
/// reported, under `invalid network config:`) and turns it into an [`IpamPool`].
pub fn validate(request: &PoolRequest) -> Result<IpamPool, NetworkError> {
    let mut errors = Vec::new();
    let Some(subnet) = Cidr::parse(&request.subnet) else {
        return Err(NetworkError::InvalidConfig(vec![format!(
            "invalid subnet {}: invalid CIDR block notation",
            request.subnet
        )]));
    };
    if !subnet.is_masked() {
        errors.push(format!(
            "invalid subnet {subnet}: it should be {}",
            subnet.masked()
        ));
    }
    let mut ip_range = None;
    if let Some(text) = request.ip_range.as_deref().filter(|r| !r.is_empty()) {
        match Cidr::parse(text) {
            None => errors.push(format!(
                "invalid ip-range {text}: invalid CIDR block notation"
            )),
            Some(range) => {
                if range.len < subnet.len {
                    errors.push(format!(
                        "invalid ip-range {text}: CIDR block is bigger than its parent subnet {subnet}"
                    ));
                }
                if !range.is_masked() {
                    errors.push(format!(
                        "invalid ip-range {range}: it should be {}",
                        range.masked()
                    ));
                }
                if !subnet.overlaps(range) {
                    errors.push(format!(
                        "invalid ip-range {text}: parent subnet {subnet} doesn't contain ip-range"
                    ));
                }
                ip_range = Some((range.network(), range.len));
            }
        }
    }
    let mut gateway = None;
    if let Some(text) = request.gateway.as_deref().filter(|g| !g.is_empty()) {
        match text.parse::<Ipv4Addr>() {
            Err(_) => errors.push(format!("invalid gateway {text}: invalid address")),
            Ok(ip) if !subnet.contains(ip) => errors.push(format!(
                "invalid gateway {text}: parent subnet {subnet} doesn't contain this address"
            )),
            Ok(ip) => gateway = Some(ip),
        }
    }
    if !errors.is_empty() {
        return Err(NetworkError::InvalidConfig(errors));
    }
    Ok(pool_for(subnet, gateway, ip_range))
}

/// A pool on `subnet`, with the first host address as gateway unless one is given.
pub fn pool_for(
    subnet: Cidr,
    gateway: Option<Ipv4Addr>,
    ip_range: Option<(Ipv4Addr, u8)>,
) -> IpamPool {
    let network = subnet.network();
    let first_host = if subnet.len >= 31 {
        network
    } else {
        Ipv4Addr::from(u32::from(network) + 1)
    };
    IpamPool {
        subnet: network,
        prefix_len: subnet.len,
        gateway: gateway.unwrap_or(first_host),
        ip_range,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Cidr {
        Cidr::parse(text).unwrap()
    }

    fn pool(subnet: &str, range: Option<&str>) -> IpamPool {
        validate(&PoolRequest {
            subnet: subnet.into(),
            gateway: None,
            ip_range: range.map(str::to_string),
        })
        .unwrap()
    }

    #[test]
    fn parses_and_relates_prefixes() {
        assert_eq!(
            cidr("172.19.10.0/24").broadcast(),
            Ipv4Addr::new(172, 19, 10, 255)
        );
        assert!(cidr("172.17.0.0/16").overlaps(cidr("172.17.5.0/24")));
        assert!(cidr("172.17.5.0/24").overlaps(cidr("172.17.0.0/16")));
        assert!(!cidr("172.18.0.0/16").overlaps(cidr("172.17.0.0/16")));
        for bad in [
            "172.19.10.0",
            "172.19.10.0/33",
            "abc/24",
            "1.2.3.4/",
            "1.2.3.4/-1",
        ] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
        assert_eq!(cidr("10.1.2.3/8").masked().to_string(), "10.0.0.0/8");
    }

    #[test]
    fn allocates_the_lowest_free_address_and_never_a_held_one() {
        let p = pool("172.19.10.0/24", None);
        assert_eq!(p.gateway, Ipv4Addr::new(172, 19, 10, 1));
        let mut held = BTreeSet::new();
        let first = p.next_free(&held).unwrap();
        assert_eq!(first, Ipv4Addr::new(172, 19, 10, 2));
        held.insert(first);
        let second = p.next_free(&held).unwrap();
        assert_eq!(second, Ipv4Addr::new(172, 19, 10, 3));
        held.insert(second);
        // Releasing the first makes it the next one handed out; the second stays held.
        held.remove(&first);
        assert_eq!(p.next_free(&held), Some(first));
        assert_ne!(p.next_free(&held), Some(second));
    }

    #[test]
    fn a_full_pool_has_no_address_left() {
        let p = pool("10.9.9.0/30", None);
        // .0 network, .1 gateway, .2 free, .3 broadcast.
        let mut held = BTreeSet::new();
        let only = p.next_free(&held).unwrap();
        assert_eq!(only, Ipv4Addr::new(10, 9, 9, 2));
        held.insert(only);
        assert_eq!(p.next_free(&held), None);
    }

    #[test]
    fn ip_range_limits_automatic_addresses() {
        let p = pool("172.28.0.0/16", Some("172.28.5.0/24"));
        assert_eq!(p.gateway, Ipv4Addr::new(172, 28, 0, 1));
        let held = BTreeSet::new();
        let ip = p.next_free(&held).unwrap();
        assert_eq!(ip, Ipv4Addr::new(172, 28, 5, 1));
        // An explicit address outside the range but inside the subnet is still assignable.
        assert!(p.is_assignable(Ipv4Addr::new(172, 28, 9, 9)));
        assert!(!p.is_assignable(p.gateway));
        assert!(!p.is_assignable(Ipv4Addr::new(172, 28, 255, 255)));
        assert!(!p.is_assignable(Ipv4Addr::new(172, 29, 0, 5)));
    }

    #[test]
    fn validation_reports_dockers_texts() {
        let err = |s: &str, g: Option<&str>, r: Option<&str>| {
            validate(&PoolRequest {
                subnet: s.into(),
                gateway: g.map(str::to_string),
                ip_range: r.map(str::to_string),
            })
            .unwrap_err()
            .to_string()
        };
        assert_eq!(
            err("172.19.10.0/33", None, None),
            "invalid network config:\ninvalid subnet 172.19.10.0/33: invalid CIDR block notation"
        );
        assert_eq!(
            err("172.19.10.5/24", None, None),
            "invalid network config:\ninvalid subnet 172.19.10.5/24: it should be 172.19.10.0/24"
        );
        assert_eq!(
            err("172.19.10.0/24", Some("10.0.0.1"), None),
            "invalid network config:\ninvalid gateway 10.0.0.1: parent subnet 172.19.10.0/24 doesn't contain this address"
        );
        assert_eq!(
            err("172.19.10.0/24", None, Some("172.19.0.0/16")),
            "invalid network config:\ninvalid ip-range 172.19.0.0/16: CIDR block is bigger than its parent subnet 172.19.10.0/24"
        );
        let p = validate(&PoolRequest {
            subnet: "172.19.10.0/24".into(),
            gateway: Some("172.19.10.254".into()),
            ip_range: None,
        })
        .unwrap();
        assert_eq!(p.gateway, Ipv4Addr::new(172, 19, 10, 254));
        assert_eq!(
            p.next_free(&BTreeSet::new()),
            Some(Ipv4Addr::new(172, 19, 10, 1))
        );
    }

    #[test]
    fn default_pools_skip_overlapping_networks() {
        let taken = [cidr("172.17.0.0/16"), cidr("172.19.10.0/24")];
        assert_eq!(next_default_pool(&taken).unwrap(), cidr("172.18.0.0/16"));
        let taken = [
            cidr("172.17.0.0/16"),
            cidr("172.18.0.0/16"),
            cidr("172.19.10.0/24"),
        ];
        assert_eq!(next_default_pool(&taken).unwrap(), cidr("172.20.0.0/16"));
        let all: Vec<Cidr> = default_pools();
        assert_eq!(all.len(), 31);
        assert_eq!(all[15], cidr("192.168.0.0/20"));
        assert_eq!(all[16], cidr("192.168.16.0/20"));
        assert_eq!(
            next_default_pool(&all).unwrap_err().to_string(),
            "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network"
        );
    }
}
