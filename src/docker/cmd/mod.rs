//! One module per command family; each turns parsed arguments into engine calls and Docker's
//! output.

mod archive;
mod containers;
mod cp;
pub mod create;
pub mod exec;
mod export;
mod filters;
mod history;
mod images;
mod inspect;
mod kill;
mod logs;
pub mod network;
mod pause;
mod port;
mod ps;
mod pull;
mod remove;
mod restart;
mod run;
mod search;
mod start;
pub mod stats;
mod stop;
mod system;
mod system_prune;
mod top;
mod volume;
mod wait;

use super::spec::{Action, Matches};
use super::{CmdResult, Ctx};

pub fn run(action: Action, ctx: &mut Ctx<'_, '_>, m: &Matches, top_level: bool) -> CmdResult {
    match action {
        Action::Images => images::run(ctx, m),
        Action::ImageInspect => inspect::run(ctx, m, top_level),
        Action::History => history::run(ctx, m),
        Action::Tag => remove::tag(ctx, m),
        Action::Rmi => remove::rmi(ctx, m),
        Action::ImagePrune => remove::prune(ctx, m),
        Action::Pull => pull::run(ctx, m),
        Action::Save => archive::save(ctx, m),
        Action::Load => archive::load(ctx, m),
        Action::Search => search::run(ctx, m),
        Action::SystemDf => system::df(ctx, m),
        Action::Version => system::version(ctx, m),
        Action::Info => system::info(ctx, m),
        Action::ContainerCreate => create::run(ctx, m),
        Action::ContainerList => ps::run(ctx, m),
        Action::ContainerRemove => containers::rm(ctx, m),
        Action::ContainerRename => containers::rename(ctx, m),
        Action::ContainerPrune => containers::prune(ctx, m),
        Action::ContainerInspect => inspect::run_containers(ctx, m),
        Action::VolumeCreate => volume::create(ctx, m),
        Action::VolumeList => volume::ls(ctx, m),
        Action::VolumeInspect => volume::inspect(ctx, m),
        Action::VolumeRemove => volume::rm(ctx, m),
        Action::VolumePrune => volume::prune(ctx, m),
        Action::SystemPrune => system_prune::run(ctx, m),
        Action::ContainerRun => run::run(ctx, m),
        Action::ContainerStart => start::run(ctx, m),
        Action::ContainerStop => stop::run(ctx, m),
        Action::ContainerKill => kill::run(ctx, m),
        Action::ContainerWait => wait::run(ctx, m),
        Action::ContainerLogs => logs::run(ctx, m),
        Action::ContainerRestart => restart::run(ctx, m),
        Action::ContainerPause => pause::pause(ctx, m),
        Action::ContainerUnpause => pause::unpause(ctx, m),
        Action::ContainerExec => exec::run(ctx, m),
        Action::ContainerTop => top::run(ctx, m),
        Action::ContainerPort => port::run(ctx, m),
        Action::ContainerStats => stats::run(ctx, m),
        Action::ContainerCp => cp::run(ctx, m),
        Action::ContainerExport => export::run(ctx, m),
        Action::NetworkCreate => network::create(ctx, m),
        Action::NetworkList => network::ls(ctx, m),
        Action::NetworkInspect => network::inspect(ctx, m),
        Action::NetworkRemove => network::rm(ctx, m),
        Action::NetworkPrune => network::prune(ctx, m),
        Action::NetworkConnect => network::connect(ctx, m),
        Action::NetworkDisconnect => network::disconnect(ctx, m),
    }
}

/// Splits `nginx:1.25` into (`nginx`, `1.25`); the tag separator is the last `:` after the
/// last `/` (so `localhost:5000/app:v1` keeps its port).
pub(crate) fn split_repo_tag(name: &str) -> (&str, Option<&str>) {
    let slash = name.rfind('/').map(|i| i + 1).unwrap_or(0);
    match name[slash..].rfind(':') {
        Some(i) => (&name[..slash + i], Some(&name[slash + i + 1..])),
        None => (name, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_tag_split() {
        assert_eq!(split_repo_tag("nginx:1.25"), ("nginx", Some("1.25")));
        assert_eq!(
            split_repo_tag("localhost:5000/app"),
            ("localhost:5000/app", None)
        );
        assert_eq!(
            split_repo_tag("localhost:5000/app:v1"),
            ("localhost:5000/app", Some("v1"))
        );
        assert_eq!(split_repo_tag("diamol/base"), ("diamol/base", None));
    }
}
