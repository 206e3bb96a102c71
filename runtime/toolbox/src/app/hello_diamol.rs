//! `hello-diamol`: what `diamol/ch02-hello-diamol` prints — a banner, the container's host
//! name, the kernel it runs on (`uname -s -r -m`) and its `eth0` address, each under a
//! heading between dashed lines, then it exits (the container stops).

use std::ffi::OsString;
use std::net::IpAddr;

const RULE: &str = "---------------------";

pub fn main(_args: Vec<OsString>) -> i32 {
    println!("{RULE}");
    println!("Hello from Chapter 2!");
    println!("{RULE}");
    println!("My name is:");
    println!("{}", crate::sys::hostname());
    println!("{RULE}");
    println!("Im running on:");
    match nix::sys::utsname::uname() {
        Ok(u) => println!(
            "{} {} {}",
            u.sysname().to_string_lossy(),
            u.release().to_string_lossy(),
            u.machine().to_string_lossy()
        ),
        Err(_) => println!("Linux"),
    }
    println!("{RULE}");
    println!("My address is:");
    println!("{}", address_line());
    println!("{RULE}");
    0
}

/// `eth0`'s IPv4 address as busybox `ifconfig eth0 | grep inet` shows it (whitespace
/// collapsed, as the original script's `echo $(…)` does).
fn address_line() -> String {
    let addrs = crate::sys::interface_addrs();
    let pick = addrs
        .iter()
        .find(|a| a.name == "eth0" && a.addr.is_ipv4())
        .or_else(|| {
            addrs
                .iter()
                .find(|a| a.addr.is_ipv4() && !a.addr.is_loopback())
        });
    match pick {
        Some(a) => {
            let IpAddr::V4(ip) = a.addr else {
                return String::new();
            };
            let mask_bits = u32::MAX.checked_shl(32 - u32::from(a.prefix)).unwrap_or(0);
            let mask = std::net::Ipv4Addr::from(mask_bits);
            let bcast = std::net::Ipv4Addr::from(u32::from(ip) | !mask_bits);
            format!("inet addr:{ip} Bcast:{bcast} Mask:{mask}")
        }
        None => "ifconfig: eth0: error fetching interface information: Device not found".into(),
    }
}
