//! `--kube-version` and the chart's `kubeVersion` constraint, as Helm reads
//! them (Masterminds semver: loose versions, `>=1.26.0-0` style ranges).

use std::cmp::Ordering;

use anyhow::{bail, Result};

/// The Kubernetes version `helm template` assumes without `--kube-version`
/// (Helm 4.1's client-go minor).
pub const DEFAULT: &str = "v1.35.0";

/// A semantic version: major, minor, patch and the pre-release part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: String,
}

impl Version {
    /// Masterminds' loose `NewVersion`: an optional `v`, missing minor and
    /// patch default to 0, optional `-pre` and `+build`.
    pub fn parse(text: &str) -> Option<Version> {
        let s = text.strip_prefix('v').unwrap_or(text);
        let (s, _build) = s.split_once('+').unwrap_or((s, ""));
        let (core, pre) = match s.split_once('-') {
            Some((c, p)) => (c, p.to_string()),
            None => (s, String::new()),
        };
        let parts: Vec<&str> = core.split('.').collect();
        if parts.is_empty() || parts.len() > 3 {
            return None;
        }
        let mut nums = [0u64; 3];
        for (i, p) in parts.iter().enumerate() {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            nums[i] = p.parse().ok()?;
        }
        let valid_ident =
            |id: &str| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !pre.is_empty() && !pre.split('.').all(valid_ident) {
            return None;
        }
        Some(Version {
            major: nums[0],
            minor: nums[1],
            patch: nums[2],
            pre,
        })
    }

    /// The `vX.Y.Z` form Helm prints for `.Capabilities.KubeVersion`.
    pub fn to_kube_string(&self) -> String {
        if self.pre.is_empty() {
            format!("v{}.{}.{}", self.major, self.minor, self.patch)
        } else {
            format!("v{}.{}.{}-{}", self.major, self.minor, self.patch, self.pre)
        }
    }

    fn cmp_precedence(&self, other: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => crate::version::compare_prerelease(&self.pre, &other.pre),
            })
    }
}

/// Parses `--kube-version` as Helm does.
pub fn parse_flag(text: &str) -> Result<Version> {
    match Version::parse(text) {
        Some(v) => Ok(v),
        None => bail!("invalid kube version '{text}': Invalid Semantic Version"),
    }
}

/// Whether `version` satisfies a Masterminds constraint such as
/// `>=1.26.0-0` or `>=1.25.0-0 <1.40.0-0 || 2.x` (operators `=`, `!=`, `>`,
/// `>=`, `<`, `<=`; `-0` lets pre-releases match, as in Helm's charts).
pub fn satisfies(constraint: &str, version: &Version) -> Result<bool> {
    let mut any = false;
    for alternative in constraint.split("||") {
        let mut all = true;
        for term in alternative.split([' ', ',']).filter(|t| !t.is_empty()) {
            let (op, rest) = ["<=", ">=", "!=", "=<", "=>", "<", ">", "="]
                .iter()
                .find_map(|op| term.strip_prefix(op).map(|r| (*op, r)))
                .unwrap_or(("=", term));
            let Some(bound) = Version::parse(rest.trim()) else {
                bail!("improper constraint: {constraint}");
            };
            // Without a pre-release in the constraint, Masterminds excludes
            // pre-release versions.
            if !version.pre.is_empty() && bound.pre.is_empty() {
                all = false;
                break;
            }
            let ord = version.cmp_precedence(&bound);
            let ok = match op {
                "=" => ord == Ordering::Equal,
                "!=" => ord != Ordering::Equal,
                ">" => ord == Ordering::Greater,
                ">=" | "=>" => ord != Ordering::Less,
                "<" => ord == Ordering::Less,
                _ => ord != Ordering::Greater,
            };
            if !ok {
                all = false;
                break;
            }
        }
        any |= all;
    }
    Ok(any)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_loose_versions() {
        assert_eq!(parse_flag("1.30").unwrap().to_kube_string(), "v1.30.0");
        assert_eq!(parse_flag("v1.29.3").unwrap().to_kube_string(), "v1.29.3");
        assert!(parse_flag("abc").is_err());
        assert!(parse_flag("1.2.3.4").is_err());
    }

    #[test]
    fn constraints() {
        let v = |s: &str| Version::parse(s).unwrap();
        assert!(satisfies(">=1.26.0-0", &v("1.30.0")).unwrap());
        assert!(satisfies(">=1.26.0-0", &v("1.26.0-gke.1")).unwrap());
        assert!(!satisfies(">=1.26.0-0", &v("1.24.0")).unwrap());
        assert!(!satisfies(">=1.26.0", &v("1.27.0-rc.1")).unwrap());
        assert!(satisfies("<1.20 || >=1.26", &v("1.19.0")).unwrap());
    }
}
