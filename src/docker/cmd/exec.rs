//! `docker exec`: a command in a running container. Output streams to the client and the
//! command's exit code becomes ours; `-it` gives an interactive terminal; `-d` starts the
//! command and returns at once.

use std::io::{Read, Write};
use std::process::Stdio;
use std::sync::mpsc;

use dockerlings_runtime::container::exec::{ExecOptions, ExecStdio};
use dockerlings_runtime::shim::ShimError;

use crate::docker::spec::{FlagSpec, Matches};
use crate::docker::{CmdResult, Ctx, Failure};

pub const EXEC_FLAGS: &[FlagSpec] = &[
    FlagSpec::bool(
        "detach",
        Some('d'),
        "Detached mode: run command in the background",
    ),
    FlagSpec::string(
        "detach-keys",
        None,
        "Override the key sequence for detaching a container",
    ),
    FlagSpec::list("env", Some('e'), "list", "Set environment variables"),
    FlagSpec::list(
        "env-file",
        None,
        "list",
        "Read in a file of environment variables",
    ),
    FlagSpec::bool(
        "interactive",
        Some('i'),
        "Keep STDIN open even if not attached",
    ),
    FlagSpec::bool(
        "privileged",
        None,
        "Give extended privileges to the command",
    ),
    FlagSpec::bool("tty", Some('t'), "Allocate a pseudo-TTY"),
    FlagSpec::string(
        "user",
        Some('u'),
        "Username or UID (format: \"<name|uid>[:<group|gid>]\")",
    ),
    FlagSpec::string(
        "workdir",
        Some('w'),
        "Working directory inside the container",
    ),
];

/// The engine's error as Docker's CLI prints it: the OCI text and 126/127 for a command
/// that cannot start, `Error response from daemon: …` otherwise.
fn failure(err: dockerlings_runtime::Error) -> Failure {
    match err {
        dockerlings_runtime::Error::Shim(ShimError::Exec { code, message }) => {
            Failure::new(message, code)
        }
        other => Failure::daemon(other),
    }
}

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let container = m.args[0].clone();
    let mut env = Vec::new();
    for file in m.values("env-file") {
        env.extend(super::create::read_env_file(file).map_err(Failure::cli)?);
    }
    env.extend(m.values("env").iter().cloned());
    let options = ExecOptions {
        cmd: m.args[1..].to_vec(),
        env,
        workdir: m.value("workdir").map(str::to_string),
        user: m.value("user").map(str::to_string),
        tty: m.flag("tty"),
        stdin: m.flag("interactive") && !m.flag("detach"),
        detach: m.flag("detach"),
        privileged: m.flag("privileged"),
    };
    if options.tty && options.stdin && !ctx.io.stdin_is_tty {
        return Err(Failure::cli("the input device is not a TTY"));
    }
    if options.detach {
        let stdio = ExecStdio {
            stdin: Stdio::null(),
            stdout: Stdio::null(),
            stderr: Stdio::null(),
        };
        let engine = ctx.engine()?;
        engine
            .container_exec(&container, &options, stdio)
            .map_err(failure)?;
        return Ok(());
    }
    // A terminal on both ends: the helper owns it (raw mode, window size).
    let direct = options.tty && ctx.io.stdout_is_tty;
    let mut input = None;
    let stdin = if !options.stdin {
        Stdio::null()
    } else if ctx.io.stdin_is_tty {
        Stdio::inherit()
    } else {
        let mut bytes = Vec::new();
        ctx.io.stdin.read_to_end(&mut bytes)?;
        let (r, w) = std::io::pipe()?;
        input = Some((w, bytes));
        Stdio::from(r)
    };
    if direct {
        let stdio = ExecStdio {
            stdin,
            stdout: Stdio::inherit(),
            stderr: Stdio::inherit(),
        };
        let code = ctx
            .engine()?
            .container_exec(&container, &options, stdio)
            .map_err(failure)?;
        return exit(code);
    }
    let (out_r, out_w) = std::io::pipe()?;
    let (err_r, err_w) = std::io::pipe()?;
    let stdio = ExecStdio {
        stdin,
        stdout: Stdio::from(out_w),
        stderr: Stdio::from(err_w),
    };
    let child = ctx
        .engine()?
        .container_exec_spawn(&container, &options, stdio)
        .map_err(failure)?;
    if let Some((mut w, bytes)) = input {
        std::thread::spawn(move || {
            let _ = w.write_all(&bytes);
        });
    }
    let (tx, rx) = mpsc::channel::<(bool, Vec<u8>)>();
    for (is_err, mut reader) in [(false, out_r), (true, err_r)] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send((is_err, buf[..n].to_vec())).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    for (is_err, bytes) in rx {
        let w: &mut dyn Write = if is_err {
            &mut *ctx.io.stderr
        } else {
            &mut *ctx.io.stdout
        };
        w.write_all(&bytes)?;
        w.flush()?;
    }
    exit(child.wait().map_err(failure)?)
}

fn exit(code: i32) -> CmdResult {
    if code == 0 {
        Ok(())
    } else {
        Err(Failure::new("", code))
    }
}
