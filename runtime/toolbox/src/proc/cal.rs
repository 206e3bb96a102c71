//! `cal [[MONTH] YEAR]`: a month (or year) calendar laid out like util-linux `cal`, weeks
//! starting on Sunday; today is shown in reverse video when writing to a terminal.

use std::ffi::OsString;
use std::io::IsTerminal;

use crate::timefmt::{days_from_civil, days_in_month, Civil, MONTH_NAMES};

pub fn main(args: Vec<OsString>) -> i32 {
    let now = Civil::now();
    let nums: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .filter(|a| !a.starts_with('-'))
        .collect();
    let highlight = std::io::stdout().is_terminal();
    let today = highlight.then_some((now.year, now.month, now.day));
    match nums.as_slice() {
        [] => print!(
            "{}",
            month_lines(now.year, now.month, true, today).join("\n") + "\n"
        ),
        [y] => match y.parse::<i64>() {
            Ok(y) if (1..=9999).contains(&y) => print!("{}", year_text(y, today)),
            _ => {
                eprintln!("cal: invalid year value: '{y}'");
                return 1;
            }
        },
        [m, y] => {
            let Ok(y) = y.parse::<i64>() else {
                eprintln!("cal: invalid year value: '{y}'");
                return 1;
            };
            match m.parse::<u32>() {
                Ok(m) if (1..=12).contains(&m) => {
                    print!("{}", month_lines(y, m, true, today).join("\n") + "\n")
                }
                _ => {
                    eprintln!("cal: invalid month value: '{m}'");
                    return 1;
                }
            }
        }
        _ => {
            eprintln!("cal: bad usage");
            return 1;
        }
    }
    0
}

fn center(s: &str, width: usize) -> String {
    let pad = width.saturating_sub(s.chars().count());
    let left = pad / 2;
    format!("{}{}{}", " ".repeat(left), s, " ".repeat(pad - left))
}

/// The lines of one month, each 20 columns wide plus two spaces, as util-linux prints.
pub fn month_lines(
    year: i64,
    month: u32,
    with_year: bool,
    today: Option<(i64, u32, u32)>,
) -> Vec<String> {
    let name = MONTH_NAMES[(month - 1) as usize];
    let title = if with_year {
        format!("{name} {year}")
    } else {
        name.to_string()
    };
    let mut lines = vec![
        format!("{}  ", center(&title, 20)),
        "Su Mo Tu We Th Fr Sa  ".to_string(),
    ];
    let first_wday = (days_from_civil(year, month, 1) + 4).rem_euclid(7) as usize;
    let mut cells: Vec<String> = vec!["  ".to_string(); first_wday];
    for d in 1..=days_in_month(year, month) {
        let cell = format!("{d:>2}");
        if today == Some((year, month, d)) {
            cells.push(format!("\x1b[7m{cell}\x1b[27m"));
        } else {
            cells.push(cell);
        }
    }
    for week in cells.chunks(7) {
        let mut line = week.join(" ");
        let missing = 7 - week.len();
        line.push_str(&"   ".repeat(missing));
        line.push_str("  ");
        lines.push(line);
    }
    while lines.len() < 8 {
        lines.push(" ".repeat(22));
    }
    lines
}

fn year_text(year: i64, today: Option<(i64, u32, u32)>) -> String {
    let mut out = format!("{}\n", center(&year.to_string(), 64).trim_end());
    for row in 0..4 {
        let months: Vec<Vec<String>> = (1..=3)
            .map(|i| month_lines(year, row * 3 + i, false, today))
            .collect();
        for l in 0..8 {
            let line: Vec<&str> = months.iter().map(|m| m[l].as_str()).collect();
            out.push_str(&line.join(""));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::month_lines;

    #[test]
    fn november_2026_starts_on_sunday() {
        let l = month_lines(2026, 11, true, None);
        assert_eq!(l[0], "   November 2026      ");
        assert_eq!(l[1], "Su Mo Tu We Th Fr Sa  ");
        assert_eq!(l[2], " 1  2  3  4  5  6  7  ");
        assert_eq!(l[6], "29 30                 ");
    }
}
