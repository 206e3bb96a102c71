//! `docker export`: the container's flattened filesystem as a tar, to stdout or `-o FILE`.

use crate::docker::spec::Matches;
use crate::docker::{CmdResult, Ctx, Failure};

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let name = m.args[0].clone();
    match m.value("output").filter(|o| !o.is_empty()) {
        None => {
            if ctx.io.stdout_is_tty {
                return Err(Failure::cli(
                    "cowardly refusing to save to a terminal. Use the -o flag or redirect",
                ));
            }
            let (engine, stdout) = ctx.engine_and_stdout()?;
            engine
                .container_export(&name, stdout)
                .map_err(Failure::daemon)
        }
        Some(path) => {
            let path = path.to_string();
            let mut file = std::fs::File::create(&path)
                .map_err(|e| Failure::cli(format!("failed to export container: {e}")))?;
            ctx.engine()?
                .container_export(&name, &mut file)
                .map_err(Failure::daemon)
        }
    }
}
