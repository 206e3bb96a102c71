//! `docker top CONTAINER [ps OPTIONS]`: the container's processes with host PIDs, in the
//! layout Docker prints (a tab writer with 20-column cells).

use crate::docker::spec::Matches;
use crate::docker::table::TabWriter;
use crate::docker::{CmdResult, Ctx, Failure};

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let container = m.args[0].clone();
    let ps_args = m.args[1..].to_vec();
    let report = ctx
        .engine()?
        .container_top(&container, &ps_args)
        .map_err(Failure::daemon)?;
    let mut tw = TabWriter::new(20, 3);
    tw.write(&report.titles.join("\t"));
    tw.write("\n");
    for row in &report.processes {
        tw.write(&row.join("\t"));
        tw.write("\n");
    }
    ctx.out(&tw.finish())
}
