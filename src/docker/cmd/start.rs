//! `docker start`: starts stopped containers; with `-a`/`-i` attaches to one of them and
//! exits with its code.

use dockerlings_runtime::shim::attach::Hello;

use crate::docker::spec::Matches;
use crate::docker::{CmdResult, Ctx, Failure};

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let attach = m.flag("attach");
    let interactive = m.flag("interactive");
    if attach || interactive {
        if m.args.len() > 1 {
            return Err(Failure::cli(
                "you cannot start and attach multiple containers at once",
            ));
        }
        let name = &m.args[0];
        let hello = Hello {
            stdin: interactive,
            stdout: true,
            stderr: true,
        };
        let attached = match ctx.engine()?.container_start_attached(name, hello) {
            Ok(a) => a,
            Err(e) => {
                let mut f = super::run::start_failure(&e);
                f.message = format!(
                    "Error response from daemon: {e}\nError: failed to start containers: {name}"
                );
                f.code = 1;
                return Err(f);
            }
        };
        let with_stdin = interactive && attached.open_stdin;
        let code = super::run::attach_until_exit(ctx, attached, with_stdin, true)?;
        return if code == 0 {
            Ok(())
        } else {
            Err(Failure::new("", code))
        };
    }
    let mut errors = Vec::new();
    let mut failed = Vec::new();
    for name in &m.args {
        let result = ctx.engine()?.container_start(name);
        match result {
            Ok(_) => ctx.out(&format!("{name}\n"))?,
            Err(e) => {
                errors.push(format!("Error response from daemon: {e}"));
                failed.push(name.clone());
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        errors.push(format!(
            "Error: failed to start containers: {}",
            failed.join(", ")
        ));
        Err(Failure::cli(errors.join("\n")))
    }
}
