//! Conformance: for every example in values/ and every case in tests/cases/,
//! `onechart render` prints byte for byte what `helm template` prints (helm
//! v3 and v4), and every document it prints passes
//! `kubernetes-validate --strict -k 1.30.0`.
//!
//! A case is a YAML file: `release` (optional), `args` (the flags given to
//! both tools, paths relative to the repository) and, for a case that must
//! fail, `error` (the message both tools print). Cases where the chart
//! generates passwords are detected by rendering twice; they are compared
//! with Secret data and the `checksum/secret` annotation masked.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use onechart::yaml::{load, Value};
use support::{root, run, tool};

struct Case {
    name: String,
    release: Option<String>,
    args: Vec<String>,
    error: Option<String>,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for entry in sorted_files(&root().join("values")) {
        let rel = entry
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        cases.push(Case {
            name: rel.clone(),
            release: Some("onecloud".into()),
            args: vec!["-f".into(), rel],
            error: None,
        });
    }
    for entry in sorted_files(&root().join("tests/cases")) {
        let text = std::fs::read_to_string(&entry).unwrap();
        let map = load::load_values(&text).unwrap_or_else(|e| panic!("{}: {e}", entry.display()));
        let string = |key: &str| match map.get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            None => None,
            Some(other) => panic!("{}: {key} must be a string, not {other:?}", entry.display()),
        };
        let args = match map.get("args") {
            Some(Value::Seq(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => panic!("{}: args must be strings, not {other:?}", entry.display()),
                })
                .collect(),
            _ => panic!("{}: args missing", entry.display()),
        };
        cases.push(Case {
            name: entry
                .strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .into_owned(),
            release: string("release"),
            args,
            error: string("error"),
        });
    }
    cases
}

fn sorted_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn onechart_cmd(case: &Case) -> Command {
    let mut cmd = support::onechart();
    cmd.arg("render");
    cmd.args(&case.release);
    cmd.args(&case.args);
    cmd
}

fn helm_cmd(helm: &Path, case: &Case) -> Command {
    let mut cmd = Command::new(helm);
    cmd.current_dir(root()).arg("template");
    cmd.args(&case.release);
    cmd.arg("chart").args(&case.args);
    // Keep helm away from any user configuration.
    let home = std::env::temp_dir().join("onechart-conformance-helm");
    cmd.env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env("KUBECONFIG", home.join("no-kubeconfig"));
    cmd
}

/// Replaces generated secret material by a marker: the values under `data:`
/// of Secrets and the `checksum/secret` annotation.
fn mask(output: &str) -> String {
    let mut out = String::new();
    for doc in output.split("\n---\n") {
        let is_secret = doc.lines().any(|l| l == "kind: Secret");
        let mut in_data = false;
        for line in doc.lines() {
            if is_secret && line == "data:" {
                in_data = true;
            } else if !line.starts_with("  ") {
                in_data = false;
            }
            let trimmed = line.trim_start();
            if in_data && line.starts_with("  ") && line.contains(": ") {
                let (key, _) = line.split_once(": ").unwrap();
                out.push_str(&format!("{key}: <masked>\n"));
            } else if trimmed.starts_with("checksum/secret: ") {
                let indent = &line[..line.len() - trimmed.len()];
                out.push_str(&format!("{indent}checksum/secret: <masked>\n"));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push_str("---\n");
    }
    out
}

fn first_difference(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}:\n  onechart: {x}\n  helm:     {y}", i + 1);
        }
    }
    format!(
        "one output is a prefix of the other ({} vs {} lines, {} vs {} bytes)",
        a.lines().count(),
        b.lines().count(),
        a.len(),
        b.len()
    )
}

#[test]
fn every_case_matches_helm_and_validates() {
    let helms: Vec<(&str, PathBuf)> = ["helm3", "helm4"]
        .into_iter()
        .filter_map(|name| tool(name).map(|p| (name, p)))
        .collect();
    let validator = tool("kubernetes-validate");
    let cases = cases();
    assert!(cases.len() >= 15, "only {} cases", cases.len());
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut validated = 0;
    for case in &cases {
        let first = run(&mut onechart_cmd(case));
        if let Some(message) = &case.error {
            let stderr = String::from_utf8_lossy(&first.stderr);
            if first.status.success()
                || !first.stdout.is_empty()
                || !stderr.contains(message.as_str())
            {
                failures.push(format!(
                    "{}: onechart should fail with {message:?}, got {stderr:?}",
                    case.name
                ));
            }
            for (name, helm) in &helms {
                let out = run(&mut helm_cmd(helm, case));
                let stderr = String::from_utf8_lossy(&out.stderr);
                if out.status.success() || !stderr.contains(message.as_str()) {
                    failures.push(format!(
                        "{}: {name} should fail with {message:?}, got {stderr:?}",
                        case.name
                    ));
                }
            }
            compared += helms.len();
            continue;
        }
        if !first.status.success() {
            failures.push(format!(
                "{}: onechart failed: {}",
                case.name,
                String::from_utf8_lossy(&first.stderr)
            ));
            continue;
        }
        let ours = String::from_utf8(first.stdout).unwrap();
        let second = String::from_utf8(run(&mut onechart_cmd(case)).stdout).unwrap();
        let generated = ours != second;
        if generated && mask(&ours) != mask(&second) {
            failures.push(format!(
                "{}: two renders differ beyond generated secrets: {}",
                case.name,
                first_difference(&mask(&ours), &mask(&second))
            ));
        }
        for (name, helm) in &helms {
            let out = run(&mut helm_cmd(helm, case));
            if !out.status.success() {
                failures.push(format!(
                    "{}: {name} failed: {}",
                    case.name,
                    String::from_utf8_lossy(&out.stderr)
                ));
                continue;
            }
            let theirs = String::from_utf8(out.stdout).unwrap();
            let (a, b) = if generated {
                (mask(&ours), mask(&theirs))
            } else {
                (ours.clone(), theirs)
            };
            if a != b {
                failures.push(format!(
                    "{}: differs from {name}: {}",
                    case.name,
                    first_difference(&a, &b)
                ));
            } else {
                compared += 1;
            }
        }
        if let Some(validator) = &validator {
            let file = std::env::temp_dir().join(format!(
                "onechart-conformance-{}-{}.yaml",
                std::process::id(),
                case.name.replace('/', "_")
            ));
            std::fs::write(&file, &ours).unwrap();
            let out = run(Command::new(validator)
                .args(["--strict", "-k", "1.30.0"])
                .arg(&file));
            let _ = std::fs::remove_file(&file);
            if out.status.success() {
                validated += 1;
            } else {
                failures.push(format!(
                    "{}: kubernetes-validate failed:\n{}{}",
                    case.name,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
    }
    eprintln!(
        "conformance: {} cases, {compared} helm comparisons identical, {validated} outputs validated",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn masking_only_hides_generated_secret_material() {
    let text = "---\n# Source: x\nkind: Secret\ndata:\n  a: \"xyz\"\nstringData: {}\n---\n# Source: y\nkind: ConfigMap\ndata:\n  a: \"xyz\"\n        checksum/secret: abc\n";
    let masked = mask(text);
    assert!(masked.contains("kind: Secret\ndata:\n  a: <masked>\nstringData: {}"));
    assert!(masked.contains("kind: ConfigMap\ndata:\n  a: \"xyz\""));
    assert!(masked.contains("        checksum/secret: <masked>"));
}
