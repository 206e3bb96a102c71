//! What a container cannot do (issue 3's isolation acceptance): see the host's processes,
//! write outside its root and its volumes, mount, load modules, rename the host, or fork
//! without bound. Syscalls the toolbox has no command for are tried by `probe.c`, compiled
//! here and mounted read-only at `/probe`; it prints `<what>: ok` or `<what>: errno <n> <NAME>`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use super::Lab;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The directory holding the compiled probe (`probe`), built once per test run with
/// `cc -static -O2` (gcc and libc6-dev are part of the project's set-up).
fn probe_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/docker_run/probe.c");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("isolation-probe");
        std::fs::create_dir_all(&dir).unwrap();
        // Built under a private name, then renamed: test runs may overlap.
        let staged = dir.join(format!(".probe-{}", std::process::id()));
        let out = std::process::Command::new("cc")
            .args(["-static", "-O2", "-o"])
            .arg(&staged)
            .arg(&source)
            .output()
            .expect("the isolation tests need a C compiler (cc) with static libc (libc6-dev)");
        assert!(
            out.status.success(),
            "cc -static probe.c failed: {}",
            text(&out.stderr)
        );
        std::fs::rename(&staged, dir.join("probe")).unwrap();
        dir
    })
}

/// `-v <probe dir>:/probe:ro`.
fn probe_volume() -> String {
    format!("{}:/probe:ro", probe_dir().display())
}

/// Runs the probe in a fresh `busybox` container (plus `extra` run flags) and returns each
/// probe's outcome: `ok` or `errno <n> <NAME>`.
fn probe(lab: &Lab, extra: &[&str], probes: &[&str]) -> BTreeMap<String, String> {
    let volume = probe_volume();
    let mut args = vec!["run", "--rm", "-v", &volume];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["busybox", "/probe/probe"]);
    args.extend_from_slice(probes);
    let out = lab.ok(&args);
    let outcomes: BTreeMap<String, String> = out
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(what, outcome)| (what.to_string(), outcome.to_string()))
        .collect();
    assert_eq!(outcomes.len(), probes.len(), "{out}");
    outcomes
}

fn is_errno(outcome: Option<&String>, names: &[&str]) -> bool {
    outcome.is_some_and(|o| {
        names
            .iter()
            .any(|n| o.starts_with("errno ") && o.ends_with(&format!(" {n}")))
    })
}

#[test]
fn a_container_sees_only_its_own_processes() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "neighbour",
        "busybox",
        "sleep",
        "1000",
    ]);
    // As PID 1, `ls /proc` finds exactly one process: itself. The host's (and the
    // neighbour's) processes are not there.
    let proc = lab.ok(&["run", "--rm", "busybox", "ls", "/proc"]);
    let pids: Vec<&str> = proc
        .lines()
        .filter(|l| l.chars().all(|c| c.is_ascii_digit()))
        .collect();
    assert_eq!(pids, ["1"], "{proc}");
    let host_pid = std::process::id().to_string();
    assert!(Path::new("/proc").join(&host_pid).exists());
    let ps = lab.ok(&["run", "--rm", "busybox", "ps"]);
    let rows: Vec<&str> = ps.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{ps}");
    assert!(rows[0].trim_start().starts_with("1 root"), "{ps}");
    assert!(rows[0].ends_with(" ps"), "{ps}");
    // Its own view of PID 1 is its own command, not the host's init.
    let cmdline = lab.ok(&["run", "--rm", "busybox", "cat", "/proc/1/cmdline"]);
    assert_eq!(cmdline, "cat\0/proc/1/cmdline\0");
    lab.ok(&["rm", "-f", "neighbour"]);
    lab.assert_nothing_left();
}

#[test]
fn a_container_writes_only_its_root_and_its_volumes() {
    let Some(lab) = Lab::new() else { return };
    let volume = tempfile::tempdir().unwrap();
    std::fs::write(volume.path().join("from-host"), "host\n").unwrap();
    let readonly = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let untouched = outside.path().join("untouched");
    std::fs::write(&untouched, "original\n").unwrap();
    let script = format!(
        "try() {{ if sh -c \"$2\" 2>/dev/null; then echo \"$1: ok\"; else echo \"$1: fail\"; fi; }}
try proc-sys 'echo x > /proc/sys/kernel/hostname'
try sysrq 'echo h > /proc/sysrq-trigger'
try sys 'echo 1 > /sys/kernel/profiling'
try cgroup-mkdir 'mkdir /sys/fs/cgroup/escape || mkdir /sys/fs/cgroup/pids/escape'
try raise-pids-limit 'echo max > /sys/fs/cgroup/pids.max || echo max > /sys/fs/cgroup/pids/pids.max'
try pids-limit-kept 'test \"$(cat /sys/fs/cgroup/pids.max /sys/fs/cgroup/pids/pids.max 2>/dev/null)\" = 64'
try volume 'echo container > /data/from-container'
try volume-read 'test \"$(cat /data/from-host)\" = host'
try readonly-volume 'echo x > /ro/x'
try own-root 'echo container > /etc/in-root'
try host-path-visible 'ls {outside}'
try host-path 'mkdir -p {outside} && echo changed > {outside}/untouched'
",
        outside = outside.path().display()
    );
    let data = format!("{}:/data", volume.path().display());
    let ro = format!("{}:/ro:ro", readonly.path().display());
    let out = lab.ok(&[
        "run",
        "--rm",
        "--pids-limit",
        "64",
        "-v",
        &data,
        "-v",
        &ro,
        "busybox",
        "sh",
        "-c",
        &script,
    ]);
    assert_eq!(
        out,
        "proc-sys: fail
sysrq: fail
sys: fail
cgroup-mkdir: fail
raise-pids-limit: fail
pids-limit-kept: ok
volume: ok
volume-read: ok
readonly-volume: fail
own-root: ok
host-path-visible: fail
host-path: ok
"
    );
    // The bind-mounted directory is the only host path that changed.
    assert_eq!(
        std::fs::read_to_string(volume.path().join("from-container")).unwrap(),
        "container\n"
    );
    assert_eq!(std::fs::read_dir(readonly.path()).unwrap().count(), 0);
    assert_eq!(std::fs::read_to_string(&untouched).unwrap(), "original\n");
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1);
    assert!(!Path::new("/etc/in-root").exists());
    assert!(!Path::new("/sys/fs/cgroup/escape").exists());
    lab.assert_nothing_left();
}

#[test]
fn a_container_cannot_mount_load_modules_or_rename_the_host() {
    let Some(lab) = Lab::new() else { return };
    let host_name = nix::unistd::gethostname().unwrap();
    let out = lab.docker(&[
        "run",
        "--rm",
        "busybox",
        "sh",
        "-c",
        "hostname foo; echo $?; hostname",
    ]);
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    assert_ne!(lines.next(), Some("0"), "hostname foo succeeded: {stdout}");
    let inside = lines.next().unwrap_or_default().to_string();
    assert_eq!(
        inside.len(),
        12,
        "the container keeps its own name: {stdout}"
    );
    assert_eq!(nix::unistd::gethostname().unwrap(), host_name);

    let probes = [
        "mount",
        "umount2",
        "init_module",
        "finit_module",
        "sethostname",
        "swapon",
        "reboot",
        "dev-mem",
    ];
    // With Docker's defaults, and with seccomp off: the 14 default capabilities alone
    // (no CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_BOOT) and the device cgroup (a node for
    // /dev/mem can be made, not opened) refuse all of them.
    for extra in [&[][..], &["--security-opt", "seccomp=unconfined"][..]] {
        let got = probe(&lab, extra, &probes);
        for what in [
            "mount",
            "umount2",
            "sethostname",
            "swapon",
            "reboot",
            "dev-mem",
        ] {
            assert!(is_errno(got.get(what), &["EPERM"]), "{extra:?}: {got:?}");
        }
        // ENOSYS where the kernel has no module support at all.
        for what in ["init_module", "finit_module"] {
            assert!(
                is_errno(got.get(what), &["EPERM", "ENOSYS"]),
                "{extra:?}: {got:?}"
            );
        }
    }
    assert_eq!(nix::unistd::gethostname().unwrap(), host_name);
    lab.assert_nothing_left();
}

/// Docker's default seccomp profile on top of the capabilities: what it refuses, and with
/// which errno (moby's `profiles/seccomp/default.json`), against `seccomp=unconfined`.
#[test]
fn seccomp_blocks_what_dockers_default_profile_blocks() {
    let Some(lab) = Lab::new() else { return };
    let probes = [
        "keyctl",
        "add_key",
        "clone3",
        "personality-0x0040000",
        "personality-0",
        "unshare",
        "mount",
        "setns",
    ];
    let got = probe(&lab, &[], &probes);
    let expected: BTreeMap<String, String> = [
        ("keyctl", "errno 1 EPERM"),
        ("add_key", "errno 1 EPERM"),
        // ENOSYS, not EPERM, so a C library falls back to clone(2).
        ("clone3", "errno 38 ENOSYS"),
        ("personality-0x0040000", "errno 1 EPERM"),
        ("personality-0", "ok"),
        ("unshare", "errno 1 EPERM"),
        ("mount", "errno 1 EPERM"),
        ("setns", "errno 1 EPERM"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(got, expected);
    // Without the profile, the calls the capabilities do not cover go through: the filter
    // is what refused them above.
    let unconfined = probe(
        &lab,
        &["--security-opt", "seccomp=unconfined"],
        &["add_key", "clone3", "personality-0x0040000"],
    );
    assert_eq!(unconfined.get("clone3").map(String::as_str), Some("ok"));
    assert_eq!(
        unconfined.get("personality-0x0040000").map(String::as_str),
        Some("ok")
    );
    // (ENOSYS on a kernel built without keyrings; never the filter's EPERM.)
    assert_ne!(
        unconfined.get("add_key").map(String::as_str),
        Some("errno 1 EPERM")
    );
    lab.assert_nothing_left();
}

#[test]
fn a_fork_bomb_is_contained_by_pids_limit() {
    let Some(lab) = Lab::new() else { return };
    let volume = probe_volume();
    let id = lab.ok(&[
        "run",
        "-d",
        "--name",
        "bomb",
        "--pids-limit",
        "32",
        "-v",
        &volume,
        "busybox",
        "/probe/probe",
        "fork-loop",
    ]);
    let id = id.trim();
    let mut logs = String::new();
    for _ in 0..400 {
        logs = lab.ok(&["logs", "bomb"]);
        if logs.contains("fork-loop: ") {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    let made: u32 = logs
        .trim_end()
        .strip_prefix("fork-loop: errno 11 EAGAIN after ")
        .unwrap_or_else(|| panic!("fork never failed with EAGAIN: {logs:?}"))
        .parse()
        .unwrap();
    // The probe itself plus its children fill the limit; fork fails at it, not before.
    assert!(
        (28..=31).contains(&made),
        "{made} children under a limit of 32"
    );
    let procs = dockerlings_runtime::shim::cgroup::procs(id);
    assert!(procs.len() <= 32, "{} processes", procs.len());
    let current: u64 = dockerlings_runtime::shim::cgroup::dirs(id)
        .iter()
        .find_map(|d| std::fs::read_to_string(d.join("pids.current")).ok())
        .expect("pids.current")
        .trim()
        .parse()
        .unwrap();
    assert!((29..=32).contains(&current), "pids.current {current}");
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{.HostConfig.PidsLimit}}", "bomb"]),
        "32\n"
    );
    // Killable, and nothing of it stays.
    assert_eq!(lab.ok(&["rm", "-f", "bomb"]), "bomb\n");
    assert!(!super::cgroup_exists(id));
    for pid in procs {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        assert!(
            stat.is_empty() || !stat.contains("(probe)"),
            "probe process {pid} survived: {stat}"
        );
    }
    lab.assert_nothing_left();
}

/// A shell is one task, as Docker's are: under `--pids-limit 3` it runs a pipeline of two
/// programs, and under 2 it still starts (the pipeline then cannot fork, as with bash) —
/// whatever the number of CPUs (the toolbox's shell used to start a thread per CPU). And,
/// as with runc, the limit leaves room for the runtime's own set-up: a container under
/// `--pids-limit 1` starts (libcontainer used to apply the limit while its two set-up
/// processes were in the cgroup).
#[test]
fn a_shell_takes_one_task_of_the_pids_limit() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["pull", "busybox"]);
    let pipeline = "echo start; ls / | head -n 1";
    let out = lab.docker(&[
        "run",
        "--rm",
        "--pids-limit",
        "3",
        "busybox",
        "sh",
        "-c",
        pipeline,
    ]);
    assert_eq!(text(&out.stderr), "");
    assert_eq!(text(&out.stdout), "start\nbin\n");
    assert!(out.status.success());
    let out = lab.docker(&[
        "run",
        "--rm",
        "--pids-limit",
        "2",
        "busybox",
        "sh",
        "-c",
        pipeline,
    ]);
    assert_eq!(text(&out.stdout), "start\n", "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Resource temporarily unavailable"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !text(&out.stderr).contains("crashed"),
        "{}",
        text(&out.stderr)
    );
    let out = lab.docker(&["run", "--rm", "--pids-limit", "1", "busybox", "echo", "one"]);
    assert_eq!(text(&out.stdout), "one\n", "{}", text(&out.stderr));
    assert!(out.status.success());
    lab.assert_nothing_left();
}

/// The container's first process and a `docker exec`'d one are in the container's cgroup in
/// every controller hierarchy (v1) or in the unified one (v2), threads and all: limits and
/// `pause` reach them. (libcontainer's intermediate process moves itself by writing "0" to
/// each v1 `tasks` file — the one-thread move the kernel does without its global lock — and
/// the process it then starts inherits that.)
#[test]
fn the_container_and_what_it_execs_are_in_its_cgroup_in_every_hierarchy() {
    let Some(lab) = Lab::new() else { return };
    let id = lab.ok(&["run", "-d", "--name", "placed", "busybox", "sleep", "300"]);
    let id = id.trim().to_string();
    lab.ok(&["exec", "-d", "placed", "sleep", "301"]);
    let want = format!("/dockerlings/{id}");
    let mut procs = Vec::new();
    for _ in 0..200 {
        procs = dockerlings_runtime::shim::cgroup::procs(&id);
        if procs.len() == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(procs.len(), 2, "processes in the cgroup: {procs:?}");
    let pid: i32 = lab
        .ok(&["inspect", "-f", "{{.State.Pid}}", "placed"])
        .trim()
        .parse()
        .unwrap();
    assert!(procs.contains(&pid), "{pid} not among {procs:?}");
    let dirs = dockerlings_runtime::shim::cgroup::dirs(&id);
    assert!(!dirs.is_empty());
    for p in &procs {
        let table = std::fs::read_to_string(format!("/proc/{p}/cgroup")).unwrap();
        let mut placed = 0;
        for line in table.lines() {
            let mut parts = line.splitn(3, ':');
            let (_, controllers, path) =
                (parts.next(), parts.next().unwrap(), parts.next().unwrap());
            if controllers.starts_with("name=") {
                continue;
            }
            if controllers.is_empty() && !dockerlings_runtime::shim::cgroup::is_v2() {
                continue; // a hybrid host's unified tree: not where v1 limits live
            }
            assert_eq!(path, want, "process {p}: {line}");
            placed += 1;
        }
        assert!(placed > 0, "no hierarchy in {table}");
        // Every thread of it too, in every directory of the container's cgroup.
        let threads: Vec<String> = std::fs::read_dir(format!("/proc/{p}/task"))
            .unwrap()
            .map(|t| t.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        for dir in &dirs {
            let listed = std::fs::read_to_string(dir.join("cgroup.threads"))
                .or_else(|_| std::fs::read_to_string(dir.join("tasks")))
                .unwrap();
            for t in &threads {
                assert!(
                    listed.lines().any(|l| l == t),
                    "thread {t} of {p} missing from {}",
                    dir.display()
                );
            }
        }
    }
    lab.ok(&["rm", "-f", "placed"]);
    lab.assert_nothing_left();
}
