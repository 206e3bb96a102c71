//! Container benchmarks: `cargo bench --bench containers` (as root).
//!
//! Wall time of whole `dockerlings docker …` processes, as a learner types them, against
//! Debian's podman doing the same on the same machine in the same run, so the ratios
//! compare across machines:
//! - `run --rm hello-world` (create, start, attach, wait, remove);
//! - `run -d busybox sleep 300` followed by `rm -f <id>`;
//! - memory of the per-container supervisor (`dockerlings __supervise`) against podman's
//!   `conmon`: RSS and PSS from `/proc/<pid>/smaps_rollup`, for one running container and
//!   for several at once (PSS shares the binary's pages between them).
//!
//! The ratio uses `--network none` on both sides: podman's default networking would build
//! bridges and firewall rules on the real host. Ours is also measured in its default
//! network mode (its networks live in the engine's own namespaces, never the host's).
//! Podman runs with a temporary `--root`, `--runroot`, `--tmpdir` and network config dir,
//! a `CONTAINERS_CONF` of its own (the ulimits and runtime this machine needs) and the
//! images `dockerlings docker save` writes; Docker's `rm -f` kills at once, so podman's
//! is `rm -f -t 0` (podman 4 would otherwise wait 10 s for the stop signal first).
//! Without podman the bench prints our numbers and says the peer was not measured.
//!
//! `BENCH_RUNS` sets the number of measured rounds (default 20), after a warm-up; each round
//! runs every row once, so a change in the machine's load hits all rows alike. The latest
//! figures are in the book (architecture page, "Measuring"); this harness only measures.

use std::time::Duration;

#[path = "support/mod.rs"]
mod support;
use support::{check, timed, Ours, Podman, Stats};

const WARM_UP: usize = 3;
/// How many containers run at once for the "several" memory figure.
const MANY: usize = 5;
/// How long running containers idle before their supervisors' memory is read.
const SETTLE: Duration = Duration::from_millis(500);

fn main() {
    if !support::have_root("container", "containers are real") {
        return;
    }
    let runs = support::env_count("BENCH_RUNS", 20);

    let ours = Ours::new("db");
    ours.ok(&["pull", "hello-world"]);
    ours.ok(&["pull", "busybox"]);
    let podman = match podman_peer(&ours) {
        Ok(p) => Some(p),
        Err(why) => {
            println!("podman: not measured ({why})\n");
            None
        }
    };

    println!(
        "dockerlings container benchmarks: wall time of whole processes, {runs} rounds after \
         {WARM_UP} warm-up rounds, each round running every row once (ms: median p10–p90)\n"
    );
    // Interleaved rounds, so a change in the machine's load hits every row alike.
    let mut rows = [
        Series::new("--network none", true),
        Series::new("default network", false),
    ];
    let mut peer = Series::new("--network none", true);
    for round in 0..WARM_UP + runs {
        let keep = round >= WARM_UP;
        for series in &mut rows {
            let network = series.none.then_some("none");
            let hello = ours.hello(network);
            let (run, rm) = ours.detached(network);
            series.push(keep, hello, run, rm);
        }
        if let Some(p) = &podman {
            let hello = p.hello();
            let (run, rm) = p.detached();
            peer.push(keep, hello, run, rm);
        }
    }
    println!(
        "{:<44} {:>22} {:>22} {:>12}",
        "", "dockerlings", "podman", "podman/ours"
    );
    for series in &rows {
        // Podman only with `--network none` (the network rule: see the module docs).
        let peer = podman.as_ref().filter(|_| series.none).map(|_| &peer);
        let label = series.label;
        row(
            &format!("run --rm hello-world ({label})"),
            &series.hello,
            peer.map(|p| p.hello.as_slice()),
        );
        let sum = |s: &Series| -> Vec<Duration> {
            s.run_d.iter().zip(&s.rm_f).map(|(a, b)| *a + *b).collect()
        };
        row(
            &format!("run -d busybox + rm -f ({label})"),
            &sum(series),
            peer.map(sum).as_deref(),
        );
        row(
            "  of which run -d",
            &series.run_d,
            peer.map(|p| p.run_d.as_slice()),
        );
        row(
            "  of which rm -f",
            &series.rm_f,
            peer.map(|p| p.rm_f.as_slice()),
        );
    }
    if podman.is_none() {
        println!("(podman not measured)");
    }

    println!();
    println!(
        "{:<44} {:>22} {:>22} {:>12}",
        "memory per running container (kB)",
        "supervisor RSS / PSS",
        "conmon RSS / PSS",
        "conmon/ours RSS"
    );
    for count in [1, MANY] {
        let ours_mem = ours.supervisor_memory(count);
        let peer_mem = podman.as_ref().map(|p| p.conmon_memory(count));
        let label = if count == 1 {
            "one container".to_string()
        } else {
            format!("{count} containers, mean")
        };
        let fmt = |m: &Memory| format!("{} / {}", m.rss_kb, m.pss_kb);
        println!(
            "{:<44} {:>22} {:>22} {:>12}",
            label,
            fmt(&ours_mem),
            peer_mem.as_ref().map_or("not measured".to_string(), fmt),
            peer_mem.as_ref().map_or("-".to_string(), |p| format!(
                "{:.2}",
                p.rss_kb as f64 / ours_mem.rss_kb as f64
            )),
        );
    }
}

/// The durations measured for one row of the table.
struct Series {
    label: &'static str,
    none: bool,
    hello: Vec<Duration>,
    run_d: Vec<Duration>,
    rm_f: Vec<Duration>,
}

impl Series {
    fn new(label: &'static str, none: bool) -> Self {
        Self {
            label,
            none,
            hello: Vec::new(),
            run_d: Vec::new(),
            rm_f: Vec::new(),
        }
    }

    fn push(&mut self, keep: bool, hello: Duration, run_d: Duration, rm_f: Duration) {
        if keep {
            self.hello.push(hello);
            self.run_d.push(run_d);
            self.rm_f.push(rm_f);
        }
    }
}

fn row(what: &str, ours: &[Duration], peer: Option<&[Duration]>) {
    let ours_stats = Stats::of(ours);
    let (peer_text, ratio) = match peer {
        Some(p) => {
            let s = Stats::of(p);
            (
                s.to_string(),
                format!("{:.1}×", s.median / ours_stats.median),
            )
        }
        None => ("-".to_string(), "-".to_string()),
    };
    println!(
        "{what:<44} {:>22} {peer_text:>22} {ratio:>12}",
        ours_stats.to_string()
    );
}

/// Resident and proportional set size of one process, or the mean of several.
#[derive(Debug, Clone, Copy, Default)]
struct Memory {
    rss_kb: u64,
    pss_kb: u64,
}

impl Memory {
    fn of(pid: u32) -> Self {
        let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
            .unwrap_or_else(|e| panic!("read smaps_rollup of {pid}: {e}"));
        let field = |name: &str| -> u64 {
            rollup
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no {name} in smaps_rollup of {pid}"))
        };
        Self {
            rss_kb: field("Rss:"),
            pss_kb: field("Pss:"),
        }
    }

    fn mean(all: &[Memory]) -> Self {
        let n = all.len() as u64;
        Self {
            rss_kb: all.iter().map(|m| m.rss_kb).sum::<u64>() / n,
            pss_kb: all.iter().map(|m| m.pss_kb).sum::<u64>() / n,
        }
    }
}

impl Ours {
    fn with_network<'a>(network: Option<&'a str>, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = vec!["run"];
        if let Some(n) = network {
            all.extend(["--network", n]);
        }
        all.extend(args);
        all
    }

    fn hello(&self, network: Option<&str>) -> Duration {
        support::wait_quiet();
        let (took, out) =
            timed(&mut self.docker(&Self::with_network(network, &["--rm", "hello-world"])));
        check("dockerlings docker run --rm hello-world", &out);
        assert!(String::from_utf8_lossy(&out.stdout).contains("Hello from Docker"));
        took
    }

    fn start_sleeper(&self, network: Option<&str>) -> (Duration, String) {
        let args = Self::with_network(network, &["-d", "busybox", "sleep", "300"]);
        let (took, out) = timed(&mut self.docker(&args));
        check("dockerlings docker run -d busybox sleep 300", &out);
        (
            took,
            String::from_utf8(out.stdout).unwrap().trim().to_string(),
        )
    }

    /// `run -d` then `rm -f`: the two durations.
    fn detached(&self, network: Option<&str>) -> (Duration, Duration) {
        support::wait_quiet();
        let (run, id) = self.start_sleeper(network);
        let (rm, out) = timed(&mut self.docker(&["rm", "-f", &id]));
        check("dockerlings docker rm -f", &out);
        (run, rm)
    }

    /// Mean memory of the supervisors of `count` running containers.
    fn supervisor_memory(&self, count: usize) -> Memory {
        let ids: Vec<String> = (0..count)
            .map(|_| self.start_sleeper(Some("none")).1)
            .collect();
        std::thread::sleep(SETTLE);
        let all: Vec<Memory> = ids
            .iter()
            .map(|id| Memory::of(supervisor_pid(id)))
            .collect();
        for id in &ids {
            self.ok(&["rm", "-f", id]);
        }
        Memory::mean(&all)
    }
}

/// The PID of the `__supervise <id>` process.
fn supervisor_pid(id: &str) -> u32 {
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
        if args.contains(&b"__supervise".as_slice()) && args.contains(&id.as_bytes()) {
            return pid;
        }
    }
    panic!("no supervisor process for container {id}");
}

/// Directories podman (as root) writes whatever its options say: its blob-info cache and
/// netavark's run directory.
const PODMAN_OUTSIDE: &[&str] = &["/var/lib/containers", "/run/containers"];

/// Sets up the peer: Debian's podman (see `support::Podman`) with our two images; the
/// reason when it cannot run here.
fn podman_peer(ours: &Ours) -> Result<Podman, String> {
    Podman::new(ours, &["hello-world", "busybox"], PODMAN_OUTSIDE)?.probe(&[
        "--rm",
        "--network",
        "none",
        HELLO,
    ])
}

/// The container benchmark's rows on podman's side.
impl Podman {
    fn hello(&self) -> Duration {
        support::wait_quiet();
        let (took, out) = timed(&mut self.command(&["run", "--rm", "--network", "none", HELLO]));
        check("podman run --rm hello-world", &out);
        assert!(String::from_utf8_lossy(&out.stdout).contains("Hello from Docker"));
        took
    }

    fn start_sleeper(&self) -> (Duration, String) {
        let (took, out) =
            timed(&mut self.command(&["run", "-d", "--network", "none", BUSYBOX, "sleep", "300"]));
        check("podman run -d busybox sleep 300", &out);
        (
            took,
            String::from_utf8(out.stdout).unwrap().trim().to_string(),
        )
    }

    fn detached(&self) -> (Duration, Duration) {
        support::wait_quiet();
        let (run, id) = self.start_sleeper();
        let (rm, out) = timed(&mut self.command(&["rm", "-f", "-t", "0", &id]));
        check("podman rm -f", &out);
        (run, rm)
    }

    fn conmon_memory(&self, count: usize) -> Memory {
        let ids: Vec<String> = (0..count).map(|_| self.start_sleeper().1).collect();
        std::thread::sleep(SETTLE);
        let all: Vec<Memory> = ids
            .iter()
            .map(|id| {
                let out = self
                    .command(&["inspect", "--format", "{{.State.ConmonPid}}", id])
                    .output()
                    .unwrap();
                check("podman inspect", &out);
                let pid = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
                Memory::of(pid)
            })
            .collect();
        for id in &ids {
            check(
                "podman rm -f",
                &self.command(&["rm", "-f", "-t", "0", id]).output().unwrap(),
            );
        }
        Memory::mean(&all)
    }
}

/// The names `podman load` gives our images.
const HELLO: &str = "localhost/hello-world:latest";
const BUSYBOX: &str = "localhost/busybox:latest";
