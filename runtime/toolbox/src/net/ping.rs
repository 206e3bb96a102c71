//! `ping`: ICMP echo over a raw socket (root in a container has CAP_NET_RAW).
//!
//! Output follows iputils' ping (Debian, Ubuntu, CentOS images), or busybox's in
//! busybox/alpine images. Options: `-c COUNT`, `-i INTERVAL`, `-W TIMEOUT` (seconds to
//! wait for each reply), `-w DEADLINE`, `-s SIZE`, `-q`. Ctrl-C (SIGINT) stops and prints
//! the statistics, as the real tools do.

use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr, SocketAddrV4};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::sys::socket::{
    self, AddressFamily, MsgFlags, SockFlag, SockProtocol, SockType, SockaddrIn,
};
use nix::sys::time::TimeVal;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: i32) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

struct Opts {
    count: Option<u64>,
    interval: Duration,
    wait: Duration,
    deadline: Option<Duration>,
    size: usize,
    quiet: bool,
    target: String,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        count: None,
        interval: Duration::from_secs(1),
        wait: Duration::from_secs(10),
        deadline: None,
        size: 56,
        quiet: false,
        target: String::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a.starts_with('-') && a.len() > 1 {
            let flag = &a[1..2];
            let inline = &a[2..];
            let mut val = || -> Result<String, String> {
                if !inline.is_empty() {
                    Ok(inline.to_string())
                } else {
                    i += 1;
                    args.get(i)
                        .cloned()
                        .ok_or_else(|| format!("option requires an argument -- '{flag}'"))
                }
            };
            let num = |v: String| {
                v.parse::<f64>()
                    .map_err(|_| format!("invalid argument: '{v}'"))
            };
            match flag {
                "c" => o.count = Some(num(val()?)?.max(1.0) as u64),
                "i" => o.interval = Duration::from_secs_f64(num(val()?)?.max(0.002)),
                "W" => o.wait = Duration::from_secs_f64(num(val()?)?.max(0.001)),
                "w" => o.deadline = Some(Duration::from_secs_f64(num(val()?)?)),
                "s" => o.size = num(val()?)? as usize,
                "q" => o.quiet = true,
                "4" | "n" => {}
                _ => return Err(format!("invalid option -- '{flag}'")),
            }
        } else {
            o.target = a.clone();
        }
        i += 1;
    }
    if o.target.is_empty() {
        return Err("usage error: Destination address required".into());
    }
    Ok(o)
}

/// The Internet checksum (RFC 1071).
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for chunk in data.chunks(2) {
        let word = if chunk.len() == 2 {
            u16::from_be_bytes([chunk[0], chunk[1]])
        } else {
            u16::from(chunk[0]) << 8
        };
        sum += u32::from(word);
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An ICMP echo request with `size` payload bytes.
pub fn echo_request(id: u16, seq: u16, size: usize) -> Vec<u8> {
    let mut p = vec![8u8, 0, 0, 0];
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend((0..size).map(|i| (i % 256) as u8));
    let c = checksum(&p);
    p[2..4].copy_from_slice(&c.to_be_bytes());
    p
}

pub fn main(args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let busybox = crate::sys::OsRelease::read().is_busybox_like();
    let o = match parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("ping: {e}");
            return 2;
        }
    };
    let addr = match super::resolve::resolve(&o.target) {
        Ok(list) => match list.iter().find_map(|a| match a {
            IpAddr::V4(v4) => Some(*v4),
            IpAddr::V6(_) => None,
        }) {
            Some(a) => a,
            None => {
                eprintln!(
                    "ping: {}: Address family for hostname not supported",
                    o.target
                );
                return 2;
            }
        },
        Err(_) => {
            if busybox {
                eprintln!("ping: bad address '{}'", o.target);
                return 1;
            }
            eprintln!("ping: {}: Name or service not known", o.target);
            return 2;
        }
    };
    let fd = match socket::socket(
        AddressFamily::Inet,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::Icmp,
    ) {
        Ok(fd) => fd,
        Err(e) => {
            eprintln!("ping: socket: {}", e.desc());
            return 2;
        }
    };
    let action = SigAction::new(
        SigHandler::Handler(on_sigint),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe; no
    // SA_RESTART, so a blocked recvfrom returns EINTR and the loop notices.
    let _ = unsafe { sigaction(Signal::SIGINT, &action) };

    run(&o, addr, fd, busybox)
}

fn run(o: &Opts, addr: Ipv4Addr, fd: OwnedFd, busybox: bool) -> i32 {
    let numeric = o.target.parse::<Ipv4Addr>().is_ok();
    if busybox {
        println!("PING {} ({}): {} data bytes", o.target, addr, o.size);
    } else {
        println!(
            "PING {} ({}) {}({}) bytes of data.",
            o.target,
            addr,
            o.size,
            o.size + 28
        );
    }
    // iputils names the replier (a reverse lookup: /etc/hosts, then PTR) when it was
    // given a name; busybox and numeric targets print the address.
    let from = if numeric || busybox {
        addr.to_string()
    } else {
        let name = super::resolve::reverse(IpAddr::V4(addr)).unwrap_or(addr.to_string());
        format!("{name} ({addr})")
    };

    let id = (std::process::id() & 0xffff) as u16;
    let dest = SockaddrIn::from(SocketAddrV4::new(addr, 0));
    let start = Instant::now();
    let mut sent = 0u64;
    let mut received = 0u64;
    let mut errors = 0u64;
    let mut rtts: Vec<f64> = Vec::new();
    let mut seq: u16 = if busybox { 0 } else { 1 };
    'outer: loop {
        if INTERRUPTED.load(Ordering::SeqCst) || o.count.is_some_and(|c| sent >= c) {
            break;
        }
        if o.deadline.is_some_and(|d| start.elapsed() >= d) {
            break;
        }
        let pkt = echo_request(id, seq, o.size);
        let sent_at = Instant::now();
        if let Err(e) = socket::sendto(fd.as_raw_fd(), &pkt, &dest, MsgFlags::empty()) {
            eprintln!("ping: sendmsg: {}", e.desc());
        }
        sent += 1;
        let last = o.count.is_some_and(|c| sent >= c);
        let wait_limit = if last {
            o.wait
        } else {
            o.interval.max(Duration::from_millis(1))
        };
        // Wait for our reply until the interval (or, after the last packet, -W) is over.
        loop {
            let left = wait_limit.saturating_sub(sent_at.elapsed());
            if left.is_zero() || INTERRUPTED.load(Ordering::SeqCst) {
                break;
            }
            let tv = TimeVal::new(left.as_secs() as i64, left.subsec_micros() as i64);
            let _ = socket::setsockopt(&fd, socket::sockopt::ReceiveTimeout, &tv);
            let mut buf = [0u8; 65536];
            match socket::recvfrom::<SockaddrIn>(fd.as_raw_fd(), &mut buf) {
                Ok((n, Some(src))) => {
                    if let Some((ttl, rseq, len)) = parse_reply(&buf[..n], id) {
                        if src.ip() != addr {
                            continue;
                        }
                        if rseq != seq {
                            continue;
                        }
                        let rtt = sent_at.elapsed().as_secs_f64() * 1000.0;
                        received += 1;
                        rtts.push(rtt);
                        if !o.quiet {
                            if busybox {
                                println!("{len} bytes from {from}: seq={rseq} ttl={ttl} time={rtt:.3} ms");
                            } else {
                                println!(
                                    "{len} bytes from {from}: icmp_seq={rseq} ttl={ttl} time={}",
                                    fmt_rtt(rtt)
                                );
                            }
                        }
                        if last {
                            break 'outer;
                        }
                    } else if let Some((kind, eseq)) = parse_error(&buf[..n], id) {
                        // iputils reports ICMP errors about our echo requests; busybox
                        // ignores them.
                        if eseq != seq || busybox {
                            continue;
                        }
                        errors += 1;
                        if !o.quiet {
                            println!("From {} icmp_seq={eseq} {}", src.ip(), error_text(kind));
                        }
                        if last {
                            break 'outer;
                        }
                    }
                }
                Ok((_, None)) => {}
                Err(nix::errno::Errno::EINTR) => break 'outer,
                Err(_) => {}
            }
        }
        if last {
            break;
        }
        // Keep the interval between sends even when the reply came early.
        let left = o.interval.saturating_sub(sent_at.elapsed());
        let until = Instant::now() + left;
        while Instant::now() < until && !INTERRUPTED.load(Ordering::SeqCst) {
            std::thread::sleep((until - Instant::now()).min(Duration::from_millis(50)));
        }
        seq = seq.wrapping_add(1);
    }
    let elapsed_ms = start.elapsed().as_millis();
    let loss = ((sent - received) * 100).checked_div(sent).unwrap_or(0);
    if busybox {
        println!("\n--- {} ping statistics ---", o.target);
        println!("{sent} packets transmitted, {received} packets received, {loss}% packet loss");
        if !rtts.is_empty() {
            let (min, avg, max, _) = stats(&rtts);
            println!("round-trip min/avg/max = {min:.3}/{avg:.3}/{max:.3} ms");
        }
    } else {
        println!("\n--- {} ping statistics ---", o.target);
        let errors = if errors > 0 {
            format!(" +{errors} errors,")
        } else {
            String::new()
        };
        println!("{sent} packets transmitted, {received} received,{errors} {loss}% packet loss, time {elapsed_ms}ms");
        if !rtts.is_empty() {
            let (min, avg, max, mdev) = stats(&rtts);
            println!("rtt min/avg/max/mdev = {min:.3}/{avg:.3}/{max:.3}/{mdev:.3} ms");
        }
    }
    if received == 0 {
        1
    } else {
        0
    }
}

/// iputils prints times with three significant-ish decimals: `0.051 ms`, `12.3 ms`, `105 ms`.
fn fmt_rtt(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.3} ms")
    }
}

fn stats(v: &[f64]) -> (f64, f64, f64, f64) {
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(0.0, f64::max);
    let avg = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64 - avg * avg;
    (min, avg, max, var.max(0.0).sqrt())
}

/// From a raw IPv4 packet: (ttl, sequence, ICMP length) if it is an echo reply for `id`.
fn parse_reply(pkt: &[u8], id: u16) -> Option<(u8, u16, usize)> {
    let ihl = usize::from(*pkt.first()? & 0x0f) * 4;
    let ttl = *pkt.get(8)?;
    let icmp = pkt.get(ihl..)?;
    if icmp.len() < 8 || icmp[0] != 0 {
        return None;
    }
    if u16::from_be_bytes([icmp[4], icmp[5]]) != id {
        return None;
    }
    Some((ttl, u16::from_be_bytes([icmp[6], icmp[7]]), icmp.len()))
}

/// From a raw IPv4 packet: ((type, code), sequence) if it is an ICMP error (destination
/// unreachable, time exceeded) about one of our echo requests (`id`).
fn parse_error(pkt: &[u8], id: u16) -> Option<((u8, u8), u16)> {
    let ihl = usize::from(*pkt.first()? & 0x0f) * 4;
    let icmp = pkt.get(ihl..)?;
    let (kind, code) = (*icmp.first()?, *icmp.get(1)?);
    if kind != 3 && kind != 11 {
        return None;
    }
    // The error quotes the offending packet: its IP header, then our echo request's first
    // 8 bytes.
    let quoted = icmp.get(8..)?;
    let qihl = usize::from(*quoted.first()? & 0x0f) * 4;
    if *quoted.get(9)? != 1 {
        return None;
    }
    let echo = quoted.get(qihl..qihl + 8)?;
    if echo[0] != 8 || u16::from_be_bytes([echo[4], echo[5]]) != id {
        return None;
    }
    Some(((kind, code), u16::from_be_bytes([echo[6], echo[7]])))
}

/// iputils' words for an ICMP error.
fn error_text((kind, code): (u8, u8)) -> String {
    match (kind, code) {
        (3, 0) => "Destination Net Unreachable".into(),
        (3, 1) => "Destination Host Unreachable".into(),
        (3, 2) => "Destination Protocol Unreachable".into(),
        (3, 3) => "Destination Port Unreachable".into(),
        (3, 9) => "Destination Net Prohibited".into(),
        (3, 10) => "Destination Host Prohibited".into(),
        (3, 13) => "Packet filtered".into(),
        (3, c) => format!("Dest Unreachable, Bad Code: {c}"),
        (11, 0) => "Time to live exceeded".into(),
        (11, _) => "Frag reassembly time exceeded".into(),
        (k, c) => format!("Bad ICMP type: {k} code {c}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_request_checksums_to_zero() {
        let p = echo_request(0x1234, 1, 56);
        assert_eq!(p.len(), 64);
        assert_eq!(checksum(&p), 0);
    }

    #[test]
    fn reply_parsing() {
        let mut pkt = vec![
            0x45, 0, 0, 84, 0, 0, 0, 0, 64, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
        ];
        let mut icmp = echo_request(7, 3, 56);
        icmp[0] = 0;
        pkt.extend(icmp);
        assert_eq!(parse_reply(&pkt, 7), Some((64, 3, 64)));
        assert_eq!(parse_reply(&pkt, 8), None);
        assert_eq!(fmt_rtt(0.0512), "0.051 ms");
    }

    #[test]
    fn error_parsing() {
        let ip = |proto: u8| {
            vec![
                0x45, 0, 0, 84, 0, 0, 0, 0, 64, proto, 0, 0, 172, 17, 0, 1, 172, 17, 0, 2,
            ]
        };
        let mut pkt = ip(1);
        pkt.extend_from_slice(&[3, 13, 0, 0, 0, 0, 0, 0]);
        pkt.extend(ip(1));
        pkt.extend_from_slice(&echo_request(7, 4, 56)[..8]);
        assert_eq!(parse_error(&pkt, 7), Some(((3, 13), 4)));
        assert_eq!(parse_error(&pkt, 8), None);
        assert_eq!(error_text((3, 13)), "Packet filtered");
        assert_eq!(error_text((3, 1)), "Destination Host Unreachable");
        let mut reply = ip(1);
        let mut icmp = echo_request(7, 3, 56);
        icmp[0] = 0;
        reply.extend(icmp);
        assert_eq!(parse_error(&reply, 7), None, "a reply is no error");
    }
}
