//! `docker pull` / `docker image pull`.
//!
//! Progress is printed as the engine reports it, the way Docker's CLI renders its JSON
//! message stream:
//! - on a terminal, each layer owns one line that is rewritten in place (`Waiting` →
//!   `Downloading [==>   ]  1.2MB/30MB` → `Download complete` → `Extracting …` →
//!   `Pull complete`), using cursor-up/down and erase-line escapes;
//! - elsewhere (a pipe, a file), every status becomes its own line and the progress bars
//!   (`Downloading`, `Extracting`) are left out — exactly what `docker pull | cat` shows;
//! - with `-q`, only the canonical reference is printed.
//!
//! Notes from dockerlings itself go to stderr, so stdout stays exactly Docker's.

use dockerlings_runtime::PullEvent;

use crate::docker::spec::Matches;
use crate::docker::units::human_size;
use crate::docker::{CmdResult, Ctx, Failure};

/// The prefix that marks a line as dockerlings' own (not something Docker prints).
pub const NOTE_PREFIX: &str = "[dockerlings] ";

/// Width of Docker's progress bar, in `=` steps.
const BAR_WIDTH: u64 = 50;

/// One progress line as Docker prints it (non-terminal form: one line per event); notes
/// from dockerlings itself go to stderr (`true`). Progress bars (`Downloading`,
/// `Extracting`), which Docker shows only on a terminal, give an empty line to print.
pub fn event_line(event: &PullEvent) -> (bool, String) {
    match event {
        PullEvent::UsingDefaultTag(tag) => (false, format!("Using default tag: {tag}\n")),
        PullEvent::PullingFrom { tag, repository } => {
            (false, format!("{tag}: Pulling from {repository}\n"))
        }
        PullEvent::Layer { id, status } => (false, format!("{id}: {status}\n")),
        PullEvent::Progress { .. } => (false, String::new()),
        PullEvent::Digest(d) => (false, format!("Digest: {d}\n")),
        PullEvent::Status(s) => (false, format!("Status: {s}\n")),
        PullEvent::Note(n) => (true, format!("{NOTE_PREFIX}{n}\n")),
    }
}

/// Docker's progress text: `[==========>              ]  1.235MB/30MB`.
pub fn progress_bar(current: u64, total: u64) -> String {
    if total == 0 {
        return format!("{:>8}", human_size(current as f64));
    }
    let filled = ((current as f64 / total as f64 * 100.0) as u64 / 2).min(BAR_WIDTH);
    let bar = format!(
        "[{}>{}] ",
        "=".repeat(filled as usize),
        " ".repeat((BAR_WIDTH - filled) as usize)
    );
    let numbers = if current > total {
        format!("{:>8}", human_size(current as f64))
    } else {
        format!(
            "{:>8}/{}",
            human_size(current as f64),
            human_size(total as f64)
        )
    };
    format!("{bar}{numbers}")
}

/// Renders pull events on a terminal: one line per layer, rewritten in place.
#[derive(Debug, Default)]
pub struct TerminalProgress {
    /// Layer IDs in the order their lines were printed (the block above the cursor).
    layers: Vec<String>,
}

impl TerminalProgress {
    /// The bytes to write for `event` (stdout part only; notes are returned as `None`).
    pub fn render(&mut self, event: &PullEvent) -> Option<String> {
        let (id, text) = match event {
            PullEvent::Layer { id, status } => (id, format!("{id}: {status}")),
            PullEvent::Progress {
                id,
                action,
                current,
                total,
            } => (
                id,
                format!("{id}: {action} {}", progress_bar(*current, *total)),
            ),
            PullEvent::Note(_) => return None,
            other => {
                // A line without a layer scrolls the layer block into history.
                self.layers.clear();
                return Some(event_line(other).1);
            }
        };
        match self.layers.iter().position(|l| l == id) {
            None => {
                self.layers.push(id.clone());
                Some(format!("\x1b[2K\r{text}\n"))
            }
            Some(i) => {
                let up = self.layers.len() - i;
                Some(format!("\x1b[{up}A\x1b[2K\r{text}\x1b[{up}B\r"))
            }
        }
    }
}

fn host_platform() -> String {
    let host = dockerlings_runtime::platform::host();
    format!("{}/{}", host.os, host.architecture)
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
    let tty = ctx.io.stdout_is_tty;
    let name = m.args[0].clone();
    let mut notes: Vec<String> = Vec::new();
    let mut write_error: Option<std::io::Error> = None;
    let result = {
        let (engine, stdout) = ctx.engine_and_stdout()?;
        let mut terminal = TerminalProgress::default();
        // The engine calls back synchronously, so lines come out in order as they happen.
        let mut progress = |event: PullEvent| {
            if let PullEvent::Note(n) = &event {
                notes.push(format!("{NOTE_PREFIX}{n}\n"));
                return;
            }
            if quiet || write_error.is_some() {
                return;
            }
            let text = if tty {
                terminal.render(&event)
            } else {
                Some(event_line(&event).1).filter(|l| !l.is_empty())
            };
            if let Some(text) = text {
                if let Err(e) = stdout
                    .write_all(text.as_bytes())
                    .and_then(|_| stdout.flush())
                {
                    write_error = Some(e);
                }
            }
        };
        engine.pull(&name, &mut progress)
    };
    for note in &notes {
        ctx.err(note)?;
    }
    if let Some(e) = write_error {
        return Err(Failure::io(e));
    }
    let report = result.map_err(Failure::daemon)?;
    ctx.out(&format!("{}\n", report.canonical))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(e: &PullEvent) -> String {
        event_line(e).1
    }

    #[test]
    fn lines_read_like_docker() {
        assert_eq!(
            line(&PullEvent::UsingDefaultTag("latest".into())),
            "Using default tag: latest\n"
        );
        assert_eq!(
            line(&PullEvent::PullingFrom {
                tag: "latest".into(),
                repository: "library/nginx".into()
            }),
            "latest: Pulling from library/nginx\n"
        );
        assert_eq!(
            line(&PullEvent::Layer {
                id: "a2abf6c4d29d".into(),
                status: "Pull complete".into()
            }),
            "a2abf6c4d29d: Pull complete\n"
        );
        assert_eq!(
            line(&PullEvent::Digest("sha256:1".into())),
            "Digest: sha256:1\n"
        );
        assert_eq!(
            line(&PullEvent::Status(
                "Downloaded newer image for nginx:latest".into()
            )),
            "Status: Downloaded newer image for nginx:latest\n"
        );
        let (is_note, text) = event_line(&PullEvent::Note("offline catalogue".into()));
        assert!(is_note);
        assert_eq!(text, "[dockerlings] offline catalogue\n");
    }

    #[test]
    fn progress_bars_are_left_out_off_a_terminal() {
        assert_eq!(
            event_line(&PullEvent::Progress {
                id: "a".into(),
                action: "Downloading".into(),
                current: 1,
                total: 2
            }),
            (false, String::new())
        );
    }

    #[test]
    fn progress_bar_matches_dockers_layout() {
        assert_eq!(
            progress_bar(1_234_567, 30_000_000),
            format!("[==>{}]  1.235MB/30MB", " ".repeat(48))
        );
        assert_eq!(
            progress_bar(30_000_000, 30_000_000),
            format!("[{}>]     30MB/30MB", "=".repeat(50))
        );
        assert_eq!(progress_bar(512, 0), "    512B");
    }

    #[test]
    fn terminal_rewrites_each_layers_line_in_place() {
        let mut t = TerminalProgress::default();
        let layer = |id: &str, status: &str| PullEvent::Layer {
            id: id.into(),
            status: status.into(),
        };
        assert_eq!(
            t.render(&PullEvent::PullingFrom {
                tag: "v1".into(),
                repository: "test/app".into()
            })
            .unwrap(),
            "v1: Pulling from test/app\n"
        );
        assert_eq!(
            t.render(&layer("aaa", "Pulling fs layer")).unwrap(),
            "\x1b[2K\raaa: Pulling fs layer\n"
        );
        assert_eq!(
            t.render(&layer("bbb", "Pulling fs layer")).unwrap(),
            "\x1b[2K\rbbb: Pulling fs layer\n"
        );
        // The first layer's line is two lines up.
        assert_eq!(
            t.render(&PullEvent::Progress {
                id: "aaa".into(),
                action: "Downloading".into(),
                current: 50,
                total: 100
            })
            .unwrap(),
            format!(
                "\x1b[2A\x1b[2K\raaa: Downloading [{}>{}]      50B/100B\x1b[2B\r",
                "=".repeat(25),
                " ".repeat(25)
            )
        );
        assert_eq!(
            t.render(&layer("bbb", "Pull complete")).unwrap(),
            "\x1b[1A\x1b[2K\rbbb: Pull complete\x1b[1B\r"
        );
        assert_eq!(t.render(&PullEvent::Note("x".into())), None);
        assert_eq!(
            t.render(&PullEvent::Digest("sha256:1".into())).unwrap(),
            "Digest: sha256:1\n"
        );
    }
}
