//! The hidden `__supervise <id> [--attach]` subcommand: this binary re-executed by the
//! engine as a container's supervisor (see `dockerlings_runtime::shim`). It reads the
//! engine's directories from `DOCKERLINGS_ROOT` / `DOCKERLINGS_RUN`, which the engine sets.

/// Runs the supervisor; returns the process's exit code.
pub fn run(args: &[String]) -> i32 {
    dockerlings_runtime::shim::supervise(dockerlings_runtime::Paths::from_env(), args)
}
