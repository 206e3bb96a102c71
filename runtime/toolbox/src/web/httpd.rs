//! `httpd` and `httpd-foreground`: the static-file server with Apache httpd's command line,
//! configuration file, startup lines, headers, error pages and log lines.
//!
//! - Configuration: `/usr/local/apache2/conf/httpd.conf` (or `-f FILE`), with `Include`s;
//!   `Listen` (every one), `DocumentRoot` (default `/usr/local/apache2/htdocs`),
//!   `DirectoryIndex` (default `index.html`), `ServerName`.
//! - Startup on stderr, as the official image prints it: AH00558 (when no global
//!   `ServerName`, twice — Apache reads its configuration twice), then AH00489 and AH00094.
//! - Access lines in the common log format on stdout.
//! - `httpd-foreground` = `httpd -DFOREGROUND` (the official image's CMD); without
//!   `-DFOREGROUND` httpd detaches. SIGWINCH stops gracefully (the image's STOPSIGNAL),
//!   SIGTERM/SIGINT stop.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

use nix::sys::signal::Signal;

use super::config::{self, LogTarget};
use super::flavor::{Flavor, APACHE_VERSION};
use super::server::{self, BuiltinPage, Server};
use crate::timefmt::Civil;

const DEFAULT_CONF: &str = "/usr/local/apache2/conf/httpd.conf";

fn notice(module: &str, msg: &str) {
    let pid = std::process::id();
    let tid = nix::unistd::gettid().as_raw();
    eprintln!(
        "[{}] [{module}:notice] [pid {pid}:tid {tid}] {msg}",
        Civil::now().apache_error()
    );
}

pub fn foreground(args: Vec<OsString>) -> i32 {
    let mut with = vec![OsString::from("httpd"), OsString::from("-DFOREGROUND")];
    with.extend(args.into_iter().skip(1));
    // The official script removes a stale pid file left by an unclean stop.
    let _ = std::fs::remove_file("/usr/local/apache2/logs/httpd.pid");
    serve(with, None)
}

pub fn main(args: Vec<OsString>) -> i32 {
    serve(args, None)
}

/// Runs httpd with `args` (argv[0] first). `builtin` is a page served for `/` when the
/// document root has no index file (the diamol web app's own page).
pub fn serve(args: Vec<OsString>, builtin: Option<BuiltinPage>) -> i32 {
    let args: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut conf = PathBuf::from(DEFAULT_CONF);
    let mut defines: Vec<String> = Vec::new();
    let mut test = false;
    let mut shown_args: Vec<String> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-v" => {
                println!("Server version: Apache/{APACHE_VERSION} (Unix)");
                println!(
                    "Server built:   dockerlings toolbox {} (lab build: not the real Apache httpd)",
                    env!("CARGO_PKG_VERSION")
                );
                return 0;
            }
            "-V" => {
                println!("Server version: Apache/{APACHE_VERSION} (Unix)");
                println!(
                    "Server built:   dockerlings toolbox {} (lab build: not the real Apache httpd)",
                    env!("CARGO_PKG_VERSION")
                );
                println!("Server's Module Magic Number: 20120211:129");
                println!("Architecture:   64-bit");
                println!("Server MPM:     event");
                println!(" -D HTTPD_ROOT=\"/usr/local/apache2\"");
                println!(" -D SERVER_CONFIG_FILE=\"conf/httpd.conf\"");
                return 0;
            }
            "-t" => test = true,
            "-D" => {
                i += 1;
                if let Some(d) = args.get(i) {
                    defines.push(d.clone());
                    shown_args.push(format!("-D {d}"));
                }
            }
            d if d.starts_with("-D") => {
                defines.push(d[2..].to_string());
                shown_args.push(format!("-D {}", &d[2..]));
            }
            "-f" => {
                i += 1;
                if let Some(f) = args.get(i) {
                    conf = PathBuf::from(f);
                    shown_args.push(format!("-f {f}"));
                }
            }
            "-d" | "-C" | "-c" | "-k" | "-e" | "-E" => {
                i += 1;
            }
            other => {
                eprintln!("httpd: illegal option -- {}", other.trim_start_matches('-'));
                eprintln!("Usage: httpd [-D name] [-d directory] [-f file]\n             [-C \"directive\"] [-c \"directive\"]\n             [-k start|restart|graceful|graceful-stop|stop]\n             [-v] [-V] [-h] [-l] [-L] [-t] [-T] [-S] [-X]");
                return 1;
            }
        }
        i += 1;
    }

    let cfg = match config::read_httpd(&conf) {
        Ok(c) => c,
        Err(e) if builtin.is_some() && !conf.exists() => {
            let _ = e;
            config::parse_httpd_lines(&[])
        }
        Err(e) => {
            eprintln!("{}", e.0);
            return 1;
        }
    };
    let server_ip = {
        let host = crate::sys::hostname();
        crate::sys::hosts_lookup(&host)
            .into_iter()
            .find(|a| a.is_ipv4() && !a.is_loopback())
            .map(|a| a.to_string())
            .unwrap_or_else(|| "127.0.0.1".into())
    };
    let ah00558 = format!(
        "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using {server_ip}. Set the 'ServerName' directive globally to suppress this message"
    );
    if test {
        if !cfg.server_name_set {
            eprintln!("{ah00558}");
        }
        eprintln!("Syntax OK");
        return 0;
    }
    if !cfg.server_name_set {
        eprintln!("{ah00558}");
    }
    let listeners = match Server::bind(&cfg.sites) {
        Ok(l) => l,
        Err((addr, e)) => {
            eprintln!(
                "({}){}: AH00072: make_sock: could not bind to address {addr}",
                e.raw_os_error().unwrap_or(0),
                crate::errtext(&e)
            );
            eprintln!("no listening sockets available, shutting down");
            eprintln!("AH00015: Unable to open logs");
            return 1;
        }
    };
    if !cfg.server_name_set {
        eprintln!("{ah00558}");
    }
    let foreground = defines
        .iter()
        .any(|d| d == "FOREGROUND" || d == "NO_DETACH");
    if !foreground {
        if let Err(e) = nix::unistd::daemon(true, false) {
            eprintln!("httpd: daemon() failed: {e}");
            return 1;
        }
    }
    let pid_file = cfg
        .pid_file
        .clone()
        .unwrap_or_else(|| PathBuf::from("/usr/local/apache2/logs/httpd.pid"));
    let pid_file = if pid_file.is_relative() {
        PathBuf::from("/usr/local/apache2").join(pid_file)
    } else {
        pid_file
    };
    let _ = std::fs::write(&pid_file, format!("{}\n", std::process::id()));

    notice(
        "mpm_event",
        &format!(
            "AH00489: Apache/{APACHE_VERSION} (Unix) configured -- resuming normal operations"
        ),
    );
    let mut cmdline = String::from("httpd");
    for a in &shown_args {
        cmdline.push(' ');
        cmdline.push_str(a);
    }
    notice("core", &format!("AH00094: Command line: '{cmdline}'"));

    let stop = [Signal::SIGWINCH, Signal::SIGTERM, Signal::SIGINT];
    super::signals::install(&stop);
    let access = server::open_log(&cfg.access_log, LogTarget::Stdout);
    let error = server::open_log(&cfg.error_log, LogTarget::Stderr);
    let mut srv = Server::new(Flavor::Apache, access, error);
    srv.builtin_index = builtin;
    let sig = Arc::new(srv).run(listeners, &stop);
    if sig == Signal::SIGWINCH {
        notice(
            "mpm_event",
            "AH00492: caught SIGWINCH, shutting down gracefully",
        );
    } else {
        notice(
            "mpm_event",
            &format!("AH00491: caught {sig:?}, shutting down"),
        );
    }
    let _ = std::fs::remove_file(&pid_file);
    0
}
