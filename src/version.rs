//! Chart versions as Helm reads them: `github.com/Masterminds/semver/v3`'s
//! `NewVersion`, which is looser than SemVer 2 (`v1`, `1.2` and leading
//! zeros are accepted), and its ordering (build metadata ignored, a
//! prerelease below its release, numeric identifiers below alphanumeric
//! ones).

use std::cmp::Ordering;

/// A parsed chart version; the original text stays with the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    numbers: [u64; 3],
    pre: String,
}

impl Version {
    /// Parses a version as Masterminds' `NewVersion` does; `None` when Helm
    /// would call it invalid.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.strip_prefix('v').unwrap_or(text);
        let (rest, _build) = match text.split_once('+') {
            Some((rest, build)) => (rest, Some(identifiers(build, false)?)),
            None => (text, None),
        };
        let (core, pre) = match rest.split_once('-') {
            Some((core, pre)) => (core, pre),
            None => (rest, ""),
        };
        if !pre.is_empty() || rest.len() > core.len() {
            identifiers(pre, true)?;
        }
        let mut numbers = [0; 3];
        let parts: Vec<&str> = core.split('.').collect();
        if parts.len() > 3 {
            return None;
        }
        for (slot, part) in numbers.iter_mut().zip(&parts) {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            *slot = part.parse().ok()?;
        }
        Some(Version {
            numbers,
            pre: pre.to_string(),
        })
    }
}

/// Checks dot-separated identifiers (`[0-9A-Za-z-]+`); in a prerelease a
/// numeric identifier must not have a leading zero.
fn identifiers(text: &str, prerelease: bool) -> Option<()> {
    for part in text.split('.') {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return None;
        }
        let numeric = part.bytes().all(|b| b.is_ascii_digit());
        if prerelease && numeric && part.len() > 1 && part.starts_with('0') {
            return None;
        }
    }
    Some(())
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        self.numbers.cmp(&other.numbers).then_with(|| {
            match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &other.pre),
            }
        })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// SemVer precedence of two pre-release strings (`rc.1` < `rc.2` < `rc.a`).
pub(crate) fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let mut a = a.split('.');
    let mut b = b.split('.');
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_helm_accepts() {
        for ok in [
            "1.2.3",
            "v1.2.3",
            "1",
            "1.2",
            "01.2.3",
            "1.2.3-rc.1",
            "1.2.3-0a",
            "1.2.3+build.5",
            "1.2.3-alpha-1+sha.abc",
        ] {
            assert!(Version::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "x",
            "1.2.3.4",
            "1.x",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3+",
            "1..2",
            "1.2.3-a..b",
            " 1.2.3",
            "1.2.3_4",
        ] {
            assert!(Version::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn orders_like_masterminds() {
        let mut versions = [
            "1.0.0",
            "1.0.0-rc.1",
            "1.0.0-alpha",
            "1.0.0-alpha.10",
            "1.0.0-alpha.2",
            "0.9.0",
            "v1.10.0",
            "1.2",
            "1.0.0-beta",
        ];
        versions.sort_by_key(|v| Version::parse(v).unwrap());
        assert_eq!(
            versions,
            [
                "0.9.0",
                "1.0.0-alpha",
                "1.0.0-alpha.2",
                "1.0.0-alpha.10",
                "1.0.0-beta",
                "1.0.0-rc.1",
                "1.0.0",
                "1.2",
                "v1.10.0"
            ]
        );
        assert_eq!(
            Version::parse("1.0.0+a")
                .unwrap()
                .cmp(&Version::parse("1.0.0+b").unwrap()),
            Ordering::Equal
        );
    }
}
