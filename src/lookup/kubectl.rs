//! `onechart render --kubectl`: the objects the chart looks up, fetched with
//! the user's own kubectl.
//!
//! Which objects depends on the values (no credentials Secret is looked up
//! with `opennebula.existingSecret`, no MariaDB Secret with an external
//! database, none at all when every password is given), so onechart first
//! renders once with [`Objects::recording`] and then asks kubectl for
//! exactly the lookups that render made: one `kubectl get` per kind and
//! namespace, `--ignore-not-found` so that a missing object is simply absent,
//! as it is to Helm.

use std::process::{Command, Stdio};

use anyhow::{bail, Result};

use super::{input, Objects, Query};
use crate::render::{self, Options};

/// The objects the chart looks up with these options, as the cluster of
/// kubectl's current (or the given) context holds them.
pub fn fetch(options: &Options, context: Option<&str>) -> Result<Objects> {
    let mut probe = options.clone();
    probe.objects = Objects::recording();
    render::render(&probe)?;
    let mut objects = Vec::new();
    for args in commands(&probe.objects.queries(), context) {
        objects.extend(run(&args)?);
    }
    Ok(Objects::from_objects(objects))
}

/// The `kubectl` arguments that fetch the objects of these lookups: named
/// objects of one kind and namespace in one `get`, each list in its own.
pub fn commands(queries: &[Query], context: Option<&str>) -> Vec<Vec<String>> {
    let mut commands: Vec<Vec<String>> = Vec::new();
    let mut named: Vec<(&Query, Vec<&str>)> = Vec::new();
    for query in queries {
        if query.name.is_empty() {
            let mut args = vec!["get".into(), resource(query)];
            if query.namespace.is_empty() {
                args.push("--all-namespaces".into());
            } else {
                args.extend(["-n".into(), query.namespace.clone()]);
            }
            args.extend(["-o".into(), "json".into()]);
            commands.push(args);
            continue;
        }
        let same = |q: &&Query| {
            (&q.api_version, &q.kind, &q.namespace)
                == (&query.api_version, &query.kind, &query.namespace)
        };
        match named.iter_mut().find(|(q, _)| same(q)) {
            Some((_, names)) => names.push(&query.name),
            None => named.push((query, vec![&query.name])),
        }
    }
    for (query, names) in named {
        let mut args = vec!["get".into(), resource(query)];
        args.extend(names.into_iter().map(String::from));
        if !query.namespace.is_empty() {
            args.extend(["-n".into(), query.namespace.clone()]);
        }
        args.extend(["-o".into(), "json".into(), "--ignore-not-found".into()]);
        commands.push(args);
    }
    if let Some(context) = context {
        for args in &mut commands {
            args.extend(["--context".into(), context.into()]);
        }
    }
    commands
}

/// kubectl's name for a kind: `secret` for core kinds, `statefulset.v1.apps`
/// for the others, so that no other group's kind of the same name is meant.
fn resource(query: &Query) -> String {
    let kind = query.kind.to_lowercase();
    match query.api_version.split_once('/') {
        Some((group, version)) => format!("{kind}.{version}.{group}"),
        None => kind,
    }
}

/// Runs `kubectl ARGS` and reads what it prints.
fn run(args: &[String]) -> Result<Vec<input::Object>> {
    let shown = format!("kubectl {}", args.join(" "));
    let output = match Command::new("kubectl")
        .args(args)
        .stdin(Stdio::null())
        .output()
    {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            bail!("kubectl not found on PATH (needed by --kubectl)")
        }
        Err(err) => bail!("running {shown}: {err}"),
    };
    if !output.status.success() {
        let stderr = message(&String::from_utf8_lossy(&output.stderr));
        if stderr.is_empty() {
            bail!("{shown} failed ({})", output.status);
        }
        bail!("{shown} failed: {stderr}");
    }
    let Ok(stdout) = String::from_utf8(output.stdout) else {
        bail!("{shown} printed something that is not UTF-8");
    };
    input::parse(&format!("{shown}: output"), &stdout)
}

/// What kubectl said on failure, without the client library's log lines
/// (`E1123 01:22:13.794069   25394 memcache.go:265] ...`, repeated for every
/// retry) when it said something else too, and without its `error: `.
fn message(stderr: &str) -> String {
    let is_log = |line: &str| {
        let b = line.as_bytes();
        b.len() > 22
            && matches!(b[0], b'I' | b'W' | b'E' | b'F')
            && b[1..5].iter().all(u8::is_ascii_digit)
            && b[5] == b' '
            && line.contains("] ")
    };
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let kept: Vec<&str> = if lines.iter().all(|l| is_log(l)) {
        lines
    } else {
        lines.into_iter().filter(|l| !is_log(l)).collect()
    };
    let text = kept.join("\n");
    text.strip_prefix("error: ").unwrap_or(&text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(api_version: &str, kind: &str, namespace: &str, name: &str) -> Query {
        Query {
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    #[test]
    fn kubectl_messages_without_log_lines() {
        let refused = "E1123 01:22:13.794069   25394 memcache.go:265] \"Unhandled Error\" err=\"connection refused\"\n\
            E1123 01:22:13.795908   25394 memcache.go:265] \"Unhandled Error\" err=\"connection refused\"\n\
            The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n";
        assert_eq!(
            message(refused),
            "The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?"
        );
        assert_eq!(
            message("error: context \"nope\" does not exist\n"),
            "context \"nope\" does not exist"
        );
        let only_logs = "E1123 01:22:13.794069   25394 memcache.go:265] failed\n";
        assert_eq!(message(only_logs), only_logs.trim());
        assert_eq!(message(""), "");
    }

    #[test]
    fn one_get_per_kind_and_namespace() {
        let queries = [
            query("v1", "Secret", "cloud", "one-credentials"),
            query("v1", "Secret", "cloud", "one-mariadb"),
            query("v1", "Secret", "other", "x"),
            query("apps/v1", "StatefulSet", "cloud", "one"),
            query("v1", "ConfigMap", "cloud", ""),
            query("v1", "Namespace", "", ""),
        ];
        let lines: Vec<String> = commands(&queries, Some("prod"))
            .iter()
            .map(|a| a.join(" "))
            .collect();
        assert_eq!(
            lines,
            [
                "get configmap -n cloud -o json --context prod",
                "get namespace --all-namespaces -o json --context prod",
                "get secret one-credentials one-mariadb -n cloud -o json --ignore-not-found --context prod",
                "get secret x -n other -o json --ignore-not-found --context prod",
                "get statefulset.v1.apps one -n cloud -o json --ignore-not-found --context prod",
            ]
        );
        assert!(commands(&[], None).is_empty());
    }
}
