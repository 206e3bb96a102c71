//! Calendar arithmetic and the few timestamp formats the toolbox prints (log lines, HTTP
//! dates). Containers run in UTC unless an image sets a zone, so everything here is UTC.

use std::time::{SystemTime, UNIX_EPOCH};

/// A UTC calendar time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32, // 1..=12
    pub day: u32,   // 1..=31
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
    pub weekday: u32, // 0 = Sunday
    pub micros: u32,
}

pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
pub const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) → days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

impl Civil {
    pub fn from_system(t: SystemTime) -> Self {
        let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        let secs = d.as_secs() as i64;
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: rem / 3600,
            min: rem / 60 % 60,
            sec: rem % 60,
            weekday: (days + 4).rem_euclid(7) as u32,
            micros: d.subsec_micros(),
        }
    }

    pub fn now() -> Self {
        Self::from_system(SystemTime::now())
    }

    fn mon(&self) -> &'static str {
        MONTHS[(self.month - 1) as usize]
    }

    fn wday(&self) -> &'static str {
        WEEKDAYS[self.weekday as usize]
    }

    /// nginx's `$time_local`: `23/Nov/2026:10:52:44 +0000`.
    pub fn nginx_log(&self) -> String {
        format!(
            "{:02}/{}/{}:{:02}:{:02}:{:02} +0000",
            self.day,
            self.mon(),
            self.year,
            self.hour,
            self.min,
            self.sec
        )
    }

    /// nginx's error-log stamp: `2026/11/23 10:52:44`.
    pub fn nginx_error(&self) -> String {
        format!(
            "{}/{:02}/{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.min, self.sec
        )
    }

    /// Apache's error-log stamp: `Mon Nov 23 10:52:44.123456 2026`.
    pub fn apache_error(&self) -> String {
        format!(
            "{} {} {:02} {:02}:{:02}:{:02}.{:06} {}",
            self.wday(),
            self.mon(),
            self.day,
            self.hour,
            self.min,
            self.sec,
            self.micros,
            self.year
        )
    }

    /// RFC 7231 HTTP date: `Mon, 23 Nov 2026 10:52:44 GMT`.
    pub fn http_date(&self) -> String {
        format!(
            "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
            self.wday(),
            self.day,
            self.mon(),
            self.year,
            self.hour,
            self.min,
            self.sec
        )
    }

    pub fn hms(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.hour, self.min, self.sec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn known_dates() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_431_164); // 2026-11-23 10:52:44 UTC
        let c = Civil::from_system(t);
        assert_eq!((c.year, c.month, c.day), (2026, 11, 23));
        assert_eq!(c.weekday, 1);
        assert_eq!(c.nginx_log(), "23/Nov/2026:10:52:44 +0000");
        assert_eq!(c.http_date(), "Mon, 23 Nov 2026 10:52:44 GMT");
        assert_eq!(days_from_civil(2026, 11, 23), 1_795_431_164 / 86_400);
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
    }
}
