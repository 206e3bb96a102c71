//! `top`: a refreshing view of the system and its processes in procps' layout. CPU use is
//! measured between two readings of `/proc`. Options: `-b` batch (no screen control),
//! `-n N` iterations, `-d SECS` delay. Interactive keys: `q` (or Ctrl-C) quits.

use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::sync::mpsc;
use std::time::Duration;

use super::procfs::{self, Process};
use crate::sys;

struct Opts {
    batch: bool,
    iterations: Option<u64>,
    delay: Duration,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        batch: false,
        iterations: None,
        delay: Duration::from_secs(3),
    };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let mut value = |flag: &str, rest: &str| -> Result<String, String> {
            if !rest.is_empty() {
                return Ok(rest.to_string());
            }
            i += 1;
            args.get(i)
                .cloned()
                .ok_or_else(|| format!("option requires an argument -- '{flag}'"))
        };
        if let Some(rest) = a.strip_prefix("-n") {
            let v = value("n", rest)?;
            o.iterations = Some(
                v.parse()
                    .map_err(|_| format!("bad iterations argument '{v}'"))?,
            );
        } else if let Some(rest) = a.strip_prefix("-d") {
            let v = value("d", rest)?;
            let secs: f64 = v.parse().map_err(|_| format!("bad delay interval '{v}'"))?;
            o.delay = Duration::from_secs_f64(secs.max(0.1));
        } else if a.starts_with('-') && a.contains('b') {
            o.batch = true;
            if let Some(pos) = a.find('n') {
                let v = value("n", &a[pos + 1..])?;
                o.iterations = Some(
                    v.parse()
                        .map_err(|_| format!("bad iterations argument '{v}'"))?,
                );
            }
        } else {
            return Err(format!("unknown option '{a}'"));
        }
        i += 1;
    }
    Ok(o)
}

pub fn main(args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut o = match parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("top: {e}");
            eprintln!("Usage:\n top -hv | -bcEeHiOSs1 -d secs -n max -u|U user -p pid(s) -o field -w [num]");
            return 1;
        }
    };
    let interactive = !o.batch && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if !interactive {
        o.batch = true;
    }
    if o.batch
        && !std::io::stdout().is_terminal()
        && o.iterations.is_none()
        && !std::io::stdin().is_terminal()
    {
        // A non-terminal without -n would run forever; procps does too, and so do we.
    }

    let keys = if interactive {
        Some(spawn_key_reader())
    } else {
        None
    };
    let _raw = interactive.then(RawMode::enter);
    let mut prev = Sample::take();
    std::thread::sleep(Duration::from_millis(200));
    let mut n = 0u64;
    let mut out = std::io::stdout();
    loop {
        let cur = Sample::take();
        let (cols, rows) = if interactive {
            crossterm::terminal::size().unwrap_or((80, 24))
        } else {
            (200, u16::MAX)
        };
        let frame = render(&prev, &cur, cols as usize, rows as usize);
        if interactive {
            let _ = write!(out, "\x1b[H\x1b[2J{}", frame.replace('\n', "\r\n"));
        } else {
            let _ = writeln!(out, "{frame}");
        }
        let _ = out.flush();
        n += 1;
        if o.iterations.is_some_and(|max| n >= max) {
            break;
        }
        prev = cur;
        if let Some(keys) = &keys {
            match keys.recv_timeout(o.delay) {
                Ok(b'q') | Ok(3) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
                _ => {}
            }
        } else {
            std::thread::sleep(o.delay);
        }
    }
    if interactive {
        let _ = write!(out, "\r\n");
    }
    0
}

fn spawn_key_reader() -> mpsc::Receiver<u8> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin();
        let mut b = [0u8; 1];
        while let Ok(1) = stdin.read(&mut b) {
            if tx.send(b[0]).is_err() {
                break;
            }
        }
    });
    rx
}

/// Raw terminal mode for the interactive view, restored on drop.
struct RawMode;

impl RawMode {
    fn enter() -> Self {
        let _ = crossterm::terminal::enable_raw_mode();
        RawMode
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// One reading of the system: CPU jiffies and every process.
struct Sample {
    cpu: [u64; 8],
    procs: Vec<Process>,
}

impl Sample {
    fn take() -> Self {
        Sample {
            cpu: procfs::cpu_jiffies(),
            procs: procfs::all_processes(),
        }
    }
}

fn render(prev: &Sample, cur: &Sample, cols: usize, rows: usize) -> String {
    let mut out = String::new();
    let up = sys::uptime_secs().unwrap_or(0.0) as u64;
    let line = super::uptime::uptime_line(up, false);
    out.push_str(&format!("top - {}\n", line.trim_start()));

    let count = |s: char| cur.procs.iter().filter(|p| p.state == s).count();
    let running = count('R');
    let stopped = count('T') + count('t');
    let zombie = count('Z');
    let sleeping = cur.procs.len() - running - stopped - zombie;
    out.push_str(&format!(
        "Tasks: {:>3} total, {:>3} running, {:>3} sleeping, {:>3} stopped, {:>3} zombie\n",
        cur.procs.len(),
        running,
        sleeping,
        stopped,
        zombie
    ));

    let delta: Vec<u64> = (0..8)
        .map(|i| cur.cpu[i].saturating_sub(prev.cpu[i]))
        .collect();
    let total: u64 = delta.iter().sum::<u64>().max(1);
    let pct = |i: usize| delta[i] as f64 * 100.0 / total as f64;
    out.push_str(&format!(
        "%Cpu(s):{:>5.1} us,{:>5.1} sy,{:>5.1} ni,{:>5.1} id,{:>5.1} wa,{:>5.1} hi,{:>5.1} si,{:>5.1} st\n",
        pct(0),
        pct(2),
        pct(1),
        pct(3),
        pct(4),
        pct(5),
        pct(6),
        pct(7)
    ));

    let info = sys::meminfo();
    let get = |k: &str| {
        info.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| *v)
            .unwrap_or(0) as f64
            / 1024.0
    };
    let cache = get("Buffers") + get("Cached") + get("SReclaimable");
    let total_mem = get("MemTotal");
    let free = get("MemFree");
    out.push_str(&format!(
        "MiB Mem : {:>8.1} total, {:>8.1} free, {:>8.1} used, {:>8.1} buff/cache\n",
        total_mem,
        free,
        (total_mem - free - cache).max(0.0),
        cache
    ));
    let swap_total = get("SwapTotal");
    let swap_free = get("SwapFree");
    out.push_str(&format!(
        "MiB Swap: {:>8.1} total, {:>8.1} free, {:>8.1} used. {:>8.1} avail Mem\n\n",
        swap_total,
        swap_free,
        swap_total - swap_free,
        get("MemAvailable")
    ));
    out.push_str(
        "    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND\n",
    );

    let ncpu = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1) as f64;
    let mut rows_data: Vec<(f64, &Process)> = cur
        .procs
        .iter()
        .map(|p| {
            let before = prev
                .procs
                .iter()
                .find(|q| q.pid == p.pid && q.starttime == p.starttime);
            let d = p
                .ticks()
                .saturating_sub(before.map(Process::ticks).unwrap_or(p.ticks()));
            (d as f64 * 100.0 * ncpu / total as f64, p)
        })
        .collect();
    rows_data.sort_by(|a, b| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.pid.cmp(&b.1.pid))
    });
    let mem_kb = total_mem * 1024.0;
    let room = rows.saturating_sub(7);
    for (cpu, p) in rows_data.into_iter().take(room) {
        let user: String = sys::user_name(p.uid).chars().take(8).collect();
        let centis = p.ticks() * 100 / sys::CLK_TCK;
        let time = format!(
            "{}:{:02}.{:02}",
            centis / 6000,
            centis / 100 % 60,
            centis % 100
        );
        let pr = if p.priority <= -100 {
            "rt".to_string()
        } else {
            p.priority.to_string()
        };
        let mut line = format!(
            "{:>7} {:<8} {:>3} {:>3} {:>7} {:>6} {:>6} {} {:>5.1} {:>5.1} {:>9} {}",
            p.pid,
            user,
            pr,
            p.nice,
            p.vsize_kb,
            p.rss_kb,
            p.shared_kb,
            p.state,
            cpu,
            if mem_kb > 0.0 {
                p.rss_kb as f64 * 100.0 / mem_kb
            } else {
                0.0
            },
            time,
            p.comm
        );
        if line.chars().count() > cols {
            line = line.chars().take(cols).collect();
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_options() {
        let a: Vec<String> = ["-b", "-n", "1"].iter().map(|s| s.to_string()).collect();
        let o = parse(&a).unwrap();
        assert!(o.batch);
        assert_eq!(o.iterations, Some(1));
        let a: Vec<String> = ["-bn2", "-d0.5"].iter().map(|s| s.to_string()).collect();
        let o = parse(&a).unwrap();
        assert_eq!(o.iterations, Some(2));
        assert_eq!(o.delay, Duration::from_millis(500));
    }
}
