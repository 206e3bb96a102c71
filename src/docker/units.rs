//! Human-readable sizes and durations, written the way Docker's CLI writes them.
//!
//! Docker formats sizes and ages with its `go-units` package: sizes go through Go's `%.*g`
//! verb (so `187MB`, `7.38MB`, `13.3kB`, and the odd-looking but real `1e+03kB`), and ages
//! are coarse phrases (`About a minute`, `3 weeks`). Learners compare our tables with real
//! Docker's, so the rules here follow go-units exactly, edge cases included.

use chrono::{DateTime, Utc};

const DECIMAL_UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
const BINARY_UNITS: [&str; 9] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

/// go-units `HumanSizeWithPrecision`: decimal units, `precision` significant digits.
pub fn human_size_with_precision(size: f64, precision: usize) -> String {
    custom_size(size, 1000.0, &DECIMAL_UNITS, precision)
}

/// go-units `HumanSize`: decimal units, 4 significant digits.
pub fn human_size(size: f64) -> String {
    human_size_with_precision(size, 4)
}

/// go-units `BytesSize`: binary units (KiB, MiB, GiB), 4 significant digits.
pub fn bytes_size(size: f64) -> String {
    custom_size(size, 1024.0, &BINARY_UNITS, 4)
}

fn custom_size(mut size: f64, base: f64, units: &[&str], precision: usize) -> String {
    let mut i = 0;
    while size >= base && i < units.len() - 1 {
        size /= base;
        i += 1;
    }
    format!("{}{}", format_g(size, Some(precision)), units[i])
}

/// Go's `%g` verb: `Some(p)` is `%.pg`, `None` is the shortest representation (`%v`).
///
/// Scientific notation is used when the exponent is below -4 or at least the precision
/// (6 for the shortest form), trailing zeros are removed, and exponents have two digits.
pub fn format_g(value: f64, precision: Option<usize>) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // Rust's `{:e}` gives correctly rounded digits and the decimal exponent.
    let sci = match precision {
        Some(p) => format!("{:.*e}", p.max(1) - 1, value),
        None => format!("{:e}", value),
    };
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let eprec = match precision {
        Some(p) => {
            let p = p.max(1) as i32;
            // Go: when the digits are fewer than the precision and the number is an
            // integer, the precision for this decision shrinks to the digit count.
            let nd = digits.trim_end_matches('0').len().max(1) as i32;
            if p > nd && nd > exp {
                nd
            } else {
                p
            }
        }
        None => 6,
    };
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if exp < -4 || exp >= eprec {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

/// go-units `HumanDuration`: how long ago, without the " ago".
pub fn human_duration(d: chrono::Duration) -> String {
    let seconds = d.num_seconds();
    if seconds < 1 {
        return "Less than a second".to_string();
    }
    if seconds == 1 {
        return "1 second".to_string();
    }
    if seconds < 60 {
        return format!("{seconds} seconds");
    }
    let minutes = d.num_minutes();
    if minutes == 1 {
        return "About a minute".to_string();
    }
    if minutes < 60 {
        return format!("{minutes} minutes");
    }
    // Go rounds hours to the nearest whole hour here (`int(d.Hours() + 0.5)`).
    let exact_hours = d.num_milliseconds() as f64 / 3_600_000.0;
    let hours = (exact_hours + 0.5) as i64;
    if hours == 1 {
        return "About an hour".to_string();
    }
    if hours < 48 {
        return format!("{hours} hours");
    }
    if hours < 24 * 7 * 2 {
        return format!("{} days", hours / 24);
    }
    if hours < 24 * 30 * 2 {
        return format!("{} weeks", hours / 24 / 7);
    }
    if hours < 24 * 365 * 2 {
        return format!("{} months", hours / 24 / 30);
    }
    format!("{} years", d.num_hours() / 24 / 365)
}

/// `2 weeks ago`, as Docker's CREATED column shows it.
pub fn created_since(created: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!("{} ago", human_duration(now - created))
}

/// Go's `time.Time.String()` for a UTC time: `2024-01-15 10:30:00 +0000 UTC`.
pub fn go_time_string(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S +0000 UTC").to_string()
}

/// RFC 3339 with seconds and a `Z` or offset, as Go's `time.RFC3339`.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Docker's `stringid.TruncateID`: drop a `sha256:` prefix and keep 12 characters.
pub fn truncate_id(id: &str) -> String {
    let id = match id.find(':') {
        Some(i) => &id[i + 1..],
        None => id,
    };
    id.chars().take(12).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn sizes_match_go_units() {
        let h = |n: f64| human_size_with_precision(n, 3);
        assert_eq!(h(0.0), "0B");
        assert_eq!(h(999.0), "999B");
        assert_eq!(h(1000.0), "1kB");
        assert_eq!(h(13_300.0), "13.3kB");
        assert_eq!(h(13_349.0), "13.3kB");
        assert_eq!(h(7_380_000.0), "7.38MB");
        assert_eq!(h(187_000_000.0), "187MB");
        assert_eq!(h(187_654_321.0), "188MB");
        assert_eq!(h(4_261_543.0), "4.26MB");
        assert_eq!(h(1_000_000_000.0), "1GB");
        // go-units really prints this: %.3g of 999.5 rounds up to 1e+03.
        assert_eq!(h(999_500.0), "1e+03kB");
        assert_eq!(human_size(1_234_567.0), "1.235MB");
        assert_eq!(human_size(10_000.0), "10kB");
    }

    #[test]
    fn binary_sizes_match_docker_info() {
        assert_eq!(bytes_size(25_200_000_000.0), "23.47GiB");
        assert_eq!(bytes_size(1024.0), "1KiB");
        assert_eq!(bytes_size(512.0), "512B");
        assert_eq!(bytes_size(8.0 * 1024.0 * 1024.0 * 1024.0), "8GiB");
    }

    #[test]
    fn go_g_verb() {
        assert_eq!(format_g(1.5, None), "1.5");
        assert_eq!(format_g(1e6, None), "1e+06");
        assert_eq!(format_g(123456.0, None), "123456");
        assert_eq!(format_g(0.0001, None), "0.0001");
        assert_eq!(format_g(0.00001, None), "1e-05");
        assert_eq!(format_g(100.0, Some(3)), "100");
        assert_eq!(format_g(-2.5, Some(3)), "-2.5");
        assert_eq!(format_g(1234.0, Some(3)), "1.23e+03");
    }

    #[test]
    fn durations_match_go_units() {
        let d = human_duration;
        assert_eq!(d(Duration::milliseconds(500)), "Less than a second");
        assert_eq!(d(Duration::seconds(1)), "1 second");
        assert_eq!(d(Duration::seconds(59)), "59 seconds");
        assert_eq!(d(Duration::seconds(60)), "About a minute");
        assert_eq!(d(Duration::seconds(119)), "About a minute");
        assert_eq!(d(Duration::minutes(2)), "2 minutes");
        assert_eq!(d(Duration::minutes(59)), "59 minutes");
        assert_eq!(d(Duration::minutes(60)), "About an hour");
        assert_eq!(d(Duration::minutes(89)), "About an hour");
        assert_eq!(d(Duration::minutes(90)), "2 hours");
        assert_eq!(d(Duration::hours(47)), "47 hours");
        assert_eq!(d(Duration::hours(48)), "2 days");
        assert_eq!(d(Duration::days(13)), "13 days");
        assert_eq!(d(Duration::days(14)), "2 weeks");
        assert_eq!(d(Duration::days(59)), "8 weeks");
        assert_eq!(d(Duration::days(60)), "2 months");
        assert_eq!(d(Duration::days(729)), "24 months");
        assert_eq!(d(Duration::days(730)), "2 years");
        assert_eq!(d(Duration::days(1200)), "3 years");
    }

    #[test]
    fn ids_are_truncated_like_stringid() {
        let full = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(truncate_id(&full), "abababababab");
        assert_eq!(truncate_id("<missing>"), "<missing>");
        assert_eq!(truncate_id("abc"), "abc");
    }

    #[test]
    fn times_print_like_go() {
        let t = DateTime::parse_from_rfc3339("2024-01-15T10:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(go_time_string(t), "2024-01-15 10:30:00 +0000 UTC");
        assert_eq!(rfc3339(t), "2024-01-15T10:30:00Z");
    }
}
