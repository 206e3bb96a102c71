//! `docker run`: create (pulling a missing image), start, and — unless `-d` — attach and
//! exit with the container's exit code, as Docker's CLI does.

use dockerlings_runtime::container::lifecycle::Attached;
use dockerlings_runtime::container::options::CreateOptions;
use dockerlings_runtime::shim::attach::{self, ClientIo, Hello, RawTerminal};
use dockerlings_runtime::shim::ShimError;

use super::create::{after_create, check_cidfile, create_with_pull, parse_create_flags};
use crate::docker::spec::Matches;
use crate::docker::{CmdResult, Ctx, Failure};

/// Docker's CLI words a failed `run` as `docker: <error>.` on stderr.
fn run_error(message: &str, code: i32, with_help: bool, path: &str) -> Failure {
    let msg = message.trim_end_matches('.');
    let mut text = format!("docker: {msg}.");
    if with_help {
        text.push_str(&format!("\nSee '{path} --help'."));
    }
    Failure::new(text, code)
}

/// The exit code Docker's CLI uses for a start failure (`runStartContainerErr`).
pub(super) fn start_failure(err: &dockerlings_runtime::Error) -> Failure {
    let code = match err {
        dockerlings_runtime::Error::Shim(e @ ShimError::Exec { .. }) => e.exit_code(),
        _ => 125,
    };
    run_error(
        &format!("Error response from daemon: {err}"),
        code,
        false,
        "",
    )
}

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let path = ctx.path.clone();
    let detach = m.flag("detach");
    let mut opts = parse_create_flags(m, &path)?;
    if detach && !m.values("attach").is_empty() {
        return Err(run_error(
            "Conflicting options: -a and -d",
            125,
            true,
            &path,
        ));
    }
    if detach {
        // Docker's CLI clears these for `-d`, so `inspect` shows a detached container as
        // attached to nothing.
        opts.attach_stdin = false;
        opts.attach_stdout = false;
        opts.attach_stderr = false;
        opts.stdin_once = false;
    } else {
        opts.attach_stdout = true;
        opts.attach_stderr = true;
        if opts.open_stdin {
            opts.attach_stdin = true;
            opts.stdin_once = true;
        }
        if opts.tty && opts.attach_stdin && !ctx.io.stdin_is_tty {
            return Err(Failure::cli("the input device is not a TTY"));
        }
    }
    check_cidfile(&opts, &path)?;
    // Held until the start has returned: the kernel's first cgroup move after a quiet spell
    // waits out an RCU grace period, which this overlaps with the create.
    let warm = ctx.engine()?.warm_up_for_start();
    let pull = m.value("pull").unwrap_or("missing").to_string();
    let report = create_with_pull(ctx, &opts, &pull, m.flag("quiet")).map_err(|f| {
        let msg = f.message.clone();
        run_error(&msg, 125, true, &path)
    })?;
    after_create(ctx, &opts, &report)?;
    if detach {
        let started = ctx.engine()?.container_start(&report.id);
        drop(warm);
        if let Err(e) = started {
            remove_after_failed_start(ctx, &opts, &report.id, &e);
            return Err(start_failure(&e));
        }
        return ctx.out(&format!("{}\n", report.id));
    }
    let hello = Hello {
        stdin: opts.attach_stdin,
        stdout: true,
        stderr: true,
    };
    let started = ctx.engine()?.container_start_attached(&report.id, hello);
    drop(warm);
    let attached = match started {
        Ok(a) => a,
        Err(e) => {
            remove_after_failed_start(ctx, &opts, &report.id, &e);
            return Err(start_failure(&e));
        }
    };
    let code = attach_until_exit(
        ctx,
        attached,
        opts.attach_stdin,
        m.flag_or("sig-proxy", true),
    )?;
    if code == 0 {
        Ok(())
    } else {
        Err(Failure::new("", code))
    }
}

/// `--rm` also removes a container that failed to start, as Docker does.
fn remove_after_failed_start(
    ctx: &mut Ctx<'_, '_>,
    opts: &CreateOptions,
    id: &str,
    err: &dockerlings_runtime::Error,
) {
    // A taken host port leaves no half-made container behind (the learner fixes the port
    // and runs the same command again without a name conflict).
    if opts.auto_remove || err.to_string().contains("port is already allocated") {
        if let Ok(engine) = ctx.engine() {
            let _ = engine.container_remove(id, true, true);
        }
    }
}

/// Streams an attached container to the terminal until it exits; returns its exit code.
/// With a pty and a terminal on stdin, the terminal goes raw and its size is followed.
pub(super) fn attach_until_exit(
    ctx: &mut Ctx<'_, '_>,
    attached: Attached,
    with_stdin: bool,
    sig_proxy: bool,
) -> Result<i32, Failure> {
    let interactive_tty = attached.tty && with_stdin && ctx.io.stdin_is_tty;
    // Without a raw terminal, Ctrl-C reaches this process, not the container: pass it (and
    // the other signals a learner may send) on, as Docker's `--sig-proxy` does.
    let proxy = if sig_proxy && !interactive_tty {
        Some(proxy_signals(ctx.paths().clone(), attached.id.clone()).map_err(Failure::io)?)
    } else {
        None
    };
    let _raw = if interactive_tty {
        Some(RawTerminal::enable().map_err(Failure::io)?)
    } else {
        None
    };
    // A terminal is read as typed; anything else (a pipe, a test's buffer) is read whole
    // first, since the front-end's stdin cannot move to the reader thread.
    let stdin: Option<Box<dyn std::io::Read + Send>> = if !with_stdin {
        None
    } else if ctx.io.stdin_is_tty {
        // A duplicate of fd 0, not `std::io::stdin()`: the front-end holds the process's
        // stdin lock for the whole command, so a reader thread going through it would
        // wait for that lock forever and the container would never see a keystroke.
        use std::os::fd::AsFd;
        let fd = std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map_err(Failure::io)?;
        Some(Box::new(std::fs::File::from(fd)))
    } else {
        let mut bytes = Vec::new();
        ctx.io.stdin.read_to_end(&mut bytes)?;
        Some(Box::new(std::io::Cursor::new(bytes)))
    };
    let id = attached.id.clone();
    let result = attach::run_client(
        attached.stream,
        ClientIo {
            stdin,
            stdout: &mut *ctx.io.stdout,
            stderr: &mut *ctx.io.stderr,
            follow_terminal_size: attached.tty && ctx.io.stdout_is_tty,
        },
    );
    drop(_raw);
    if let Some(handle) = proxy {
        handle.close();
    }
    match result {
        Ok(Some(code)) => Ok(code),
        // The supervisor went away without a word: ask the engine how it ended.
        Ok(None) => ctx.engine()?.container_wait(&id).map_err(Failure::daemon),
        Err(e) => Err(Failure::io(e)),
    }
}

/// Forwards SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 received by the client to
/// the container's PID 1 until the returned handle is closed.
fn proxy_signals(
    paths: dockerlings_runtime::Paths,
    id: String,
) -> std::io::Result<signal_hook::iterator::Handle> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};
    let mut signals =
        signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2])?;
    let handle = signals.handle();
    std::thread::spawn(move || {
        // Opened at the first signal, not before: opening reads the image store, which would
        // compete for the CPUs with the container's start for a signal that seldom comes.
        let mut engine = None;
        for number in signals.forever() {
            let Ok(signal) = nix::sys::signal::Signal::try_from(number) else {
                continue;
            };
            if engine.is_none() {
                engine = dockerlings_runtime::Engine::open(paths.clone()).ok();
            }
            if let Some(engine) = &engine {
                let _ = engine.container_kill(&id, Some(signal.as_str()));
            }
        }
    });
    Ok(handle)
}
