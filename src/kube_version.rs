//! `--kube-version` and the chart's `kubeVersion` constraint, as Helm reads
//! them (Masterminds semver: loose versions, `>=1.26.0-0` style ranges).

use std::cmp::Ordering;

use anyhow::{bail, Result};

/// The Kubernetes version `helm template` assumes without `--kube-version`
/// (Helm 4.1's client-go minor).
pub const DEFAULT: &str = "v1.35.0";

/// A semantic version: major, minor, patch, the pre-release and the build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: String,
    pub build: String,
}

impl Version {
    /// Masterminds' loose `NewVersion` (Helm 3's `--kube-version`): an
    /// optional `v`, missing minor and patch default to 0, optional `-pre`
    /// and `+build` of dot-separated `[0-9A-Za-z-]+` identifiers, a numeric
    /// pre-release identifier without a leading zero. The error is
    /// Masterminds' message.
    pub fn parse(text: &str) -> Option<Version> {
        Version::parse_checked(text).ok()
    }

    /// [`Version::parse`] with Masterminds' error message.
    pub fn parse_checked(text: &str) -> Result<Version, String> {
        const INVALID: &str = "Invalid Semantic Version";
        let s = text.strip_prefix('v').unwrap_or(text);
        let (s, build) = match s.split_once('+') {
            Some((s, build)) => (s, Some(build)),
            None => (s, None),
        };
        let (core, pre) = match s.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (s, None),
        };
        let identifiers_ok = |part: &str| {
            part.split('.').all(|id| {
                !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
        };
        if pre.is_some_and(|p| !identifiers_ok(p)) || build.is_some_and(|b| !identifiers_ok(b)) {
            return Err(INVALID.into());
        }
        let parts: Vec<&str> = core.split('.').collect();
        if parts.len() > 3
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(INVALID.into());
        }
        let mut nums = [0u64; 3];
        for (i, p) in parts.iter().enumerate() {
            nums[i] = p.parse().map_err(|_| {
                format!(
                    "Error parsing version segment: strconv.ParseUint: parsing {p:?}: value out of range"
                )
            })?;
        }
        let pre = pre.unwrap_or_default();
        if !pre.is_empty()
            && pre.split('.').any(|id| {
                id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit())
            })
        {
            return Err("Version segment starts with 0".into());
        }
        Ok(Version {
            major: nums[0],
            minor: nums[1],
            patch: nums[2],
            pre: pre.to_string(),
            build: build.unwrap_or_default().to_string(),
        })
    }

    /// The `vX.Y.Z[-pre][+build]` form Helm prints for
    /// `.Capabilities.KubeVersion`.
    pub fn to_kube_string(&self) -> String {
        let mut out = format!("v{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            out = format!("{out}-{}", self.pre);
        }
        if !self.build.is_empty() {
            out = format!("{out}+{}", self.build);
        }
        out
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

/// Parses `--kube-version` as Helm 3 does (Helm 4 differs on odd
/// versions either way: it refuses `v1` and `01.30.0`, and accepts
/// `1.30.0-a_b` and `1.30.0.0`).
pub fn parse_flag(text: &str) -> Result<Version> {
    match Version::parse_checked(text) {
        Ok(v) => Ok(v),
        // Helm's message, the flag shown on one line.
        Err(why) => bail!(
            "invalid kube version '{}': {why}",
            crate::values::shown(text)
        ),
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
        // A line break in the flag (found by fuzz/) stays on one line.
        assert_eq!(
            parse_flag("v1\n2").unwrap_err().to_string(),
            "invalid kube version 'v1\\n2': Invalid Semantic Version"
        );
    }

    /// Helm 3's answers (Masterminds semver v3).
    #[test]
    fn parses_as_masterminds() {
        let shown = |t: &str| match parse_flag(t) {
            Ok(v) => v.to_kube_string(),
            Err(e) => e.to_string(),
        };
        assert_eq!(shown("1.30.0+k3s1"), "v1.30.0+k3s1");
        assert_eq!(shown("1.25.0-rc.1+b"), "v1.25.0-rc.1+b");
        assert_eq!(shown("01.30.0"), "v1.30.0");
        assert_eq!(shown("1.25.0-00a"), "v1.25.0-00a");
        assert_eq!(
            shown("1.30.0-01"),
            "invalid kube version '1.30.0-01': Version segment starts with 0"
        );
        for bad in [
            "1.30.0-",
            "1.30.0+",
            "1.30.0+a_b",
            "1.30.0-a..b",
            "1.30.0+a+b",
            " 1.30.0",
            "V1.30.0",
            "vv1",
            "1.30.0.0",
        ] {
            assert_eq!(
                shown(bad),
                format!("invalid kube version '{bad}': Invalid Semantic Version")
            );
        }
        assert_eq!(
            shown("99999999999999999999"),
            "invalid kube version '99999999999999999999': Error parsing version segment: strconv.ParseUint: parsing \"99999999999999999999\": value out of range"
        );
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
