//! Facts about host processes from `/proc`: whether a recorded PID is still the process it
//! was (PID + start time, since PIDs are recycled), and signalling.

use std::path::Path;

/// The start time of `pid` in clock ticks since boot (field 22 of `/proc/<pid>/stat`), or
/// `None` when there is no such process or it is a zombie (dead, only not yet reaped).
pub fn start_ticks(pid: i32) -> Option<u64> {
    if pid <= 0 {
        return None;
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&stat)
}

/// Parses `/proc/<pid>/stat`: the command name may contain spaces and parentheses, so the
/// fields are counted from the last `)`.
fn parse_stat(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (state); start time is field 22.
    let state = *fields.first()?;
    if state == "Z" || state == "X" {
        return None;
    }
    fields.get(19)?.parse().ok()
}

/// True when `pid` is alive and is the process that started at `ticks`.
pub fn is_alive(pid: i32, ticks: u64) -> bool {
    start_ticks(pid).is_some_and(|t| ticks == 0 || t == ticks)
}

/// The PIDs listed in a cgroup directory's `cgroup.procs` (empty when it is gone).
pub fn cgroup_procs(dir: &Path) -> Vec<i32> {
    std::fs::read_to_string(dir.join("cgroup.procs"))
        .map(|t| t.lines().filter_map(|l| l.trim().parse().ok()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_parsing_counts_from_the_last_paren() {
        let line =
            "42 (a (weird) name) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1000 10";
        assert_eq!(parse_stat(line), Some(98765));
        let zombie = "42 (x) Z 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1000 10";
        assert_eq!(parse_stat(zombie), None);
    }

    #[test]
    fn our_own_process_is_alive_and_a_wrong_tick_is_not() {
        let me = std::process::id() as i32;
        let ticks = start_ticks(me).expect("own stat");
        assert!(is_alive(me, ticks));
        assert!(!is_alive(me, ticks + 1));
        assert!(!is_alive(0, 0));
    }
}
