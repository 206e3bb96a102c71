//! `uptime`: the time, how long the system has been up, and the load averages — procps'
//! line, or busybox's (no user count) in busybox/alpine images. `-p` pretty form.

use std::ffi::OsString;

use crate::sys;
use crate::timefmt::Civil;

pub fn main(args: Vec<OsString>) -> i32 {
    let pretty = args.iter().skip(1).any(|a| a == "-p" || a == "--pretty");
    let up = sys::uptime_secs().unwrap_or(0.0) as u64;
    if pretty {
        println!("{}", pretty_uptime(up));
        return 0;
    }
    println!(
        "{}",
        uptime_line(up, sys::OsRelease::read().is_busybox_like())
    );
    0
}

/// `up 3 days,  2:03` / `up 5 min` as procps and busybox print it.
pub fn up_text(up: u64) -> String {
    let days = up / 86_400;
    let hours = up / 3600 % 24;
    let mins = up / 60 % 60;
    let mut s = String::from("up ");
    if days > 0 {
        s.push_str(&format!("{days} day{}, ", if days == 1 { "" } else { "s" }));
    }
    if hours > 0 {
        s.push_str(&format!("{hours:2}:{mins:02}"));
    } else {
        s.push_str(&format!("{mins} min"));
    }
    s
}

pub fn uptime_line(up: u64, busybox: bool) -> String {
    let (l1, l5, l15) = sys::loadavg().unwrap_or((0.0, 0.0, 0.0));
    let now = Civil::now().hms();
    if busybox {
        format!(
            " {now} {},  load average: {l1:.2}, {l5:.2}, {l15:.2}",
            up_text(up)
        )
    } else {
        format!(
            " {now} {},  0 users,  load average: {l1:.2}, {l5:.2}, {l15:.2}",
            up_text(up)
        )
    }
}

fn pretty_uptime(up: u64) -> String {
    let mut parts = Vec::new();
    let plural = |n: u64, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let (w, d, h, m) = (up / 604_800, up / 86_400 % 7, up / 3600 % 24, up / 60 % 60);
    if w > 0 {
        parts.push(plural(w, "week"));
    }
    if d > 0 {
        parts.push(plural(d, "day"));
    }
    if h > 0 {
        parts.push(plural(h, "hour"));
    }
    if m > 0 || parts.is_empty() {
        parts.push(plural(m, "minute"));
    }
    format!("up {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn up_texts() {
        assert_eq!(super::up_text(300), "up 5 min");
        assert_eq!(
            super::up_text(3 * 86_400 + 2 * 3600 + 180),
            "up 3 days,  2:03"
        );
        assert_eq!(super::pretty_uptime(3720), "up 1 hour, 2 minutes");
    }
}
