//! What `helm template` does with rendered templates: split them into
//! documents, put hooks aside, order the rest by kind (Helm's install order,
//! stable by file name) and print each with its `# Source:` line.

use anyhow::{bail, Context, Result};

use crate::glob::glob_match;
use crate::yaml::load::{self, Head};
use crate::yaml::Value;

/// The output of one template file.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// `<chart>/templates/<file>`, as in `# Source:`.
    pub path: String,
    pub content: String,
}

/// Helm 4's `InstallOrder`; other kinds follow, sorted by name.
const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Hook names Helm knows; a document with only unknown hooks is dropped.
const HOOKS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
    "test-success",
];

struct Manifest<'a> {
    path: &'a str,
    content: &'a str,
    kind: String,
}

/// Builds `helm template`'s output from the rendered files; `show_only`
/// patterns (`-s`) select documents by their path below the chart.
pub fn assemble(mut files: Vec<Rendered>, show_only: &[String]) -> Result<String> {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut docs = Vec::new();
    for file in &files {
        let base = file.path.rsplit('/').next().unwrap_or_default();
        if base.starts_with('_') || file.content.trim().is_empty() {
            continue;
        }
        for doc in split_manifests(&file.content) {
            docs.push((file.path.as_str(), doc));
        }
    }
    let heads = parse_heads(&docs)?;
    let mut manifests = Vec::new();
    let mut hooks = Vec::new();
    for ((path, doc), head) in docs.iter().zip(&heads) {
        let head = Head::of(head);
        let kind = match head.kind {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        let manifest = Manifest {
            path,
            content: doc,
            kind,
        };
        match head.hook {
            Some(Value::String(hook)) => {
                if hook.split(',').any(|h| HOOKS.contains(&h.trim())) {
                    hooks.push(manifest);
                }
            }
            _ => manifests.push(manifest),
        }
    }
    sort_by_kind(&mut manifests);
    sort_by_kind(&mut hooks);

    let print = |out: &mut String, m: &Manifest| {
        for part in ["---\n# Source: ", m.path, "\n", m.content, "\n"] {
            out.push_str(part);
        }
    };
    let mut out = String::with_capacity(files.iter().map(|f| f.content.len() + 64).sum());
    for m in &manifests {
        print(&mut out, m);
    }
    // Helm trims the manifests' text (it starts with `---`: only its end).
    out.truncate(out.trim_end().len());
    out.push('\n');
    for m in &hooks {
        print(&mut out, m);
    }
    if show_only.is_empty() {
        return Ok(out);
    }
    select(&out, show_only)
}

/// Helm parses every document whole (its `SimpleHead`), so invalid YAML
/// anywhere in it (a bad merge key included) fails the render, as here.
fn parse_heads(docs: &[(&str, &str)]) -> Result<Vec<Value>> {
    docs.iter()
        .map(|(path, doc)| {
            let parsed =
                load::load_heads(doc).with_context(|| format!("YAML parse error on {path}"))?;
            Ok(parsed.into_iter().next().unwrap_or(Value::Null))
        })
        .collect()
}

/// `helm template -s`: the documents whose path below the chart matches
/// the pattern with `filepath.Match` (a malformed pattern matches nothing);
/// on Unix, Helm's `filepath.ToSlash` leaves a `\` as it is.
fn select(out: &str, patterns: &[String]) -> Result<String> {
    let docs = split_manifests(out);
    let mut selected = String::new();
    for pattern in patterns {
        let mut found = false;
        for doc in &docs {
            let Some(path) = source_path(doc) else {
                continue;
            };
            if glob_match(pattern, path) == Some(true) {
                selected.push_str(&format!("---\n{doc}\n"));
                found = true;
            }
        }
        if !found {
            bail!("could not find template {pattern} in chart");
        }
    }
    Ok(selected)
}

/// The path after `# Source: <chart>/`.
fn source_path(doc: &str) -> Option<&str> {
    let start = doc.find("# Source: ")? + "# Source: ".len();
    let rest = &doc[start..];
    let line = rest.split('\n').next()?;
    let slash = line.find('/')?;
    if slash == 0 {
        return None;
    }
    let path = &line[slash + 1..];
    (!path.is_empty()).then_some(path)
}

fn sort_by_kind(manifests: &mut [Manifest<'_>]) {
    let rank = |kind: &str| INSTALL_ORDER.iter().position(|k| *k == kind);
    manifests.sort_by(|a, b| match (rank(&a.kind), rank(&b.kind)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.kind.cmp(&b.kind),
    });
}

/// Helm's `SplitManifests`: split on `(?:^|\s*\n)---\s*`, trim each document,
/// drop empty ones.
pub fn split_manifests(text: &str) -> Vec<&str> {
    let text = text.trim();
    let bytes = text.as_bytes();
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c');
    let mut docs = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let at_line = i == 0 || bytes[i - 1] == b'\n';
        if at_line && bytes[i..].starts_with(b"---") {
            // The separator starts at the whitespace run before its newline.
            let mut sep_start = i;
            if i > 0 {
                sep_start = i - 1;
                while sep_start > start && is_space(bytes[sep_start - 1]) {
                    sep_start -= 1;
                }
            }
            let mut end = i + 3;
            while end < bytes.len() && is_space(bytes[end]) {
                end += 1;
            }
            docs.push(&text[start..sep_start]);
            start = end;
            i = end;
            continue;
        }
        i += 1;
    }
    docs.push(&text[start..]);
    docs.into_iter()
        .filter(|d| !d.is_empty())
        .map(str::trim)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_helm() {
        assert_eq!(split_manifests("a: 1\n---\nb: 2\n"), ["a: 1", "b: 2"]);
        assert_eq!(
            split_manifests("---\na: 1\n  \n---   \n\nb: 2"),
            ["a: 1", "b: 2"]
        );
        assert_eq!(split_manifests("a: 1\n---b: 2"), ["a: 1", "b: 2"]);
        assert_eq!(split_manifests("a: x---y"), ["a: x---y"]);
        assert!(split_manifests("  \n").is_empty());
    }

    fn rendered(path: &str, content: &str) -> Rendered {
        Rendered {
            path: format!("c/templates/{path}"),
            content: content.into(),
        }
    }

    #[test]
    fn orders_by_kind_then_file_and_hooks_last() {
        let out = assemble(
            vec![
                rendered("b.yaml", "kind: Service\nmetadata: {name: b}\n"),
                rendered(
                    "t.yaml",
                    "kind: Pod\nmetadata:\n  annotations:\n    helm.sh/hook: test\n",
                ),
                rendered("a.yaml", "kind: StatefulSet\n"),
                rendered("c.yaml", "kind: Secret\n"),
                rendered("_h.tpl", "kind: Secret\n"),
                rendered("e.yaml", "\n  \n"),
            ],
            &[],
        )
        .unwrap();
        let sources: Vec<&str> = out.lines().filter(|l| l.starts_with("# Source")).collect();
        assert_eq!(
            sources,
            [
                "# Source: c/templates/c.yaml",
                "# Source: c/templates/b.yaml",
                "# Source: c/templates/a.yaml",
                "# Source: c/templates/t.yaml"
            ]
        );
        let only = assemble(
            vec![rendered("b.yaml", "kind: Service\n")],
            &["templates/b.yaml".into()],
        )
        .unwrap();
        assert_eq!(only, "---\n# Source: c/templates/b.yaml\nkind: Service\n");
        assert!(assemble(
            vec![rendered("b.yaml", "kind: Service\n")],
            &["x.yaml".into()]
        )
        .is_err());
    }
}
