//! The table from applet name to the function that runs it. Every name in
//! `applets.txt` must appear here (a test checks it).

use std::ffi::OsString;

use crate::{app, coreutils as cu, net, pkg, proc, shell, text, web};

/// An applet's entry point: receives the full argument vector (argv[0] first) and
/// returns the process exit code.
pub type Applet = fn(Vec<OsString>) -> i32;

/// Every applet, by the name it answers to.
pub const APPLETS: &[(&str, Applet)] = &[
    // shell
    ("bash", shell::main),
    ("sh", shell::main),
    // core (uutils)
    ("cat", cu::cat),
    ("cp", cu::cp),
    ("cut", cu::cut),
    ("date", cu::date),
    ("df", cu::df),
    ("du", cu::du),
    ("echo", cu::echo),
    ("env", cu::env),
    ("false", cu::false_),
    ("grep", text::grep::main),
    ("egrep", text::grep::main),
    ("head", cu::head),
    ("id", cu::id),
    ("ln", cu::ln),
    ("ls", cu::ls),
    ("mkdir", cu::mkdir),
    ("mv", cu::mv),
    ("printenv", cu::printenv),
    ("pwd", cu::pwd),
    ("rm", cu::rm),
    ("rmdir", cu::rmdir),
    ("sleep", cu::sleep),
    ("sort", cu::sort),
    ("tail", cu::tail),
    ("tee", cu::tee),
    ("test", cu::test),
    ("[", cu::test),
    ("touch", cu::touch),
    ("tr", cu::tr),
    ("true", cu::true_),
    ("uname", cu::uname),
    ("uniq", cu::uniq),
    ("wc", cu::wc),
    ("which", text::which::main),
    ("whoami", cu::whoami),
    // proc
    ("cal", proc::cal::main),
    ("clear", proc::clear::main),
    ("free", proc::free::main),
    ("hostname", proc::hostname::main),
    ("kill", cu::kill),
    ("ps", proc::ps::main),
    ("top", proc::top::main),
    ("uptime", proc::uptime::main),
    // net
    ("curl", net::curl::main),
    ("ping", net::ping::main),
    ("wget", net::wget::main),
    // pkg
    ("apk", pkg::apk),
    ("apt", pkg::apt),
    ("apt-get", pkg::apt_get),
    ("yum", pkg::yum),
    // web
    ("httpd", web::httpd::main),
    ("httpd-foreground", web::httpd::foreground),
    ("nginx", web::nginx::main),
    // app
    ("hello", app::hello::main),
    ("hello-diamol", app::hello_diamol::main),
    ("diamol-web", app::diamol_web::main),
];

/// The applet answering to `name`, if any.
pub fn lookup(name: &str) -> Option<Applet> {
    APPLETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// The last path component of `path` (`/bin/sh` → `sh`; `-sh` for a login shell → `sh`).
pub fn basename(path: &str) -> &str {
    let base = path.rsplit('/').next().unwrap_or(path);
    base.strip_prefix('-')
        .filter(|b| !b.is_empty())
        .unwrap_or(base)
}
