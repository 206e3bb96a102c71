//! What the in-process front-end tests (`docker_images`, `docker_containers`,
//! `docker_networks`) share: running `dockerlings docker …` through `run_at` on a temporary
//! engine with a fixed clock, and a stand-in supervisor that makes a container "running"
//! without starting anything. Included with `#[path]` by each of those test binaries.

#![allow(dead_code)] // each binary uses a different part

use std::ffi::OsString;
use std::process::{Child, Command};

use chrono::{DateTime, Utc};
use dockerlings::docker::{run_at, Io};
use dockerlings_runtime::container::control::process_start_ticks;
use dockerlings_runtime::container::state::Status;
use dockerlings_runtime::{Engine, Paths};

/// What one command printed, and its exit code.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `docker <args>` in this process on the engine at `paths`, as if at `now`.
pub fn docker(
    paths: &Paths,
    now: DateTime<Utc>,
    args: &[&str],
    stdin: &[u8],
    stdout_is_tty: bool,
) -> Output {
    let mut input = stdin;
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut io = Io {
        stdin: &mut input,
        stdout: &mut out,
        stderr: &mut err,
        stdin_is_tty: false,
        stdout_is_tty,
    };
    let args: Vec<OsString> = args.iter().map(OsString::from).collect();
    let code = run_at(&args, &mut io, paths, now);
    Output {
        code,
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
    }
}

/// Marks container `name` running under a stand-in supervisor (a `sleep` child, started at
/// `started_at` as far as the engine knows); kill the child to "stop" it.
pub fn fake_running(paths: &Paths, name: &str, started_at: DateTime<Utc>) -> Child {
    let engine = Engine::open(paths.clone()).unwrap();
    let id = engine.container_id(name).unwrap();
    let child = Command::new("sleep").arg("60").spawn().unwrap();
    let pid = child.id() as i32;
    let ticks = process_start_ticks(pid).unwrap();
    engine
        .container_store()
        .unwrap()
        .update_state(&id, |s| {
            s.status = Status::Running;
            s.pid = pid;
            s.supervisor_pid = pid;
            s.supervisor_start_ticks = ticks;
            s.started_at = Some(started_at);
        })
        .unwrap();
    child
}
