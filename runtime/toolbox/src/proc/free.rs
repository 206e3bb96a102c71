//! `free [-b|-k|-m|-g|-h] [-t]`: memory use from `/proc/meminfo` in procps-ng's layout.

use std::ffi::OsString;

use crate::sys;

#[derive(Clone, Copy)]
enum Unit {
    Bytes,
    Kibi,
    Mebi,
    Gibi,
    Human,
}

pub fn main(args: Vec<OsString>) -> i32 {
    let mut unit = Unit::Kibi;
    let mut total = false;
    for a in args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
    {
        match a.as_str() {
            "-b" | "--bytes" => unit = Unit::Bytes,
            "-k" | "--kibi" => unit = Unit::Kibi,
            "-m" | "--mebi" => unit = Unit::Mebi,
            "-g" | "--gibi" => unit = Unit::Gibi,
            "-h" | "--human" => unit = Unit::Human,
            "-t" | "--total" => total = true,
            "-w" | "--wide" => {}
            other => {
                eprintln!(
                    "free: invalid option -- '{}'",
                    other.trim_start_matches('-')
                );
                return 1;
            }
        }
    }
    let info = sys::meminfo();
    let get = |k: &str| {
        info.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| *v)
            .unwrap_or(0)
    };
    let mem_total = get("MemTotal");
    let mem_free = get("MemFree");
    let buffers = get("Buffers");
    let cache = get("Cached") + get("SReclaimable");
    let shared = get("Shmem");
    let available = if info.iter().any(|(k, _)| k == "MemAvailable") {
        get("MemAvailable")
    } else {
        mem_free + cache
    };
    let used = mem_total.saturating_sub(mem_free + buffers + cache);
    let swap_total = get("SwapTotal");
    let swap_free = get("SwapFree");
    let swap_used = swap_total.saturating_sub(swap_free);

    println!("               total        used        free      shared  buff/cache   available");
    let row = |label: &str, vals: &[u64]| {
        let mut line = format!("{label:<7} ");
        for v in vals {
            line.push_str(&format!(" {:>11}", fmt(*v, unit)));
        }
        println!("{}", line.trim_end());
    };
    row(
        "Mem:",
        &[
            mem_total,
            used,
            mem_free,
            shared,
            buffers + cache,
            available,
        ],
    );
    row("Swap:", &[swap_total, swap_used, swap_free]);
    if total {
        row(
            "Total:",
            &[
                mem_total + swap_total,
                used + swap_used,
                mem_free + swap_free,
            ],
        );
    }
    0
}

fn fmt(kb: u64, unit: Unit) -> String {
    match unit {
        Unit::Bytes => (kb * 1024).to_string(),
        Unit::Kibi => kb.to_string(),
        Unit::Mebi => (kb / 1024).to_string(),
        Unit::Gibi => (kb / 1024 / 1024).to_string(),
        Unit::Human => human(kb * 1024),
    }
}

/// procps' `-h`: `15Gi`, `3.2Gi`, `512Mi`, `0B`.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "Ki", "Mi", "Gi", "Ti", "Pi"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{bytes}B")
    } else if v < 10.0 {
        format!("{v:.1}{}", UNITS[i])
    } else {
        format!("{}{}", v.round() as u64, UNITS[i])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn human_sizes() {
        assert_eq!(super::human(0), "0B");
        assert_eq!(
            super::human(3 * 1024 * 1024 * 1024 + 200 * 1024 * 1024),
            "3.2Gi"
        );
        assert_eq!(super::human(512 * 1024 * 1024), "512Mi");
    }
}
