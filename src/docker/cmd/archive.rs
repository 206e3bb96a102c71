//! `docker save` and `docker load`: docker-archive tars.

use std::path::Path;

use dockerlings_runtime::image::view::LoadedItem;

use crate::docker::spec::Matches;
use crate::docker::{CmdResult, Ctx, Failure};

pub fn save(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let names = m.args.clone();
    match m.value("output").filter(|o| !o.is_empty()) {
        None => {
            if ctx.io.stdout_is_tty {
                return Err(Failure::cli(
                    "cowardly refusing to save to a terminal. Use the -o flag or redirect",
                ));
            }
            save_to_stdout(ctx, &names)
        }
        Some(path) => {
            let path = Path::new(path);
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if !dir.is_dir() {
                return Err(Failure::cli(format!(
                    "failed to save image: invalid output path: directory {:?} does not exist",
                    dir.display().to_string()
                )));
            }
            let mut tmp = tempfile_in(dir)?;
            ctx.engine()?
                .image_save(&names, &mut tmp.1)
                .map_err(Failure::daemon)?;
            std::fs::rename(&tmp.0, path)
                .map_err(|e| Failure::cli(format!("failed to save image: {e}")))?;
            Ok(())
        }
    }
}

fn save_to_stdout(ctx: &mut Ctx<'_, '_>, names: &[String]) -> CmdResult {
    let (engine, stdout) = ctx.engine_and_stdout()?;
    engine.image_save(names, stdout).map_err(Failure::daemon)
}

/// A uniquely named file next to the destination, renamed into place when complete.
fn tempfile_in(dir: &Path) -> Result<(std::path::PathBuf, std::fs::File), Failure> {
    for n in 0..1000u32 {
        let p = dir.join(format!(".docker-save-{}-{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
        {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Failure::cli(format!("failed to save image: {e}"))),
        }
    }
    Err(Failure::cli(
        "failed to save image: cannot create a temporary file",
    ))
}

/// `Loaded image: …` lines.
pub fn loaded_lines(items: &[LoadedItem]) -> String {
    items
        .iter()
        .map(|i| match i {
            LoadedItem::Tag(t) => format!("Loaded image: {t}\n"),
            LoadedItem::Id(id) => format!("Loaded image ID: {id}\n"),
        })
        .collect()
}

pub fn load(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    // `-q` hides progress bars; this engine prints none, and the "Loaded image" lines are
    // printed in both modes, as Docker's are.
    let items = match m.value("input").filter(|i| !i.is_empty()) {
        Some(path) => {
            let mut file = std::fs::File::open(path)
                .map_err(|e| Failure::cli(format!("open {path}: {}", go_io_error(&e))))?;
            ctx.engine()?
                .image_load(&mut file)
                .map_err(Failure::daemon)?
        }
        None => {
            if ctx.io.stdin_is_tty {
                return Err(Failure::cli(
                    "requested load from stdin, but stdin is empty",
                ));
            }
            let mut data = Vec::new();
            ctx.io.stdin.read_to_end(&mut data)?;
            if data.is_empty() {
                return Err(Failure::cli(
                    "requested load from stdin, but stdin is empty",
                ));
            }
            ctx.engine()?
                .image_load(&mut data.as_slice())
                .map_err(Failure::daemon)?
        }
    };
    ctx.out(&loaded_lines(&items))
}

/// Go's wording for common I/O errors (`no such file or directory`).
fn go_io_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_lines() {
        let items = vec![
            LoadedItem::Tag("alpine:3.19".into()),
            LoadedItem::Id("sha256:1".into()),
        ];
        assert_eq!(
            loaded_lines(&items),
            "Loaded image: alpine:3.19\nLoaded image ID: sha256:1\n"
        );
    }
}
