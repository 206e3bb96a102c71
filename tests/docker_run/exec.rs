//! `docker exec`, `docker top` and `docker stats` end to end, as the course types them.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use super::Lab;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn exec_streams_output_env_workdir_and_exit_code() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "-e",
        "FROM_RUN=one",
        "busybox",
        "sleep",
        "1000",
    ]);
    let out = lab.docker(&["exec", "web", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        (text(&out.stdout), text(&out.stderr)),
        ("out\n".into(), "err\n".into())
    );
    let env = lab.ok(&[
        "exec",
        "-e",
        "FROM_EXEC=two",
        "-w",
        "/tmp",
        "web",
        "sh",
        "-c",
        "echo $FROM_RUN $FROM_EXEC; pwd",
    ]);
    assert_eq!(env, "one two\n/tmp\n");
    let listed = lab.ok(&["exec", "web", "env"]);
    assert!(listed.lines().any(|l| l == "FROM_RUN=one"), "{listed}");
    assert!(
        listed.lines().any(|l| l.starts_with("HOSTNAME=")),
        "{listed}"
    );
    // -i: piped stdin reaches the command.
    let mut child = Command::new(env!("CARGO_BIN_EXE_dockerlings"))
        .args(["docker", "exec", "-i", "web", "cat"])
        .env("DOCKERLINGS_ROOT", lab.root.path())
        .env("DOCKERLINGS_RUN", lab.run.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"through stdin\n")
        .unwrap();
    let piped = child.wait_with_output().unwrap();
    assert_eq!(text(&piped.stdout), "through stdin\n");
    lab.ok(&["rm", "-f", "web"]);
    lab.assert_nothing_left();
}

#[test]
fn exec_errors_read_like_dockers() {
    let Some(lab) = Lab::new() else { return };
    let id = lab.ok(&["run", "-d", "--name", "box", "busybox", "sleep", "1000"]);
    let id = id.trim();
    let missing = lab.docker(&["exec", "box", "nosuch"]);
    assert_eq!(missing.status.code(), Some(127));
    assert_eq!(
        text(&missing.stderr),
        "OCI runtime exec failed: exec failed: unable to start container process: exec: \"nosuch\": executable file not found in $PATH: unknown\n"
    );
    lab.ok(&["pause", "box"]);
    let paused = lab.docker(&["exec", "box", "true"]);
    assert_eq!(paused.status.code(), Some(1));
    assert_eq!(
        text(&paused.stderr),
        format!("Error response from daemon: container {id} is paused, unpause the container before exec\n")
    );
    lab.ok(&["unpause", "box"]);
    lab.ok(&["kill", "box"]);
    let stopped = lab.docker(&["exec", "box", "true"]);
    assert_eq!(stopped.status.code(), Some(1));
    assert_eq!(
        text(&stopped.stderr),
        format!("Error response from daemon: container {id} is not running\n")
    );
    let usage = lab.docker(&["exec", "box"]);
    assert_eq!(usage.status.code(), Some(1));
    assert!(text(&usage.stderr).starts_with("\"docker exec\" requires at least 2 arguments."));
}

#[test]
fn exec_it_gives_an_interactive_terminal() {
    let Some(lab) = Lab::new() else { return };
    lab.ok(&["run", "-d", "--name", "web", "busybox", "sleep", "1000"]);
    let pty = nix::pty::openpty(None, None).unwrap();
    let slave = pty.slave;
    let mut master = std::fs::File::from(pty.master);
    master.write_all(b"typed\r").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dockerlings"))
        .args([
            "docker",
            "exec",
            "-it",
            "web",
            "sh",
            "-c",
            "read x; echo got-$x; test -t 0 && echo on-a-tty; exit 7",
        ])
        .env("DOCKERLINGS_ROOT", lab.root.path())
        .env("DOCKERLINGS_RUN", lab.run.path())
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave))
        .spawn()
        .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    // EIO once the CLI (the last holder of the slave) has exited.
    while let Ok(n) = master.read(&mut buf) {
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
    }
    let status = child.wait().unwrap();
    let out = text(&seen);
    assert!(out.contains("got-typed\r\n"), "{out:?}");
    assert!(out.contains("on-a-tty\r\n"), "{out:?}");
    assert_eq!(status.code(), Some(7), "{out:?}");
}

#[test]
fn top_and_stats_show_the_container() {
    let Some(lab) = Lab::new() else { return };
    let id = lab.ok(&[
        "run", "-d", "--name", "web", "-m", "64m", "busybox", "sleep", "1000",
    ]);
    let top = lab.ok(&["top", "web"]);
    let mut lines = top.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 1, "{top}");
    assert!(
        rows[0].starts_with("root ") && rows[0].ends_with("sleep 1000"),
        "{top}"
    );
    let stats = lab.ok(&["stats", "--no-stream", "web"]);
    let mut lines = stats.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("CONTAINER ID   NAME "), "{stats}");
    assert!(
        header.contains("MEM USAGE / LIMIT") && header.ends_with("PIDS"),
        "{stats}"
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with(&id.trim()[..12]), "{stats}");
    assert!(row.contains(" / 64MiB "), "{stats}");
    let pids: u64 = row.split_whitespace().last().unwrap().parse().unwrap();
    assert!(pids >= 1, "{stats}");
    let custom = lab.ok(&["stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}"]);
    assert!(custom.starts_with("web "), "{custom}");
    lab.ok(&["rm", "-f", "web"]);
    lab.assert_nothing_left();
}
