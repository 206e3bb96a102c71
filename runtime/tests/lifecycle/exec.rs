//! `docker exec`, `docker top` and `docker stats` on running containers.

use std::fs::File;
use std::io::Read;
use std::process::Stdio;

use dockerlings_runtime::container::exec::{ExecOptions, ExecStdio};
use dockerlings_runtime::container::options::CreateOptions;
use dockerlings_runtime::container::stats;
use dockerlings_runtime::shim::ShimError;
use dockerlings_runtime::Error;

use crate::fixture::Lab;

pub const ALL: &[(&str, fn())] = &[
    (
        "exec_streams_output_and_returns_the_code",
        exec_streams_output_and_returns_the_code,
    ),
    (
        "exec_takes_container_env_plus_env_workdir_user",
        exec_takes_container_env_plus_env_workdir_user,
    ),
    (
        "exec_refuses_stopped_and_paused_containers",
        exec_refuses_stopped_and_paused_containers,
    ),
    ("exec_missing_binary_is_127", exec_missing_binary_is_127),
    ("exec_tty_relays_a_terminal", exec_tty_relays_a_terminal),
    ("top_lists_the_sleep_process", top_lists_the_sleep_process),
    (
        "stats_counts_pids_and_shows_the_memory_limit",
        stats_counts_pids_and_shows_the_memory_limit,
    ),
];

fn sleeper(lab: &Lab, opts: CreateOptions) -> String {
    let id = lab.create(CreateOptions {
        image: "busybox".into(),
        cmd: vec!["sleep".into(), "1000".into()],
        ..opts
    });
    lab.engine.container_start(&id).unwrap();
    id
}

/// Runs an exec with stdout and stderr captured in files.
fn exec(lab: &Lab, id: &str, opts: ExecOptions) -> (Result<i32, Error>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (dir.path().join("out"), dir.path().join("err"));
    let result = lab.engine.container_exec(
        id,
        &opts,
        ExecStdio {
            stdin: Stdio::null(),
            stdout: File::create(&out_path).unwrap().into(),
            stderr: File::create(&err_path).unwrap().into(),
        },
    );
    (
        result,
        std::fs::read_to_string(out_path).unwrap(),
        std::fs::read_to_string(err_path).unwrap(),
    )
}

fn cmd(args: &[&str]) -> ExecOptions {
    ExecOptions {
        cmd: args.iter().map(|s| s.to_string()).collect(),
        ..ExecOptions::default()
    }
}

fn exec_streams_output_and_returns_the_code() {
    let lab = Lab::new();
    let id = sleeper(&lab, CreateOptions::default());
    let (code, out, err) = exec(
        &lab,
        &id,
        cmd(&["sh", "-c", "echo out; echo err >&2; exit 3"]),
    );
    assert_eq!(code.unwrap(), 3, "out {out:?} err {err:?}");
    assert_eq!((out.as_str(), err.as_str()), ("out\n", "err\n"));
    // The exec'd process ran in the container: it sees PID 1 as the sleep.
    let (code, out, _) = exec(&lab, &id, cmd(&["cat", "/proc/1/cmdline"]));
    assert_eq!(code.unwrap(), 0);
    assert_eq!(out, "sleep\u{0}1000\u{0}");
    // Nothing of the exec is left in the runtime dir.
    let exec_dir = lab.paths.run().join("containers").join(&id).join("exec");
    let left: Vec<_> = std::fs::read_dir(&exec_dir)
        .map(|d| d.count())
        .into_iter()
        .collect();
    assert!(
        left.iter().all(|n| *n == 0),
        "exec files left in {exec_dir:?}"
    );
}

fn exec_takes_container_env_plus_env_workdir_user() {
    let lab = Lab::new();
    let id = sleeper(
        &lab,
        CreateOptions {
            env: vec!["FROM_RUN=one".into()],
            ..CreateOptions::default()
        },
    );
    let opts = ExecOptions {
        env: vec!["FROM_EXEC=two".into()],
        workdir: Some("/tmp".into()),
        user: Some("1234:4321".into()),
        ..cmd(&["sh", "-c", "echo $FROM_RUN $FROM_EXEC; pwd; id -u; id -g"])
    };
    let (code, out, err) = exec(&lab, &id, opts);
    assert_eq!(code.unwrap(), 0, "{err}");
    assert_eq!(out, "one two\n/tmp\n1234\n4321\n");
    // --privileged: more capabilities than the container's default set (CAP_SYS_ADMIN).
    let caps = |privileged| {
        let opts = ExecOptions {
            privileged,
            ..cmd(&["sh", "-c", "grep CapEff /proc/self/status"])
        };
        let (code, out, err) = exec(&lab, &id, opts);
        assert_eq!(code.unwrap(), 0, "{err}");
        let hex = out.trim().trim_start_matches("CapEff:").trim().to_string();
        u64::from_str_radix(&hex, 16).unwrap()
    };
    let (plain, privileged) = (caps(false), caps(true));
    assert_eq!(plain & (1 << 21), 0, "{plain:x}");
    assert_ne!(privileged & (1 << 21), 0, "{privileged:x}");
}

fn exec_refuses_stopped_and_paused_containers() {
    let lab = Lab::new();
    let id = sleeper(&lab, CreateOptions::default());
    lab.engine.container_pause(&id).unwrap();
    let (r, _, _) = exec(&lab, &id, cmd(&["true"]));
    assert_eq!(
        r.unwrap_err().to_string(),
        format!("container {id} is paused, unpause the container before exec")
    );
    lab.engine.container_unpause(&id).unwrap();
    lab.engine.container_kill(&id, None).unwrap();
    let (r, _, _) = exec(&lab, &id, cmd(&["true"]));
    assert_eq!(
        r.unwrap_err().to_string(),
        format!("container {id} is not running")
    );
    let err = lab.engine.container_top(&id, &[]).unwrap_err().to_string();
    assert_eq!(err, format!("container {id} is not running"));
}

fn exec_missing_binary_is_127() {
    let lab = Lab::new();
    let id = sleeper(&lab, CreateOptions::default());
    let (r, _, _) = exec(&lab, &id, cmd(&["nosuch"]));
    match r {
        Err(Error::Shim(ShimError::Exec { code, message })) => {
            assert_eq!(code, 127);
            assert_eq!(
                message,
                "OCI runtime exec failed: exec failed: unable to start container process: exec: \"nosuch\": executable file not found in $PATH: unknown"
            );
        }
        other => panic!("expected an exec error, got {other:?}"),
    }
    // The container is untouched.
    let (code, out, _) = exec(&lab, &id, cmd(&["echo", "still"]));
    assert_eq!((code.unwrap(), out.as_str()), (0, "still\n"));
}

fn exec_tty_relays_a_terminal() {
    let lab = Lab::new();
    let id = sleeper(&lab, CreateOptions::default());
    let pty = nix::pty::openpty(None, None).unwrap();
    let slave = pty.slave;
    let stdio = ExecStdio {
        stdin: Stdio::from(slave.try_clone().unwrap()),
        stdout: Stdio::from(slave.try_clone().unwrap()),
        stderr: Stdio::from(slave),
    };
    let mut master = File::from(pty.master);
    std::io::Write::write_all(&mut master, b"typed\r").unwrap();
    let opts = ExecOptions {
        tty: true,
        stdin: true,
        ..cmd(&[
            "sh",
            "-c",
            "read x; echo got-$x; test -t 1 && echo on-a-tty; exit 4",
        ])
    };
    let code = std::thread::scope(|s| {
        let run = s.spawn(|| lab.engine.container_exec(&id, &opts, stdio));
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        // EIO once the helper (the last holder of the slave) has exited.
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        let out = String::from_utf8_lossy(&seen).into_owned();
        let code = run.join().unwrap();
        assert!(out.contains("got-typed\r\n"), "{out:?} {code:?}");
        assert!(out.contains("on-a-tty\r\n"), "{out:?}");
        code
    });
    assert_eq!(code.unwrap(), 4);
}

fn top_lists_the_sleep_process() {
    let lab = Lab::new();
    let id = sleeper(&lab, CreateOptions::default());
    let pid = lab.engine.container(&id).unwrap().1.pid;
    let top = lab.engine.container_top(&id, &[]).unwrap();
    assert_eq!(
        top.titles,
        ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    );
    let row = top
        .processes
        .iter()
        .find(|r| r[1] == pid.to_string())
        .unwrap_or_else(|| panic!("pid {pid} not in {top:?}"));
    assert_eq!(row[0], "root");
    assert_eq!(row[7], "sleep 1000");
    assert_eq!(top.processes.len(), 1, "{top:?}");
}

fn stats_counts_pids_and_shows_the_memory_limit() {
    let lab = Lab::new();
    let id = sleeper(
        &lab,
        CreateOptions {
            name: Some("statsy".into()),
            memory: 64 * 1024 * 1024,
            ..CreateOptions::default()
        },
    );
    let s = lab.engine.container_stats(&id).unwrap();
    assert!(s.running);
    assert_eq!(s.name, "statsy");
    assert!(s.pids >= 1, "{s:?}");
    assert_eq!(s.mem_limit, 64 * 1024 * 1024, "{s:?}");
    assert!(s.mem_usage > 0 && s.mem_usage < s.mem_limit, "{s:?}");
    assert!(stats::mem_percent(&s) > 0.0);
    assert!(s.system_ns > 0 && s.online_cpus >= 1);
    lab.engine.container_kill(&id, None).unwrap();
    let stopped = lab.engine.container_stats(&id).unwrap();
    assert!(!stopped.running);
    assert_eq!((stopped.pids, stopped.mem_usage), (0, 0));
}
