//! `docker logs`: the json-file log, stdout lines to stdout and stderr lines to stderr.

use chrono::{DateTime, Utc};
use dockerlings_runtime::container::lifecycle::LogsOptions;
use dockerlings_runtime::shim::logfile::{format_time, Stream};

use crate::docker::spec::Matches;
use crate::docker::{CmdResult, Ctx, Failure};

/// `--since`/`--until`: an RFC 3339 time, a Unix timestamp, or a duration before now
/// (`10m`, `1h30m`, `42s`).
fn parse_time(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(secs) = text.parse::<f64>() {
        let nanos = (secs * 1e9) as i64;
        return Some(DateTime::from_timestamp_nanos(nanos));
    }
    let mut total = 0f64;
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let mut unit = c.to_string();
        if c == 'm' && chars.peek() == Some(&'s') {
            unit.push(chars.next()?);
        }
        let value: f64 = number.parse().ok()?;
        number.clear();
        total += value
            * match unit.as_str() {
                "h" => 3600.0,
                "m" => 60.0,
                "s" => 1.0,
                "ms" => 0.001,
                _ => return None,
            };
    }
    if !number.is_empty() {
        return None;
    }
    Some(now - chrono::Duration::milliseconds((total * 1000.0) as i64))
}

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let name = m.args[0].clone();
    let now = ctx.now;
    let bad_time = |v: &str| {
        Failure::daemon(format!(
            "invalid value for \"since\": failed to parse value as time or duration: {v:?}"
        ))
    };
    let since = match m.value("since") {
        Some(v) if !v.is_empty() => Some(parse_time(v, now).ok_or_else(|| bad_time(v))?),
        _ => None,
    };
    let until = match m.value("until") {
        Some(v) if !v.is_empty() => Some(parse_time(v, now).ok_or_else(|| bad_time(v))?),
        _ => None,
    };
    let tail = match m.value("tail") {
        None | Some("all") => None,
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| Failure::daemon(format!("invalid value for \"tail\": {v:?}")))?,
        )
        .and_then(|n| usize::try_from(n).ok()),
    };
    let opts = LogsOptions {
        follow: m.flag("follow"),
        tail,
        since,
        until,
    };
    let timestamps = m.flag("timestamps");
    ctx.engine()?;
    // Disjoint borrows: the engine reads while the sink writes to the streams.
    let engine = ctx.engine.as_ref().expect("opened above");
    let io = &mut *ctx.io;
    engine
        .container_logs(&name, &opts, &mut |entry| {
            let mut line = String::new();
            if timestamps {
                line.push_str(&format_time(&entry.time));
                line.push(' ');
            }
            line.push_str(&entry.log);
            match entry.stream {
                Stream::Stdout => {
                    io.stdout.write_all(line.as_bytes())?;
                    io.stdout.flush()?;
                }
                Stream::Stderr => {
                    io.stderr.write_all(line.as_bytes())?;
                    io.stderr.flush()?;
                }
            }
            Ok(true)
        })
        .map_err(Failure::daemon)
}
