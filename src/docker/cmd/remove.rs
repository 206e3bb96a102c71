//! `docker tag`, `docker rmi` / `image rm`, and `docker image prune`.

use std::io::BufRead;

use dockerlings_runtime::image::view::{DeleteItem, PruneReport};

use crate::docker::spec::Matches;
use crate::docker::units::human_size;
use crate::docker::{CmdResult, Ctx, Failure};

pub fn tag(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    ctx.engine()?
        .image_tag(&m.args[0], &m.args[1])
        .map_err(Failure::daemon)
}

/// `Untagged: …` / `Deleted: …` lines, as `docker rmi` prints them.
pub fn delete_lines(items: &[DeleteItem]) -> String {
    items
        .iter()
        .map(|i| match i {
            DeleteItem::Untagged(r) => format!("Untagged: {r}\n"),
            DeleteItem::Deleted(id) => format!("Deleted: {id}\n"),
        })
        .collect()
}

pub fn rmi(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    // `--no-prune` keeps untagged parent images; images here have no parent chain (each is
    // self-contained, as Docker's are since 1.10 for pulled images), so there is nothing
    // for it to keep.
    let force = m.flag("force");
    let mut errors = Vec::new();
    for name in &m.args {
        match ctx.engine()?.image_remove(name, force) {
            Ok(items) => ctx.out(&delete_lines(&items))?,
            Err(e) => errors.push(format!("Error response from daemon: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::cli(errors.join("\n")))
    }
}

const DANGLING_WARNING: &str = "WARNING! This will remove all dangling images.";
const ALL_WARNING: &str =
    "WARNING! This will remove all images without at least one container associated to them.";

/// The `image prune` report: `Deleted Images:` with lower-case lines, then the total.
pub fn prune_report(report: &PruneReport) -> String {
    let mut out = String::new();
    if !report.deleted.is_empty() {
        out.push_str("Deleted Images:\n");
        for item in &report.deleted {
            match item {
                DeleteItem::Untagged(r) => out.push_str(&format!("untagged: {r}\n")),
                DeleteItem::Deleted(id) => out.push_str(&format!("deleted: {id}\n")),
            }
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "Total reclaimed space: {}\n",
        human_size(report.space_reclaimed as f64)
    ));
    out
}

/// Docker's `PromptForConfirmation`: prints the question and reads one line; only `y`/`Y`
/// confirms. Like Docker, it reads stdin even when stdin is not a terminal.
fn confirm(ctx: &mut Ctx<'_, '_>, warning: &str) -> Result<bool, Failure> {
    ctx.out(&format!(
        "{warning}\nAre you sure you want to continue? [y/N] "
    ))?;
    ctx.io.stdout.flush()?;
    let mut line = String::new();
    let mut reader = std::io::BufReader::new(&mut *ctx.io.stdin);
    reader.read_line(&mut line)?;
    let answer = line.trim();
    Ok(answer.eq_ignore_ascii_case("y"))
}

pub fn prune(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let all = m.flag("all");
    if !m.flag("force") {
        let warning = if all { ALL_WARNING } else { DANGLING_WARNING };
        if !confirm(ctx, warning)? {
            // Docker 25 reports nothing reclaimed when the answer is no.
            return ctx.out(&prune_report(&PruneReport::default()));
        }
    }
    let report = ctx.engine()?.image_prune(all).map_err(Failure::daemon)?;
    ctx.out(&prune_report(&report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rmi_lines() {
        let items = vec![
            DeleteItem::Untagged("alpine:latest".into()),
            DeleteItem::Deleted("sha256:abc".into()),
        ];
        assert_eq!(
            delete_lines(&items),
            "Untagged: alpine:latest\nDeleted: sha256:abc\n"
        );
    }

    #[test]
    fn prune_output() {
        assert_eq!(
            prune_report(&PruneReport::default()),
            "Total reclaimed space: 0B\n"
        );
        let r = PruneReport {
            deleted: vec![
                DeleteItem::Untagged("a:b".into()),
                DeleteItem::Deleted("sha256:1".into()),
            ],
            space_reclaimed: 7_380_000,
        };
        assert_eq!(
            prune_report(&r),
            "Deleted Images:\nuntagged: a:b\ndeleted: sha256:1\n\nTotal reclaimed space: 7.38MB\n"
        );
    }
}
