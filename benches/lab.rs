//! The guided lab's own costs (issue 5's "Measure"): REPL start to its first prompt, and the
//! check cycle after a command for a step with an HTTP and a ping check, on the real engine.
//! Each figure is printed next to a floor measured in the same run: the same binary's
//! `--version` (process start and exit) and a bare TCP connect to the same published port.
//! Root only (it runs containers); traffic goes to 127.0.0.1 and inside the lab's namespaces.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dockerlings::check::{evaluate, CheckContext, CheckKind, CheckSpec};
use dockerlings::i18n::Lang;

#[path = "support/mod.rs"]
mod support;

const EXE: &str = env!("CARGO_BIN_EXE_dockerlings");

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

struct Engine {
    root: tempfile::TempDir,
    run: tempfile::TempDir,
}

impl Engine {
    fn docker(&self, args: &[&str]) -> String {
        let out = Command::new(EXE)
            .arg("docker")
            .args(args)
            .env("DOCKERLINGS_ROOT", self.root.path())
            .env("DOCKERLINGS_RUN", self.run.path())
            .env("DOCKERLINGS_OFFLINE", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        let ids = self.docker(&["ps", "-aq"]);
        for id in ids.split_whitespace() {
            let _ = self.docker(&["rm", "-f", id]);
        }
        let _ = dockerlings_runtime::network::labhost::teardown(self.run.path());
    }
}

/// Time from starting `dockerlings learn 01` to its first prompt on stdout.
fn repl_start(engine: &Engine) -> Duration {
    let home = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut child = Command::new(EXE)
        .args(["--lang", "en", "learn", "01"])
        .env("DOCKERLINGS_ROOT", engine.root.path())
        .env("DOCKERLINGS_RUN", engine.run.path())
        .env("DOCKERLINGS_HOME", home.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    // The prompt is echoed with the first line read, so send one and wait for it.
    stdin.write_all(b"help\n").unwrap();
    loop {
        line.clear();
        if out.read_line(&mut line).unwrap() == 0 {
            panic!("the lab ended before its prompt");
        }
        if line.starts_with("[01 1/") {
            break;
        }
    }
    let elapsed = started.elapsed();
    stdin.write_all(b"quit\n").unwrap();
    drop(stdin);
    let _ = child.wait();
    elapsed
}

fn process_floor() -> Duration {
    let started = Instant::now();
    Command::new(EXE).arg("--version").output().unwrap();
    started.elapsed()
}

fn main() {
    if !support::have_root("lab", "it runs containers") {
        return;
    }
    let engine = Engine {
        root: tempfile::Builder::new()
            .prefix("dl-bench-lab-")
            .tempdir()
            .unwrap(),
        run: tempfile::Builder::new()
            .prefix("dbl")
            .tempdir_in("/tmp")
            .unwrap(),
    };
    let n = support::env_count("BENCH_RUNS", 15);
    // Warm up: images pulled, page cache filled.
    engine.docker(&["pull", "nginx"]);
    let _ = repl_start(&engine);
    let start: Vec<Duration> = (0..n).map(|_| repl_start(&engine)).collect();
    let floor: Vec<Duration> = (0..n).map(|_| process_floor()).collect();

    engine.docker(&["network", "create", "benchnet"]);
    engine.docker(&[
        "run",
        "-d",
        "--name",
        "web1",
        "--network",
        "benchnet",
        "-p",
        "18099:80",
        "nginx",
    ]);
    engine.docker(&[
        "run",
        "-d",
        "--name",
        "web2",
        "--network",
        "benchnet",
        "nginx",
    ]);
    let http = CheckSpec {
        id: "http".into(),
        points: 1,
        text: None,
        kind: CheckKind::Http {
            url: "http://127.0.0.1:18099/".into(),
            status: None,
            contains: Some("Welcome to nginx".into()),
        },
    };
    let ping = CheckSpec {
        id: "ping".into(),
        points: 1,
        text: None,
        kind: CheckKind::Ping {
            from: "web2".into(),
            to: "web1".into(),
            reachable: true,
        },
    };
    let paths = dockerlings_runtime::Paths::new(engine.root.path(), engine.run.path());
    let rt = dockerlings_runtime::Engine::open(paths).unwrap();
    let answers = Default::default();
    let cx = CheckContext {
        engine: &rt,
        exe: EXE.into(),
        probe_env: vec![
            (
                "DOCKERLINGS_ROOT".into(),
                engine.root.path().display().to_string(),
            ),
            (
                "DOCKERLINGS_RUN".into(),
                engine.run.path().display().to_string(),
            ),
        ],
        cwd: std::env::temp_dir(),
        typed: &[],
        answers: &answers,
        lang: Lang::En,
    };
    // Wait until both pass once (nginx starting), then time the cycle.
    let deadline = Instant::now() + Duration::from_secs(15);
    while !(evaluate(&http, &cx).passed() && evaluate(&ping, &cx).passed()) {
        assert!(Instant::now() < deadline, "the checks never passed");
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut cycle = Vec::new();
    let mut http_only = Vec::new();
    let mut ping_only = Vec::new();
    let mut connect = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        assert!(evaluate(&http, &cx).passed());
        let h = t.elapsed();
        let t2 = Instant::now();
        assert!(evaluate(&ping, &cx).passed());
        ping_only.push(t2.elapsed());
        http_only.push(h);
        cycle.push(t.elapsed());
        let t3 = Instant::now();
        std::net::TcpStream::connect(("127.0.0.1", 18099)).unwrap();
        connect.push(t3.elapsed());
    }
    println!("dockerlings lab bench ({n} runs, medians)");
    println!(
        "{:<44} {:>12} {:>14} {:>8}",
        "what", "ours", "floor", "ratio"
    );
    let row = |what: &str, ours: Duration, floor: Duration| {
        println!(
            "{:<44} {:>12} {:>14} {:>7.1}x",
            what,
            ms(ours),
            ms(floor),
            ours.as_secs_f64() / floor.as_secs_f64()
        );
    };
    row(
        "REPL start to first prompt (vs --version)",
        median(&start),
        median(&floor),
    );
    row(
        "check cycle: http + ping (vs TCP connect)",
        median(&cycle),
        median(&connect),
    );
    row("  http check alone", median(&http_only), median(&connect));
    row(
        "  ping check alone (docker exec … ping)",
        median(&ping_only),
        median(&floor),
    );
}
