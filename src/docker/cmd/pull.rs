//! `docker pull` / `docker image pull`.

use dockerlings_runtime::PullEvent;

use crate::docker::spec::Matches;
use crate::docker::{CmdResult, Ctx, Failure};

/// The prefix that marks a line as dockerlings' own (not something Docker prints).
pub const NOTE_PREFIX: &str = "[dockerlings] ";

/// One progress line as Docker prints it (non-terminal form: one line per event); notes
/// from dockerlings itself go to stderr, so stdout stays exactly Docker's.
pub fn event_line(event: &PullEvent) -> (bool, String) {
    match event {
        PullEvent::UsingDefaultTag(tag) => (false, format!("Using default tag: {tag}\n")),
        PullEvent::PullingFrom { tag, repository } => {
            (false, format!("{tag}: Pulling from {repository}\n"))
        }
        PullEvent::Layer { id, status } => (false, format!("{id}: {status}\n")),
        PullEvent::Digest(d) => (false, format!("Digest: {d}\n")),
        PullEvent::Status(s) => (false, format!("Status: {s}\n")),
        PullEvent::Note(n) => (true, format!("{NOTE_PREFIX}{n}\n")),
    }
}

fn host_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("linux/{arch}")
}

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    if m.flag("all-tags") {
        return Err(Failure::cli(format!(
            "{NOTE_PREFIX}pulling every tag (-a/--all-tags) is not supported; pull the tags you need by name"
        )));
    }
    if let Some(p) = m.value("platform").filter(|p| !p.is_empty()) {
        let host = host_platform();
        if p != host && p.split('/').nth(1) != host.split('/').nth(1) {
            return Err(Failure::cli(format!(
                "{NOTE_PREFIX}only the host platform ({host}) is available, not {p}"
            )));
        }
    }
    let quiet = m.flag("quiet");
    let name = m.args[0].clone();
    let mut lines: Vec<(bool, String)> = Vec::new();
    let result = {
        let engine = ctx.engine()?;
        // Lines are collected and written after each event; the engine calls back
        // synchronously, so order is kept.
        let mut progress = |e: PullEvent| lines.push(event_line(&e));
        engine.pull(&name, &mut progress)
    };
    for (is_note, line) in &lines {
        if *is_note {
            ctx.err(line)?;
        } else if !quiet {
            ctx.out(line)?;
        }
    }
    let report = result.map_err(Failure::daemon)?;
    ctx.out(&format!("{}\n", report.canonical))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_like_docker() {
        assert_eq!(
            event_line(&PullEvent::UsingDefaultTag("latest".into())).1,
            "Using default tag: latest\n"
        );
        assert_eq!(
            event_line(&PullEvent::PullingFrom {
                tag: "latest".into(),
                repository: "library/nginx".into()
            })
            .1,
            "latest: Pulling from library/nginx\n"
        );
        assert_eq!(
            event_line(&PullEvent::Layer {
                id: "a2abf6c4d29d".into(),
                status: "Pull complete".into()
            })
            .1,
            "a2abf6c4d29d: Pull complete\n"
        );
        assert_eq!(
            event_line(&PullEvent::Digest("sha256:1".into())).1,
            "Digest: sha256:1\n"
        );
        assert_eq!(
            event_line(&PullEvent::Status(
                "Downloaded newer image for nginx:latest".into()
            ))
            .1,
            "Status: Downloaded newer image for nginx:latest\n"
        );
        let (is_note, line) = event_line(&PullEvent::Note("offline catalogue".into()));
        assert!(is_note);
        assert_eq!(line, "[dockerlings] offline catalogue\n");
    }
}
