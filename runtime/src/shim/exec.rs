//! The exec helper: `dockerlings __supervise --exec <id> <process.json> [--tty] [--detach]
//! [--stdin]`, a short-lived re-execution of this binary that runs one more process in a
//! running container (`docker exec`).
//!
//! libcontainer forks with clone3 and must be called from a single-threaded process, which
//! the CLI (and a test harness) may not be; so the engine starts this helper with the
//! client's stdin/stdout/stderr. It joins the container through libcontainer's tenant
//! builder (namespaces, cgroup, capabilities, user from the prepared `process.json`), then:
//! without a terminal the process writes straight to the inherited stdout/stderr and the
//! helper waits for it; with `--tty` it relays between its own terminal and the pty
//! libcontainer hands over on the console socket (raw mode, window size). The helper exits
//! with the process's exit code; a start failure is written to `<process.json>.error` as
//! `<code> <message>` (Docker's text) for the engine to report.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

use libcontainer::container::builder::ContainerBuilder;
use libcontainer::syscall::syscall::SyscallType;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use super::attach::{self, RawTerminal};
use super::executor;
use super::layout::Layout;
use super::ShimError;
use crate::Paths;

/// The flag after `__supervise` that selects the exec helper.
pub const EXEC_FLAG: &str = "--exec";

/// Where the helper leaves a start failure for the engine.
pub fn error_file(process_json: &Path) -> PathBuf {
    let mut name = process_json.as_os_str().to_owned();
    name.push(".error");
    PathBuf::from(name)
}

/// The helper's entry point: `args` are what follows `--exec`. Returns the exit code.
pub fn main(paths: Paths, args: &[String]) -> i32 {
    let (Some(id), Some(process)) = (args.first(), args.get(1)) else {
        eprintln!("usage: __supervise --exec <id> <process.json> [--tty] [--detach] [--stdin]");
        return 125;
    };
    let has = |flag: &str| args.iter().skip(2).any(|a| a == flag);
    let request = Request {
        layout: Layout::new(&paths, id),
        process: PathBuf::from(process),
        tty: has("--tty"),
        detach: has("--detach"),
        stdin: has("--stdin"),
    };
    match run(&request) {
        Ok(code) => code,
        Err(e) => {
            let code = e.exit_code();
            let _ = std::fs::write(
                error_file(&request.process),
                format!("{code} {}", e.message()),
            );
            code
        }
    }
}

struct Request {
    layout: Layout,
    process: PathBuf,
    tty: bool,
    detach: bool,
    stdin: bool,
}

fn run(req: &Request) -> Result<i32, ShimError> {
    nix::sys::prctl::set_child_subreaper(true)
        .map_err(|e| ShimError::io("set child subreaper", e.into()))?;
    let mut builder = ContainerBuilder::new(req.layout.id.clone(), SyscallType::default())
        .with_root_path(req.layout.libcontainer_root.clone())
        .map_err(|e| ShimError::Start(e.to_string()))?
        .with_executor(executor::ContainerExecutor);
    let null = || File::options().read(true).write(true).open("/dev/null");
    let null_fd = || -> Result<OwnedFd, ShimError> {
        null()
            .map(OwnedFd::from)
            .map_err(|e| ShimError::io("open /dev/null", e))
    };
    let mut console = None;
    // Socket paths must fit in 108 bytes: bind by a short name relative to the exec dir
    // (libcontainer itself connects through a symlink in its state dir).
    let dir = req.process.parent().unwrap_or(Path::new("/")).to_path_buf();
    let short: String = req
        .process
        .file_stem()
        .map(|s| s.to_string_lossy().chars().take(12).collect())
        .unwrap_or_default();
    let socket_name = format!("{short}.sock");
    let socket_path = dir.join(&socket_name);
    if req.tty {
        let _ = std::fs::remove_file(&socket_path);
        std::env::set_current_dir(&dir).map_err(|e| ShimError::io("enter exec dir", e))?;
        console = Some(
            UnixListener::bind(&socket_name)
                .map_err(|e| ShimError::io("bind console socket", e))?,
        );
        let _ = std::env::set_current_dir("/");
        builder = builder.with_console_socket(Some(&socket_path));
    } else {
        if !req.stdin {
            builder = builder.with_stdin(null_fd()?);
        }
        if req.detach {
            builder = builder.with_stdout(null_fd()?).with_stderr(null_fd()?);
        }
    }
    let built = builder
        .as_tenant()
        .with_process(Some(&req.process))
        .with_detach(req.tty)
        .build();
    let _ = std::fs::remove_file(&socket_path);
    let pid = built.map_err(classify)?;
    let pid = pid.as_raw();
    if req.detach {
        return Ok(0);
    }
    match console {
        Some(listener) => {
            let master = super::supervisor::receive_master(&listener)?;
            relay_tty(pid, master, req.stdin)
        }
        None => Ok(wait_for(pid)),
    }
}

/// Maps libcontainer's tenant failure to Docker's `exec` texts and exit codes.
fn classify(err: libcontainer::error::LibcontainerError) -> ShimError {
    let text = format!("{err} {err:?}");
    let name_after = |marker: &str| -> String {
        let start = text.find(marker).map(|i| i + marker.len()).unwrap_or(0);
        text[start..]
            .chars()
            .take_while(|c| !matches!(c, '"' | '\'' | ')' | '\\') && !c.is_whitespace())
            .collect()
    };
    let prefix = "OCI runtime exec failed: exec failed: unable to start container process: exec:";
    let cases = [
        (
            executor::NOT_FOUND,
            127,
            "executable file not found in $PATH",
        ),
        (executor::NOT_EXECUTABLE, 126, "permission denied"),
        (executor::IS_DIRECTORY, 126, "is a directory"),
    ];
    for (marker, code, what) in cases {
        if text.contains(marker) {
            let name = name_after(marker);
            return ShimError::Exec {
                code,
                message: format!("{prefix} \"{name}\": {what}: unknown"),
            };
        }
    }
    ShimError::Exec {
        code: 126,
        message: format!("OCI runtime exec failed: exec failed: {err}: unknown"),
    }
}

/// Waits for `pid` (reaping whatever else ends: we are a subreaper); Docker's exit code.
fn wait_for(pid: i32) -> i32 {
    loop {
        match waitpid(Pid::from_raw(-1), None) {
            Ok(WaitStatus::Exited(p, code)) if p.as_raw() == pid => return code,
            Ok(WaitStatus::Signaled(p, sig, _)) if p.as_raw() == pid => return 128 + sig as i32,
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => {}
            Err(_) => return 126,
        }
    }
}

/// Non-blocking reap: `Some(code)` once `pid` has ended.
fn reap(pid: i32, code: &mut Option<i32>) {
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(p, c)) if p.as_raw() == pid => *code = Some(c),
            Ok(WaitStatus::Signaled(p, s, _)) if p.as_raw() == pid => *code = Some(128 + s as i32),
            Ok(WaitStatus::StillAlive) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Copies the terminal to the pty and back until the process has ended and its output is
/// drained; follows the terminal's size.
fn relay_tty(pid: i32, mut master: File, forward_stdin: bool) -> Result<i32, ShimError> {
    let stdin = io::stdin();
    let stdout_fd = io::stdout().as_fd().try_clone_to_owned();
    let _raw = if forward_stdin && nix::unistd::isatty(stdin.as_fd().as_raw_fd()).unwrap_or(false) {
        RawTerminal::enable().ok()
    } else {
        None
    };
    let resize = |master: &File| {
        if let Ok(fd) = &stdout_fd {
            if let Some((rows, cols)) = attach::terminal_size(fd.as_fd()) {
                attach::set_terminal_size(master.as_fd(), rows, cols);
            }
        }
    };
    resize(&master);
    let mut set = SigSet::empty();
    set.add(Signal::SIGCHLD);
    set.add(Signal::SIGWINCH);
    nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None)
        .map_err(|e| ShimError::io("block signals", e.into()))?;
    let sigfd = SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
        .map_err(|e| ShimError::io("signalfd", e.into()))?;
    let mut code = None;
    reap(pid, &mut code);
    let mut stdin_open = forward_stdin;
    let mut out = io::stdout();
    let mut buf = [0u8; 8192];
    loop {
        let stdin_fd = stdin.as_fd();
        let mut fds = vec![
            PollFd::new(master.as_fd(), PollFlags::POLLIN),
            PollFd::new(sigfd.as_fd(), PollFlags::POLLIN),
        ];
        if stdin_open {
            fds.push(PollFd::new(stdin_fd, PollFlags::POLLIN));
        }
        // After the process has ended, drain what is left without waiting for long.
        let timeout = if code.is_some() {
            PollTimeout::from(100u16)
        } else {
            PollTimeout::NONE
        };
        match poll(&mut fds, timeout) {
            Ok(0) => break,
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(ShimError::io("poll", e.into())),
        }
        let ready = |f: &PollFd| {
            f.revents().is_some_and(|r| {
                r.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR)
            })
        };
        let master_ready = ready(&fds[0]);
        let sig_ready = ready(&fds[1]);
        let stdin_ready = stdin_open && ready(&fds[2]);
        drop(fds);
        if master_ready {
            match master.read(&mut buf) {
                Ok(0) | Err(_) => break, // EIO: every slave end is closed
                Ok(n) => {
                    let _ = out.write_all(&buf[..n]);
                    let _ = out.flush();
                }
            }
        }
        if sig_ready {
            while let Ok(Some(info)) = sigfd.read_signal() {
                if info.ssi_signo == Signal::SIGWINCH as u32 {
                    resize(&master);
                }
            }
            reap(pid, &mut code);
        }
        if stdin_ready {
            let read = nix::unistd::read(stdin.as_fd().as_raw_fd(), &mut buf);
            match read {
                Ok(0) | Err(_) => stdin_open = false,
                Ok(n) => {
                    let _ = master.write_all(&buf[..n]);
                }
            }
        }
    }
    match code {
        Some(c) => Ok(c),
        None => Ok(wait_for(pid)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_file_sits_next_to_the_process_file() {
        assert_eq!(
            error_file(Path::new("/run/x/exec-1.json")),
            PathBuf::from("/run/x/exec-1.json.error")
        );
    }
}
