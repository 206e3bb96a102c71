//! `docker system prune`: stopped containers, unused networks, optionally volumes, dangling or
//! unused images, with Docker 25's warning and report.

use dockerlings_runtime::image::view::DeleteItem;

use super::containers::{confirm, deleted_section, total_line};
use crate::docker::spec::Matches;
use crate::docker::{CmdResult, Ctx, Failure};

/// Docker's confirmation text for the options given.
pub fn warning(all: bool, volumes: bool) -> String {
    let mut items = vec![
        "all stopped containers",
        "all networks not used by at least one container",
    ];
    if volumes {
        items.push("all anonymous volumes not used by at least one container");
    }
    items.push(if all {
        "all images without at least one container associated to them"
    } else {
        "all dangling images"
    });
    items.push(if all {
        "all build cache"
    } else {
        "unused build cache"
    });
    let mut text = String::from("WARNING! This will remove:");
    for i in items {
        text.push_str(&format!("\n  - {i}"));
    }
    text.push('\n');
    text
}

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let all = m.flag("all");
    let volumes = m.flag("volumes");
    if !m.flag("force") && !confirm(ctx, &warning(all, volumes))? {
        return Ok(());
    }
    let mut out = String::new();
    let mut total = 0u64;
    let containers = ctx.engine()?.container_prune().map_err(Failure::daemon)?;
    out.push_str(&deleted_section("Deleted Containers", &containers.deleted));
    total += containers.space_reclaimed;
    let networks = ctx.engine()?.network_prune().map_err(Failure::daemon)?;
    out.push_str(&super::network::prune_report(&networks));
    if volumes {
        let report = ctx.engine()?.volume_prune(false).map_err(Failure::daemon)?;
        out.push_str(&deleted_section("Deleted Volumes", &report.deleted));
        total += report.space_reclaimed;
    }
    let images = ctx.engine()?.image_prune(all).map_err(Failure::daemon)?;
    let lines: Vec<String> = images
        .deleted
        .iter()
        .map(|i| match i {
            DeleteItem::Untagged(r) => format!("untagged: {r}"),
            DeleteItem::Deleted(id) => format!("deleted: {id}"),
        })
        .collect();
    out.push_str(&deleted_section("Deleted Images", &lines));
    total += images.space_reclaimed;
    out.push_str(&total_line(total));
    ctx.out(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_follow_the_options() {
        assert_eq!(
            warning(false, false),
            "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - unused build cache\n"
        );
        let w = warning(true, true);
        assert!(w.contains("\n  - all anonymous volumes not used by at least one container\n  - all images without at least one container associated to them\n  - all build cache\n"), "{w}");
    }
}
