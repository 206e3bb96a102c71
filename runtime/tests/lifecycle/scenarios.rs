//! The scenarios, each on a fresh [`Lab`].

use dockerlings_runtime::container::lifecycle::LogsOptions;
use dockerlings_runtime::container::options::{CreateOptions, RestartPolicy};
use dockerlings_runtime::container::state::Status;
use dockerlings_runtime::shim::attach::{self, ClientIo, Hello};
use dockerlings_runtime::shim::logfile::Stream;
use dockerlings_runtime::shim::ShimError;

use crate::fixture::{assert_no_leaks, Lab};

pub const ALL: &[(&str, fn())] = &[
    (
        "detached_run_logs_and_exit_code",
        detached_run_logs_and_exit_code,
    ),
    (
        "foreground_attach_streams_and_returns_the_code",
        foreground_attach_streams_and_returns_the_code,
    ),
    (
        "stop_kills_a_pid1_that_ignores_sigterm_with_137",
        stop_kills_a_pid1_that_ignores_sigterm_with_137,
    ),
    (
        "missing_executable_is_127_with_dockers_message",
        missing_executable_is_127_with_dockers_message,
    ),
    ("auto_remove_leaves_nothing", auto_remove_leaves_nothing),
    (
        "container_writes_never_reach_the_image",
        container_writes_never_reach_the_image,
    ),
    (
        "on_failure_restarts_up_to_the_limit",
        on_failure_restarts_up_to_the_limit,
    ),
    (
        "pause_freezes_and_unpause_thaws",
        pause_freezes_and_unpause_thaws,
    ),
    (
        "killed_supervisor_is_reconciled_and_cleaned",
        killed_supervisor_is_reconciled_and_cleaned,
    ),
    (
        "tty_and_stdin_drive_an_interactive_shell",
        tty_and_stdin_drive_an_interactive_shell,
    ),
    (
        "piped_stdin_reaches_the_container",
        piped_stdin_reaches_the_container,
    ),
];

fn state(lab: &Lab, id: &str) -> dockerlings_runtime::container::state::RuntimeState {
    lab.engine.container(id).unwrap().1
}

fn logs(lab: &Lab, id: &str) -> Vec<(Stream, String)> {
    let mut out = Vec::new();
    lab.engine
        .container_logs(id, &LogsOptions::default(), &mut |e| {
            out.push((e.stream, e.log.clone()));
            Ok(true)
        })
        .unwrap();
    out
}

fn detached_run_logs_and_exit_code() {
    let lab = Lab::new();
    let id = lab.create_cmd(&["sh", "-c", "echo hi; echo oops >&2; exit 3"]);
    lab.engine.container_start(&id).unwrap();
    let code = lab.engine.container_wait(&id).unwrap();
    assert_eq!(code, 3, "logs: {:?}", logs(&lab, &id));
    let s = state(&lab, &id);
    assert_eq!(s.status, Status::Exited);
    assert_eq!(s.exit_code, 3);
    assert!(s.started_at.is_some() && s.finished_at.is_some());
    let mut lines = logs(&lab, &id);
    lines.sort_by_key(|(s, _)| *s as u8);
    assert_eq!(
        lines,
        vec![
            (Stream::Stdout, "hi\n".to_string()),
            (Stream::Stderr, "oops\n".to_string())
        ]
    );
    let sup = s.supervisor_pid;
    lab.engine.container_remove(&id, false, false).unwrap();
    assert_no_leaks(&lab, &id, sup);
}

fn run_attached(
    lab: &Lab,
    id: &str,
    stdin: Option<&'static [u8]>,
) -> (Option<i32>, String, String) {
    let hello = Hello {
        stdin: stdin.is_some(),
        stdout: true,
        stderr: true,
    };
    let attached = lab.engine.container_start_attached(id, hello).unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = attach::run_client(
        attached.stream,
        ClientIo {
            stdin: stdin.map(|b| Box::new(b) as Box<dyn std::io::Read + Send>),
            stdout: &mut out,
            stderr: &mut err,
            follow_terminal_size: false,
        },
    )
    .unwrap();
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn foreground_attach_streams_and_returns_the_code() {
    let lab = Lab::new();
    let id = lab.create_cmd(&["sh", "-c", "echo first; echo second >&2; exit 7"]);
    let (code, out, err) = run_attached(&lab, &id, None);
    assert_eq!(code, Some(7));
    assert_eq!(out, "first\n");
    assert_eq!(err, "second\n");
    assert_eq!(state(&lab, &id).exit_code, 7);
}

fn stop_kills_a_pid1_that_ignores_sigterm_with_137() {
    let lab = Lab::new();
    let id = lab.create(CreateOptions {
        name: Some("web".into()),
        image: "busybox".into(),
        cmd: vec!["sleep".into(), "1000".into()],
        ..CreateOptions::default()
    });
    lab.engine.container_start("web").unwrap();
    let s = state(&lab, &id);
    assert_eq!(s.status, Status::Running);
    assert!(s.pid > 0);
    assert!(
        !dockerlings_runtime::shim::cgroup::dirs(&id).is_empty(),
        "no cgroup"
    );
    // PID 1 has no default SIGTERM action: stop must fall back to SIGKILL.
    lab.engine.container_stop("web", Some(1)).unwrap();
    let s2 = state(&lab, &id);
    assert_eq!((s2.status, s2.exit_code), (Status::Exited, 137));
    assert!(s2.stopped_by_user);
    assert!(
        std::fs::metadata(format!("/proc/{}", s.pid)).is_err(),
        "container process left"
    );
    lab.engine.container_remove("web", false, false).unwrap();
    assert_no_leaks(&lab, &id, s.supervisor_pid);
}

fn missing_executable_is_127_with_dockers_message() {
    let lab = Lab::new();
    let id = lab.create_cmd(&["nosuch"]);
    let err = lab.engine.container_start(&id).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            &err,
            dockerlings_runtime::Error::Shim(ShimError::Exec { code: 127, .. })
        ),
        "{err:?}"
    );
    assert_eq!(
        text,
        "failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"nosuch\": executable file not found in $PATH: unknown"
    );
    let s = state(&lab, &id);
    assert_eq!((s.status, s.exit_code), (Status::Created, 127));
    let dir = lab.create_cmd(&["/etc"]);
    let err = lab.engine.container_start(&dir).unwrap_err();
    assert!(
        matches!(
            &err,
            dockerlings_runtime::Error::Shim(ShimError::Exec { code: 126, .. })
        ),
        "{err:?}"
    );
    lab.engine.container_remove(&id, false, false).unwrap();
    assert_no_leaks(&lab, &id, s.supervisor_pid);
}

fn auto_remove_leaves_nothing() {
    let lab = Lab::new();
    let id = lab.create(CreateOptions {
        image: "busybox".into(),
        cmd: vec!["echo".into(), "hi".into()],
        auto_remove: true,
        ..CreateOptions::default()
    });
    let (code, out, _) = run_attached(&lab, &id, None);
    assert_eq!((code, out.as_str()), (Some(0), "hi\n"));
    assert!(lab.engine.containers(true, false).unwrap().is_empty());
    assert!(!lab.root().join("containers").join(&id).exists());
    assert_no_leaks(&lab, &id, 0);
}

fn container_writes_never_reach_the_image() {
    let lab = Lab::new();
    let a = lab.create_cmd(&["touch", "/x"]);
    assert_eq!(run_attached(&lab, &a, None).0, Some(0));
    let b = lab.create_cmd(&["ls", "/x"]);
    let (code, _, _) = run_attached(&lab, &b, None);
    assert_ne!(code, Some(0), "/x of another container is visible");
    assert!(lab
        .root()
        .join("containers")
        .join(&a)
        .join("upper/x")
        .exists());
}

fn on_failure_restarts_up_to_the_limit() {
    let lab = Lab::new();
    let id = lab.create(CreateOptions {
        image: "busybox".into(),
        cmd: vec!["sh".into(), "-c".into(), "echo run; exit 1".into()],
        restart: RestartPolicy::parse("on-failure:2").unwrap(),
        ..CreateOptions::default()
    });
    lab.engine.container_start(&id).unwrap();
    assert_eq!(lab.engine.container_wait(&id).unwrap(), 1);
    let s = state(&lab, &id);
    assert_eq!((s.status, s.restart_count), (Status::Exited, 2));
    let runs = logs(&lab, &id).iter().filter(|(_, l)| l == "run\n").count();
    assert_eq!(runs, 3, "first run plus two restarts");
}

fn pause_freezes_and_unpause_thaws() {
    let lab = Lab::new();
    let id = lab.create_cmd(&["sleep", "1000"]);
    lab.engine.container_start(&id).unwrap();
    lab.engine.container_pause(&id).unwrap();
    assert_eq!(state(&lab, &id).status, Status::Paused);
    let frozen = dockerlings_runtime::shim::cgroup::dirs(&id)
        .iter()
        .any(|d| {
            std::fs::read_to_string(d.join("freezer.state")).is_ok_and(|s| s.trim() == "FROZEN")
                || std::fs::read_to_string(d.join("cgroup.freeze")).is_ok_and(|s| s.trim() == "1")
        });
    assert!(frozen, "the freezer is not frozen");
    let again = lab.engine.container_pause(&id).unwrap_err().to_string();
    assert_eq!(again, format!("Container {id} is already paused"));
    lab.engine.container_unpause(&id).unwrap();
    assert_eq!(state(&lab, &id).status, Status::Running);
    lab.engine.container_kill(&id, None).unwrap();
    let s = state(&lab, &id);
    assert_eq!((s.status, s.exit_code), (Status::Exited, 137));
    let err = lab.engine.container_unpause(&id).unwrap_err().to_string();
    assert_eq!(err, format!("Container {id} is not paused"));
}

fn killed_supervisor_is_reconciled_and_cleaned() {
    let lab = Lab::new();
    let id = lab.create_cmd(&["sleep", "1000"]);
    lab.engine.container_start(&id).unwrap();
    let s = state(&lab, &id);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(s.supervisor_pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    while dockerlings_runtime::shim::proc::is_alive(s.supervisor_pid, s.supervisor_start_ticks) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let list = lab.engine.containers(true, false).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].state.status, Status::Exited);
    assert!(
        dockerlings_runtime::shim::cgroup::procs(&id).is_empty(),
        "container processes left"
    );
    assert!(
        std::fs::metadata(format!("/proc/{}", s.pid)).is_err() || {
            // Reparented to init, it may linger as a zombie until init reaps it.
            std::fs::read_to_string(format!("/proc/{}/stat", s.pid))
                .is_ok_and(|t| t.contains(") Z "))
        }
    );
    lab.engine.container_remove(&id, false, false).unwrap();
    assert_no_leaks(&lab, &id, s.supervisor_pid);
}

fn tty_and_stdin_drive_an_interactive_shell() {
    let lab = Lab::new();
    let id = lab.create(CreateOptions {
        image: "busybox".into(),
        cmd: vec!["sh".into()],
        tty: true,
        open_stdin: true,
        stdin_once: true,
        ..CreateOptions::default()
    });
    let attached = lab
        .engine
        .container_start_attached(
            &id,
            Hello {
                stdin: true,
                stdout: true,
                stderr: true,
            },
        )
        .unwrap();
    assert!(attached.tty);
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let mut term = FakeTerminal {
        to_container: tx,
        seen: Vec::new(),
        commands: vec![b"echo hello-$((6*7))\r".to_vec(), b"exit 5\r".to_vec()],
        prompts: 0,
    };
    let mut err = Vec::new();
    let code = attach::run_client(
        attached.stream,
        ClientIo {
            stdin: Some(Box::new(ChannelReader {
                rx,
                pending: Vec::new(),
            })),
            stdout: &mut term,
            stderr: &mut err,
            follow_terminal_size: false,
        },
    )
    .unwrap();
    let out = String::from_utf8_lossy(&term.seen).into_owned();
    assert_eq!(code, Some(5), "{out:?}");
    assert!(out.contains("hello-42\r\n"), "{out:?}");
}

/// A terminal as a line editor expects one: answers cursor-position queries (`ESC[6n`) and
/// types the next command at each prompt.
struct FakeTerminal {
    to_container: std::sync::mpsc::Sender<Vec<u8>>,
    seen: Vec<u8>,
    commands: Vec<Vec<u8>>,
    prompts: usize,
}

impl std::io::Write for FakeTerminal {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let before = self.seen.len();
        self.seen.extend_from_slice(buf);
        let from = before.saturating_sub(4);
        let window = &self.seen[from..];
        let queries = window.windows(4).filter(|w| w == b"\x1b[6n").count();
        for _ in 0..queries {
            let _ = self.to_container.send(b"\x1b[1;1R".to_vec());
        }
        // The next command after each command's output is done (a fresh prompt line).
        let prompts = count(&self.seen, b"\x1b[?2004h");
        if prompts > self.prompts {
            self.prompts = prompts;
            if !self.commands.is_empty() {
                let _ = self.to_container.send(self.commands.remove(0));
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

struct ChannelReader {
    rx: std::sync::mpsc::Receiver<Vec<u8>>,
    pending: Vec<u8>,
}

impl std::io::Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            match self.rx.recv() {
                Ok(bytes) => self.pending = bytes,
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

fn piped_stdin_reaches_the_container() {
    let lab = Lab::new();
    let id = lab.create(CreateOptions {
        image: "busybox".into(),
        cmd: vec!["cat".into()],
        open_stdin: true,
        stdin_once: true,
        ..CreateOptions::default()
    });
    let (code, out, _) = run_attached(&lab, &id, Some(b"through the pipe\n"));
    assert_eq!((code, out.as_str()), (Some(0), "through the pipe\n"));
}
