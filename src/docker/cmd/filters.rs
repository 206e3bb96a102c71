//! `--filter key=value` arguments, validated and matched as Docker's daemon does.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::docker::Failure;

/// Filters by key, each with its values (`-f label=a -f label=b`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters(pub BTreeMap<String, Vec<String>>);

impl Filters {
    /// Parses `-f` values. A value without `=` is a flag error (exit 125), as the CLI's
    /// filter option rejects it before any request; unknown keys are the daemon's error.
    pub fn parse(
        values: &[String],
        path: &str,
        flag: &str,
        allowed: &[&str],
    ) -> Result<Self, Failure> {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for v in values {
            let Some((k, val)) = v.split_once('=') else {
                return Err(Failure::new(
                    format!(
                        "invalid argument {v:?} for {flag:?} flag: bad format of filter (expected name=value)\nSee '{path} --help'."
                    ),
                    125,
                ));
            };
            let key = k.trim().to_lowercase();
            map.entry(key).or_default().push(val.trim().to_string());
        }
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(Failure::daemon(format!("invalid filter '{key}'")));
            }
        }
        Ok(Self(map))
    }

    pub fn get(&self, key: &str) -> &[String] {
        self.0.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// A boolean filter (`dangling=true`); Docker accepts `true`/`1` and `false`/`0`.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, Failure> {
        let values = self.get(key);
        let Some(v) = values.last() else {
            return Ok(None);
        };
        if values.len() > 1 && values.iter().any(|x| !x.eq_ignore_ascii_case(v)) {
            return Err(Failure::daemon(format!(
                "invalid filter '{key}': conflicting values"
            )));
        }
        if v.eq_ignore_ascii_case("true") || v == "1" {
            Ok(Some(true))
        } else if v.eq_ignore_ascii_case("false") || v == "0" {
            Ok(Some(false))
        } else {
            Err(Failure::daemon(format!("invalid filter '{key}={v}'")))
        }
    }

    /// `label=key` or `label=key=value` against a label map; all given labels must match.
    pub fn labels_match(&self, key: &str, labels: &BTreeMap<String, String>) -> bool {
        self.get(key).iter().all(|want| match want.split_once('=') {
            Some((k, v)) => labels.get(k).is_some_and(|have| have == v),
            None => labels.contains_key(want.as_str()),
        })
    }
}

/// Go's `path.Match`: `*` (not across `/`), `?`, `[a-z]`, `[^…]`, `\` escapes.
pub fn path_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_from(&p, &n)
}

fn match_from(p: &[char], n: &[char]) -> bool {
    if p.is_empty() {
        return n.is_empty();
    }
    match p[0] {
        '*' => {
            // Try every split that does not cross a '/'.
            let mut i = 0;
            loop {
                if match_from(&p[1..], &n[i..]) {
                    return true;
                }
                if i >= n.len() || n[i] == '/' {
                    return false;
                }
                i += 1;
            }
        }
        '?' => !n.is_empty() && n[0] != '/' && match_from(&p[1..], &n[1..]),
        '[' => {
            let Some(&c) = n.first() else { return false };
            let mut i = 1;
            let negate = p.get(1) == Some(&'^');
            if negate {
                i += 1;
            }
            let mut matched = false;
            let mut first = true;
            while i < p.len() && (p[i] != ']' || first) {
                first = false;
                let mut lo = p[i];
                if lo == '\\' && i + 1 < p.len() {
                    i += 1;
                    lo = p[i];
                }
                let mut hi = lo;
                if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|&h| h != ']') {
                    hi = p[i + 2];
                    i += 2;
                }
                if lo <= c && c <= hi {
                    matched = true;
                }
                i += 1;
            }
            if i >= p.len() {
                return false; // malformed class: Go returns ErrBadPattern, which never matches
            }
            matched != negate && c != '/' && match_from(&p[i + 1..], &n[1..])
        }
        '\\' if p.len() > 1 => !n.is_empty() && n[0] == p[1] && match_from(&p[2..], &n[1..]),
        c => !n.is_empty() && n[0] == c && match_from(&p[1..], &n[1..]),
    }
}

/// The daemon's reference filter: the pattern matches the familiar `name:tag` or the
/// familiar name alone (`docker images nginx` lists every nginx tag).
pub fn reference_matches(pattern: &str, familiar_ref: &str) -> bool {
    if path_match(pattern, familiar_ref) {
        return true;
    }
    let name = familiar_ref.split('@').next().unwrap_or(familiar_ref);
    let (repo, _) = super::split_repo_tag(name);
    path_match(pattern, repo)
}

/// An `until=` value: a Go duration before now (`24h`, `1h30m`), an RFC 3339 time, or Unix
/// seconds, as Docker's `timetypes.GetTimestamp` accepts.
pub fn parse_until(value: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if let Some(d) = parse_go_duration(value) {
        return Some(now - d);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    let secs: f64 = value.parse().ok()?;
    DateTime::from_timestamp(secs as i64, 0)
}

fn parse_go_duration(s: &str) -> Option<chrono::Duration> {
    let mut total = 0f64;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return None,
        };
        total += n * factor;
        rest = &rest[unit_len..];
    }
    Some(chrono::Duration::milliseconds((total * 1000.0) as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_path_match() {
        assert!(path_match("nginx", "nginx"));
        assert!(path_match("ngi*", "nginx"));
        assert!(path_match("*", "nginx"));
        assert!(!path_match("*", "diamol/base"));
        assert!(path_match("diamol/*", "diamol/base"));
        assert!(path_match("*/*", "diamol/base"));
        assert!(path_match("alpine:3.?9", "alpine:3.19"));
        assert!(path_match("alpine:[0-9]*", "alpine:3.19"));
        assert!(!path_match("alpine:[^0-9]*", "alpine:3.19"));
        assert!(!path_match("alpin", "alpine"));
    }

    #[test]
    fn reference_filter_matches_name_or_name_tag() {
        assert!(reference_matches("nginx", "nginx:latest"));
        assert!(reference_matches("nginx:latest", "nginx:latest"));
        assert!(!reference_matches("nginx:1.25", "nginx:latest"));
        assert!(reference_matches("diamol/*", "diamol/base:latest"));
        assert!(!reference_matches("*", "diamol/base:latest"));
        assert!(reference_matches("*:3.19", "alpine:3.19"));
    }

    #[test]
    fn filter_parsing_and_errors() {
        let f = Filters::parse(
            &["dangling=true".into(), "label=a=b".into()],
            "docker images",
            "-f, --filter",
            &["dangling", "label"],
        )
        .unwrap();
        assert_eq!(f.bool("dangling").unwrap(), Some(true));
        assert_eq!(f.get("label"), ["a=b"]);
        let e = Filters::parse(
            &["nope".into()],
            "docker images",
            "-f, --filter",
            &["dangling"],
        )
        .unwrap_err();
        assert_eq!(e.code, 125);
        assert_eq!(
            e.message,
            "invalid argument \"nope\" for \"-f, --filter\" flag: bad format of filter (expected name=value)\nSee 'docker images --help'."
        );
        let e = Filters::parse(
            &["foo=1".into()],
            "docker images",
            "-f, --filter",
            &["dangling"],
        )
        .unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (1, "Error response from daemon: invalid filter 'foo'")
        );
        let f = Filters::parse(&["dangling=maybe".into()], "p", "f", &["dangling"]).unwrap();
        assert_eq!(
            f.bool("dangling").unwrap_err().message,
            "Error response from daemon: invalid filter 'dangling=maybe'"
        );
    }

    #[test]
    fn labels() {
        let mut labels = BTreeMap::new();
        labels.insert("maintainer".to_string(), "me".to_string());
        let f = Filters::parse(&["label=maintainer".into()], "p", "f", &["label"]).unwrap();
        assert!(f.labels_match("label", &labels));
        let f = Filters::parse(&["label=maintainer=you".into()], "p", "f", &["label"]).unwrap();
        assert!(!f.labels_match("label", &labels));
    }

    #[test]
    fn until_values() {
        let now = DateTime::parse_from_rfc3339("2024-01-02T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_until("24h", now).unwrap().to_rfc3339(),
            "2024-01-01T00:00:00+00:00"
        );
        assert_eq!(
            parse_until("1h30m", now).unwrap().to_rfc3339(),
            "2024-01-01T22:30:00+00:00"
        );
        assert_eq!(
            parse_until("2023-12-31T00:00:00Z", now)
                .unwrap()
                .to_rfc3339(),
            "2023-12-31T00:00:00+00:00"
        );
        assert_eq!(parse_until("0", now).unwrap().timestamp(), 0);
        assert!(parse_until("soon", now).is_none());
    }
}
