//! `docker search`, over the built-in offline catalogue.
//!
//! Docker's table has a STARS column of Docker Hub star counts. The catalogue has no stars
//! (it is not Docker Hub), and inventing numbers would teach something false, so the
//! column is left out and `{{.StarCount}}` is refused with an explanation; `stars=N`
//! filters only keep images when N is 0.

use dockerlings_runtime::image::view::SearchResult;
use serde_json::{json, Value};

use super::filters::Filters;
use super::history::ellipsis;
use crate::docker::format::{render_rows, Format};
use crate::docker::spec::Matches;
use crate::docker::{CmdResult, Ctx, Failure};

const TABLE: &str = "table {{.Name}}\t{{.Description}}\t{{.IsOfficial}}";
const DEFAULT_LIMIT: i64 = 25;

fn headers() -> Value {
    json!({
        "Name": "NAME", "Description": "DESCRIPTION", "StarCount": "STARS",
        "IsOfficial": "OFFICIAL", "IsAutomated": "AUTOMATED",
    })
}

#[derive(Debug, Clone, Default)]
pub struct SearchOptions {
    pub format: Option<String>,
    pub no_trunc: bool,
}

pub fn render(results: &[SearchResult], opts: &SearchOptions) -> Result<String, Failure> {
    let format = Format(match opts.format.clone() {
        None => TABLE.into(),
        Some(f) if f == "table" => TABLE.into(),
        Some(f) => f,
    });
    if format.0.contains("StarCount") {
        return Err(Failure::cli(
            "[dockerlings] star counts are not available: the offline catalogue is not Docker Hub and has no stars",
        ));
    }
    let rows: Vec<Value> = results
        .iter()
        .map(|r| {
            let desc = r.description.replace(['\n', '\r'], " ");
            json!({
                "Name": r.name,
                "Description": if opts.no_trunc { desc } else { ellipsis(&desc, 45) },
                "IsOfficial": if r.official { "[OK]" } else { "" },
                "IsAutomated": "",
            })
        })
        .collect();
    render_rows(&format, &rows, &headers(), "*formatter.searchContext")
        .map_err(|e| Failure::cli(e.0))
}

pub fn filter(results: Vec<SearchResult>, filters: &Filters) -> Result<Vec<SearchResult>, Failure> {
    let official = filters.bool("is-official")?;
    let automated = filters.bool("is-automated")?;
    let mut min_stars = 0i64;
    for s in filters.get("stars") {
        min_stars = min_stars.max(
            s.parse()
                .map_err(|_| Failure::daemon(format!("invalid filter 'stars={s}'")))?,
        );
    }
    Ok(results
        .into_iter()
        .filter(|r| official.is_none_or(|o| o == r.official))
        // Nothing in the catalogue is an automated build, and nothing has stars.
        .filter(|_| automated != Some(true))
        .filter(|_| min_stars <= 0)
        .collect())
}

pub fn run(ctx: &mut Ctx<'_, '_>, m: &Matches) -> CmdResult {
    let path = ctx.path.clone();
    let filters = Filters::parse(
        m.values("filter"),
        &path,
        "-f, --filter",
        &["is-official", "is-automated", "stars"],
    )?;
    let limit = m.value("limit").map(|l| l.parse::<i64>().unwrap_or(0));
    if let Some(l) = limit {
        if !(1..=100).contains(&l) {
            return Err(Failure::daemon(format!(
                "Limit {l} is outside the range of [1, 100]"
            )));
        }
    }
    let results = ctx.engine()?.search(&m.args[0]);
    let mut results = filter(results, &filters)?;
    results.truncate(limit.unwrap_or(DEFAULT_LIMIT) as usize);
    let opts = SearchOptions {
        format: m.value("format").map(str::to_string),
        no_trunc: m.flag("no-trunc"),
    };
    let text = render(&results, &opts)?;
    ctx.out(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results() -> Vec<SearchResult> {
        vec![
            SearchResult {
                name: "nginx".into(),
                description: "Official build of Nginx (dockerlings lab build: toolbox web server)"
                    .into(),
                official: true,
            },
            SearchResult {
                name: "diamol/ch02-hello-diamol-web".into(),
                description: "Course image".into(),
                official: false,
            },
        ]
    }

    #[test]
    fn table_without_stars() {
        let out = render(&results(), &SearchOptions::default()).unwrap();
        assert_eq!(
            out,
            "NAME                           DESCRIPTION                                     OFFICIAL\n\
             nginx                          Official build of Nginx (dockerlings lab bui…   [OK]\n\
             diamol/ch02-hello-diamol-web   Course image                                    \n"
        );
    }

    #[test]
    fn stars_are_refused_not_invented() {
        let opts = SearchOptions {
            format: Some("{{.Name}} {{.StarCount}}".into()),
            ..Default::default()
        };
        assert!(render(&results(), &opts)
            .unwrap_err()
            .message
            .contains("no stars"));
    }

    #[test]
    fn filters() {
        let f = |v: &str| {
            Filters::parse(
                &[v.to_string()],
                "docker search",
                "-f, --filter",
                &["is-official", "is-automated", "stars"],
            )
            .unwrap()
        };
        assert_eq!(filter(results(), &f("is-official=true")).unwrap().len(), 1);
        assert_eq!(
            filter(results(), &f("is-official=false")).unwrap()[0].name,
            "diamol/ch02-hello-diamol-web"
        );
        assert_eq!(filter(results(), &f("stars=3")).unwrap().len(), 0);
        assert_eq!(filter(results(), &f("stars=0")).unwrap().len(), 2);
    }
}
