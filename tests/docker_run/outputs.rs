//! Snapshots of what the learner reads about real containers: `top`, `inspect` of a running
//! and of an exited container, `ps -a` across the states, and Docker's refusals. IDs, times,
//! PIDs and the lab's temporary paths are redacted; `ps` is read three hours "later", so
//! every age reads the same on every run.

use std::ffi::OsString;

use chrono::{Duration, Utc};
use dockerlings::docker::{run_at, Io};
use dockerlings_runtime::Paths;

use super::Lab;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Insta settings that redact what changes from run to run: the lab's paths, 64- and
/// 12-hex IDs (the latter also as hostnames), timestamps, PIDs.
fn redacted(lab: &Lab) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(
        &regex::escape(&lab.root.path().display().to_string()),
        "[root]",
    );
    s.add_filter(
        &regex::escape(&lab.run.path().display().to_string()),
        "[run]",
    );
    s.add_filter(r"\b[0-9a-f]{64}\b", "[id]");
    // Same width, so `ps` keeps its columns.
    s.add_filter(r"\b[0-9a-f]{12}\b", "xxxxxxxxxxxx");
    // This century's times; Go's zero time (0001-01-01…, "never") stays.
    s.add_filter(r"\b20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[time]");
    s.add_filter(r#""Pid": [1-9]\d*"#, r#""Pid": [pid]"#);
    s.add_filter(r"/proc/[1-9]\d*/", "/proc/[pid]/");
    s
}

/// `docker …` run in-process three hours after now (`ps`'s ages become "3 hours ago").
fn docker_later(lab: &Lab, args: &[&str]) -> String {
    let paths = Paths::new(lab.root.path(), lab.run.path());
    let mut stdin: &[u8] = b"";
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = Io {
        stdin: &mut stdin,
        stdout: &mut out,
        stderr: &mut err,
        stdin_is_tty: false,
        stdout_is_tty: false,
    };
    let args: Vec<OsString> = args.iter().map(OsString::from).collect();
    let code = run_at(&args, &mut io, &paths, Utc::now() + Duration::hours(3));
    assert_eq!(code, 0, "{args:?}: {}", text(&err));
    text(&out)
}

/// `top`'s columns are 20 wide (Docker's tabwriter); PID, PPID, C, STIME and TIME are
/// replaced by placeholders in the same layout. Rows come in PID order, which the shell's
/// two children may take either way: without their PIDs, they are sorted by command.
fn redact_top(top: &str) -> String {
    let mut lines: Vec<&str> = top.lines().collect();
    lines[2..].sort_by_key(|l| l.split_whitespace().skip(7).collect::<Vec<_>>());
    let mut out = String::new();
    for (i, line) in lines.into_iter().enumerate() {
        if i == 0 {
            out.push_str(line);
        } else {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let cmd = fields[7..].join(" ");
            for (j, cell) in [
                "[user]", "[pid]", "[ppid]", "[c]", "[stime]", "[tty]", "[time]",
            ]
            .iter()
            .enumerate()
            {
                let value = match j {
                    0 | 5 => fields[j],
                    _ => cell,
                };
                out.push_str(&format!("{value:<20}"));
            }
            out.push_str(&cmd);
        }
        out.push('\n');
    }
    out
}

#[test]
fn top_of_the_web_container() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "busybox",
        "sh",
        "-c",
        "sleep 1000 & sleep 2000",
    ]);
    // Both processes are there before `top` looks.
    for _ in 0..200 {
        if lab.ok(&["top", "web"]).lines().count() == 4 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    let top = lab.ok(&["top", "web"]);
    let rows: Vec<Vec<&str>> = top
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    // The shell is the others' parent, in host PIDs as Docker shows them.
    let shell_pid = rows[0][1];
    assert!(rows[1..].iter().all(|r| r[2] == shell_pid), "{top}");
    let pid = lab.ok(&["inspect", "-f", "{{.State.Pid}}", "web"]);
    assert_eq!(shell_pid, pid.trim());
    insta::assert_snapshot!("top", redact_top(&top));
    lab.ok(&["rm", "-f", "web"]);
    lab.assert_nothing_left();
}

#[test]
fn inspect_of_a_running_and_of_an_exited_container() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "inspect-test",
        "--cpus=0.5",
        "--memory=256m",
        "--pids-limit",
        "100",
        "-e",
        "MODE=lab",
        "-v",
        "web-data:/data",
        "--label",
        "course=containers",
        "--restart",
        "on-failure:3",
        "nginx",
    ]);
    let settings = redacted(&lab);
    let running = lab.ok(&["inspect", "inspect-test"]);
    settings.bind(|| insta::assert_snapshot!("inspect_running", running));
    lab.ok(&["stop", "inspect-test"]);
    let exited = lab.ok(&["inspect", "inspect-test"]);
    settings.bind(|| insta::assert_snapshot!("inspect_exited", exited));
    lab.ok(&["rm", "-v", "inspect-test"]);
    lab.assert_nothing_left();
}

#[test]
fn ps_shows_every_state() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["create", "--name", "created", "busybox", "true"]);
    lab.ok(&["run", "-d", "--name", "up", "busybox", "sleep", "1000"]);
    lab.ok(&["run", "-d", "--name", "paused", "busybox", "sleep", "1000"]);
    lab.ok(&["pause", "paused"]);
    lab.ok(&["run", "--name", "exited-0", "busybox", "true"]);
    let out = lab.docker(&["run", "--name", "exited-3", "busybox", "sh", "-c", "exit 3"]);
    assert_eq!(out.status.code(), Some(3));
    lab.ok(&["run", "-d", "--name", "killed", "busybox", "sleep", "1000"]);
    lab.ok(&["kill", "killed"]);
    let settings = redacted(&lab);
    let table = docker_later(&lab, &["ps", "-a"]);
    settings.bind(|| insta::assert_snapshot!("ps_a_states", table));
    let names = docker_later(
        &lab,
        &[
            "ps",
            "-a",
            "--format",
            "table {{.Names}}\\t{{.Status}}\\t{{.State}}",
        ],
    );
    insta::assert_snapshot!("ps_names_status_state", names);
    assert_eq!(
        docker_later(&lab, &["ps", "--format", "{{.Names}}"]),
        "paused\nup\n"
    );
    lab.ok(&[
        "rm", "-f", "created", "up", "paused", "exited-0", "exited-3", "killed",
    ]);
    lab.assert_nothing_left();
}

#[test]
fn refusals_and_their_exit_codes() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["run", "-d", "--name", "web", "nginx"]);
    lab.ok(&["create", "--name", "stopped", "busybox", "true"]);
    let cases: &[&[&str]] = &[
        &["rm", "web"],
        &["run", "-d", "--name", "web", "nginx"],
        &["create", "--name", "web", "nginx"],
        &["rm", "nosuch"],
        &["start", "nosuch"],
        &["stop", "nosuch"],
        &["restart", "nosuch"],
        &["kill", "nosuch"],
        &["logs", "nosuch"],
        &["top", "nosuch"],
        &["inspect", "nosuch"],
        &["container", "inspect", "nosuch"],
        &["pause", "stopped"],
        &["unpause", "web"],
        &["unpause", "stopped"],
        &["exec", "stopped", "ls"],
        &["top", "stopped"],
        &["kill", "stopped"],
        &["run", "busybox", "nosuch"],
        &["run", "--rm", "busybox", "/etc/hostname"],
        &["run", "-m", "lots", "busybox"],
        &["run", "--name", "x", "busybox"],
    ];
    let mut transcript = String::new();
    for args in cases {
        let out = lab.docker(args);
        transcript.push_str(&format!(
            "$ docker {}\n[exit {}]\n{}{}\n",
            args.join(" "),
            out.status.code().unwrap_or(-1),
            text(&out.stdout),
            text(&out.stderr)
        ));
    }
    redacted(&lab).bind(|| insta::assert_snapshot!("refusals", transcript));
    lab.ok(&["rm", "-f", "web", "stopped"]);
    // The failed runs left created containers, as Docker does.
    let ids = lab.ok(&["ps", "-aq", "--no-trunc"]);
    for id in ids.lines() {
        lab.ok(&["rm", id]);
    }
    lab.assert_nothing_left();
}
