//! The embedded DNS server of user-defined networks (Docker's 127.0.0.11).
//!
//! Each started container's supervisor runs one on a thread, listening on 127.0.0.11:53/udp
//! inside the container's network namespace (the socket is made from a thread that entered
//! it). It answers from the container store at query time, so `connect`, `disconnect`,
//! `rename` and `rm` are current at once:
//! - `A` for the DNS names (name, 12-hex short ID, aliases: [`Endpoint::dns_names`]) of
//!   running containers on a user-defined network this container is on — also as
//!   `<name>.<network>`;
//! - `PTR` for their addresses, as `<name>.<network>` (so ping prints
//!   `64 bytes from web1.labnet (172.19.10.2)`);
//! - `NXDOMAIN` for other names in the lab's own namespace (single labels, `*.<network>`);
//! - anything else is forwarded to the host's name servers from the supervisor's own
//!   (the real host's) namespace, as Docker does — only when a program in the container
//!   asks for such a name.
//!
//! The message handling is the fixed subset this needs (one question, class IN), by hand.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::netns;
use super::Endpoint;
use crate::container::record::ContainerRecord;
use crate::container::state::Status;
use crate::container::store::ContainerStore;
use crate::Paths;

/// Where the embedded DNS listens inside a container.
pub const ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 11);
/// Docker's TTL for embedded DNS answers.
const TTL: u32 = 600;

pub const TYPE_A: u16 = 1;
pub const TYPE_PTR: u16 = 12;
pub const TYPE_AAAA: u16 = 28;

/// One question of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub id: u16,
    /// The header's flags word as asked (RD is echoed back).
    pub flags: u16,
    /// Lower case, without the trailing dot.
    pub name: String,
    pub qtype: u16,
    pub qclass: u16,
    /// The question section's bytes (echoed in the answer).
    question: Vec<u8>,
}

/// What the directory says about a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    A(Vec<Ipv4Addr>),
    Ptr(Vec<String>),
    /// The name exists, with no records of the asked type.
    NoData,
    NxDomain,
    /// Not ours: ask the host's name servers.
    Forward,
}

/// Parses a standard query with one question (`None` for anything else).
pub fn parse_query(msg: &[u8]) -> Option<Query> {
    if msg.len() < 12 {
        return None;
    }
    let id = u16::from_be_bytes([msg[0], msg[1]]);
    let flags = u16::from_be_bytes([msg[2], msg[3]]);
    // QR must be 0 (a query) and the opcode 0 (standard).
    if flags & 0x8000 != 0 || (flags >> 11) & 0xf != 0 {
        return None;
    }
    if u16::from_be_bytes([msg[4], msg[5]]) != 1 {
        return None;
    }
    let mut i = 12;
    let mut labels = Vec::new();
    loop {
        let len = usize::from(*msg.get(i)?);
        i += 1;
        if len == 0 {
            break;
        }
        if len > 63 {
            return None;
        }
        let label = msg.get(i..i + len)?;
        labels.push(String::from_utf8_lossy(label).to_ascii_lowercase());
        i += len;
    }
    let qtype = u16::from_be_bytes([*msg.get(i)?, *msg.get(i + 1)?]);
    let qclass = u16::from_be_bytes([*msg.get(i + 2)?, *msg.get(i + 3)?]);
    Some(Query {
        id,
        flags,
        name: labels.join("."),
        qtype,
        qclass,
        question: msg[12..i + 4].to_vec(),
    })
}

fn encode_name(name: &str, out: &mut Vec<u8>) {
    for label in name.trim_end_matches('.').split('.') {
        if label.is_empty() {
            continue;
        }
        let bytes = &label.as_bytes()[..label.len().min(63)];
        out.push(bytes.len() as u8);
        out.extend_from_slice(bytes);
    }
    out.push(0);
}

/// The response to `query` carrying `answer` (`Forward` is answered `SERVFAIL`).
pub fn response(query: &Query, answer: &Answer) -> Vec<u8> {
    // QR, the opcode and RD as asked, AA, RA.
    let mut flags = 0x8000 | (query.flags & 0x0100) | 0x0400 | 0x0080;
    let mut records: Vec<(u16, Vec<u8>)> = Vec::new();
    match answer {
        Answer::A(ips) => {
            for ip in ips {
                records.push((TYPE_A, ip.octets().to_vec()));
            }
        }
        Answer::Ptr(names) => {
            for name in names {
                let mut data = Vec::new();
                encode_name(name, &mut data);
                records.push((TYPE_PTR, data));
            }
        }
        Answer::NoData => {}
        Answer::NxDomain => flags |= 3,
        Answer::Forward => flags |= 2,
    }
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&query.id.to_be_bytes());
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&(records.len() as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&query.question);
    for (rtype, data) in records {
        // The name: a pointer to the question's (offset 12).
        out.extend_from_slice(&[0xc0, 12]);
        out.extend_from_slice(&rtype.to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&TTL.to_be_bytes());
        out.extend_from_slice(&(data.len() as u16).to_be_bytes());
        out.extend_from_slice(&data);
    }
    out
}

/// `2.10.19.172.in-addr.arpa` → 172.19.10.2.
pub fn reverse_address(name: &str) -> Option<Ipv4Addr> {
    let rest = name.strip_suffix(".in-addr.arpa")?;
    let mut octets: Vec<u8> = rest
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if octets.len() != 4 {
        return None;
    }
    octets.reverse();
    Some(Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3]))
}

/// One container on one network, as the directory sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub network_id: String,
    pub network_name: String,
    /// Lower case.
    pub names: Vec<String>,
    /// The container's name (PTR answers `<name>.<network>`).
    pub name: String,
    pub ip: Ipv4Addr,
}

impl Member {
    fn of(record: &ContainerRecord, endpoint: &Endpoint) -> Option<Self> {
        Some(Self {
            network_id: endpoint.network_id.clone(),
            network_name: endpoint.network_name.clone(),
            names: endpoint
                .dns_names(&record.name, &record.id)
                .into_iter()
                .map(|n| n.to_ascii_lowercase())
                .collect(),
            name: record.bare_name().to_string(),
            ip: endpoint.ip?,
        })
    }
}

/// A user-defined network the asking container is on, with its own address there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    pub id: String,
    pub ip: Ipv4Addr,
    pub prefix_len: u8,
}

impl Joined {
    /// Whether `ip` is in this network's subnet.
    fn contains(&self, ip: Ipv4Addr) -> bool {
        let mask = u32::MAX
            .checked_shl(32 - u32::from(self.prefix_len))
            .unwrap_or(0);
        u32::from(ip) & mask == u32::from(self.ip) & mask
    }
}

/// Answers `qtype`/`name` for a container on `networks` (its user-defined ones) given every
/// running container's `members` on them (its own included).
pub fn lookup(networks: &[Joined], members: &[Member], name: &str, qtype: u16) -> Answer {
    let shared: Vec<&Member> = members
        .iter()
        .filter(|m| networks.iter().any(|n| n.id == m.network_id))
        .collect();
    if qtype == TYPE_PTR {
        let Some(ip) = reverse_address(name) else {
            return Answer::Forward;
        };
        let names: Vec<String> = shared
            .iter()
            .filter(|m| m.ip == ip)
            .map(|m| format!("{}.{}", m.name, m.network_name))
            .collect();
        let in_subnet = networks.iter().any(|n| n.contains(ip));
        return if !names.is_empty() {
            Answer::Ptr(names)
        } else if in_subnet {
            Answer::NxDomain
        } else {
            Answer::Forward
        };
    }
    // `web1` on any shared network, or `web1.labnet` on that one.
    let mut ips = Vec::new();
    let mut ours = !name.contains('.');
    for m in &shared {
        let qualified = name
            .strip_suffix(&format!(".{}", m.network_name.to_ascii_lowercase()))
            .filter(|short| !short.contains('.'));
        if qualified.is_some() {
            ours = true;
        }
        let wanted = qualified.unwrap_or(name);
        if m.names.iter().any(|n| n == wanted) && !ips.contains(&m.ip) {
            ips.push(m.ip);
        }
    }
    if !ips.is_empty() {
        return match qtype {
            TYPE_A => Answer::A(ips),
            _ => Answer::NoData,
        };
    }
    if ours {
        Answer::NxDomain
    } else {
        Answer::Forward
    }
}

/// Reads who is where from the store: this container's user-defined networks and every
/// running container's endpoints on user-defined networks.
fn directory(paths: &Paths, id: &str) -> (Vec<Joined>, Vec<Member>) {
    let Ok(store) = ContainerStore::open(paths) else {
        return (Vec::new(), Vec::new());
    };
    let networks: Vec<Joined> = store
        .record(id)
        .map(|r| {
            r.networks
                .values()
                .filter(|e| e.network_name != "bridge")
                .filter_map(|e| {
                    Some(Joined {
                        id: e.network_id.clone(),
                        ip: e.ip?,
                        prefix_len: e.prefix_len,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let mut members = Vec::new();
    if networks.is_empty() {
        return (networks, members);
    }
    for other in store.ids().unwrap_or_default() {
        let running = store
            .state(&other)
            .is_ok_and(|s| matches!(s.status, Status::Running | Status::Paused) && s.pid > 0);
        if !running {
            continue;
        }
        let Ok(record) = store.record(&other) else {
            continue;
        };
        for endpoint in record.networks.values() {
            if networks.iter().any(|n| n.id == endpoint.network_id) {
                members.extend(Member::of(&record, endpoint));
            }
        }
    }
    (networks, members)
}

/// The host's name servers (loopback ones included: forwarding happens in the host's own
/// namespace, where they are reachable).
fn host_nameservers() -> Vec<Ipv4Addr> {
    std::fs::read_to_string("/etc/resolv.conf")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .filter_map(|v| v.trim().parse().ok())
        .collect()
}

/// Asks the container's `--dns` servers, or else the host's, `msg` and returns the first
/// answer.
fn forward(paths: &Paths, id: &str, msg: &[u8]) -> Option<Vec<u8>> {
    let own: Vec<Ipv4Addr> = ContainerStore::open(paths)
        .and_then(|s| s.record(id))
        .map(|r| {
            r.host_config
                .dns
                .iter()
                .filter_map(|d| d.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let servers = if own.is_empty() {
        host_nameservers()
    } else {
        own
    };
    for server in servers {
        let Ok(sock) = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)) else {
            continue;
        };
        let _ = sock.set_read_timeout(Some(Duration::from_secs(2)));
        if sock.connect(SocketAddr::from((server, 53))).is_err() || sock.send(msg).is_err() {
            continue;
        }
        let mut buf = [0u8; 1500];
        if let Ok(n) = sock.recv(&mut buf) {
            return Some(buf[..n].to_vec());
        }
    }
    None
}

/// The server's socket, bound to its address in the calling thread's network namespace
/// (whose loopback is up).
pub fn bind() -> io::Result<UdpSocket> {
    UdpSocket::bind((ADDRESS, 53))
}

/// A running embedded DNS server; stopped (and its socket, which holds the container's
/// namespace, closed) when dropped.
pub struct Server {
    socket: UdpSocket,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts the server for container `id` inside the network namespace of `pid`.
    pub fn start(paths: &Paths, id: &str, pid: i32) -> io::Result<Self> {
        let ns = netns::of_pid(pid)?;
        Self::serve(paths, id, netns::run_in(ns.as_fd(), bind)?)
    }

    /// Starts serving container `id` on `socket`, made by [`bind`] in its namespace.
    pub fn serve(paths: &Paths, id: &str, socket: UdpSocket) -> io::Result<Self> {
        socket.set_read_timeout(Some(Duration::from_secs(1)))?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let socket = socket.try_clone()?;
            let stop = stop.clone();
            let paths = paths.clone();
            let id = id.to_string();
            std::thread::Builder::new()
                .name("dns".into())
                .spawn(move || serve(&socket, &stop, &paths, &id))?
        };
        Ok(Self {
            socket,
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the blocked receive at once (it then returns nothing).
        let _ = nix::sys::socket::shutdown(
            std::os::fd::AsRawFd::as_raw_fd(&self.socket),
            nix::sys::socket::Shutdown::Both,
        );
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(socket: &UdpSocket, stop: &AtomicBool, paths: &Paths, id: &str) {
    let mut buf = [0u8; 1500];
    while !stop.load(Ordering::SeqCst) {
        let (n, from) = match socket.recv_from(&mut buf) {
            Ok(got) => got,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            Err(_) => {
                // Shut down by `Drop`: leave at once (a container's exit waits on this).
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let msg = &buf[..n];
        let Some(query) = parse_query(msg) else {
            continue;
        };
        let answer = if query.qclass != 1 {
            Answer::Forward
        } else {
            let (networks, members) = directory(paths, id);
            lookup(&networks, &members, &query.name, query.qtype)
        };
        let reply = match answer {
            Answer::Forward => {
                forward(paths, id, msg).unwrap_or_else(|| response(&query, &Answer::Forward))
            }
            other => response(&query, &other),
        };
        let _ = socket.send_to(&reply, from);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(name: &str, qtype: u16) -> Vec<u8> {
        let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        encode_name(name, &mut q);
        q.extend_from_slice(&qtype.to_be_bytes());
        q.extend_from_slice(&1u16.to_be_bytes());
        q
    }

    fn member(net: &str, name: &str, aliases: &[&str], ip: [u8; 4]) -> Member {
        let mut names = vec![name.to_string(), format!("{name}-shortid")];
        names.extend(aliases.iter().map(|a| a.to_string()));
        Member {
            network_id: format!("id-{net}"),
            network_name: net.to_string(),
            names,
            name: name.to_string(),
            ip: ip.into(),
        }
    }

    fn lab() -> (Vec<Joined>, Vec<Member>) {
        (
            vec![Joined {
                id: "id-labnet".to_string(),
                ip: Ipv4Addr::new(172, 19, 10, 3),
                prefix_len: 24,
            }],
            vec![
                member("labnet", "web1", &["www"], [172, 19, 10, 2]),
                member("labnet", "web2", &[], [172, 19, 10, 3]),
                member("other", "hidden", &[], [172, 20, 0, 2]),
            ],
        )
    }

    #[test]
    fn parses_a_query() {
        let q = parse_query(&query("Web1.", TYPE_A)).unwrap();
        assert_eq!(q.id, 0x1234);
        assert_eq!(q.name, "web1");
        assert_eq!(q.qtype, TYPE_A);
        assert_eq!(q.qclass, 1);
        assert!(parse_query(&[0; 5]).is_none());
        let mut answer = query("web1", TYPE_A);
        answer[2] |= 0x80;
        assert!(parse_query(&answer).is_none(), "responses are not queries");
    }

    #[test]
    fn resolves_names_aliases_and_qualified_names_on_shared_networks() {
        let (nets, members) = lab();
        let web1 = Answer::A(vec![Ipv4Addr::new(172, 19, 10, 2)]);
        assert_eq!(lookup(&nets, &members, "web1", TYPE_A), web1);
        assert_eq!(lookup(&nets, &members, "www", TYPE_A), web1);
        assert_eq!(lookup(&nets, &members, "web1-shortid", TYPE_A), web1);
        assert_eq!(lookup(&nets, &members, "web1.labnet", TYPE_A), web1);
        assert_eq!(lookup(&nets, &members, "web1", TYPE_AAAA), Answer::NoData);
        assert_eq!(lookup(&nets, &members, "hidden", TYPE_A), Answer::NxDomain);
        assert_eq!(lookup(&nets, &members, "nosuch", TYPE_A), Answer::NxDomain);
        assert_eq!(
            lookup(&nets, &members, "nosuch.labnet", TYPE_A),
            Answer::NxDomain
        );
        assert_eq!(
            lookup(&nets, &members, "example.com", TYPE_A),
            Answer::Forward
        );
        assert_eq!(lookup(&[], &members, "web1", TYPE_A), Answer::NxDomain);
    }

    #[test]
    fn reverse_lookups_name_the_network() {
        let (nets, members) = lab();
        assert_eq!(
            lookup(&nets, &members, "3.10.19.172.in-addr.arpa", TYPE_PTR),
            Answer::Ptr(vec!["web2.labnet".to_string()])
        );
        assert_eq!(
            lookup(&nets, &members, "9.10.19.172.in-addr.arpa", TYPE_PTR),
            Answer::NxDomain
        );
        assert_eq!(
            lookup(&nets, &members, "2.0.20.172.in-addr.arpa", TYPE_PTR),
            Answer::Forward
        );
        assert_eq!(
            reverse_address("1.2.3.4.in-addr.arpa"),
            Some([4, 3, 2, 1].into())
        );
        assert_eq!(reverse_address("2.3.4.in-addr.arpa"), None);
    }

    #[test]
    fn responses_carry_the_question_and_records() {
        let q = parse_query(&query("web1", TYPE_A)).unwrap();
        let r = response(&q, &Answer::A(vec![Ipv4Addr::new(172, 19, 10, 2)]));
        assert_eq!(&r[0..2], &[0x12, 0x34]);
        assert_eq!(r[3] & 0xf, 0, "NOERROR");
        assert_eq!(u16::from_be_bytes([r[6], r[7]]), 1);
        assert_eq!(&r[r.len() - 4..], &[172, 19, 10, 2]);
        let nx = response(&q, &Answer::NxDomain);
        assert_eq!(nx[3] & 0xf, 3);
        assert_eq!(u16::from_be_bytes([nx[6], nx[7]]), 0);
        let ptr = parse_query(&query("2.10.19.172.in-addr.arpa", TYPE_PTR)).unwrap();
        let r = response(&ptr, &Answer::Ptr(vec!["web1.labnet".into()]));
        assert!(r.ends_with(b"\x04web1\x06labnet\x00"), "{r:?}");
    }
}
