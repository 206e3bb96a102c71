//! `docker stop` (and the per-container loop `kill`, `restart`, `pause` share).

use crate::docker::spec::Matches;
use crate::docker::{CmdResult, Ctx, Failure};

/// Runs `op` on every named container, printing each name as given when it succeeds and
/// Docker's `Error response from daemon: …` for each failure (exit 1 if any failed).
pub(super) fn each(
    ctx: &mut Ctx<'_, '_>,
    m: &Matches,
    mut op: impl FnMut(&dockerlings_runtime::Engine, &str) -> dockerlings_runtime::Result<()>,
) -> CmdResult {
    let mut errors = Vec::new();
    for name in &m.args {
        let result = op(ctx.engine()?, name);
        match result {
            Ok(()) => ctx.out(&format!("{name}\n"))?,
            Err(e) => errors.push(format!("Error response from daemon: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::cli(errors.join("\n")))
    }
}

/// `-t`/`--time` (Docker 25 also accepts the older `--time` spelling only).
pub(super) fn timeout(m: &Matches) -> Result<Option<i64>, Failure> {
    match m.value("time") {
        None => Ok(None),
        Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
            Failure::new(
                format!("invalid argument {v:?} for \"-t, --time\" flag: strconv.ParseInt: parsing {v:?}: invalid syntax"),
                125,
            )
        }),
    }
}

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let timeout = timeout(m)?;
    let signal = m.value("signal").map(str::to_string);
    each(ctx, m, |engine, name| {
        engine.container_stop_with(name, timeout, signal.as_deref())
    })
}
