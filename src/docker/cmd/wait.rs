//! `docker wait`: blocks until each container stops and prints its exit code.

use crate::docker::spec::Matches;
use crate::docker::{CmdResult, Ctx, Failure};

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let mut errors = Vec::new();
    for name in &m.args {
        let result = ctx.engine()?.container_wait(name);
        match result {
            Ok(code) => ctx.out(&format!("{code}\n"))?,
            Err(e) => errors.push(format!("Error response from daemon: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::cli(errors.join("\n")))
    }
}
