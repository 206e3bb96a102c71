//! `docker port CONTAINER [PRIVATE_PORT[/PROTO]]`: where a running container's ports are
//! published on the host, as its port proxies listen.

use crate::docker::spec::Matches;
use crate::docker::{CmdResult, Ctx, Failure};

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    if m.args.len() > 2 {
        return Err(Failure::new(
            format!(
                "\"{}\" requires at least 1 and at most 2 arguments.\nSee '{} --help'.\n\nUsage:  {} CONTAINER [PRIVATE_PORT[/PROTO]]\n\nList port mappings or a specific mapping for the container",
                ctx.path, ctx.path, ctx.path
            ),
            1,
        ));
    }
    let reference = m.args[0].clone();
    let (record, state) = ctx
        .engine()?
        .container(&reference)
        .map_err(Failure::daemon)?;
    let mut out = String::new();
    match m.args.get(1) {
        None => {
            for p in &state.ports {
                out.push_str(&format!("{} -> {}:{}\n", p.key(), p.host_ip, p.host_port));
            }
        }
        Some(wanted) => {
            let (port, proto) = wanted.split_once('/').unwrap_or((wanted, "tcp"));
            let key = format!("{port}/{proto}");
            let found: Vec<_> = state.ports.iter().filter(|p| p.key() == key).collect();
            if found.is_empty() {
                return Err(Failure::new(
                    format!(
                        "Error: No public port '{key}' published for {}",
                        record.bare_name()
                    ),
                    1,
                ));
            }
            for p in found {
                out.push_str(&format!("{}:{}\n", p.host_ip, p.host_port));
            }
        }
    }
    ctx.out(&out)
}
