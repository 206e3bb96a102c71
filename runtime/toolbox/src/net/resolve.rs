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
        let Ok(sock) = UdpSocket::bind(bind) else {
            continue;
        };
        let _ = sock.set_read_timeout(Some(Duration::from_secs(3)));
        if sock.send_to(&query, SocketAddr::new(server, 53)).is_err() {
            continue;
        }
        let mut buf = [0u8; 1500];
        let Ok((n, _)) = sock.recv_from(&mut buf) else {
            continue;
        };
        if let Some(addrs) = parse_answer(id, &buf[..n]) {
            return if addrs.is_empty() {
                Err(ResolveError::NotFound)
            } else {
                Ok(addrs)
            };
        }
    }
    Err(ResolveError::NotFound)
}

/// A DNS query message for `host` IN A, recursion desired.
pub fn build_query(id: u16, host: &str) -> Option<Vec<u8>> {
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
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    Some(q)
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
        let data = msg.get(i + 10..i + 10 + rdlen)?;
        if rtype == 1 && rdlen == 4 {
            out.push(IpAddr::V4(Ipv4Addr::new(
                data[0], data[1], data[2], data[3],
            )));
        }
        i += 10 + rdlen;
    }
    Some(out)
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
}
