//! What `dockerlings` with no arguments says: who it is and what to try.

use std::io::{self, Write};

use crate::i18n::{tr, Lang};

pub fn print(lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let version = dockerlings_runtime::VERSION;
    writeln!(out, "{}", tr(lang, "greet.title", &[("version", version)]))?;
    writeln!(out)?;
    writeln!(out, "{}", tr(lang, "greet.body", &[]))?;
    let names: Vec<String> = dockerlings_runtime::catalogue::search("")
        .into_iter()
        .map(|r| r.name)
        .collect();
    writeln!(
        out,
        "{}",
        tr(lang, "greet.images", &[("images", &names.join(", "))])
    )?;
    writeln!(out)?;
    writeln!(out, "{}", tr(lang, "greet.try", &[]))?;
    for example in [
        "dockerlings docker pull nginx:1.25",
        "dockerlings docker images",
        "dockerlings docker image inspect --format '{{.Os}}' centos:7",
        "dockerlings docker history nginx:1.25",
        "dockerlings docker save alpine:3.19 | gzip > alpine.tgz",
    ] {
        writeln!(out, "  $ {example}")?;
    }
    writeln!(out)?;
    writeln!(out, "{}", tr(lang, "greet.lessons", &[]))
}
