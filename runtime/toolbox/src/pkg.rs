//! `apt-get`/`apt`, `yum`, `apk`: package managers that fail the way the real ones do when
//! their repositories cannot be reached — because a dockerlings lab image has none. The
//! distribution (mirror names, release code names) comes from `/etc/os-release`, and each
//! tool adds one honest line saying why.

use std::ffi::OsString;

use crate::sys::OsRelease;

const NOTE: &str = "this is a dockerlings lab image: it has no network package repositories, so packages cannot be downloaded";

fn words(args: &[OsString]) -> Vec<String> {
    args.iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

fn operands(w: &[String]) -> Vec<String> {
    w.iter()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .cloned()
        .collect()
}

fn machine() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.machine().to_string_lossy().into_owned())
        .unwrap_or_else(|_| "x86_64".into())
}

/// The repositories an apt-based image lists: (base URL, suites).
fn apt_sources(os: &OsRelease) -> Vec<(String, String)> {
    let code = if os.version_codename.is_empty() {
        "stable".to_string()
    } else {
        os.version_codename.clone()
    };
    if os.id == "ubuntu" {
        vec![
            ("http://archive.ubuntu.com/ubuntu".into(), code.clone()),
            (
                "http://security.ubuntu.com/ubuntu".into(),
                format!("{code}-security"),
            ),
            (
                "http://archive.ubuntu.com/ubuntu".into(),
                format!("{code}-updates"),
            ),
            (
                "http://archive.ubuntu.com/ubuntu".into(),
                format!("{code}-backports"),
            ),
        ]
    } else {
        vec![
            ("http://deb.debian.org/debian".into(), code.clone()),
            (
                "http://deb.debian.org/debian".into(),
                format!("{code}-updates"),
            ),
            (
                "http://deb.debian.org/debian-security".into(),
                format!("{code}-security"),
            ),
        ]
    }
}

fn host_of(url: &str) -> &str {
    url.trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or(url)
}

pub fn apt_get(args: Vec<OsString>) -> i32 {
    apt_main("apt-get", &words(&args))
}

pub fn apt(args: Vec<OsString>) -> i32 {
    apt_main("apt", &words(&args))
}

fn apt_main(prog: &str, w: &[String]) -> i32 {
    let os = OsRelease::read();
    let cmd = w
        .iter()
        .find(|a| !a.starts_with('-'))
        .cloned()
        .unwrap_or_default();
    let rest = operands(
        &w.iter()
            .skip_while(|a| a.starts_with('-'))
            .cloned()
            .collect::<Vec<_>>(),
    );
    match cmd.as_str() {
        "update" => {
            let sources = apt_sources(&os);
            for (i, (url, suite)) in sources.iter().enumerate() {
                println!("Err:{} {} {} InRelease", i + 1, url, suite);
                println!("  Temporary failure resolving '{}'", host_of(url));
            }
            println!("Reading package lists... Done");
            if prog == "apt" {
                println!("Building dependency tree... Done");
                println!("Reading state information... Done");
                println!("All packages are up to date.");
            }
            for (url, suite) in &sources {
                eprintln!("W: Failed to fetch {url}/dists/{suite}/InRelease  Temporary failure resolving '{}'", host_of(url));
            }
            eprintln!("W: Some index files failed to download. They have been ignored, or old ones used instead.");
            eprintln!("N: {NOTE}.");
            0
        }
        "install" | "reinstall" => {
            println!("Reading package lists... Done");
            println!("Building dependency tree... Done");
            println!("Reading state information... Done");
            if rest.is_empty() {
                println!("0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.");
                return 0;
            }
            eprintln!("E: Unable to locate package {}", rest[0]);
            eprintln!("N: {NOTE}.");
            100
        }
        "upgrade" | "dist-upgrade" | "full-upgrade" => {
            println!("Reading package lists... Done");
            println!("Building dependency tree... Done");
            println!("Reading state information... Done");
            println!("Calculating upgrade... Done");
            println!("0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.");
            0
        }
        "remove" | "purge" | "autoremove" | "clean" | "autoclean" => {
            println!("Reading package lists... Done");
            if let Some(p) = rest.first() {
                println!("Building dependency tree... Done");
                println!("Reading state information... Done");
                eprintln!("E: Unable to locate package {p}");
                return 100;
            }
            0
        }
        "search" | "show" | "policy" | "list" => {
            if prog == "apt" && cmd == "list" {
                println!("Listing... Done");
                return 0;
            }
            if let Some(p) = rest.first() {
                if cmd == "show" {
                    eprintln!("E: No packages found");
                    return 100;
                }
                let _ = p;
            }
            println!("Sorting... Done\nFull Text Search... Done");
            0
        }
        "" => {
            println!("{prog} (dockerlings lab build)");
            println!("Usage: {prog} [options] command");
            println!("       {prog} [options] install|remove pkg1 [pkg2 ...]");
            println!("N: {NOTE}.");
            1
        }
        other => {
            eprintln!("E: Invalid operation {other}");
            100
        }
    }
}

pub fn yum(args: Vec<OsString>) -> i32 {
    let w = words(&args);
    let os = OsRelease::read();
    let release = os
        .version_id
        .split('.')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("7")
        .to_string();
    let arch = machine();
    let cmd = w
        .iter()
        .find(|a| !a.starts_with('-'))
        .cloned()
        .unwrap_or_default();
    match cmd.as_str() {
        "" | "help" => {
            println!("Loaded plugins: fastestmirror, ovl");
            println!("You need to give some command");
            println!("Usage: yum [options] COMMAND");
            1
        }
        "list" if w.iter().any(|a| a == "installed") => {
            println!("Loaded plugins: fastestmirror, ovl");
            println!("Installed Packages");
            0
        }
        _ => {
            println!("Loaded plugins: fastestmirror, ovl");
            println!("Determining fastest mirrors");
            println!(
                "Could not retrieve mirrorlist http://mirrorlist.centos.org/?release={release}&arch={arch}&repo=os&infra=container error was"
            );
            println!(
                "14: curl#6 - \"Could not resolve host: mirrorlist.centos.org; Unknown error\""
            );
            println!();
            println!();
            println!(" One of the configured repositories failed (Unknown),");
            println!(" and yum doesn't have enough cached data to continue.");
            println!();
            eprintln!("Cannot find a valid baseurl for repo: base/{release}/{arch}");
            eprintln!("Note: {NOTE}.");
            1
        }
    }
}

pub fn apk(args: Vec<OsString>) -> i32 {
    let w = words(&args);
    let os = OsRelease::read();
    let mut parts = os.version_id.split('.');
    let branch = match (parts.next(), parts.next()) {
        (Some(a), Some(b)) if !a.is_empty() => format!("v{a}.{b}"),
        _ => "latest-stable".into(),
    };
    let arch = machine();
    let cmd = w
        .iter()
        .find(|a| !a.starts_with('-'))
        .cloned()
        .unwrap_or_default();
    let pkgs: Vec<String> = w
        .iter()
        .skip_while(|a| **a != cmd)
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .cloned()
        .collect();
    let repos = ["main", "community"];
    let fetch_lines = |warn: bool| {
        for r in repos {
            let base = format!("https://dl-cdn.alpinelinux.org/alpine/{branch}/{r}");
            println!("fetch {base}/{arch}/APKINDEX.tar.gz");
            if warn {
                eprintln!("WARNING: fetching {base}: temporary error (try again later)");
            } else {
                eprintln!("ERROR: {base}: temporary error (try again later)");
            }
        }
    };
    match cmd.as_str() {
        "update" => {
            fetch_lines(false);
            eprintln!("2 errors; 0 distinct packages available");
            eprintln!("NOTE: {NOTE}.");
            2
        }
        "add" => {
            fetch_lines(true);
            if pkgs.is_empty() {
                return 0;
            }
            eprintln!("ERROR: unable to select packages:");
            for p in &pkgs {
                eprintln!("  {p} (no such package):");
                eprintln!("    required by: world[{p}]");
            }
            eprintln!("NOTE: {NOTE}.");
            1
        }
        "del" => {
            for p in &pkgs {
                eprintln!("WARNING: {p} is not installed");
            }
            0
        }
        "info" | "list" => 0,
        _ => {
            println!("apk-tools 2.14.0, compiled for {arch} (dockerlings lab build).");
            println!();
            println!("usage: apk [<OPTIONS>...] COMMAND [<ARGUMENTS>...]");
            println!("NOTE: {NOTE}.");
            1
        }
    }
}
