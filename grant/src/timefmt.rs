//! `valid_until` values: parsed, checked and normalized to UTC so that the
//! configuration and the catalog compare equal however they are written.

/// Normalizes a `valid_until` value to `YYYY-MM-DDTHH:MM:SSZ` (UTC) or
/// `infinity`. Accepts a date, or a date and time with `T` or a space,
/// optional seconds and fraction (dropped), and an optional `Z`, `UTC` or
/// `±HH[:MM]` offset; a time without offset is UTC.
pub fn normalize_valid_until(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("infinity") {
        return Ok("infinity".into());
    }
    let err = || {
        format!("invalid valid_until `{s}`: expected `infinity`, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[Z|±HH:MM]`")
    };
    if !t.is_ascii() {
        return Err(err());
    }
    let b = t.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = t.get(r)?;
        if part.chars().all(|c| c.is_ascii_digit()) && !part.is_empty() {
            part.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(err());
    }
    let (y, mo, d) = (
        num(0..4).ok_or_else(err)?,
        num(5..7).ok_or_else(err)?,
        num(8..10).ok_or_else(err)?,
    );
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return Err(format!("invalid valid_until `{s}`: no such date"));
    }
    let (mut h, mut mi, mut sec, mut offset_min) = (0i64, 0i64, 0i64, 0i64);
    let rest = &t[10..];
    if !rest.is_empty() {
        let rest_b = rest.as_bytes();
        if rest_b[0] != b'T' && rest_b[0] != b't' && rest_b[0] != b' ' {
            return Err(err());
        }
        let tm = rest[1..].trim_start();
        let tb = tm.as_bytes();
        if tb.len() < 5 || tb[2] != b':' {
            return Err(err());
        }
        let n2 = |r: std::ops::Range<usize>| -> Option<i64> {
            let p = tm.get(r)?;
            if p.len() == 2 && p.chars().all(|c| c.is_ascii_digit()) {
                p.parse().ok()
            } else {
                None
            }
        };
        h = n2(0..2).ok_or_else(err)?;
        mi = n2(3..5).ok_or_else(err)?;
        let mut i = 5;
        if tb.len() >= 8 && tb[5] == b':' {
            sec = n2(6..8).ok_or_else(err)?;
            i = 8;
            if tb.len() > 8 && tb[8] == b'.' {
                i = 9;
                while i < tb.len() && tb[i].is_ascii_digit() {
                    i += 1;
                }
            }
        }
        let tz = tm[i..].trim();
        if tz.is_empty() || tz.eq_ignore_ascii_case("z") || tz.eq_ignore_ascii_case("utc") {
        } else if tz.starts_with('+') || tz.starts_with('-') {
            let sign = if tz.starts_with('-') { -1 } else { 1 };
            let body = tz[1..].replace(':', "");
            if !(body.len() == 2 || body.len() == 4) || !body.chars().all(|c| c.is_ascii_digit()) {
                return Err(err());
            }
            let oh: i64 = body[0..2].parse().map_err(|_| err())?;
            let om: i64 = if body.len() == 4 {
                body[2..4].parse().map_err(|_| err())?
            } else {
                0
            };
            if oh > 15 || om > 59 {
                return Err(err());
            }
            offset_min = sign * (oh * 60 + om);
        } else {
            return Err(err());
        }
        if h > 23 || mi > 59 || sec > 59 {
            return Err(format!("invalid valid_until `{s}`: no such time"));
        }
    }
    let secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (y, mo, d) = civil_from_days(days);
    Ok(format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    ))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

// Howard Hinnant's algorithms.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// (year, month, day) of a day number counted from 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::normalize_valid_until as n;

    #[test]
    fn forms() {
        assert_eq!(n("2030-01-01").unwrap(), "2030-01-01T00:00:00Z");
        assert_eq!(n("2030-01-01T12:30:00Z").unwrap(), "2030-01-01T12:30:00Z");
        assert_eq!(n("2030-01-01 12:30").unwrap(), "2030-01-01T12:30:00Z");
        assert_eq!(
            n("2030-01-01T01:00:00+02:00").unwrap(),
            "2029-12-31T23:00:00Z"
        );
        assert_eq!(
            n("2030-02-28T23:30:00.123-01").unwrap(),
            "2030-03-01T00:30:00Z"
        );
        assert_eq!(n("Infinity").unwrap(), "infinity");
        assert_eq!(n("2024-02-29").unwrap(), "2024-02-29T00:00:00Z");
    }

    #[test]
    fn rejects() {
        for bad in [
            "tomorrow",
            "2030-13-01",
            "2023-02-29",
            "2030-01-01T25:00",
            "2030-01-01X",
            "2030-01-01T10:00 PST",
            "2030-01-0é",
            "2030-01-01Té",
            "２０３０-01-01",
            "",
        ] {
            assert!(n(bad).is_err(), "{bad}");
        }
    }
}
