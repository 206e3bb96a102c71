//! `docker restart`: stop (with `-t`) then start.

use crate::docker::spec::Matches;
use crate::docker::{CmdResult, Ctx};

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let timeout = super::stop::timeout(m)?;
    super::stop::each(ctx, m, |engine, name| {
        engine.container_restart(name, timeout).map(|_| ())
    })
}
