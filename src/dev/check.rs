//! `dockerlings dev check`: validates every piece of content the program embeds — today the
//! built-in image catalogue (every image builds, with its layers and links consistent) and
//! the lessons and labs (every file parses; ko and en twins ask the same; a lab's points add
//! up and it shows a typical mistake).

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use dockerlings_runtime::{catalogue, Reference};

/// Runs every check, printing one line per item; returns the exit code (0 = all good).
pub fn run(
    lessons_dir: Option<&Path>,
    labs_dir: Option<&Path>,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    use crate::lesson::catalog::{self, Kind};
    let mut failures = 0;
    match catalogue::validate() {
        Ok(()) => writeln!(out, "ok   catalogue: data is consistent")?,
        Err(error) => {
            failures += 1;
            writeln!(out, "FAIL catalogue: {error}")?;
        }
    }
    for (kind, dir) in [(Kind::Lesson, lessons_dir), (Kind::Lab, labs_dir)] {
        let files = match (dir, kind) {
            (Some(d), _) => {
                catalog::from_dir(d).with_context(|| format!("read {}", d.display()))?
            }
            (None, Kind::Lesson) => catalog::embedded(),
            (None, Kind::Lab) => catalog::embedded_labs(),
        };
        let mut problems = catalog::validate(&files, kind);
        if kind == Kind::Lab {
            // Each lab that parses (the others are reported above), in both languages.
            for file in &files {
                if let Ok(lab) = crate::lesson::parse::parse(&file.path, &file.text) {
                    problems.extend(crate::lab::model::problems(&lab));
                }
            }
        }
        if problems.is_empty() {
            writeln!(
                out,
                "ok   {}: {} files, ko and en agree",
                kind.folder(),
                files.len()
            )?;
        }
        for problem in &problems {
            failures += 1;
            writeln!(out, "FAIL {problem}")?;
        }
    }
    for entry in catalogue::entries() {
        let name = entry.reference;
        let built = Reference::parse(&name)
            .map_err(anyhow::Error::from)
            .and_then(|r| catalogue::build(&r).map_err(anyhow::Error::from));
        match built {
            Ok(Some(image)) => {
                let size: usize = image.layers.iter().map(Vec::len).sum();
                writeln!(
                    out,
                    "ok   image {name}: {} layers, {size} bytes",
                    image.layers.len()
                )?;
            }
            Ok(None) => {
                failures += 1;
                writeln!(out, "FAIL image {name}: listed but does not build")?;
            }
            Err(error) => {
                failures += 1;
                writeln!(out, "FAIL image {name}: {error:#}")?;
            }
        }
    }
    if failures > 0 {
        writeln!(out, "\n{failures} problem(s) found")?;
        return Ok(1);
    }
    writeln!(out, "\nall content checks passed")?;
    Ok(0)
}
