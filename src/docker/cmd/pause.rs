//! `docker pause` / `docker unpause`: the cgroup freezer.

use crate::docker::spec::Matches;
use crate::docker::{CmdResult, Ctx};

pub fn pause(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    super::stop::each(ctx, m, |engine, name| engine.container_pause(name))
}

pub fn unpause(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    super::stop::each(ctx, m, |engine, name| engine.container_unpause(name))
}
