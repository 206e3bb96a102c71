//! The port proxies of one running container, in its supervisor: a listener on the real
//! host for each published port, and for each connection a socket made inside the lab host's
//! network namespace that connects to the container's address — so a browser on the host
//! reaches the container without a route, NAT rule or firewall change on the host (Docker's
//! `docker-proxy` plays the same part next to its iptables rules).

use std::fs::File;
use std::io;
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::errno::Errno;
use nix::fcntl::{fcntl, splice, FcntlArg, OFlag, SpliceFFlags};
use nix::sched::{setns, CloneFlags};

use super::netns;
use super::ports::{Binding, PublishedPort};

/// A bound listener, before it serves.
pub enum Listener {
    Tcp(TcpListener),
    Udp(UdpSocket),
}

/// Binds every binding on the host; the first taken port fails with Docker's text.
/// Nothing is left bound on failure (the listeners bound so far are dropped).
pub fn bind_all(bindings: &[Binding]) -> Result<Vec<(PublishedPort, Listener)>, String> {
    let mut out = Vec::new();
    for b in bindings {
        let ip = b.host_ip.unwrap_or(Ipv4Addr::UNSPECIFIED);
        let addr = SocketAddr::from((ip, b.host_port));
        let bound =
            match b.proto.as_str() {
                "udp" => UdpSocket::bind(addr)
                    .and_then(|s| Ok((s.local_addr()?.port(), Listener::Udp(s)))),
                _ => TcpListener::bind(addr)
                    .and_then(|s| Ok((s.local_addr()?.port(), Listener::Tcp(s)))),
            };
        match bound {
            Ok((port, listener)) => out.push((
                PublishedPort {
                    proto: b.proto.clone(),
                    container_port: b.container_port,
                    host_ip: ip,
                    host_port: port,
                },
                listener,
            )),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                return Err(format!(
                    "Bind for {ip}:{} failed: port is already allocated",
                    b.host_port
                ));
            }
            Err(e) => return Err(format!("Bind for {ip}:{} failed: {e}", b.host_port)),
        }
    }
    Ok(out)
}

/// Stops serving: from [`ProxyHandle::close`] on, the host ports refuse connections and
/// are released.
pub struct ProxyHandle {
    stop: Arc<AtomicBool>,
    sockets: Vec<OwnedFd>,
}

impl ProxyHandle {
    /// Shuts every listening socket down (a listening TCP socket then refuses new
    /// connections at once), which wakes its thread to drop it; open connections finish.
    pub fn close(&self) {
        self.stop.store(true, Ordering::SeqCst);
        for fd in &self.sockets {
            let _ = nix::sys::socket::shutdown(fd.as_raw_fd(), nix::sys::socket::Shutdown::Both);
        }
    }
}

impl Drop for ProxyHandle {
    fn drop(&mut self) {
        self.close();
    }
}

/// Serves the listeners, forwarding to `target` (the container's address) through sockets
/// made in the lab host `lab`, until the returned handle is closed.
pub fn serve(
    listeners: Vec<(PublishedPort, Listener)>,
    target: Ipv4Addr,
    lab: File,
) -> ProxyHandle {
    let lab = Arc::new(lab);
    let stop = Arc::new(AtomicBool::new(false));
    let mut sockets = Vec::new();
    for (port, listener) in listeners {
        let lab = Arc::clone(&lab);
        let stop = Arc::clone(&stop);
        let to = SocketAddr::from((target, port.container_port));
        match listener {
            Listener::Tcp(l) => {
                sockets.extend(l.as_fd().try_clone_to_owned());
                std::thread::spawn(move || serve_tcp(l, to, lab, stop));
            }
            Listener::Udp(s) => {
                sockets.extend(s.as_fd().try_clone_to_owned());
                std::thread::spawn(move || serve_udp(s, to, lab, stop));
            }
        }
    }
    ProxyHandle { stop, sockets }
}

/// Connects to `to` from inside the lab host. Called on a connection's own thread, which
/// enters the lab host for good: it makes no other socket, and ends with the connection.
fn connect_in(lab: &File, to: SocketAddr) -> io::Result<TcpStream> {
    setns(lab.as_fd(), CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
    TcpStream::connect_timeout(&to, Duration::from_secs(5))
}

fn serve_tcp(listener: TcpListener, to: SocketAddr, lab: Arc<File>, stop: Arc<AtomicBool>) {
    for client in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(client) = client else {
            continue;
        };
        let lab = Arc::clone(&lab);
        std::thread::spawn(move || {
            // Nothing listens in the container (yet): close, as a refused connection would.
            let Ok(upstream) = connect_in(&lab, to) else {
                let _ = client.shutdown(Shutdown::Both);
                return;
            };
            let _ = client.set_nodelay(true);
            let _ = upstream.set_nodelay(true);
            pipe_both_ways(client, upstream);
        });
    }
}

/// Copies bytes both ways until both sides have finished, half-closing as each ends.
fn pipe_both_ways(a: TcpStream, b: TcpStream) {
    let (Ok(a2), Ok(b2)) = (a.try_clone(), b.try_clone()) else {
        return;
    };
    let forward = std::thread::spawn(move || {
        let _ = copy_until_end(&a, &b);
        let _ = b.shutdown(Shutdown::Write);
    });
    let _ = copy_until_end(&b2, &a2);
    let _ = a2.shutdown(Shutdown::Write);
    let _ = forward.join();
}

/// How many bytes one pipe between two sockets holds (the default is 64 KiB; more means
/// fewer system calls per megabyte, and the pages are only taken while data waits).
const PIPE_BYTES: i32 = 256 * 1024;

/// Copies from `from` to `to` until `from` ends. With splice(2) through a pipe the bytes
/// move between the two sockets' kernel buffers without a trip through this process's
/// memory; where splice is refused, a plain read/write loop does the same.
fn copy_until_end(from: &TcpStream, to: &TcpStream) -> io::Result<()> {
    let (pipe_out, pipe_in) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
    let chunk = fcntl(pipe_in.as_raw_fd(), FcntlArg::F_SETPIPE_SZ(PIPE_BYTES))
        .map_or(64 * 1024, |n| n as usize);
    loop {
        let n = match retry(|| {
            splice(
                from,
                None,
                &pipe_in,
                None,
                chunk,
                SpliceFFlags::SPLICE_F_MOVE,
            )
        }) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(Errno::EINVAL) => return io::copy(&mut &*from, &mut &*to).map(drop),
            Err(e) => return Err(e.into()),
        };
        let mut left = n;
        while left > 0 {
            match retry(|| splice(&pipe_out, None, to, None, left, SpliceFFlags::SPLICE_F_MOVE))? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                m => left -= m,
            }
        }
    }
}

/// Runs a system call again while a signal interrupts it.
fn retry(mut call: impl FnMut() -> nix::Result<usize>) -> nix::Result<usize> {
    loop {
        match call() {
            Err(Errno::EINTR) => continue,
            other => return other,
        }
    }
}

/// UDP: one upstream socket (in the lab host) per client address; replies go back to it
/// from the listening socket.
fn serve_udp(socket: UdpSocket, to: SocketAddr, lab: Arc<File>, stop: Arc<AtomicBool>) {
    let socket = Arc::new(socket);
    let peers: Arc<Mutex<std::collections::HashMap<SocketAddr, Arc<UdpSocket>>>> = Arc::default();
    let mut buf = vec![0u8; 65536];
    loop {
        let received = socket.recv_from(&mut buf);
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok((n, client)) = received else {
            continue;
        };
        let upstream = {
            let mut map = peers.lock().unwrap_or_else(|e| e.into_inner());
            match map.get(&client) {
                Some(u) => Arc::clone(u),
                None => {
                    let made = netns::run_in(lab.as_fd(), move || {
                        let u = UdpSocket::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)))?;
                        u.connect(to)?;
                        Ok(u)
                    });
                    let Ok(u) = made else {
                        continue;
                    };
                    let u = Arc::new(u);
                    map.insert(client, Arc::clone(&u));
                    let (back, reply_to, peers) = (Arc::clone(&socket), client, Arc::clone(&peers));
                    let reader = Arc::clone(&u);
                    std::thread::spawn(move || {
                        let _ = reader.set_read_timeout(Some(Duration::from_secs(60)));
                        let mut buf = vec![0u8; 65536];
                        while let Ok(n) = reader.recv(&mut buf) {
                            let _ = back.send_to(&buf[..n], reply_to);
                        }
                        peers
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .remove(&reply_to);
                    });
                    u
                }
            }
        };
        let _ = upstream.send(&buf[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_port_fails_with_dockers_text_and_releases_the_rest() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let free = TcpListener::bind("127.0.0.1:0").unwrap();
        let free_port = free.local_addr().unwrap().port();
        drop(free);
        let bindings = [
            Binding {
                proto: "tcp".into(),
                container_port: 81,
                host_ip: Some(Ipv4Addr::LOCALHOST),
                host_port: free_port,
            },
            Binding {
                proto: "tcp".into(),
                container_port: 80,
                host_ip: Some(Ipv4Addr::LOCALHOST),
                host_port: port,
            },
        ];
        let err = bind_all(&bindings).err().unwrap();
        assert_eq!(
            err,
            format!("Bind for 127.0.0.1:{port} failed: port is already allocated")
        );
        // The first one was released again.
        TcpListener::bind(("127.0.0.1", free_port)).unwrap();
    }

    #[test]
    fn copy_until_end_moves_every_byte_in_order() {
        use std::io::{Read, Write};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut writer = TcpStream::connect(addr).unwrap();
        let (from, _) = listener.accept().unwrap();
        let to = TcpStream::connect(addr).unwrap();
        let (mut reader, _) = listener.accept().unwrap();
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let sent = data.clone();
        let write = std::thread::spawn(move || writer.write_all(&sent));
        let copy = std::thread::spawn(move || {
            copy_until_end(&from, &to)?;
            to.shutdown(Shutdown::Write)
        });
        let mut got = Vec::new();
        reader.read_to_end(&mut got).unwrap();
        write.join().unwrap().unwrap();
        copy.join().unwrap().unwrap();
        assert_eq!(got.len(), data.len());
        assert!(got == data, "the bytes arrived changed or out of order");
    }

    #[test]
    fn port_zero_gets_a_free_port() {
        let bound = bind_all(&[Binding {
            proto: "tcp".into(),
            container_port: 80,
            host_ip: Some(Ipv4Addr::LOCALHOST),
            host_port: 0,
        }])
        .unwrap();
        assert_ne!(bound[0].0.host_port, 0);
    }
}
