//! The toolbox: one static program that answers to many names (`sh`, `ls`, `nginx`, …)
//! inside dockerlings' built-in images, the way busybox does in real ones.
//!
//! The applet is chosen by the basename of `argv[0]` (the images link every name in
//! `applets.txt` to `/usr/lib/dockerlings/toolbox`), or by the first argument when the
//! program is called by its own name: `toolbox ls -l`, `busybox ls -l`,
//! `dockerlings-toolbox ls -l`. With no applet name it lists the applets it knows.

mod app;
mod applets;
mod coreutils;
mod net;
mod nss;
mod pkg;
mod proc;
mod shell;
mod sys;
mod text;
mod timefmt;
mod web;

use std::ffi::OsString;
use std::io::Write;

/// Names under which the toolbox acts as a launcher instead of an applet.
const LAUNCHER_NAMES: [&str; 3] = ["dockerlings-toolbox", "toolbox", "busybox"];

fn main() {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    let argv0 = args.first().cloned().unwrap_or_default();
    let mut name = applets::basename(&argv0.to_string_lossy()).to_string();

    if LAUNCHER_NAMES.contains(&name.as_str()) {
        if args.len() >= 2 && args[1] == "--list" {
            // busybox --list: one applet name per line.
            for (n, _) in applets::APPLETS {
                println!("{n}");
            }
            std::process::exit(0);
        }
        if args.len() < 2 || args[1] == "--help" {
            print_applet_list(&name);
            std::process::exit(0);
        }
        args.remove(0);
        name = applets::basename(&args[0].to_string_lossy()).to_string();
    }

    let code = match applets::lookup(&name) {
        Some(applet) => applet(args),
        None => {
            eprintln!("{name}: applet not found");
            127
        }
    };
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}

fn print_applet_list(me: &str) {
    println!(
        "dockerlings toolbox {} (the program behind the commands of dockerlings' built-in lab images)",
        env!("CARGO_PKG_VERSION")
    );
    println!("Usage: {me} APPLET [ARGS…]   or link APPLET to this program\n");
    println!("Currently defined applets:");
    let names: Vec<&str> = applets::APPLETS.iter().map(|(n, _)| *n).collect();
    let mut line = String::new();
    for n in names {
        if line.len() + n.len() + 2 > 78 {
            println!("\t{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push_str(", ");
        }
        line.push_str(n);
    }
    if !line.is_empty() {
        println!("\t{line}");
    }
}

/// An I/O error's text the way C programs print `strerror`: "No such file or directory",
/// without Rust's " (os error 2)" suffix.
pub(crate) fn errtext(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
