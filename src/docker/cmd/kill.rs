//! `docker kill`: a signal (default SIGKILL) to each container's main process.

use crate::docker::spec::Matches;
use crate::docker::{CmdResult, Ctx};

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let signal = m.value("signal").map(str::to_string);
    super::stop::each(ctx, m, |engine, name| {
        engine.container_kill(name, signal.as_deref())
    })
}
