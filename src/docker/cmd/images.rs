//! `docker images` / `docker image ls`.

use chrono::{DateTime, Utc};
use dockerlings_runtime::image::view::ImageSummary;
use serde_json::{json, Value};

use super::filters::{parse_until, reference_matches, Filters};
use crate::docker::format::{render_rows, Format};
use crate::docker::spec::Matches;
use crate::docker::units::{created_since, go_time_string, human_size_with_precision, truncate_id};
use crate::docker::{CmdResult, Ctx, Failure};

const TABLE: &str = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}";
const TABLE_DIGESTS: &str =
    "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}";
pub const IMAGE_CONTEXT: &str = "*formatter.imageContext";

/// The column titles Docker's image context knows.
pub fn headers() -> Value {
    json!({
        "ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST",
        "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE",
        "Containers": "CONTAINERS", "VirtualSize": "SIZE", "SharedSize": "SHARED SIZE",
        "UniqueSize": "UNIQUE SIZE",
    })
}

/// What `docker images` needs beyond the image list.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub format: Option<String>,
    pub quiet: bool,
    pub digests: bool,
    pub no_trunc: bool,
}

impl ListOptions {
    fn format(&self) -> Format {
        let source = self.format.clone().unwrap_or_else(|| "table".to_string());
        if source == "table" {
            return Format(
                if self.quiet {
                    "{{.ID}}"
                } else if self.digests {
                    TABLE_DIGESTS
                } else {
                    TABLE
                }
                .to_string(),
            );
        }
        let mut f = Format(source);
        if f.is_table() && self.digests && !f.0.contains("{{.Digest}}") {
            f.0.push_str("\t{{.Digest}}");
        }
        f
    }

    fn need_digest(&self, format: &Format) -> bool {
        self.digests || format.0.contains("{{.Digest}}")
    }
}

/// One `imageContext`: the row values Docker's templates see.
fn row(
    img: &ImageSummary,
    repo: &str,
    tag: &str,
    digest: &str,
    trunc: bool,
    now: DateTime<Utc>,
) -> Value {
    let id = if trunc {
        truncate_id(&img.id)
    } else {
        img.id.clone()
    };
    let size = human_size_with_precision(img.size as f64, 3);
    json!({
        // The list API leaves these uncomputed (-1), which Docker prints as N/A.
        "Containers": "N/A",
        "CreatedAt": go_time_string(img.created),
        "CreatedSince": created_since(img.created, now),
        "Digest": digest,
        "ID": id,
        "Repository": repo,
        "SharedSize": "N/A",
        "Size": size,
        "Tag": tag,
        "UniqueSize": "N/A",
        "VirtualSize": crate::docker::units::human_size(img.size as f64),
    })
}

/// Expands images into rows as Docker's formatter does: one per repository and tag (and per
/// digest when digests are shown), `<none>` for dangling images.
pub fn rows(images: &[ImageSummary], opts: &ListOptions, now: DateTime<Utc>) -> Vec<Value> {
    let format = opts.format();
    let need_digest = opts.need_digest(&format);
    let trunc = !opts.no_trunc;
    let mut out = Vec::new();
    for img in images {
        if img.repo_tags.is_empty() && img.repo_digests.is_empty() {
            out.push(row(img, "<none>", "<none>", "<none>", trunc, now));
            continue;
        }
        let mut tags: Vec<(String, Vec<String>)> = Vec::new();
        for t in &img.repo_tags {
            let (repo, tag) = super::split_repo_tag(t);
            let Some(tag) = tag else { continue };
            match tags.iter_mut().find(|(r, _)| r == repo) {
                Some((_, v)) => v.push(tag.to_string()),
                None => tags.push((repo.to_string(), vec![tag.to_string()])),
            }
        }
        let mut digests: Vec<(String, Vec<String>)> = Vec::new();
        for d in &img.repo_digests {
            let Some((repo, digest)) = d.split_once('@') else {
                continue;
            };
            match digests.iter_mut().find(|(r, _)| r == repo) {
                Some((_, v)) => v.push(digest.to_string()),
                None => digests.push((repo.to_string(), vec![digest.to_string()])),
            }
        }
        tags.sort();
        for (repo, repo_tags) in &tags {
            let repo_digests = match digests.iter().position(|(r, _)| r == repo) {
                Some(i) => digests.remove(i).1,
                None => Vec::new(),
            };
            for tag in repo_tags {
                if !need_digest || repo_digests.is_empty() {
                    out.push(row(img, repo, tag, "<none>", trunc, now));
                } else {
                    for d in &repo_digests {
                        out.push(row(img, repo, tag, d, trunc, now));
                    }
                }
            }
        }
        for (repo, ds) in &digests {
            if opts.digests {
                for d in ds {
                    out.push(row(img, repo, "<none>", d, trunc, now));
                }
            } else {
                out.push(row(img, repo, "<none>", "", trunc, now));
            }
        }
    }
    out
}

/// Renders the listing.
pub fn render(
    images: &[ImageSummary],
    opts: &ListOptions,
    now: DateTime<Utc>,
) -> Result<String, Failure> {
    let format = opts.format();
    render_rows(&format, &rows(images, opts, now), &headers(), IMAGE_CONTEXT)
        .map_err(|e| Failure::cli(e.0))
}

/// Applies `--filter`s and the REPOSITORY[:TAG] argument the way the daemon does: the
/// reference filter also narrows each image's tags to the matching ones.
pub fn apply_filters(
    images: Vec<ImageSummary>,
    filters: &Filters,
    before: Option<DateTime<Utc>>,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Vec<ImageSummary>, Failure> {
    let dangling = filters.bool("dangling")?;
    let until: Vec<DateTime<Utc>> = filters
        .get("until")
        .iter()
        .map(|u| {
            parse_until(u, now)
                .ok_or_else(|| Failure::daemon(format!("invalid filter 'until={u}'")))
        })
        .collect::<Result<_, _>>()?;
    let references = filters.get("reference");
    let mut out = Vec::new();
    for mut img in images {
        let is_dangling = img.repo_tags.is_empty();
        if let Some(d) = dangling {
            if d != is_dangling {
                continue;
            }
        }
        if !filters.labels_match("label", &img.labels) {
            continue;
        }
        if filters.get("label!").iter().any(|l| {
            let single = Filters(std::iter::once(("x".to_string(), vec![l.clone()])).collect());
            single.labels_match("x", &img.labels)
        }) {
            continue;
        }
        if before.is_some_and(|b| img.created >= b) || since.is_some_and(|s| img.created <= s) {
            continue;
        }
        if until.iter().any(|u| img.created >= *u) {
            continue;
        }
        if !references.is_empty() {
            img.repo_tags
                .retain(|t| references.iter().any(|p| reference_matches(p, t)));
            img.repo_digests
                .retain(|t| references.iter().any(|p| reference_matches(p, t)));
            if img.repo_tags.is_empty() && img.repo_digests.is_empty() {
                continue;
            }
        }
        out.push(img);
    }
    Ok(out)
}

fn created_of(ctx: &mut Ctx<'_, '_>, name: &str) -> Result<DateTime<Utc>, Failure> {
    let v = ctx.engine()?.image_inspect(name).map_err(Failure::daemon)?;
    v.get("Created")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| Failure::daemon(format!("image {name} has no creation time")))
}

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let mut filter_values = m.values("filter").to_vec();
    if let Some(r) = m.args.first() {
        filter_values.push(format!("reference={r}"));
    }
    let path = ctx.path.clone();
    let filters = Filters::parse(
        &filter_values,
        &path,
        "-f, --filter",
        &[
            "dangling",
            "label",
            "label!",
            "before",
            "since",
            "reference",
            "until",
        ],
    )?;
    let before = match filters.get("before").last() {
        Some(name) => Some(created_of(ctx, name)?),
        None => None,
    };
    let since = match filters.get("since").last() {
        Some(name) => Some(created_of(ctx, name)?),
        None => None,
    };
    let images = ctx.engine()?.images().map_err(Failure::daemon)?;
    let images = apply_filters(images, &filters, before, since, ctx.now)?;
    let opts = ListOptions {
        format: m.value("format").map(str::to_string),
        quiet: m.flag("quiet"),
        digests: m.flag("digests"),
        no_trunc: m.flag("no-trunc"),
    };
    let text = render(&images, &opts, ctx.now)?;
    ctx.out(&text)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::BTreeMap;

    pub fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    pub fn sample() -> Vec<ImageSummary> {
        let img =
            |hex: char, tags: &[&str], digests: &[&str], created: &str, size: u64| ImageSummary {
                id: format!("sha256:{}", hex.to_string().repeat(64)),
                repo_tags: tags.iter().map(|s| s.to_string()).collect(),
                repo_digests: digests.iter().map(|s| s.to_string()).collect(),
                created: at(created),
                size,
                shared_size: 0,
                containers: 0,
                labels: BTreeMap::from([("org.dockerlings.lab".to_string(), "true".to_string())]),
            };
        vec![
            img(
                'a',
                &["nginx:1.25", "nginx:latest"],
                &["nginx@sha256:1111"],
                "2024-01-01T00:00:00Z",
                187_000_000,
            ),
            img(
                'b',
                &["alpine:3.19"],
                &[],
                "2023-12-20T00:00:00Z",
                7_380_000,
            ),
            img('c', &[], &[], "2023-11-01T00:00:00Z", 0),
            img(
                'd',
                &["hello-world:latest"],
                &[],
                "2023-05-01T00:00:00Z",
                13_300,
            ),
        ]
    }

    const NOW: &str = "2024-01-15T00:00:00Z";

    #[test]
    fn default_table() {
        let out = render(&sample(), &ListOptions::default(), at(NOW)).unwrap();
        assert_eq!(
            out,
            "REPOSITORY    TAG       IMAGE ID       CREATED        SIZE\n\
             nginx         1.25      aaaaaaaaaaaa   2 weeks ago    187MB\n\
             nginx         latest    aaaaaaaaaaaa   2 weeks ago    187MB\n\
             alpine        3.19      bbbbbbbbbbbb   3 weeks ago    7.38MB\n\
             <none>        <none>    cccccccccccc   2 months ago   0B\n\
             hello-world   latest    dddddddddddd   8 months ago   13.3kB\n"
        );
    }

    #[test]
    fn quiet_and_no_trunc() {
        let q = render(
            &sample(),
            &ListOptions {
                quiet: true,
                ..Default::default()
            },
            at(NOW),
        )
        .unwrap();
        assert_eq!(
            q,
            "aaaaaaaaaaaa\naaaaaaaaaaaa\nbbbbbbbbbbbb\ncccccccccccc\ndddddddddddd\n"
        );
        let full = render(
            &sample()[1..2],
            &ListOptions {
                quiet: true,
                no_trunc: true,
                ..Default::default()
            },
            at(NOW),
        )
        .unwrap();
        assert_eq!(full, format!("sha256:{}\n", "b".repeat(64)));
    }

    #[test]
    fn digests_column() {
        let out = render(
            &sample()[..2],
            &ListOptions {
                digests: true,
                ..Default::default()
            },
            at(NOW),
        )
        .unwrap();
        assert_eq!(
            out,
            "REPOSITORY   TAG       DIGEST        IMAGE ID       CREATED       SIZE\n\
             nginx        1.25      sha256:1111   aaaaaaaaaaaa   2 weeks ago   187MB\n\
             nginx        latest    sha256:1111   aaaaaaaaaaaa   2 weeks ago   187MB\n\
             alpine       3.19      <none>        bbbbbbbbbbbb   3 weeks ago   7.38MB\n"
        );
    }

    #[test]
    fn custom_formats() {
        let opts = ListOptions {
            format: Some("{{.Repository}}:{{.Tag}} {{.Size}}".into()),
            ..Default::default()
        };
        assert_eq!(
            render(&sample()[1..2], &opts, at(NOW)).unwrap(),
            "alpine:3.19 7.38MB\n"
        );
        let opts = ListOptions {
            format: Some("table {{.ID}}\\t{{.Repository}}".into()),
            ..Default::default()
        };
        assert_eq!(
            render(&sample()[1..2], &opts, at(NOW)).unwrap(),
            "IMAGE ID       REPOSITORY\nbbbbbbbbbbbb   alpine\n"
        );
        let opts = ListOptions {
            format: Some("json".into()),
            ..Default::default()
        };
        let line = render(&sample()[1..2], &opts, at(NOW)).unwrap();
        let v: Value = serde_json::from_str(line.trim()).unwrap();
        assert_eq!(v["Repository"], "alpine");
        assert_eq!(v["Containers"], "N/A");
        assert!(line.contains("\"Digest\":\"\\u003cnone\\u003e\""), "{line}");
        let opts = ListOptions {
            format: Some("{{.Bogus}}".into()),
            ..Default::default()
        };
        assert!(render(&sample(), &opts, at(NOW))
            .unwrap_err()
            .message
            .contains("can't evaluate field Bogus"));
    }

    #[test]
    fn filters_narrow_images_and_tags() {
        let f = |v: &[&str]| {
            Filters::parse(
                &v.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "docker images",
                "-f, --filter",
                &[
                    "dangling",
                    "label",
                    "label!",
                    "before",
                    "since",
                    "reference",
                    "until",
                ],
            )
            .unwrap()
        };
        let now = at(NOW);
        let ids = |imgs: Vec<ImageSummary>| {
            imgs.iter()
                .map(|i| i.id[7..8].to_string())
                .collect::<Vec<_>>()
                .join("")
        };
        assert_eq!(
            ids(apply_filters(sample(), &f(&["dangling=true"]), None, None, now).unwrap()),
            "c"
        );
        assert_eq!(
            ids(apply_filters(sample(), &f(&["dangling=false"]), None, None, now).unwrap()),
            "abd"
        );
        let only_latest =
            apply_filters(sample(), &f(&["reference=nginx:latest"]), None, None, now).unwrap();
        assert_eq!(only_latest[0].repo_tags, ["nginx:latest"]);
        // "alpine" has an "e" too.
        assert_eq!(
            ids(apply_filters(sample(), &f(&["reference=*e*"]), None, None, now).unwrap()),
            "abd"
        );
        assert_eq!(
            ids(apply_filters(sample(), &f(&["reference=*x*"]), None, None, now).unwrap()),
            "a"
        );
        assert_eq!(
            ids(apply_filters(
                sample(),
                &f(&["label=org.dockerlings.lab"]),
                None,
                None,
                now
            )
            .unwrap()),
            "abcd"
        );
        assert_eq!(
            ids(apply_filters(sample(), &f(&["label=other"]), None, None, now).unwrap()),
            ""
        );
        let before = Some(at("2023-12-20T00:00:00Z"));
        assert_eq!(
            ids(apply_filters(sample(), &f(&[]), before, None, now).unwrap()),
            "cd"
        );
        assert_eq!(
            ids(apply_filters(sample(), &f(&[]), None, before, now).unwrap()),
            "a"
        );
        assert_eq!(
            ids(apply_filters(sample(), &f(&["until=720h"]), None, None, now).unwrap()),
            "cd"
        );
    }
}
