//! Timestamps as Helm writes them: Go's `time.Time` in JSON, RFC 3339 with
//! the nanoseconds' trailing zeros trimmed (`2024-05-01T10:00:00.5Z`), and
//! the moment a build uses (`SOURCE_DATE_EPOCH`, or now).

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};

/// An instant with the UTC offset it was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    pub seconds: i64,
    pub nanos: u32,
    /// The offset east of UTC, in seconds.
    pub offset: i32,
}

impl Timestamp {
    /// The current time, in UTC.
    pub fn now() -> Timestamp {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp {
            seconds: since.as_secs() as i64,
            nanos: since.subsec_nanos(),
            offset: 0,
        }
    }

    /// `SOURCE_DATE_EPOCH` (whole seconds) when set and not empty.
    pub fn source_date_epoch() -> Result<Option<Timestamp>> {
        let Some(value) = std::env::var_os("SOURCE_DATE_EPOCH") else {
            return Ok(None);
        };
        let value = value.to_string_lossy();
        if value.is_empty() {
            return Ok(None);
        }
        let seconds: i64 = value.parse().ok().filter(|s| *s >= 0).with_context(|| {
            format!("invalid SOURCE_DATE_EPOCH {value:?}: expected whole seconds since 1970")
        })?;
        Ok(Some(Timestamp {
            seconds,
            nanos: 0,
            offset: 0,
        }))
    }

    /// `SOURCE_DATE_EPOCH` when set, else now.
    pub fn build_time() -> Result<Timestamp> {
        Ok(Timestamp::source_date_epoch()?.unwrap_or_else(Timestamp::now))
    }

    /// Reads RFC 3339 as Go's `time.Time.UnmarshalJSON` does.
    pub fn parse(text: &str) -> Result<Timestamp> {
        let invalid =
            || format!("invalid time {text:?}: expected RFC 3339 like 2006-01-02T15:04:05Z");
        let b = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = b.get(range)?;
            if part.iter().all(u8::is_ascii_digit) {
                std::str::from_utf8(part).ok()?.parse().ok()
            } else {
                None
            }
        };
        let fixed = (|| {
            if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
                return None;
            }
            if b[13] != b':' || b[16] != b':' {
                return None;
            }
            Some((
                digits(0..4)?,
                digits(5..7)?,
                digits(8..10)?,
                digits(11..13)?,
                digits(14..16)?,
                digits(17..19)?,
            ))
        })();
        let Some((year, month, day, hour, minute, second)) = fixed else {
            bail!(invalid());
        };
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            bail!(invalid());
        }
        let mut i = 19;
        let mut nanos = 0u32;
        if b[i] == b'.' {
            let start = i + 1;
            i = start;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == start || i - start > 9 {
                bail!(invalid());
            }
            let frac = &text[start..i];
            nanos = format!("{frac:0<9}").parse().with_context(invalid)?;
        }
        let offset = match &text[i..] {
            "Z" => 0,
            zone if zone.len() == 6 && (zone.starts_with('+') || zone.starts_with('-')) => {
                let zb = zone.as_bytes();
                if zb[3] != b':' {
                    bail!(invalid());
                }
                let hours = digits(i + 1..i + 3).with_context(invalid)?;
                let minutes = digits(i + 4..i + 6).with_context(invalid)?;
                if hours > 23 || minutes > 59 {
                    bail!(invalid());
                }
                let sign = if zone.starts_with('-') { -1 } else { 1 };
                sign * (hours * 3600 + minutes * 60) as i32
            }
            _ => bail!(invalid()),
        };
        let local = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
        Ok(Timestamp {
            seconds: local - i64::from(offset),
            nanos,
            offset,
        })
    }

    /// Go's `time.RFC3339Nano` layout: trailing zeros of the fraction
    /// trimmed, `Z` for a zero offset.
    pub fn to_rfc3339_nano(&self) -> String {
        let local = self.seconds + i64::from(self.offset);
        let days = local.div_euclid(86400);
        let secs = local.rem_euclid(86400);
        let (year, month, day) = civil_from_days(days);
        let mut out = format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        if self.nanos > 0 {
            let frac = format!("{:09}", self.nanos);
            out.push('.');
            out.push_str(frac.trim_end_matches('0'));
        }
        if self.offset == 0 {
            out.push('Z');
        } else {
            let sign = if self.offset < 0 { '-' } else { '+' };
            let abs = self.offset.abs();
            out.push_str(&format!("{sign}{:02}:{:02}", abs / 3600, abs / 60 % 60));
        }
        out
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_like_go() {
        #[track_caller]
        fn case(input: &str, expected: &str) {
            assert_eq!(Timestamp::parse(input).unwrap().to_rfc3339_nano(), expected);
        }
        case(
            "2023-02-14T15:50:01.928787+05:30",
            "2023-02-14T15:50:01.928787+05:30",
        );
        case("2024-02-29T23:59:59.500000000Z", "2024-02-29T23:59:59.5Z");
        case("1970-01-01T00:00:00+00:00", "1970-01-01T00:00:00Z");
        case("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z");
        case(
            "2016-10-06T16:23:20.499814565-06:00",
            "2016-10-06T16:23:20.499814565-06:00",
        );
    }

    #[test]
    fn rejects_what_go_rejects() {
        for bad in [
            "",
            "2023-02-14",
            "2023-02-30T00:00:00Z",
            "2023-02-14T15:50:01",
            "2023-02-14 15:50:01Z",
            "2023-02-14T15:50:01.Z",
            "2023-02-14T25:50:01Z",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_unix_seconds() {
        let t = Timestamp {
            seconds: 1_700_000_000,
            nanos: 120_000_000,
            offset: 0,
        };
        assert_eq!(t.to_rfc3339_nano(), "2023-11-14T22:13:20.12Z");
        assert_eq!(Timestamp::parse("2023-11-14T22:13:20.12Z").unwrap(), t);
    }
}
