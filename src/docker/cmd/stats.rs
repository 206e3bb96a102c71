//! `docker stats`: CPU, memory, network, block I/O and PIDs of containers, from their
//! cgroups. CPU % needs two readings, so every table is computed from a reading one second
//! after the previous one. Without `--no-stream` the table is redrawn each second (the
//! screen cleared first on a terminal) until interrupted.

use std::collections::HashMap;
use std::time::Duration;

use dockerlings_runtime::container::stats::{cpu_percent, mem_percent, StatsSample};
use serde_json::{json, Value};

use crate::docker::format::{render_rows, Format};
use crate::docker::spec::{FlagSpec, Matches};
use crate::docker::units::{bytes_size, human_size_with_precision};
use crate::docker::{CmdResult, Ctx, Failure};

pub const STATS_FLAGS: &[FlagSpec] = &[
    FlagSpec::bool("all", Some('a'), "Show all containers (default shows just running)"),
    FlagSpec::string("format", None, "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates"),
    FlagSpec::bool("no-stream", None, "Disable streaming stats and only pull the first result"),
    FlagSpec::bool("no-trunc", None, "Do not truncate output"),
];

const TABLE: &str =
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";
const STATS_CONTEXT: &str = "*formatter.statsContext";

fn headers() -> Value {
    json!({
        "ID": "CONTAINER ID", "Container": "CONTAINER", "Name": "NAME", "CPUPerc": "CPU %",
        "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "NetIO": "NET I/O",
        "BlockIO": "BLOCK I/O", "PIDs": "PIDS",
    })
}

/// One row as Docker's stats formatter renders it.
pub fn row(container: &str, s: &StatsSample, cpu: f64, trunc: bool) -> Value {
    let id = if trunc {
        s.id.chars().take(12).collect()
    } else {
        s.id.clone()
    };
    let pair = |a: u64, b: u64| {
        format!(
            "{} / {}",
            human_size_with_precision(a as f64, 3),
            human_size_with_precision(b as f64, 3)
        )
    };
    // Keys in Go's order for `{{json .}}` (sorted, as encoding/json writes a map).
    json!({
        "BlockIO": pair(s.block_read, s.block_write),
        "CPUPerc": format!("{cpu:.2}%"),
        "Container": container,
        "ID": id,
        "MemPerc": format!("{:.2}%", mem_percent(s)),
        "MemUsage": format!("{} / {}", bytes_size(s.mem_usage as f64), bytes_size(s.mem_limit as f64)),
        "Name": if s.name.is_empty() { "--".to_string() } else { s.name.clone() },
        "NetIO": pair(s.net_rx, s.net_tx),
        "PIDs": s.pids.to_string(),
    })
}

/// The containers to show: those named, or every running one (every one with `-a`).
fn targets(ctx: &mut Ctx<'_, '_>, m: &Matches) -> Result<Vec<String>, Failure> {
    if !m.args.is_empty() {
        return Ok(m.args.clone());
    }
    let all = m.flag("all");
    let list = ctx
        .engine()?
        .containers(all, false)
        .map_err(Failure::daemon)?;
    Ok(list.into_iter().map(|c| c.id).collect())
}

fn read(ctx: &mut Ctx<'_, '_>, names: &[String]) -> Result<Vec<(String, StatsSample)>, Failure> {
    let engine = ctx.engine()?;
    names
        .iter()
        .map(|n| {
            engine
                .container_stats(n)
                .map(|s| (n.clone(), s))
                .map_err(Failure::daemon)
        })
        .collect()
}

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let format = Format(match m.value("format") {
        None | Some("") | Some("table") => TABLE.to_string(),
        Some(f) => f.to_string(),
    });
    let trunc = !m.flag("no-trunc");
    let stream = !m.flag("no-stream");
    let mut previous: HashMap<String, StatsSample> = HashMap::new();
    let names = targets(ctx, m)?;
    for (_, s) in read(ctx, &names)? {
        previous.insert(s.id.clone(), s);
    }
    loop {
        std::thread::sleep(Duration::from_secs(1));
        let names = if stream {
            targets(ctx, m)?
        } else {
            names.clone()
        };
        let samples = read(ctx, &names)?;
        let rows: Vec<Value> = samples
            .iter()
            .map(|(name, s)| {
                let cpu = previous
                    .get(&s.id)
                    .map(|p| cpu_percent(p, s))
                    .unwrap_or(0.0);
                row(name, s, cpu, trunc)
            })
            .collect();
        let text = render_rows(&format, &rows, &headers(), STATS_CONTEXT)
            .map_err(|e| Failure::cli(e.0))?;
        if stream && ctx.io.stdout_is_tty {
            ctx.out("\x1b[2J\x1b[H")?;
        }
        ctx.out(&text)?;
        ctx.io.stdout.flush()?;
        if !stream {
            return Ok(());
        }
        previous = samples
            .into_iter()
            .map(|(_, s)| (s.id.clone(), s))
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_use_dockers_units() {
        let s = StatsSample {
            id: "a".repeat(64),
            name: "web".into(),
            mem_usage: 1572864,
            mem_limit: 64 * 1024 * 1024,
            net_rx: 1500,
            net_tx: 0,
            block_read: 4096,
            block_write: 0,
            pids: 2,
            ..StatsSample::default()
        };
        let r = row("web", &s, 0.5, true);
        assert_eq!(r["ID"], "aaaaaaaaaaaa");
        assert_eq!(r["CPUPerc"], "0.50%");
        assert_eq!(r["MemUsage"], "1.5MiB / 64MiB");
        assert_eq!(r["MemPerc"], "2.34%");
        assert_eq!(r["NetIO"], "1.5kB / 0B");
        assert_eq!(r["BlockIO"], "4.1kB / 0B");
        assert_eq!(r["PIDs"], "2");
    }
}
