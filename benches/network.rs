//! Network benchmarks: `cargo bench --bench network` (as root).
//!
//! Measured in one run, against Debian's podman on the same machine where it applies:
//! 1. **Network set-up per container**: the median wall time of `run --rm busybox true` on
//!    the default bridge minus the same with `--network none` (veth pair, bridge port,
//!    address, route), and its share of the whole `run --rm`. Podman's peer is its
//!    `slirp4netns` mode against its own `--network none`.
//! 2. **`run -d -p` to the first HTTP 200**: from spawning `run -d -p 127.0.0.1:<port>:80
//!    nginx` until a GET to `127.0.0.1:<port>` (polled every millisecond) answers 200; the
//!    container is removed between runs (untimed). Podman does the same flow with
//!    `--network slirp4netns` (its user-space port forwarder): podman's default networking
//!    (netavark) would change the host's firewall and routes, so it is never used.
//! 3. **The port proxy against a direct connection**: `wrk` on the host to the published
//!    port (through the container's proxy) against `wrk` inside the engine's lab host
//!    namespace to `<container IP>:80`, same container, same duration, alternating — a small
//!    page over one and over 16 connections (latency, requests/s) and a 1 MiB file (bytes/s),
//!    served from a bind-mounted directory. Podman's peer: wrk on the host through its
//!    slirp4netns port forwarder to its own nginx container (same image, same directory),
//!    in the same rounds, against the same direct figure.
//!
//! Traffic goes only to 127.0.0.1 and to the containers inside the engine's own lab host.
//! Ports are published on 127.0.0.1 only, so nothing is reachable from outside meanwhile.
//! Everything is cleaned up on drop, on failure too: containers, the lab host mount, temp
//! directories, podman's state.
//!
//! `BENCH_RUNS` sets the measured rounds of 1 and 2 (default 20, after a warm-up);
//! `BENCH_WRK_SECS` the length of one wrk run (default 3) and `BENCH_WRK_ROUNDS` how many
//! runs of each side are taken (default 5; medians shown, the ratio is the median of the
//! rounds' ratios). The latest figures are in the book
//! (architecture page, "Measuring", "Networks"); this harness only measures.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "support/mod.rs"]
mod support;
use support::{check, timed, Ours, Podman, Stats};

const WARM_UP: usize = 2;
/// How long a `run -d -p` may take to serve before the bench gives up.
const SERVE_DEADLINE: Duration = Duration::from_secs(30);
/// The bind-mounted file for the byte-throughput row.
const BIG_FILE_BYTES: usize = 1 << 20;

fn main() {
    if !support::have_root("network", "networks are real") {
        return;
    }
    let runs = support::env_count("BENCH_RUNS", 20);
    let wrk_secs = support::env_count("BENCH_WRK_SECS", 3);
    let wrk_rounds = support::env_count("BENCH_WRK_ROUNDS", 5);

    let ours = Ours::new("dn");
    ours.ok(&["pull", "busybox"]);
    ours.ok(&["pull", "nginx"]);
    let podman = match Peer::new(&ours) {
        Ok(p) => Some(p),
        Err(why) => {
            println!("podman: not measured ({why})\n");
            None
        }
    };

    setup_time(&ours, podman.as_ref(), runs);
    first_200(&ours, podman.as_ref(), runs);
    proxy_vs_direct(&ours, podman.as_ref(), wrk_secs, wrk_rounds);
}

/// Part 1: the network's share of `run --rm busybox true`.
fn setup_time(ours: &Ours, podman: Option<&Peer>, runs: usize) {
    println!(
        "1. network set-up per container: `run --rm busybox true`, {runs} rounds after \
         {WARM_UP} warm-up rounds, interleaved (ms: median p10–p90)\n"
    );
    let (mut none, mut bridge) = (Vec::new(), Vec::new());
    let (mut p_none, mut p_slirp) = (Vec::new(), Vec::new());
    for round in 0..WARM_UP + runs {
        let keep = round >= WARM_UP;
        let samples = [
            ours.run_true(Some("none")),
            ours.run_true(None),
            podman.map_or(Duration::ZERO, |p| p.run_true("none")),
            podman.map_or(Duration::ZERO, |p| p.run_true("slirp4netns")),
        ];
        if keep {
            none.push(samples[0]);
            bridge.push(samples[1]);
            p_none.push(samples[2]);
            p_slirp.push(samples[3]);
        }
    }
    println!(
        "{:<44} {:>22} {:>22}",
        "", "dockerlings", "podman (slirp4netns)"
    );
    let peer = podman.is_some();
    let show = |what: &str, ours: &[Duration], peer_s: &[Duration]| {
        println!(
            "{what:<44} {:>22} {:>22}",
            Stats::of(ours).to_string(),
            if peer {
                Stats::of(peer_s).to_string()
            } else {
                "not measured".to_string()
            }
        );
    };
    show("run --rm --network none", &none, &p_none);
    show("run --rm, with a network", &bridge, &p_slirp);
    // Paired by round (both ran back to back), so the machine's changing load cancels out.
    let setup = |with: &[Duration], without: &[Duration]| {
        let mut diffs: Vec<f64> = with
            .iter()
            .zip(without)
            .map(|(w, wo)| (w.as_secs_f64() - wo.as_secs_f64()) * 1e3)
            .collect();
        diffs.sort_by(f64::total_cmp);
        let diff = diffs[diffs.len() / 2];
        let w = Stats::of(with).median;
        format!("{diff:.1} ({:.0}% of run)", 100.0 * diff / w)
    };
    println!(
        "{:<44} {:>22} {:>22}\n",
        "network set-up (median of paired differences)",
        setup(&bridge, &none),
        if peer {
            setup(&p_slirp, &p_none)
        } else {
            "not measured".to_string()
        }
    );
}

/// Part 2: `run -d -p` until the published port answers 200.
fn first_200(ours: &Ours, podman: Option<&Peer>, runs: usize) {
    println!(
        "2. `run -d -p 127.0.0.1:<port>:80 nginx` until a GET through the port answers 200, \
         {runs} rounds after {WARM_UP} warm-up rounds (ms: median p10–p90)\n"
    );
    let (mut ours_s, mut peer_s) = (Vec::new(), Vec::new());
    for round in 0..WARM_UP + runs {
        let keep = round >= WARM_UP;
        let took = ours.run_nginx_until_200();
        let peer = podman.map(Peer::run_nginx_until_200);
        if keep {
            ours_s.push(took);
            peer_s.extend(peer);
        }
    }
    println!(
        "{:<44} {:>22} {:>22} {:>12}",
        "", "dockerlings", "podman (slirp4netns)", "podman/ours"
    );
    for (what, first) in [
        ("run -d -p … nginx → first 200", true),
        ("  of which until run -d returned", false),
    ] {
        let pick = |s: &Served| if first { s.first_200 } else { s.run_returned };
        let o = Stats::of(&ours_s.iter().map(pick).collect::<Vec<_>>());
        let (peer_text, ratio) = if podman.is_some() {
            let p = Stats::of(&peer_s.iter().map(pick).collect::<Vec<_>>());
            (p.to_string(), format!("{:.1}×", p.median / o.median))
        } else {
            ("not measured".to_string(), "-".to_string())
        };
        println!(
            "{what:<44} {:>22} {peer_text:>22} {ratio:>12}",
            o.to_string()
        );
    }
    println!();
}

/// Part 3: wrk through the proxy against wrk inside the lab host, and through podman's
/// port forwarder (slirp4netns) to the same program and files.
fn proxy_vs_direct(ours: &Ours, podman: Option<&Peer>, secs: usize, rounds: usize) {
    let html = tempfile::Builder::new()
        .prefix("dl-bench-html-")
        .tempdir()
        .unwrap();
    let page =
        include_str!("../runtime/catalogue/files/nginx-1.25/usr/share/nginx/html/index.html");
    std::fs::write(html.path().join("index.html"), page).unwrap();
    let big: Vec<u8> = (0..BIG_FILE_BYTES).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(html.path().join("big.bin"), big).unwrap();

    let port = free_port();
    let publish = format!("127.0.0.1:{port}:80");
    let volume = format!("{}:/usr/share/nginx/html:ro", html.path().display());
    let id = ours
        .ok(&["run", "-d", "-p", &publish, "-v", &volume, "nginx"])
        .trim()
        .to_string();
    let proxied = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    wait_for_200(proxied, Instant::now() + SERVE_DEADLINE).expect("nginx never served");
    let ip: Ipv4Addr = ours
        .ok(&["inspect", "--format", "{{.NetworkSettings.IPAddress}}", &id])
        .trim()
        .parse()
        .expect("the container's IP");
    let lab = dockerlings_runtime::network::labhost::path(ours.run.path());
    let peer = podman.map(|p| p.serve_directory(&volume));

    println!(
        "3. the port proxy: wrk on the host to 127.0.0.1:{port} (proxied) against wrk in the \
         lab host to {ip}:80 (direct), same container, {secs} s per run, {rounds} runs of each \
         side alternating (medians; the ratio is the median of the rounds' ratios){}\n",
        match &peer {
            Some((p, _)) => format!(
                "; podman: wrk on the host to 127.0.0.1:{p}, its slirp4netns port forwarder \
                 in front of the same nginx and files, in the same rounds, against our direct"
            ),
            None => String::new(),
        }
    );
    println!(
        "{:<28} {:>34} {:>34} {:>15} {:>34} {:>15}",
        "", "direct", "proxied", "proxied/direct", "podman proxied", "podman/direct"
    );
    let loads = [
        ("small page, 1 connection", "/index.html", 1, 1),
        ("small page, 16 connections", "/index.html", 2, 16),
        ("1 MiB file, 4 connections", "/big.bin", 2, 4),
    ];
    for (what, path, threads, conns) in loads {
        let (mut direct, mut via, mut podman_via) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            let wrk = |netns: Option<&Path>, host: String| {
                Wrk::run(netns, &format!("http://{host}{path}"), threads, conns, secs)
            };
            direct.push(wrk(Some(&lab), format!("{ip}:80")));
            via.push(wrk(None, format!("127.0.0.1:{port}")));
            if let Some((p, _)) = &peer {
                podman_via.push(wrk(None, format!("127.0.0.1:{p}")));
            }
        }
        let bytes = path == "/big.bin";
        let fmt = |w: &Wrk| {
            if bytes {
                format!(
                    "{:.0} MB/s p50 {}",
                    w.bytes_per_sec / 1e6,
                    fmt_latency(w.p50)
                )
            } else {
                format!(
                    "{:.0} req/s p50 {} p99 {}",
                    w.requests_per_sec,
                    fmt_latency(w.p50),
                    fmt_latency(w.p99)
                )
            }
        };
        let (peer_text, peer_ratio) = if podman_via.is_empty() {
            ("-".to_string(), "-".to_string())
        } else {
            (
                fmt(&Wrk::median(&podman_via)),
                format!("{:.0}%", 100.0 * median_ratio(&podman_via, &direct)),
            )
        };
        println!(
            "{what:<28} {:>34} {:>34} {:>14.0}% {peer_text:>34} {peer_ratio:>15}",
            fmt(&Wrk::median(&direct)),
            fmt(&Wrk::median(&via)),
            100.0 * median_ratio(&via, &direct)
        );
    }
    println!();
    ours.ok(&["rm", "-f", &id]);
    if let (Some(podman), Some((_, peer_id))) = (podman, &peer) {
        podman.remove(peer_id);
    }
}

/// The median of `proxied / direct` over rounds (each pair ran back to back).
fn median_ratio(proxied: &[Wrk], direct: &[Wrk]) -> f64 {
    let mut ratios: Vec<f64> = proxied
        .iter()
        .zip(direct)
        .map(|(p, d)| p.requests_per_sec / d.requests_per_sec)
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

fn fmt_latency(seconds: f64) -> String {
    if seconds < 1e-3 {
        format!("{:.0}µs", seconds * 1e6)
    } else {
        format!("{:.2}ms", seconds * 1e3)
    }
}

/// What one wrk run measured.
#[derive(Debug, Clone, Copy)]
struct Wrk {
    requests_per_sec: f64,
    bytes_per_sec: f64,
    /// Latency percentiles, in seconds.
    p50: f64,
    p99: f64,
}

impl Wrk {
    /// Runs wrk (inside the namespace `netns` when given) and parses its report.
    fn run(netns: Option<&Path>, url: &str, threads: usize, conns: usize, secs: usize) -> Self {
        let mut cmd = match netns {
            Some(ns) => {
                let mut c = Command::new("nsenter");
                c.arg(format!("--net={}", ns.display())).arg("wrk");
                c
            }
            None => Command::new("wrk"),
        };
        cmd.args([
            "--latency",
            "-t",
            &threads.to_string(),
            "-c",
            &conns.to_string(),
            "-d",
            &format!("{secs}s"),
            url,
        ]);
        let out = cmd.stdin(Stdio::null()).output().expect("spawn wrk");
        check(&format!("wrk {url}"), &out);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.contains("Non-2xx") && !text.contains("Socket errors"),
            "wrk {url} saw errors:\n{text}"
        );
        Self::parse(&text).unwrap_or_else(|| panic!("cannot read wrk's report:\n{text}"))
    }

    fn parse(text: &str) -> Option<Self> {
        let field = |prefix: &str| -> Option<&str> {
            text.lines()
                .map(str::trim)
                .find_map(|l| l.strip_prefix(prefix))
                .map(str::trim)
        };
        Some(Self {
            requests_per_sec: field("Requests/sec:")?.parse().ok()?,
            bytes_per_sec: parse_unit(field("Transfer/sec:")?, BYTE_UNITS)?,
            p50: parse_unit(field("50%")?, LATENCY_UNITS)?,
            p99: parse_unit(field("99%")?, LATENCY_UNITS)?,
        })
    }

    /// The run with the median request rate, and the median of each latency.
    fn median(runs: &[Wrk]) -> Wrk {
        let mid = |f: fn(&Wrk) -> f64| {
            let mut v: Vec<f64> = runs.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        Wrk {
            requests_per_sec: mid(|w| w.requests_per_sec),
            bytes_per_sec: mid(|w| w.bytes_per_sec),
            p50: mid(|w| w.p50),
            p99: mid(|w| w.p99),
        }
    }
}

/// wrk's units: seconds, and bytes in powers of 1024.
const LATENCY_UNITS: &[(&str, f64)] = &[("us", 1e-6), ("ms", 1e-3), ("s", 1.0)];
const BYTE_UNITS: &[(&str, f64)] = &[
    ("GB", 1073741824.0),
    ("MB", 1048576.0),
    ("KB", 1024.0),
    ("B", 1.0),
];

/// `12.5MB` → 12.5 × the unit's scale.
fn parse_unit(value: &str, units: &[(&str, f64)]) -> Option<f64> {
    units.iter().find_map(|&(suffix, scale)| {
        let number: f64 = value.strip_suffix(suffix)?.parse().ok()?;
        Some(number * scale)
    })
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The status code of `GET /` at `addr`, or `None` when nothing answered.
fn http_status(addr: SocketAddr) -> Option<u16> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .ok()?;
    let mut head = Vec::new();
    let mut buf = [0u8; 256];
    while !head.windows(2).any(|w| w == b"\r\n") {
        let n = s.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Polls `addr` every millisecond until it answers 200.
fn wait_for_200(addr: SocketAddr, deadline: Instant) -> Result<(), String> {
    loop {
        if http_status(addr) == Some(200) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{addr} did not answer 200 in time"));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// How long a `run -d -p` took to serve, and to return.
#[derive(Debug, Clone, Copy)]
struct Served {
    first_200: Duration,
    run_returned: Duration,
}

/// Spawns `cmd` (a `run -d -p 127.0.0.1:<port>:80 …`) and polls the port every millisecond
/// until it answers 200, noting meanwhile when `cmd` returned; the container ID it printed.
fn time_until_200(cmd: &mut Command, port: u16) -> (Served, String) {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn run -d");
    let mut run_returned = None;
    let first_200 = loop {
        if run_returned.is_none() && child.try_wait().unwrap().is_some() {
            run_returned = Some(start.elapsed());
        }
        if http_status(addr) == Some(200) {
            break Some(start.elapsed());
        }
        if start.elapsed() > SERVE_DEADLINE {
            break None;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let out = child.wait_with_output().unwrap();
    let run_returned = run_returned.unwrap_or_else(|| start.elapsed());
    check("run -d -p … nginx", &out);
    let id = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let first_200 = first_200.unwrap_or_else(|| panic!("{addr} never answered 200 ({id})"));
    (
        Served {
            first_200,
            run_returned,
        },
        id,
    )
}

impl Ours {
    fn run_true(&self, network: Option<&str>) -> Duration {
        support::wait_quiet();
        let mut args = vec!["run", "--rm"];
        if let Some(n) = network {
            args.extend(["--network", n]);
        }
        args.extend(["busybox", "true"]);
        let (took, out) = timed(&mut self.docker(&args));
        check("dockerlings docker run --rm busybox true", &out);
        took
    }

    fn run_nginx_until_200(&self) -> Served {
        support::wait_quiet();
        let port = free_port();
        let publish = format!("127.0.0.1:{port}:80");
        let (took, id) = time_until_200(
            &mut self.docker(&["run", "-d", "-p", &publish, "nginx"]),
            port,
        );
        self.ok(&["rm", "-f", &id]);
        took
    }
}

/// The peer: Debian's podman (see `support::Podman`) with our busybox and nginx, by the
/// names `podman load` gave them.
struct Peer {
    podman: Podman,
    busybox: String,
    nginx: String,
}

/// Directories podman (as root) writes whatever its options say: its blob-info cache,
/// netavark's run directory, and `/run/netns` (bind-mounted on itself, where it keeps the
/// namespaces of `slirp4netns` containers).
const PODMAN_OUTSIDE: &[&str] = &["/var/lib/containers", "/run/containers", "/run/netns"];

impl Peer {
    /// Sets podman up with our two images; the reason when it cannot run here.
    fn new(ours: &Ours) -> Result<Self, String> {
        match Command::new("slirp4netns").arg("--version").output() {
            Ok(out) if out.status.success() => {}
            _ => return Err("no slirp4netns (apt-get install slirp4netns)".to_string()),
        }
        let podman = Podman::new(ours, &["busybox", "nginx"], PODMAN_OUTSIDE)?;
        // The names `podman load` gave them (`localhost/…` or `docker.io/library/…`).
        let out = podman
            .command(&["images", "--format", "{{.Repository}}:{{.Tag}}"])
            .output()
            .map_err(|e| format!("podman images: {e}"))?;
        let names = String::from_utf8_lossy(&out.stdout).to_string();
        let find = |name: &str| {
            names
                .lines()
                .find(|l| l.ends_with(&format!("/{name}:latest")))
                .map(str::to_string)
                .ok_or_else(|| format!("podman load gave no {name} image ({names:?})"))
        };
        let (busybox, nginx) = (find("busybox")?, find("nginx")?);
        // A first container tells whether podman (and slirp4netns) works here at all.
        let podman = podman.probe(&[
            "--rm",
            "--pull",
            "never",
            "--network",
            "slirp4netns",
            &busybox,
            "true",
        ])?;
        Ok(Self {
            podman,
            busybox,
            nginx,
        })
    }

    fn command(&self, args: &[&str]) -> Command {
        self.podman.command(args)
    }

    fn run_true(&self, network: &str) -> Duration {
        support::wait_quiet();
        let (took, out) = timed(&mut self.command(&[
            "run",
            "--rm",
            "--pull",
            "never",
            "--network",
            network,
            &self.busybox,
            "true",
        ]));
        check(
            &format!("podman run --rm --network {network} busybox true"),
            &out,
        );
        took
    }

    /// Starts podman's nginx with `volume` as its document root, published on a free
    /// loopback port through slirp4netns; its port and container ID once it serves.
    fn serve_directory(&self, volume: &str) -> (u16, String) {
        let port = free_port();
        let publish = format!("127.0.0.1:{port}:80");
        let out = self
            .command(&self.nginx_args(&publish, &["-v", volume]))
            .output()
            .unwrap();
        check("podman run -d -p … -v … nginx", &out);
        let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        wait_for_200(addr, Instant::now() + SERVE_DEADLINE).expect("podman's nginx never served");
        (port, id)
    }

    /// `run -d` of podman's nginx on slirp4netns, publishing `publish`, with `extra` options.
    fn nginx_args<'a>(&'a self, publish: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec![
            "run",
            "-d",
            "--pull",
            "never",
            "--network",
            "slirp4netns",
            "-p",
            publish,
        ];
        args.extend(extra);
        args.push(&self.nginx);
        args
    }

    fn remove(&self, id: &str) {
        check(
            "podman rm -f",
            &self.command(&["rm", "-f", "-t", "0", id]).output().unwrap(),
        );
    }

    fn run_nginx_until_200(&self) -> Served {
        support::wait_quiet();
        let port = free_port();
        let publish = format!("127.0.0.1:{port}:80");
        let (took, id) = time_until_200(&mut self.command(&self.nginx_args(&publish, &[])), port);
        self.remove(&id);
        took
    }
}
