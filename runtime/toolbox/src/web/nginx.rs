//! `nginx`: the static-file server with nginx's command line, configuration files, startup
//! notices, headers, error pages and log lines.
//!
//! - Configuration: `/etc/nginx/nginx.conf` (or `-c FILE`) with its `include`s, typically
//!   `/etc/nginx/conf.d/*.conf`; `-g 'daemon off;'` adds main-context directives. Each
//!   `server { listen …; root …; index …; }` becomes a listener (IPv4; `[::]:80` skipped).
//!   No server block: port 80, root `/usr/share/nginx/html`, index `index.html`.
//! - Logs: the access log (`combined` plus `$http_x_forwarded_for`, like the official
//!   image's `main` format) goes to stdout unless `access_log` names another file (the
//!   official image's `/var/log/nginx/access.log` is a link to `/dev/stdout`, so that works
//!   too); notices and errors go to stderr in nginx's `YYYY/MM/DD HH:MM:SS [level] pid#tid:`
//!   form. The `/docker-entrypoint.sh: …` lines of the official image are the catalogue's
//!   entrypoint script's job.
//! - Without `daemon off;` nginx detaches into the background, as the real one does.
//! - Stop: SIGQUIT graceful (what `docker stop` sends to the nginx image), SIGTERM/SIGINT
//!   fast; `nginx -s stop|quit` signals the process in the pid file.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

use nix::sys::signal::Signal;

use super::config::{self, LogTarget, Site};
use super::flavor::{Flavor, NGINX_VERSION};
use super::server::{self, Server};
use crate::timefmt::Civil;

const DEFAULT_CONF: &str = "/etc/nginx/nginx.conf";
const DEFAULT_PID: &str = "/var/run/nginx.pid";

fn notice(msg: &str) {
    let pid = std::process::id();
    eprintln!("{} [notice] {pid}#{pid}: {msg}", Civil::now().nginx_error());
}

fn emerg(msg: &str) -> i32 {
    eprintln!("nginx: [emerg] {msg}");
    1
}

fn usage() {
    eprintln!("nginx version: nginx/{NGINX_VERSION}");
    eprintln!("Usage: nginx [-?hvVtTq] [-s signal] [-p prefix]");
    eprintln!("             [-e filename] [-c filename] [-g directives]\n");
    eprintln!("Options:\n  -?,-h         : this help\n  -v            : show version and exit\n  -V            : show version and configure options then exit\n  -t            : test configuration and exit\n  -q            : suppress non-error messages during configuration testing\n  -s signal     : send signal to a master process: stop, quit, reopen, reload\n  -p prefix     : set prefix path (default: /etc/nginx/)\n  -c filename   : set configuration file (default: /etc/nginx/nginx.conf)\n  -g directives : set global directives out of configuration file");
}

pub fn main(args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut conf = PathBuf::from(DEFAULT_CONF);
    let mut globals = String::new();
    let mut test = false;
    let mut quiet = false;
    let mut signal: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let value = |i: &mut usize, flag: &str| -> Result<String, i32> {
            *i += 1;
            args.get(*i).cloned().ok_or_else(|| {
                emerg(&format!(
                    "option \"{flag}\" requires {}",
                    match flag {
                        "-c" => "file name",
                        "-g" => "directives",
                        "-s" => "signal",
                        _ => "parameter",
                    }
                ))
            })
        };
        match a {
            "-v" => {
                eprintln!("nginx version: nginx/{NGINX_VERSION}");
                return 0;
            }
            "-V" => {
                eprintln!("nginx version: nginx/{NGINX_VERSION}");
                eprintln!(
                    "built by the dockerlings toolbox {} (a lab build: not the real nginx)",
                    env!("CARGO_PKG_VERSION")
                );
                eprintln!("configure arguments: --prefix=/etc/nginx --sbin-path=/usr/sbin/nginx --conf-path=/etc/nginx/nginx.conf --error-log-path=/var/log/nginx/error.log --http-log-path=/var/log/nginx/access.log --pid-path=/var/run/nginx.pid");
                return 0;
            }
            "-h" | "-?" => {
                usage();
                return 0;
            }
            "-t" | "-T" => test = true,
            "-q" => quiet = true,
            "-c" => match value(&mut i, "-c") {
                Ok(v) => conf = PathBuf::from(v),
                Err(c) => return c,
            },
            "-g" => match value(&mut i, "-g") {
                Ok(v) => {
                    globals.push_str(&v);
                    globals.push('\n');
                }
                Err(c) => return c,
            },
            "-p" | "-e" => {
                if let Err(c) = value(&mut i, a) {
                    return c;
                }
            }
            "-s" => match value(&mut i, "-s") {
                Ok(v) => signal = Some(v),
                Err(c) => return c,
            },
            other => {
                eprintln!(
                    "nginx: invalid option: \"{}\"",
                    other.trim_start_matches('-')
                );
                return 1;
            }
        }
        i += 1;
    }

    let cfg = match config::read_nginx(&conf, &globals) {
        Ok(c) => c,
        Err(e) => {
            if test {
                emerg(&format!("{} in {}", e.0, conf.display()));
                eprintln!("nginx: configuration file {} test failed", conf.display());
                return 1;
            }
            return emerg(&e.0);
        }
    };
    let pid_file = cfg
        .pid_file
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_PID));

    if let Some(sig) = signal {
        return send_signal(&sig, &pid_file);
    }
    if test {
        if !quiet {
            eprintln!(
                "nginx: the configuration file {} syntax is ok",
                conf.display()
            );
            eprintln!(
                "nginx: configuration file {} test is successful",
                conf.display()
            );
        }
        return 0;
    }

    let mut sites = cfg.sites.clone();
    if sites.is_empty() {
        sites.push(Site {
            listen: vec!["0.0.0.0:80".parse().unwrap()],
            root: PathBuf::from("/usr/share/nginx/html"),
            index: vec!["index.html".into()],
            server_name: String::new(),
        });
    }
    for s in &mut sites {
        if s.root.is_relative() {
            s.root = PathBuf::from("/etc/nginx").join(&s.root);
        }
    }
    let listeners = match Server::bind(&sites) {
        Ok(l) => l,
        Err((addr, e)) => {
            let code = e.raw_os_error().unwrap_or(0);
            emerg(&format!(
                "bind() to {addr} failed ({code}: {})",
                crate::errtext(&e)
            ));
            emerg("still could not bind()");
            return 1;
        }
    };

    notice("using the \"epoll\" event method");
    notice(&format!("nginx/{NGINX_VERSION}"));
    notice(&format!(
        "built by the dockerlings toolbox {} (lab build)",
        env!("CARGO_PKG_VERSION")
    ));
    if let Ok(u) = nix::sys::utsname::uname() {
        notice(&format!(
            "OS: {} {}",
            u.sysname().to_string_lossy(),
            u.release().to_string_lossy()
        ));
    }
    if let Some((soft, hard)) = nofile_limits() {
        notice(&format!("getrlimit(RLIMIT_NOFILE): {soft}:{hard}"));
    }
    // Handlers first: a Ctrl-C right after the start line must stop nginx (as PID 1 it
    // would otherwise ignore the signal).
    let stop = [Signal::SIGQUIT, Signal::SIGTERM, Signal::SIGINT];
    super::signals::install(&stop);
    notice("start worker processes");

    if cfg.daemon {
        if let Err(e) = nix::unistd::daemon(true, false) {
            return emerg(&format!("daemon() failed ({e})"));
        }
    }
    let _ = std::fs::write(&pid_file, format!("{}\n", std::process::id()));
    let access = server::open_log(&cfg.access_log, LogTarget::Stdout);
    let error = server::open_log(&cfg.error_log, LogTarget::Stderr);
    let server = Arc::new(Server::new(Flavor::Nginx, access, error));
    let sig = server.run(listeners, &stop);
    let n = sig as i32;
    if sig == Signal::SIGQUIT {
        notice(&format!("signal {n} ({sig:?}) received, shutting down"));
        notice("gracefully shutting down");
    } else {
        notice(&format!("signal {n} ({sig:?}) received, exiting"));
    }
    notice("exiting");
    notice("exit");
    let _ = std::fs::remove_file(&pid_file);
    0
}

fn send_signal(name: &str, pid_file: &std::path::Path) -> i32 {
    let sig = match name {
        "stop" => Signal::SIGTERM,
        "quit" => Signal::SIGQUIT,
        "reload" => Signal::SIGHUP,
        "reopen" => Signal::SIGUSR1,
        other => {
            eprintln!("nginx: invalid option: \"-s {other}\"");
            return 1;
        }
    };
    let text = match std::fs::read_to_string(pid_file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "{} [error] {}#{}: open() \"{}\" failed ({}: {})",
                Civil::now().nginx_error(),
                std::process::id(),
                std::process::id(),
                pid_file.display(),
                e.raw_os_error().unwrap_or(0),
                crate::errtext(&e)
            );
            return 1;
        }
    };
    let Ok(pid) = text.trim().parse::<i32>() else {
        eprintln!(
            "nginx: [error] invalid PID number \"{}\" in \"{}\"",
            text.trim(),
            pid_file.display()
        );
        return 1;
    };
    if sig == Signal::SIGHUP || sig == Signal::SIGUSR1 {
        // Files are read at request time; there is nothing to reload or reopen.
        return 0;
    }
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!(
                "nginx: [alert] kill({pid}, {}) failed ({}: {})",
                sig as i32,
                e as i32,
                e.desc()
            );
            1
        }
    }
}

/// The open-files limits (soft, hard) from `/proc/self/limits`.
fn nofile_limits() -> Option<(String, String)> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let mut it = line["Max open files".len()..].split_whitespace();
    Some((it.next()?.to_string(), it.next()?.to_string()))
}
