//! `onechart lint`: renders the chart with the given values and checks what
//! Kubernetes would check first: every document is an object with
//! `apiVersion`, `kind` and `metadata.name`, the names follow Kubernetes'
//! naming rules, and no object is rendered twice. A render failure (bad
//! values, a `required` value missing, an unsupported Kubernetes version) is
//! a finding too.

use std::collections::HashMap;
use std::fmt;

use crate::render::{self, Options};
use crate::yaml::{load, Map, Value};

/// One problem: where (a template path, or `render`) and what.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub source: String,
    pub message: String,
    /// A name or namespace Kubernetes would refuse.
    pub invalid_name: bool,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.message)
    }
}

/// What lint found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Rendered documents checked.
    pub documents: usize,
    pub findings: Vec<Finding>,
}

impl Report {
    /// The findings, one per line, or a one-line summary when there are none.
    pub fn text(&self) -> String {
        if self.findings.is_empty() {
            return format!("lint: {} documents, no findings\n", self.documents);
        }
        self.findings.iter().map(|f| format!("{f}\n")).collect()
    }
}

/// Renders and checks the chart.
pub fn lint(options: &Options) -> Report {
    match render::render(options) {
        Ok(output) => check_manifests(&output, &options.namespace),
        Err(err) => Report {
            documents: 0,
            findings: vec![Finding {
                source: "render".into(),
                // One finding, one line.
                message: format!("{err:#}").replace(['\n', '\r'], " "),
                invalid_name: false,
            }],
        },
    }
}

/// Checks `helm template`-style output (`---`, `# Source: path`, a document);
/// objects without a namespace are in `namespace`.
pub fn check_manifests(output: &str, namespace: &str) -> Report {
    let mut findings = Vec::new();
    let mut seen: HashMap<(String, String, String, String), String> = HashMap::new();
    let documents = documents(output);
    for (source, text) in &documents {
        let mut find = |message: String, invalid_name: bool| {
            findings.push(Finding {
                source: source.clone(),
                message,
                invalid_name,
            })
        };
        let object = match load::load_all(text) {
            Ok(docs) => match docs.into_iter().next() {
                Some(Value::Map(map)) => map,
                Some(other) => {
                    find(
                        format!("the document is {}, not an object", other.type_name()),
                        false,
                    );
                    continue;
                }
                None => continue,
            },
            Err(err) => {
                find(format!("invalid YAML: {err}"), false);
                continue;
            }
        };
        let text_at = |map: &Map, key: &str| match map.get(key) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        };
        let api_version = text_at(&object, "apiVersion");
        let kind = text_at(&object, "kind");
        let metadata = match object.get("metadata") {
            Some(Value::Map(m)) => m.clone(),
            _ => Map::new(),
        };
        let name = text_at(&metadata, "name");
        let (Some(api_version), Some(kind), Some(name)) = (api_version, kind, name) else {
            let missing: Vec<&str> = [
                ("apiVersion", object.get("apiVersion")),
                ("kind", object.get("kind")),
                ("metadata.name", metadata.get("name")),
            ]
            .into_iter()
            .filter(|(_, v)| !matches!(v, Some(Value::String(s)) if !s.is_empty()))
            .map(|(k, _)| k)
            .collect();
            find(
                format!("the object has no {}", missing.join(", no ")),
                false,
            );
            continue;
        };
        // Names are cut and escaped: a name may be any string of the values.
        let (kind, name) = (crate::values::shown(&kind), name);
        let shown_name = crate::values::shown(&name);
        let rule = name_rule(&kind);
        if let Err(why) = rule.check(&name) {
            find(
                format!(
                    "{kind} {shown_name:?}: metadata.name is not a valid {}: {why}",
                    rule.label()
                ),
                true,
            );
        }
        let object_namespace = text_at(&metadata, "namespace");
        if let Some(ns) = &object_namespace {
            if let Err(why) = NameRule::Dns1123Label.check(ns) {
                find(
                    format!(
                        "{kind} {shown_name:?}: metadata.namespace is not a valid DNS-1123 label: {why}"
                    ),
                    true,
                );
            }
        }
        let group = api_version
            .rsplit_once('/')
            .map_or("", |(group, _)| group)
            .to_string();
        let namespace = match crate::lookup::scope(&api_version, &kind) {
            Some(false) => String::new(),
            _ => object_namespace.unwrap_or_else(|| namespace.to_string()),
        };
        let key = (group, kind.clone(), namespace, name.clone());
        if let Some(first) = seen.get(&key) {
            find(
                format!("{kind} {shown_name:?} is rendered twice (first by {first})"),
                false,
            );
        } else {
            seen.insert(key, source.clone());
        }
    }
    Report {
        documents: documents.len(),
        findings,
    }
}

/// The documents of the output with the template each came from.
fn documents(output: &str) -> Vec<(String, String)> {
    let mut docs: Vec<(String, String)> = Vec::new();
    for line in output.lines() {
        if line == "---" {
            docs.push((String::new(), String::new()));
            continue;
        }
        if docs.is_empty() {
            docs.push((String::new(), String::new()));
        }
        let (source, text) = docs.last_mut().expect("a document");
        match line.strip_prefix("# Source: ") {
            Some(path) if source.is_empty() && text.is_empty() => *source = path.to_string(),
            _ => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    docs.retain(|(source, text)| !source.is_empty() || !text.trim().is_empty());
    for (i, (source, _)) in docs.iter_mut().enumerate() {
        if source.is_empty() {
            *source = format!("document {}", i + 1);
        }
    }
    docs
}

/// The rule Kubernetes' API validation applies to an object's name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NameRule {
    /// `IsDNS1123Subdomain` (k8s.io/apimachinery/pkg/util/validation): at
    /// most 253 characters, dot-separated labels of lowercase alphanumerics
    /// and '-', each starting and ending alphanumeric. Most kinds use it
    /// (`NameIsDNSSubdomain`).
    Dns1123Subdomain,
    /// `IsDNS1123Label`: one such label, at most 63 characters (Namespaces).
    Dns1123Label,
    /// `IsDNS1035Label`: at most 63 lowercase alphanumerics and '-',
    /// starting with a letter and ending alphanumeric. Services use it
    /// (`ValidateServiceName = NameIsDNS1035Label` in
    /// k8s.io/kubernetes/pkg/apis/core/validation), since a Service's name
    /// becomes a DNS label and environment variable names.
    Dns1035Label,
}

/// The rule for names of this kind.
pub fn name_rule(kind: &str) -> NameRule {
    match kind {
        "Service" => NameRule::Dns1035Label,
        "Namespace" => NameRule::Dns1123Label,
        _ => NameRule::Dns1123Subdomain,
    }
}

impl NameRule {
    /// The rule's name, as Kubernetes' messages say it.
    pub fn label(self) -> &'static str {
        match self {
            NameRule::Dns1123Subdomain => "DNS-1123 subdomain",
            NameRule::Dns1123Label => "DNS-1123 label",
            NameRule::Dns1035Label => "DNS-1035 label",
        }
    }

    /// Why `name` breaks the rule, in Kubernetes' own words.
    pub fn check(self, name: &str) -> Result<(), String> {
        let max = match self {
            NameRule::Dns1123Subdomain => 253,
            _ => 63,
        };
        if name.len() > max {
            return Err(format!("must be no more than {max} characters"));
        }
        let labels: Vec<&str> = match self {
            NameRule::Dns1123Subdomain => name.split('.').collect(),
            _ => vec![name],
        };
        let what = match self {
            NameRule::Dns1035Label => "a lowercase letter",
            _ => "a lowercase letter or digit",
        };
        for label in labels {
            let bytes = label.as_bytes();
            let inner_ok = bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
            let first_ok = bytes.first().is_some_and(|b| match self {
                NameRule::Dns1035Label => b.is_ascii_lowercase(),
                _ => b.is_ascii_lowercase() || b.is_ascii_digit(),
            });
            let last_ok = bytes
                .last()
                .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            if !inner_ok || !first_ok || !last_ok {
                let dots = if self == NameRule::Dns1123Subdomain {
                    " or '.'"
                } else {
                    ""
                };
                return Err(format!(
                    "must consist of lowercase alphanumeric characters or '-'{dots}, start with {what} and end with a lowercase letter or digit"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_rules() {
        #[track_caller]
        fn case(rule: NameRule, name: &str, ok: bool) {
            assert_eq!(rule.check(name).is_ok(), ok, "{rule:?} {name:?}");
        }
        use NameRule::*;
        case(Dns1123Subdomain, "one-opennebula", true);
        case(Dns1123Subdomain, "1one.example", true);
        case(Dns1123Subdomain, "one..two", false);
        case(Dns1123Subdomain, "One", false);
        case(Dns1123Subdomain, "one-", false);
        case(Dns1123Subdomain, "", false);
        case(Dns1123Subdomain, &"a".repeat(253), true);
        case(Dns1123Subdomain, &"a".repeat(254), false);
        case(Dns1123Label, "one.two", false);
        case(Dns1123Label, "1one", true);
        case(Dns1035Label, "1one", false);
        case(Dns1035Label, "one-2", true);
        case(Dns1035Label, &"a".repeat(63), true);
        case(Dns1035Label, &"a".repeat(64), false);
        case(Dns1035Label, "one_two", false);
    }

    #[test]
    fn manifests_need_identity_and_unique_names() {
        let output = "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n\
            ---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: default\n\
            ---\n# Source: c/templates/c.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\n\
            ---\n# Source: c/templates/d.yaml\nkind: ConfigMap\nmetadata:\n  labels: {}\n\
            ---\n# Source: c/templates/e.yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n  namespace: x\n\
            ---\n# Source: c/templates/f.yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n  namespace: y\n\
            ---\n# Source: c/templates/g.yaml\n- a list\n";
        let report = check_manifests(output, "default");
        assert_eq!(report.documents, 7);
        let lines: Vec<String> = report.findings.iter().map(|f| f.to_string()).collect();
        assert_eq!(
            lines,
            [
                "c/templates/b.yaml: Secret \"s\" is rendered twice (first by c/templates/a.yaml)",
                "c/templates/d.yaml: the object has no apiVersion, no metadata.name",
                "c/templates/f.yaml: ClusterRole \"r\" is rendered twice (first by c/templates/e.yaml)",
                "c/templates/g.yaml: the document is a list, not an object",
            ]
        );
    }

    #[test]
    fn names_are_checked_by_kind() {
        let output = "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: 1one\n\
            ---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: 1one\n  namespace: Bad_NS\n";
        let lines: Vec<String> = check_manifests(output, "default")
            .findings
            .iter()
            .map(|f| f.to_string())
            .collect();
        assert_eq!(
            lines,
            [
                "c/templates/a.yaml: Service \"1one\": metadata.name is not a valid DNS-1035 label: must consist of lowercase alphanumeric characters or '-', start with a lowercase letter and end with a lowercase letter or digit",
                "c/templates/b.yaml: Secret \"1one\": metadata.namespace is not a valid DNS-1123 label: must consist of lowercase alphanumeric characters or '-', start with a lowercase letter or digit and end with a lowercase letter or digit",
            ]
        );
    }
}
