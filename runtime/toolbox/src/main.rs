//! The toolbox: one static program that answers to many names (`sh`, `ls`, `nginx`, …)
//! inside dockerlings' built-in images, the way busybox does in real ones.

fn main() {
    let argv0 = std::env::args().next().unwrap_or_default();
    let name = argv0.rsplit('/').next().unwrap_or_default().to_string();
    eprintln!("{name}: applet not found");
    std::process::exit(127);
}
