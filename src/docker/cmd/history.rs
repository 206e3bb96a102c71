//! `docker history` / `docker image history`.

use chrono::{DateTime, Utc};
use dockerlings_runtime::image::view::HistoryEntry;
use serde_json::{json, Value};

use crate::docker::format::{render_rows, Format};
use crate::docker::spec::Matches;
use crate::docker::units::{created_since, human_size_with_precision, rfc3339, truncate_id};
use crate::docker::{CmdResult, Ctx, Failure};

const TABLE: &str = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
const TABLE_NON_HUMAN: &str =
    "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";

fn headers() -> Value {
    json!({
        "ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT",
        "CreatedBy": "CREATED BY", "Size": "SIZE", "Comment": "COMMENT",
    })
}

/// Docker's `formatter.Ellipsis`: cut to `max` display columns, the last one being `…`.
pub fn ellipsis(s: &str, max: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    if max == 0 {
        return String::new();
    }
    let width: usize = s.chars().map(|c| c.width().unwrap_or(0).max(1)).sum();
    if max == 1 {
        return s.chars().next().map(String::from).unwrap_or_default();
    }
    if width <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0).max(1);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    pub format: Option<String>,
    pub quiet: bool,
    pub human: bool,
    pub no_trunc: bool,
}

pub fn render(
    entries: &[HistoryEntry],
    opts: &HistoryOptions,
    now: DateTime<Utc>,
) -> Result<String, Failure> {
    let source = opts.format.clone().unwrap_or_else(|| "table".into());
    let format = Format(if source == "table" {
        if opts.quiet {
            "{{.ID}}".into()
        } else if !opts.human {
            TABLE_NON_HUMAN.into()
        } else {
            TABLE.into()
        }
    } else {
        source
    });
    let trunc = !opts.no_trunc;
    let rows: Vec<Value> = entries
        .iter()
        .map(|h| {
            let id = h.id.clone().unwrap_or_else(|| "<missing>".into());
            let created_by = h.created_by.replace('\t', " ");
            json!({
                "ID": if trunc { truncate_id(&id) } else { id },
                "CreatedAt": rfc3339(h.created),
                "CreatedSince": if opts.human { created_since(h.created, now) } else { rfc3339(h.created) },
                "CreatedBy": if trunc { ellipsis(&created_by, 45) } else { created_by },
                "Size": if opts.human { human_size_with_precision(h.size as f64, 3) } else { h.size.to_string() },
                "Comment": h.comment,
            })
        })
        .collect();
    render_rows(&format, &rows, &headers(), "*formatter.historyContext")
        .map_err(|e| Failure::cli(e.0))
}

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let entries = ctx
        .engine()?
        .image_history(&m.args[0])
        .map_err(Failure::daemon)?;
    let opts = HistoryOptions {
        format: m.value("format").map(str::to_string),
        quiet: m.flag("quiet"),
        human: m.flag_or("human", true),
        no_trunc: m.flag("no-trunc"),
    };
    let text = render(&entries, &opts, ctx.now)?;
    ctx.out(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::cmd::images::tests::at;

    fn entries() -> Vec<HistoryEntry> {
        vec![
            HistoryEntry {
                id: Some(format!("sha256:{}", "e".repeat(64))),
                created: at("2024-01-01T00:00:00Z"),
                created_by: "/bin/sh -c #(nop)  CMD [\"nginx\" \"-g\" \"daemon off;\"]".into(),
                size: 0,
                comment: String::new(),
                tags: vec!["nginx:latest".into()],
            },
            HistoryEntry {
                id: None,
                created: at("2023-12-01T00:00:00Z"),
                created_by: "/bin/sh -c #(nop) ADD file:abc in / ".into(),
                size: 7_380_000,
                comment: "lab build".into(),
                tags: vec![],
            },
        ]
    }

    #[test]
    fn default_table_truncates_created_by() {
        let out = render(
            &entries(),
            &HistoryOptions {
                human: true,
                ..Default::default()
            },
            at("2024-01-15T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(
            out,
            "IMAGE          CREATED       CREATED BY                                      SIZE      COMMENT\n\
             eeeeeeeeeeee   2 weeks ago   /bin/sh -c #(nop)  CMD [\"nginx\" \"-g\" \"daemon…   0B        \n\
             <missing>      6 weeks ago   /bin/sh -c #(nop) ADD file:abc in /             7.38MB    lab build\n"
        );
    }

    #[test]
    fn non_human_and_quiet() {
        let out = render(
            &entries()[1..],
            &HistoryOptions {
                human: false,
                ..Default::default()
            },
            at("2024-01-15T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(
            out,
            "IMAGE       CREATED AT             CREATED BY                             SIZE      COMMENT\n\
             <missing>   2023-12-01T00:00:00Z   /bin/sh -c #(nop) ADD file:abc in /    7380000   lab build\n"
        );
        let q = render(
            &entries(),
            &HistoryOptions {
                quiet: true,
                human: true,
                ..Default::default()
            },
            at("2024-01-15T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(q, "eeeeeeeeeeee\n<missing>\n");
    }

    #[test]
    fn ellipsis_like_docker() {
        assert_eq!(ellipsis("abcdef", 4), "abc…");
        assert_eq!(ellipsis("abc", 4), "abc");
        assert_eq!(ellipsis("abcd", 4), "abcd");
        assert_eq!(ellipsis("한국어입니다", 5), "한국…");
        assert_eq!(ellipsis("abc", 1), "a");
    }
}
