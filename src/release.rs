//! The release being rendered and the names and labels derived from it,
//! computed exactly as the chart's `_helpers.tpl` computes them.

use anyhow::{bail, Result};
use serde::Serialize;

use crate::chart::Metadata;
use crate::values::Values;

/// A release: Helm's `.Release.Name` and `.Release.Namespace`.
#[derive(Debug, Clone, Serialize)]
pub struct Release {
    pub name: String,
    pub namespace: String,
}

impl Release {
    /// A release with Helm's name check (`helm template` applies it too).
    pub fn new(name: &str, namespace: &str) -> Result<Release> {
        if !valid_release_name(name) {
            bail!(
                "release name {name:?}: invalid release name, must match regex \
                 ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ \
                 and the length must not be longer than 53"
            );
        }
        Ok(Release {
            name: name.to_string(),
            namespace: namespace.to_string(),
        })
    }
}

/// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`, at most 53 characters.
fn valid_release_name(name: &str) -> bool {
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    };
    !name.is_empty() && name.len() <= 53 && name.split('.').all(label_ok)
}

/// sprig's `trunc n | trimSuffix "-"`.
fn trunc(s: &str, n: usize) -> String {
    let mut end = s.len().min(n);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let t = &s[..end];
    t.strip_suffix('-').unwrap_or(t).to_string()
}

/// Every name the chart gives its objects.
#[derive(Debug, Clone, Serialize)]
pub struct Names {
    /// `opennebula.name`.
    pub name: String,
    /// `opennebula.fullname`.
    pub fullname: String,
    pub statefulset: String,
    pub headless: String,
    pub hypervisor: String,
    pub mariadb: String,
    pub config: String,
    pub credentials_secret: String,
    pub ssh_secret: String,
    pub service_account: String,
    pub test_pod: String,
    pub chart_label: String,
    /// The backup CronJob, its ConfigMap and its PersistentVolumeClaim (a CronJob name has at
    /// most 52 characters).
    pub backup: String,
    /// The OpenNebula pod's data claim, made by the StatefulSet's volumeClaimTemplates.
    pub data_claim: String,
    /// The ConfigMap of the Grafana dashboard.
    pub dashboard: String,
}

impl Names {
    pub fn new(release: &Release, chart: &Metadata, values: &Values) -> Names {
        let name_source = if values.name_override.is_empty() {
            chart.name.as_str()
        } else {
            values.name_override.as_str()
        };
        let fullname = if !values.fullname_override.is_empty() {
            trunc(&values.fullname_override, 63)
        } else if release.name.contains(name_source) {
            trunc(&release.name, 63)
        } else {
            trunc(&format!("{}-{}", release.name, name_source), 63)
        };
        let suffixed = |suffix: &str, max: usize| {
            format!("{}-{suffix}", trunc(&fullname, max - suffix.len() - 1))
        };
        let ssh_secret = if !values.ssh.existing_secret.is_empty() {
            values.ssh.existing_secret.clone()
        } else if !values.ssh.private_key.is_empty() || !values.ssh.public_key.is_empty() {
            format!("{fullname}-ssh")
        } else {
            String::new()
        };
        let service_account = match (
            values.service_account.create,
            values.service_account.name.as_str(),
        ) {
            (_, name) if !name.is_empty() => name.to_string(),
            (true, _) => fullname.clone(),
            (false, _) => "default".to_string(),
        };
        let credentials_secret = if values.opennebula.existing_secret.is_empty() {
            format!("{fullname}-credentials")
        } else {
            values.opennebula.existing_secret.clone()
        };
        Names {
            name: trunc(name_source, 63),
            statefulset: trunc(&fullname, 52),
            headless: suffixed("headless", 63),
            hypervisor: suffixed("hypervisor", 63),
            mariadb: suffixed("mariadb", 52),
            config: format!("{fullname}-config"),
            credentials_secret,
            ssh_secret,
            service_account,
            test_pod: format!("{fullname}-test"),
            backup: suffixed("backup", 52),
            data_claim: format!("data-{}-0", trunc(&fullname, 52)),
            dashboard: format!("{fullname}-dashboard"),
            chart_label: trunc(
                &format!("{}-{}", chart.name, chart.version).replace('+', "_"),
                63,
            ),
            fullname,
        }
    }

    /// `opennebula.selectorLabels`, one `key: value` line each.
    pub fn selector_labels(&self, release: &Release) -> String {
        format!(
            "app.kubernetes.io/name: {}\napp.kubernetes.io/instance: {}",
            go_quote(&self.name),
            go_quote(&release.name)
        )
    }

    /// `opennebula.labels`.
    pub fn labels(&self, release: &Release, chart: &Metadata) -> String {
        let mut out = format!(
            "helm.sh/chart: {}\n{}",
            self.chart_label,
            self.selector_labels(release)
        );
        if !chart.app_version.is_empty() {
            out.push_str(&format!(
                "\napp.kubernetes.io/version: {}",
                go_quote(&chart.app_version)
            ));
        }
        out.push_str("\napp.kubernetes.io/managed-by: Helm");
        out
    }
}

/// sprig's `quote`: Go's `%q` of the string.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `strconv.IsPrint` without Unicode tables:
/// everything but controls, non-ASCII spaces and format characters.
fn is_go_printable(c: char) -> bool {
    let v = c as u32;
    if c == ' ' {
        return true;
    }
    !(c.is_control()
        || c.is_whitespace()
        || (0x200b..=0x200f).contains(&v)
        || (0x202a..=0x202e).contains(&v)
        || (0x2060..=0x206f).contains(&v)
        || v == 0xfeff
        || v == 0xad
        || (0xfff9..=0xfffb).contains(&v)
        || (0xd800..=0xdfff).contains(&v)
        || (0xe000..=0xf8ff).contains(&v)
        || v == 0xfffe
        || v == 0xffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(release: &str, set: &[&str]) -> Names {
        let mut map = crate::yaml::load::load_values(crate::chart::VALUES_YAML).unwrap();
        for s in set {
            crate::values::set::parse_into(s, &mut map, false).unwrap();
        }
        let values = crate::values::typed(map).unwrap();
        Names::new(
            &Release::new(release, "default").unwrap(),
            &Metadata::embedded(),
            &values,
        )
    }

    #[test]
    fn fullname_follows_helm_create() {
        assert_eq!(names("one", &[]).fullname, "one-opennebula");
        assert_eq!(names("my-opennebula", &[]).fullname, "my-opennebula");
        assert_eq!(names("one", &["fullnameOverride=cloud"]).fullname, "cloud");
        assert_eq!(
            names("one", &["nameOverride=nebula"]).fullname,
            "one-nebula"
        );
        let long = "a".repeat(53);
        let n = names(&long, &[]);
        assert_eq!(n.fullname.len(), 63);
        assert!(n.headless.len() <= 63 && n.headless.ends_with("-headless"));
        assert!(n.statefulset.len() <= 52);
        assert!(n.mariadb.len() <= 52 && n.mariadb.ends_with("-mariadb"));
        assert!(n.backup.len() <= 52 && n.backup.ends_with("-backup"));
        assert_eq!(n.data_claim, format!("data-{}-0", n.statefulset));
    }

    #[test]
    fn truncation_drops_a_trailing_dash() {
        let release = format!("{}-b", "a".repeat(50));
        let n = names(&release, &["fullnameOverride=".to_string().as_str()]);
        assert!(!n.statefulset.ends_with('-'));
        assert!(!n.mariadb.contains("--"));
    }

    #[test]
    fn release_names_are_checked() {
        assert!(Release::new("ok-name.x", "ns").is_ok());
        assert!(Release::new("BadName", "ns").is_err());
        assert!(Release::new(&"a".repeat(54), "ns").is_err());
        assert!(Release::new("-a", "ns").is_err());
    }

    #[test]
    fn quote_is_go_percent_q() {
        assert_eq!(go_quote("a\"b\\c\n\t"), r#""a\"b\\c\n\t""#);
        assert_eq!(go_quote("é\u{a0}\u{1}"), "\"é\\u00a0\\x01\"");
    }
}
