//! Host name resolution without NSS: an address literal, then `/etc/hosts`, then one DNS
//! query (A records) to each `nameserver` in `/etc/resolv.conf` — Docker's embedded DNS
//! at 127.0.0.11 on user-defined networks, or whatever the image's file names.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::time::Duration;

/// Why a name did not resolve.
#[derive(Debug)]
pub enum ResolveError {
    NotFound,
    NoServer,
}

/// Resolves `host` to its addresses.
pub fn resolve(host: &str) -> Result<Vec<IpAddr>, ResolveError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    if host.eq_ignore_ascii_case("localhost") {
        let from_file = crate::sys::hosts_lookup(host);
        return Ok(if from_file.is_empty() {
            vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]
        } else {
            from_file
        });
    }
    let from_file = crate::sys::hosts_lookup(host);
    if !from_file.is_empty() {
        return Ok(from_file);
    }
    dns_lookup(host)
}

/// The first address of `host`, preferring IPv4 (what the course's networks use).
pub fn resolve_one(host: &str) -> Result<IpAddr, ResolveError> {
    let all = resolve(host)?;
    all.iter()
        .find(|a| a.is_ipv4())
        .or(all.first())
        .copied()
        .ok_or(ResolveError::NotFound)
}

/// The names `/etc/hosts` gives `addr` (first name first).
pub fn reverse_hosts(addr: IpAddr) -> Option<String> {
    let text = std::fs::read_to_string("/etc/hosts").ok()?;
    crate::sys::parse_hosts(&text)
        .into_iter()
        .find(|(a, _)| *a == addr)
        .and_then(|(_, n)| n.into_iter().next())
}

fn nameservers() -> Vec<IpAddr> {
    let text = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .filter_map(|v| v.trim().parse().ok())
        .collect()
}

/// Asks the configured name servers for `host`'s A records.
pub fn dns_lookup(host: &str) -> Result<Vec<IpAddr>, ResolveError> {
    let servers = nameservers();
    if servers.is_empty() {
        return Err(ResolveError::NoServer);
    }
    let id = (std::process::id() & 0xffff) as u16;
    let query = build_query(id, host).ok_or(ResolveError::NotFound)?;
    for server in servers {
        let bind: SocketAddr = if server.is_ipv4() {
            "0.0.0.0:0".parse().unwrap()
        } else {
            "[::]:0".parse().unwrap()
        };
        let Some(answer) = exchange(bind, server, &query) else {
            continue;
        };
        if let Some(addrs) = parse_answer(id, &answer) {
            return if addrs.is_empty() {
                Err(ResolveError::NotFound)
            } else {
                Ok(addrs)
            };
        }
    }
    Err(ResolveError::NotFound)
}

/// Sends `query` to `server` port 53 and waits (3 s) for one answer. The socket is
/// connected, as glibc's is, so an unreachable server fails at once (ICMP) instead of
/// after the timeout.
fn exchange(bind: SocketAddr, server: IpAddr, query: &[u8]) -> Option<Vec<u8>> {
    let sock = UdpSocket::bind(bind).ok()?;
    sock.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    sock.connect(SocketAddr::new(server, 53)).ok()?;
    sock.send(query).ok()?;
    let mut buf = [0u8; 1500];
    let n = sock.recv(&mut buf).ok()?;
    Some(buf[..n].to_vec())
}

/// The name of `addr`: `/etc/hosts` first, then a PTR query to the name servers (Docker's
/// embedded DNS answers `<container>.<network>`).
pub fn reverse(addr: IpAddr) -> Option<String> {
    reverse_hosts(addr).or_else(|| reverse_dns(addr))
}

/// Asks the configured name servers for `addr`'s PTR record.
pub fn reverse_dns(addr: IpAddr) -> Option<String> {
    let IpAddr::V4(v4) = addr else {
        return None;
    };
    let o = v4.octets();
    let name = format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0]);
    let id = (std::process::id() & 0xffff) as u16 ^ 0x5a5a;
    let query = build_query_type(id, &name, TYPE_PTR)?;
    for server in nameservers() {
        let bind: SocketAddr = if server.is_ipv4() {
            "0.0.0.0:0".parse().ok()?
        } else {
            "[::]:0".parse().ok()?
        };
        let Some(answer) = exchange(bind, server, &query) else {
            continue;
        };
        if let Some(names) = parse_ptr_answer(id, &answer) {
            return names.into_iter().next();
        }
    }
    None
}

const TYPE_A: u16 = 1;
const TYPE_PTR: u16 = 12;

/// A DNS query message for `host` IN A, recursion desired.
pub fn build_query(id: u16, host: &str) -> Option<Vec<u8>> {
    build_query_type(id, host, TYPE_A)
}

/// A DNS query message for `host` IN `qtype`, recursion desired.
pub fn build_query_type(id: u16, host: &str, qtype: u16) -> Option<Vec<u8>> {
    let mut q = Vec::with_capacity(32 + host.len());
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in host.trim_end_matches('.').split('.') {
        if label.is_empty() || label.len() > 63 {
            return None;
        }
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&[0, 1]);
    Some(q)
}

/// Reads the (possibly compressed) name at `i`.
fn read_name(msg: &[u8], mut i: usize) -> Option<String> {
    let mut labels = Vec::new();
    for _ in 0..64 {
        let len = usize::from(*msg.get(i)?);
        if len == 0 {
            return Some(labels.join("."));
        }
        if len & 0xc0 == 0xc0 {
            i = (len & 0x3f) << 8 | usize::from(*msg.get(i + 1)?);
            continue;
        }
        labels.push(String::from_utf8_lossy(msg.get(i + 1..i + 1 + len)?).into_owned());
        i += len + 1;
    }
    None
}

/// The answer records of a response to query `id` as (type, data offset, data length);
/// `None` if it is not that response or it is cut short.
fn answer_records(id: u16, msg: &[u8]) -> Option<Vec<(u16, usize, usize)>> {
    if msg.len() < 12 || u16::from_be_bytes([msg[0], msg[1]]) != id {
        return None;
    }
    let qd = u16::from_be_bytes([msg[4], msg[5]]) as usize;
    let an = u16::from_be_bytes([msg[6], msg[7]]) as usize;
    let mut i = 12;
    for _ in 0..qd {
        i = skip_name(msg, i)? + 4;
    }
    let mut out = Vec::new();
    for _ in 0..an {
        i = skip_name(msg, i)?;
        let rtype = u16::from_be_bytes([*msg.get(i)?, *msg.get(i + 1)?]);
        let rdlen = u16::from_be_bytes([*msg.get(i + 8)?, *msg.get(i + 9)?]) as usize;
        msg.get(i + 10..i + 10 + rdlen)?;
        out.push((rtype, i + 10, rdlen));
        i += 10 + rdlen;
    }
    Some(out)
}

/// The PTR names of a response to query `id`; `None` if it is not that response.
pub fn parse_ptr_answer(id: u16, msg: &[u8]) -> Option<Vec<String>> {
    answer_records(id, msg)?
        .into_iter()
        .filter(|(rtype, _, _)| *rtype == TYPE_PTR)
        .map(|(_, at, _)| read_name(msg, at))
        .collect()
}

fn skip_name(msg: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let len = *msg.get(i)? as usize;
        if len == 0 {
            return Some(i + 1);
        }
        if len & 0xc0 == 0xc0 {
            return Some(i + 2);
        }
        i += len + 1;
    }
}

/// The A records of a response to query `id`; `None` if it is not that response,
/// `Some(empty)` for NXDOMAIN or no records.
pub fn parse_answer(id: u16, msg: &[u8]) -> Option<Vec<IpAddr>> {
    Some(
        answer_records(id, msg)?
            .into_iter()
            .filter(|(rtype, _, len)| *rtype == 1 && *len == 4)
            .map(|(_, at, _)| {
                IpAddr::V4(Ipv4Addr::new(
                    msg[at],
                    msg[at + 1],
                    msg[at + 2],
                    msg[at + 3],
                ))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_answer_roundtrip() {
        let q = build_query(7, "web1").unwrap();
        assert_eq!(&q[12..18], b"\x04web1\x00");
        // Build a response: header + question + one answer with a compressed name.
        let mut r = q.clone();
        r[2] = 0x81;
        r[3] = 0x80;
        r[7] = 1;
        r.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 172, 19, 10, 2]);
        assert_eq!(
            parse_answer(7, &r).unwrap(),
            vec!["172.19.10.2".parse::<IpAddr>().unwrap()]
        );
        assert!(parse_answer(8, &r).is_none());
    }

    #[test]
    fn ptr_query_and_answer() {
        let q = build_query_type(9, "2.10.19.172.in-addr.arpa", TYPE_PTR).unwrap();
        assert_eq!(&q[q.len() - 4..], &[0, 12, 0, 1]);
        let mut r = q.clone();
        r[2] = 0x85;
        r[3] = 0x80;
        r[7] = 1;
        r.extend_from_slice(&[0xc0, 12, 0, 12, 0, 1, 0, 0, 2, 88, 0, 13]);
        r.extend_from_slice(b"\x04web1\x06labnet\x00");
        assert_eq!(
            parse_ptr_answer(9, &r).unwrap(),
            vec!["web1.labnet".to_string()]
        );
        assert!(parse_ptr_answer(10, &r).is_none());
        assert_eq!(read_name(&r, 12).unwrap(), "2.10.19.172.in-addr.arpa");
    }
}
