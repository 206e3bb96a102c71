//! `hostname`: print (or set) the host name. `-i` prints the addresses `/etc/hosts` gives
//! the host name (Debian's `hostname -i`; Docker writes the container's line there), `-I`
//! every non-loopback interface address, `-s`/`-f`/`-d` the short name, full name, domain.

use std::ffi::OsString;

use crate::sys;

pub fn main(args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let name = sys::hostname();
    match args.first().map(String::as_str) {
        None => println!("{name}"),
        Some("-i" | "--ip-address") => {
            let mut addrs = sys::hosts_lookup(&name);
            if addrs.is_empty() {
                addrs = crate::net::resolve::dns_lookup(&name).unwrap_or_default();
            }
            if addrs.is_empty() {
                eprintln!("hostname: Name or service not known");
                return 1;
            }
            let list: Vec<String> = addrs.iter().map(ToString::to_string).collect();
            println!("{}", list.join(" "));
        }
        Some("-I" | "--all-ip-addresses") => {
            let mut line = String::new();
            for a in sys::interface_addrs() {
                let skip = a.addr.is_loopback()
                    || matches!(a.addr, std::net::IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80);
                if !skip {
                    line.push_str(&a.addr.to_string());
                    line.push(' ');
                }
            }
            println!("{line}");
        }
        Some("-s" | "--short") => println!("{}", name.split('.').next().unwrap_or(&name)),
        Some("-f" | "--fqdn" | "--long") => println!("{name}"),
        Some("-d" | "--domain") => println!("{}", name.split_once('.').map(|x| x.1).unwrap_or("")),
        Some(opt) if opt.starts_with('-') => {
            eprintln!(
                "hostname: invalid option -- '{}'",
                opt.trim_start_matches('-')
            );
            eprintln!(
                "Usage: hostname [-b] {{hostname|-F file}}         set host name (from file)"
            );
            return 1;
        }
        Some(new) => {
            if let Err(e) = nix::unistd::sethostname(new) {
                eprintln!("hostname: you must be root to change the host name");
                let _ = e;
                return 1;
            }
        }
    }
    0
}
