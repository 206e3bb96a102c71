//! `docker rm`, `docker rename` and `docker container prune`.

use std::io::BufRead;

use dockerlings_runtime::container::PruneContainersReport;

use crate::docker::spec::Matches;
use crate::docker::units::human_size;
use crate::docker::{CmdResult, Ctx, Failure};

/// Docker's `PromptForConfirmation`: prints the question and reads one line; only `y`/`Y`
/// confirms (stdin is read even when it is not a terminal, as Docker does).
pub fn confirm(ctx: &mut Ctx<'_, '_>, warning: &str) -> Result<bool, Failure> {
    ctx.out(&format!(
        "{warning}\nAre you sure you want to continue? [y/N] "
    ))?;
    ctx.io.stdout.flush()?;
    let mut line = String::new();
    let mut reader = std::io::BufReader::new(&mut *ctx.io.stdin);
    reader.read_line(&mut line)?;
    Ok(line.trim().eq_ignore_ascii_case("y"))
}

/// A prune section: `Deleted Containers:` and one line per item, then a blank line.
pub fn deleted_section(title: &str, items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut out = format!("{title}:\n");
    for item in items {
        out.push_str(item);
        out.push('\n');
    }
    out.push('\n');
    out
}

pub fn total_line(bytes: u64) -> String {
    format!("Total reclaimed space: {}\n", human_size(bytes as f64))
}

pub fn rm(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let force = m.flag("force");
    let volumes = m.flag("volumes");
    if m.flag("link") {
        return Err(Failure::daemon(
            "Conflict, cannot remove the default link name of the container",
        ));
    }
    let mut errors = Vec::new();
    for name in &m.args {
        match ctx.engine()?.container_remove(name, force, volumes) {
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

pub fn rename(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let (old, new) = (m.args[0].trim(), m.args[1].trim());
    if old.is_empty() || new.is_empty() {
        return Err(Failure::cli(
            "Error: Neither old nor new names may be empty",
        ));
    }
    ctx.engine()?
        .container_rename(old, new)
        .map_err(Failure::daemon)
}

/// The `container prune` report.
pub fn prune_report(report: &PruneContainersReport) -> String {
    let mut out = deleted_section("Deleted Containers", &report.deleted);
    out.push_str(&total_line(report.space_reclaimed));
    out
}

pub fn prune(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    if !m.flag("force") && !confirm(ctx, "WARNING! This will remove all stopped containers.")? {
        return ctx.out(&total_line(0));
    }
    let report = ctx.engine()?.container_prune().map_err(Failure::daemon)?;
    ctx.out(&prune_report(&report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_output() {
        assert_eq!(
            prune_report(&PruneContainersReport::default()),
            "Total reclaimed space: 0B\n"
        );
        let r = PruneContainersReport {
            deleted: vec!["a".repeat(64)],
            space_reclaimed: 1234,
        };
        assert_eq!(
            prune_report(&r),
            format!(
                "Deleted Containers:\n{}\n\nTotal reclaimed space: 1.234kB\n",
                "a".repeat(64)
            )
        );
    }
}
