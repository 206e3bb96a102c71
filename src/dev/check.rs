//! `dockerlings dev check`: validates every piece of content the program embeds — today the
//! built-in image catalogue (every image builds, with its layers and links consistent) and
//! the lessons (every file parses; ko and en twins ask the same); labs join as they arrive.

use std::io::Write;

use dockerlings_runtime::{catalogue, Reference};

/// Runs every check, printing one line per item; returns the exit code (0 = all good).
pub fn run(out: &mut dyn Write) -> anyhow::Result<i32> {
    let mut failures = 0;
    match catalogue::validate() {
        Ok(()) => writeln!(out, "ok   catalogue: data is consistent")?,
        Err(error) => {
            failures += 1;
            writeln!(out, "FAIL catalogue: {error}")?;
        }
    }
    let lessons = crate::lesson::catalog::embedded();
    let problems = crate::lesson::catalog::validate(&lessons);
    if problems.is_empty() {
        writeln!(
            out,
            "ok   lessons: {} files, ko and en agree",
            lessons.len()
        )?;
    }
    for problem in &problems {
        failures += 1;
        writeln!(out, "FAIL lesson {problem}")?;
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
