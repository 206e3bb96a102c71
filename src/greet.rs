//! What `dockerlings` with no arguments says: who it is and what to try.

use crate::i18n::{tr, Lang};

pub fn print(lang: Lang) {
    let version = dockerlings_runtime::VERSION;
    println!("{}", tr(lang, "greet.title", &[("version", version)]));
    println!();
    println!("{}", tr(lang, "greet.body", &[]));
    let names: Vec<String> =
        dockerlings_runtime::catalogue::search("").into_iter().map(|r| r.name).collect();
    println!("{}", tr(lang, "greet.images", &[("images", &names.join(", "))]));
    println!();
    println!("{}", tr(lang, "greet.try", &[]));
    for example in [
        "dockerlings docker pull nginx:1.25",
        "dockerlings docker images",
        "dockerlings docker image inspect --format '{{.Os}}' centos:7",
        "dockerlings docker history nginx:1.25",
        "dockerlings docker save alpine:3.19 | gzip > alpine.tgz",
    ] {
        println!("  $ {example}");
    }
    println!();
    println!("{}", tr(lang, "greet.lessons", &[]));
}
