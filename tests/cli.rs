//! `onechart render` end to end through the built binary: what it prints,
//! and how it fails on bad input (non-zero exit, one line on stderr, nothing
//! on stdout).

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use support::{onechart, run, stdout_of};

/// Runs onechart, expects a failure, returns its single stderr line.
#[track_caller]
fn fails(args: &[&str]) -> String {
    let out = run(onechart().args(args));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?} should fail with exit code 1"
    );
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr.lines().count(),
        1,
        "{args:?}: expected one line, got {stderr:?}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr.trim_end().to_string()
}

/// A file holding `text`, named `*-NAME`, removed when dropped.
fn temp_file(name: &str, text: &str) -> tempfile::TempPath {
    let mut file = tempfile::Builder::new()
        .prefix("onechart-cli-")
        .suffix(&format!("-{name}"))
        .tempfile()
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file.into_temp_path()
}

#[test]
fn renders_the_defaults_without_arguments() {
    let out = stdout_of(onechart().arg("render"));
    assert!(
        out.starts_with("---\n# Source: opennebula/templates/serviceaccount.yaml\n"),
        "{out}"
    );
    assert!(out.contains("name: release-name-opennebula\n"));
    assert!(
        !out.contains("is being deployed"),
        "NOTES.txt must not be printed"
    );
    let kinds: Vec<&str> = out.lines().filter(|l| l.starts_with("kind: ")).collect();
    assert_eq!(
        kinds,
        [
            "kind: ServiceAccount",
            "kind: Secret",
            "kind: Secret",
            "kind: ConfigMap",
            "kind: ConfigMap",
            "kind: Service",
            "kind: Service",
            "kind: Service",
            "kind: StatefulSet",
            "kind: StatefulSet",
            "kind: Pod"
        ]
    );
}

#[test]
fn reads_values_from_standard_input() {
    let mut child = onechart()
        .args([
            "render",
            "one",
            "-n",
            "cloud",
            "-f",
            "-",
            "-s",
            "templates/statefulset.yaml",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"opennebula:\n  hostname: front.example.org\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("value: \"front.example.org\""), "{text}");
}

#[test]
fn generated_passwords_change_and_given_ones_do_not() {
    let render = |args: &[&str]| stdout_of(onechart().arg("render").args(args));
    assert_ne!(render(&[]), render(&[]));
    let fixed = [
        "--set",
        "opennebula.adminPassword=a,mariadb.auth.password=b,mariadb.auth.rootPassword=c",
    ];
    assert_eq!(render(&fixed), render(&fixed));
}

#[test]
fn unreadable_values_file() {
    let err = fails(&["render", "-f", "/nonexistent/values.yaml"]);
    assert!(
        err.starts_with("error: reading values file /nonexistent/values.yaml"),
        "{err}"
    );
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let path = temp_file("bad.yaml", "image:\n  tag: \"7.2\n  pullPolicy: Always\n");
    let err = fails(&["render", "-f", path.to_str().unwrap()]);
    assert!(
        err.contains(&format!("values file {}: line ", path.display())),
        "{err}"
    );
    assert!(err.contains(", column "), "{err}");

    let path = temp_file("indent.yaml", "image:\n  tag: x\n pullPolicy: Always\n");
    let err = fails(&["render", "-f", path.to_str().unwrap()]);
    assert!(err.contains("line 3, column"), "{err}");
}

#[test]
fn unknown_key_names_its_path() {
    let err = fails(&["render", "--set", "mariadb.auth.passwrd=x"]);
    assert_eq!(
        err,
        "error: invalid values at `mariadb.auth.passwrd`: unknown key, did you mean `mariadb.auth.password`?"
    );
}

#[test]
fn wrong_type_names_its_path_and_what_was_expected() {
    let err = fails(&["render", "--set", "externalDatabase.port=abc"]);
    assert!(
        err.contains("`externalDatabase.port`")
            && err.contains("expected an integer from 0 to 65535"),
        "{err}"
    );
    let path = temp_file("type.yaml", "persistence:\n  enabled: [true]\n");
    let err = fails(&["render", "-f", path.to_str().unwrap()]);
    assert!(
        err.contains("`persistence.enabled`") && err.contains("expected a boolean"),
        "{err}"
    );
}

#[test]
fn bad_set_arguments() {
    let err = fails(&["render", "--set", "image.tag"]);
    assert!(
        err == "error: failed parsing --set data: --set #1: character 1: a key has no value: expected KEY=VALUE",
        "{err}"
    );
    let err = fails(&["render", "--set", "tolerations[x]=1"]);
    assert!(err.contains("invalid index"), "{err}");
}

/// One of each kind of bad input, with the exact message: exit code 1,
/// nothing on stdout, one line on stderr naming the key path or the file,
/// line and column.
#[test]
fn every_kind_of_bad_input_names_its_place() {
    let unclosed = temp_file("unclosed.yaml", "image: {tag: x\n");
    let deep: String = (0..300).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
    let deep = temp_file("deep.yaml", &deep);
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let bomb = temp_file("bomb.yaml", &bomb);
    let json = temp_file("broken.json", "{\"kind\": \"Secret\",\n  oops\n}\n");
    let no_ns = temp_file(
        "no-namespace.json",
        r#"{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}"#,
    );
    let path = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec!["--set".into(), "mariadb.primary.persistence.enabeld=false".into()],
            "error: invalid values at `mariadb.primary.persistence.enabeld`: unknown key, did you mean `mariadb.primary.persistence.enabled`?".into(),
        ),
        (
            vec!["--set-string".into(), "ingress.enabled=yes please".into()],
            "error: invalid values at `ingress.enabled`: expected a boolean, found a string".into(),
        ),
        (
            vec!["-f".into(), path(&unclosed)],
            format!("error: values file {}: line 2, column 1: while parsing a flow mapping, did not find expected ',' or '}}'", unclosed.display()),
        ),
        (
            vec!["-f".into(), path(&deep)],
            format!("error: values file {}: line 257, column 258: lists and maps nested deeper than 256 levels", deep.display()),
        ),
        (
            vec!["-f".into(), path(&bomb)],
            format!("error: values file {}: line 4, column 20: document contains excessive aliasing", bomb.display()),
        ),
        (
            vec!["--set".into(), "ingress.tls".into()],
            "error: failed parsing --set data: --set #1: character 1: a key has no value: expected KEY=VALUE".into(),
        ),
        (
            vec!["--set".into(), "extraEnv[one].name=A".into()],
            "error: failed parsing --set data: --set #1: error parsing index: invalid index at character 10".into(),
        ),
        (
            vec!["--lookup-file".into(), path(&json)],
            format!("error: lookup file {}: invalid JSON at line 2 column 3: key must be a string", json.display()),
        ),
        (
            vec!["--lookup-file".into(), path(&no_ns)],
            format!("error: lookup file {}: Secret s has no metadata.namespace", no_ns.display()),
        ),
    ];
    for (args, message) in cases {
        let mut all = vec!["render".to_string()];
        all.extend(args);
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        assert_eq!(fails(&all), message);
    }
}

#[test]
fn invalid_release_name_and_kube_version() {
    let err = fails(&["render", "Bad_Name"]);
    assert!(err.contains("invalid release name"), "{err}");
    let err = fails(&["render", "--kube-version", "abc"]);
    assert!(err.contains("invalid kube version 'abc'"), "{err}");
    let err = fails(&["render", "-s", "templates/nope.yaml"]);
    assert!(
        err.contains("could not find template templates/nope.yaml in chart"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_with_clap_status() {
    let out = run(Command::new(env!("CARGO_BIN_EXE_onechart")).args(["render", "--no-such-flag"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}
