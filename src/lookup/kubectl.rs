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
//!
//! The names come from the values (`fullnameOverride` is any string), so
//! before kubectl runs every name and namespace is checked with Kubernetes'
//! own rules, every option is one `--flag=value` argument, and `--` ends
//! the options: no value can become a kubectl flag (`--kubeconfig=evil`
//! would load a kubeconfig whose exec plugin runs any command). kubectl runs
//! in its own process group, which is killed whole when it outlives the
//! timeout; its output is read up to [`fsutil::INPUT_LIMIT`], and a failure
//! is one line: kubectl's last meaningful line, cut.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};

use super::{input, Objects, Query};
use crate::fsutil;
use crate::lint::{name_rule, NameRule};
use crate::render::{self, Options};

/// How onechart runs kubectl.
#[derive(Debug, Clone, Default)]
pub struct Kubectl {
    /// `--context` (the kubeconfig's current context when `None`).
    pub context: Option<String>,
    /// How long one kubectl may run; `None` for no limit.
    pub timeout: Option<Duration>,
}

/// The default of `--kubectl-timeout`.
pub const DEFAULT_TIMEOUT: &str = "30s";

/// The longest part of kubectl's message an error shows.
const MAX_MESSAGE: usize = 300;

/// How much of kubectl's standard error is kept (its end).
const STDERR_TAIL: usize = 64 * 1024;

impl Kubectl {
    /// The objects the chart looks up with these options, as the cluster
    /// of kubectl's context holds them.
    pub fn fetch(&self, options: &Options) -> Result<Objects> {
        let mut probe = options.clone();
        probe.objects = Objects::recording();
        let output = render::render(&probe)?;
        // Every name onechart computed, before kubectl runs: what Kubernetes
        // would refuse is refused here.
        let lint = crate::lint::check_manifests(&output, &options.namespace);
        if let Some(bad) = lint.findings.iter().find(|f| f.invalid_name) {
            bail!("--kubectl: {bad}; nothing was looked up");
        }
        let queries = probe.objects.queries();
        for query in &queries {
            check(query)?;
        }
        let mut objects = Vec::new();
        for args in commands(&queries, self.context.as_deref()) {
            objects.extend(run(&args, self.timeout)?);
        }
        Ok(Objects::from_objects(objects))
    }
}

/// Refuses a lookup whose kind, name or namespace Kubernetes would not
/// accept: those are the only parts of kubectl's command line that come
/// from the values.
fn check(query: &Query) -> Result<()> {
    let identifier = |s: &str, extra: &[char]| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
    };
    if !identifier(&query.kind, &[]) || !identifier(&query.api_version, &['.', '-', '/']) {
        bail!(
            "--kubectl: the chart looks up an object of kind {:?}, apiVersion {:?}, which kubectl cannot be asked for",
            crate::values::shown(&query.kind),
            crate::values::shown(&query.api_version)
        );
    }
    if !query.namespace.is_empty() {
        if let Err(why) = NameRule::Dns1123Label.check(&query.namespace) {
            bail!(
                "--kubectl: the namespace {:?} is not a valid Kubernetes namespace (a DNS-1123 label: {why}); nothing was looked up",
                crate::values::shown(&query.namespace)
            );
        }
    }
    if !query.name.is_empty() {
        let rule = name_rule(&query.kind);
        if let Err(why) = rule.check(&query.name) {
            bail!(
                "--kubectl: the chart looks up {} {:?}, which is not a valid Kubernetes name (a {}: {why}); \
                 check fullnameOverride, nameOverride and the release name; nothing was looked up",
                query.kind,
                crate::values::shown(&query.name),
                rule.label()
            );
        }
    }
    Ok(())
}

/// The `kubectl` arguments that fetch the objects of these lookups: named
/// objects of one kind and namespace in one `get`, each list in its own;
/// options first, each one argument, then `--`, the resource and the names.
pub fn commands(queries: &[Query], context: Option<&str>) -> Vec<Vec<String>> {
    let options = |mut args: Vec<String>, namespace: &str, named: bool| {
        args.extend(["-o".into(), "json".into()]);
        if named {
            args.push("--ignore-not-found".into());
        }
        if namespace.is_empty() {
            if !named {
                args.push("--all-namespaces".into());
            }
        } else {
            args.push(format!("--namespace={namespace}"));
        }
        if let Some(context) = context {
            args.push(format!("--context={context}"));
        }
        args.push("--".into());
        args
    };
    let mut commands: Vec<Vec<String>> = Vec::new();
    let mut named: Vec<(&Query, Vec<&str>)> = Vec::new();
    for query in queries {
        if query.name.is_empty() {
            let mut args = options(vec!["get".into()], &query.namespace, false);
            args.push(resource(query));
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
        let mut args = options(vec!["get".into()], &query.namespace, true);
        args.push(resource(query));
        args.extend(names.into_iter().map(String::from));
        commands.push(args);
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

/// What a reader thread of kubectl's output sends back.
enum Output {
    Stdout(std::io::Result<Vec<u8>>),
    Stderr(Vec<u8>),
}

/// Runs `kubectl ARGS` and reads what it prints.
fn run(args: &[String], timeout: Option<Duration>) -> Result<Vec<input::Object>> {
    let shown = format!("kubectl {}", args.join(" "));
    let mut command = Command::new("kubectl");
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            bail!("kubectl not found on PATH (needed by --kubectl)")
        }
        Err(err) => bail!("running {shown}: {err}"),
    };
    let (send, receive) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        let send = send.clone();
        std::thread::spawn(move || {
            let _ = send.send(Output::Stdout(fsutil::read(stdout, fsutil::INPUT_LIMIT)));
        });
    }
    if let Some(stderr) = child.stderr.take() {
        std::thread::spawn(move || {
            let _ = send.send(Output::Stderr(tail(stderr, STDERR_TAIL)));
        });
    }
    let deadline = timeout.filter(|t| !t.is_zero()).map(|t| Instant::now() + t);
    let (mut stdout, mut stderr, mut status) = (None, None, None);
    loop {
        if status.is_none() {
            status = child
                .try_wait()
                .map_err(|e| anyhow!("running {shown}: {e}"))?;
        }
        if let (Some(status), Some(_), Some(_)) = (status, &stdout, &stderr) {
            return finish(&shown, status, stdout, stderr);
        }
        let wait = match deadline {
            Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                Some(left) => left.min(Duration::from_millis(20)),
                None => {
                    stop(&mut child);
                    bail!(
                        "{shown} did not finish within {} (--kubectl-timeout); it was stopped, with the processes it started",
                        show_duration(timeout.unwrap_or_default())
                    );
                }
            },
            None => Duration::from_millis(20),
        };
        match receive.recv_timeout(wait) {
            Ok(Output::Stdout(Err(err))) if err.kind() == std::io::ErrorKind::FileTooLarge => {
                stop(&mut child);
                bail!(
                    "{shown} printed more than {} on its standard output; it was stopped",
                    fsutil::Size(fsutil::INPUT_LIMIT)
                );
            }
            Ok(Output::Stdout(out)) => stdout = Some(out),
            Ok(Output::Stderr(err)) => stderr = Some(err),
            Err(_) => {}
        }
    }
}

/// kubectl's result: the objects it printed, or its error in one line.
fn finish(
    shown: &str,
    status: std::process::ExitStatus,
    stdout: Option<std::io::Result<Vec<u8>>>,
    stderr: Option<Vec<u8>>,
) -> Result<Vec<input::Object>> {
    if !status.success() {
        let stderr = message(&String::from_utf8_lossy(&stderr.unwrap_or_default()));
        if stderr.is_empty() {
            bail!("{shown} failed ({status})");
        }
        bail!("{shown} failed: {stderr}");
    }
    let stdout = stdout
        .unwrap_or_else(|| Ok(Vec::new()))
        .map_err(|e| anyhow!("reading what {shown} printed: {e}"))?;
    let Ok(stdout) = String::from_utf8(stdout) else {
        bail!("{shown} printed something that is not UTF-8");
    };
    input::parse(&format!("{shown}: output"), &stdout)
}

/// Kills kubectl and everything in its process group (credential plugins
/// included), and reaps it.
fn stop(child: &mut Child) {
    #[cfg(unix)]
    {
        // kubectl leads its own group (process_group(0)): -pid is the group.
        if let Ok(pid) = i32::try_from(child.id()) {
            // SAFETY: kill(2) with a negative pid signals that process
            // group; it touches no memory of this process.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The last `keep` bytes of what `reader` gives, read to its end.
fn tail(mut reader: impl Read, keep: usize) -> Vec<u8> {
    let mut kept: Vec<u8> = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) | Err(_) => return kept,
            Ok(n) => {
                kept.extend_from_slice(&buffer[..n]);
                if kept.len() > 2 * keep {
                    kept.drain(..kept.len() - keep);
                }
            }
        }
    }
}

/// kubectl's last meaningful line: not the client library's log lines
/// (`E1123 01:22:13.794069   25394 memcache.go:265] ...`, repeated for every
/// retry) unless it printed nothing else, without its `error: `, control
/// characters escaped, cut at [`MAX_MESSAGE`] characters.
fn message(stderr: &str) -> String {
    let is_log = |line: &str| {
        let b = line.as_bytes();
        b.len() > 22
            && matches!(b[0], b'I' | b'W' | b'E' | b'F')
            && b[1..5].iter().all(u8::is_ascii_digit)
            && b[5] == b' '
            && line.contains("] ")
    };
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let Some(line) = lines.iter().rev().find(|l| !is_log(l)).or(lines.last()) else {
        return String::new();
    };
    let line = line.strip_prefix("error: ").unwrap_or(line);
    let mut out = String::new();
    for (n, c) in line.chars().enumerate() {
        if n == MAX_MESSAGE {
            out.push_str("...");
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads a `--kubectl-timeout` as Go's `time.ParseDuration` does (`30s`,
/// `1m30s`, `1.5h`, `500ms`; units `ns`, `us`, `µs`, `ms`, `s`, `m`, `h`);
/// `0` means no limit.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let invalid = || {
        format!("invalid duration {text:?}: expected a number and a unit, like 30s, 2m or 1m30s")
    };
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut seconds = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .ok_or_else(invalid)?;
        let number: f64 = match &rest[..number_len] {
            "" | "." => return Err(invalid()),
            n => n.parse().map_err(|_| invalid())?,
        };
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(invalid()),
        };
        rest = &rest[unit_len..];
        seconds += number * scale;
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| invalid())
}

/// A duration as `--kubectl-timeout` takes it (`30s`, `1.5s`).
fn show_duration(duration: Duration) -> String {
    format!("{}s", duration.as_secs_f64())
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
    fn kubectl_message_is_its_last_meaningful_line_cut() {
        let forbidden = "Error from server (Forbidden): secrets \"a\" is forbidden\n\
            error: one\nerror: two\n\n";
        assert_eq!(message(forbidden), "two");
        let flood = "x\n".repeat(100_000) + &"y".repeat(2_000_000) + "\n";
        let cut = message(&flood);
        assert_eq!(cut, format!("{}...", "y".repeat(MAX_MESSAGE)));
        assert_eq!(
            message("\u{1b}[31mred\u{1b}[0m\n"),
            "\\u{1b}[31mred\\u{1b}[0m"
        );
    }

    #[test]
    fn timeouts_read_as_go_durations() {
        let ok = |t: &str| parse_timeout(t).unwrap();
        assert_eq!(ok("30s"), Duration::from_secs(30));
        assert_eq!(ok("1m30s"), Duration::from_secs(90));
        assert_eq!(ok("1.5h"), Duration::from_secs(5400));
        assert_eq!(ok("250ms"), Duration::from_millis(250));
        assert_eq!(ok("0"), Duration::ZERO);
        for bad in ["", "30", "s", "-1s", "1x", "1.2.3s", "."] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_that_are_not_kubernetes_names_never_reach_kubectl() {
        for (namespace, name) in [
            ("cloud", "--kubeconfig=evil-credentials"),
            ("cloud", "--server=https://evil.example-credentials"),
            ("cloud", "-o=yaml"),
            ("cloud", "a b"),
            ("cloud", "UPPER"),
            ("--all-namespaces", "one-credentials"),
            ("-nkube-system", "one-credentials"),
        ] {
            assert!(
                check(&query("v1", "Secret", namespace, name)).is_err(),
                "{name}"
            );
        }
        assert!(check(&query(
            "v1",
            "Secret",
            "cloud",
            "one-opennebula-credentials"
        ))
        .is_ok());
        assert!(check(&query("v1", "--Secret", "cloud", "a")).is_err());
        assert!(check(&query("v1 --x", "Secret", "cloud", "a")).is_err());
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
                "get -o json --namespace=cloud --context=prod -- configmap",
                "get -o json --all-namespaces --context=prod -- namespace",
                "get -o json --ignore-not-found --namespace=cloud --context=prod -- secret one-credentials one-mariadb",
                "get -o json --ignore-not-found --namespace=other --context=prod -- secret x",
                "get -o json --ignore-not-found --namespace=cloud --context=prod -- statefulset.v1.apps one",
            ]
        );
        assert!(commands(&[], None).is_empty());
    }
}
