//! Conformance: for every example in values/ and every case in tests/cases/,
//! `onechart render` prints byte for byte what `helm template` prints.
//!
//! What real Helm prints for each case is committed under `tests/golden/`
//! (`values/X.yaml` -> `tests/golden/values/X.yaml`, `tests/cases/X.yaml` ->
//! `tests/golden/cases/X.yaml`, or `tests/golden/cases/X.err` with Helm's
//! standard error for a case that must fail). Two tiers use them:
//! - `onechart_prints_the_goldens` (plain `cargo test`, no tool): onechart's
//!   output equals the golden byte for byte; for a failing case onechart
//!   prints `error: MESSAGE` where Helm printed `Error: [execution error at
//!   (FILE): ]MESSAGE`, and MESSAGE is the case's `error`;
//! - `helm_prints_the_goldens` (needs helm3, helm4, kubernetes-validate):
//!   helm3 and helm4 print exactly the goldens, so a stale golden fails, and
//!   every golden passes `kubernetes-validate --strict -k 1.30.0`.
//!
//! Regenerate the goldens from Helm (never done in CI, refused when `CI` is
//! set) after adding or changing a case, the chart or the examples:
//!
//! ```sh
//! ONECHART_BLESS=1 cargo test --test conformance -- --include-ignored
//! ```
//!
//! It writes helm's output for every case, removes the goldens of cases
//! that are gone, and fails when helm3 and helm4 disagree, when a case's
//! output is not reproducible, or when a case's `error` is not what Helm
//! says; then both tiers compare against the new goldens.
//!
//! A case is a YAML file: `release` (optional), `args` (the flags given to
//! both tools, paths relative to the repository) and, for a case that must
//! fail, `error` (the message). Goldens must be reproducible, so a case may
//! not let the chart generate passwords: give them, e.g. with
//! `-f tests/cases/files/fixed-passwords.yaml` first in `args`. Every
//! values/ example is rendered as release `onecloud` with
//! `-f tests/cases/files/fixed-passwords.yaml -f values/X.yaml`. The
//! generated passwords themselves are checked by
//! `generated_passwords_render_like_given_ones` and, against Helm,
//! `helm_generates_passwords_where_onechart_does`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use base64::Engine;
use onechart::yaml::{load, Value};
use support::{helm, helms, root, run, stdout_of, tool};

const FIXED_PASSWORDS: &str = "tests/cases/files/fixed-passwords.yaml";
const BLESS: &str = "ONECHART_BLESS=1 cargo test --test conformance -- --include-ignored";

struct Case {
    /// The case file, relative to the repository.
    name: String,
    release: Option<String>,
    args: Vec<String>,
    error: Option<String>,
    /// The golden output, without its extension (`.yaml` or `.err`).
    golden: PathBuf,
}

impl Case {
    fn golden_output(&self) -> PathBuf {
        self.golden_with(".yaml")
    }

    fn golden_error(&self) -> PathBuf {
        self.golden_with(".err")
    }

    fn golden_with(&self, extension: &str) -> PathBuf {
        let mut path = self.golden.clone().into_os_string();
        path.push(extension);
        path.into()
    }
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for entry in sorted_files(&root().join("values"), "yaml") {
        let name = relative(&entry);
        cases.push(Case {
            golden: root()
                .join("tests/golden/values")
                .join(entry.file_stem().unwrap()),
            release: Some("onecloud".into()),
            args: vec![
                "-f".into(),
                FIXED_PASSWORDS.into(),
                "-f".into(),
                name.clone(),
            ],
            error: None,
            name,
        });
    }
    for entry in sorted_files(&root().join("tests/cases"), "yaml") {
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
            name: relative(&entry),
            golden: root()
                .join("tests/golden/cases")
                .join(entry.file_stem().unwrap()),
            release: string("release"),
            args,
            error: string("error"),
        });
    }
    cases
}

fn sorted_files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
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

fn helm_cmd(path: &Path, home: &Path, case: &Case) -> Command {
    let mut cmd = helm(path, home);
    cmd.arg("template");
    cmd.args(&case.release);
    cmd.arg("chart").args(&case.args);
    cmd
}

/// The message of a Helm error: its first line without `Error: ` and
/// without the `execution error at (FILE:LINE:COL): ` of a template's `fail`.
fn helm_message(stderr: &str) -> &str {
    let first = stderr.lines().next().unwrap_or_default();
    let message = first.strip_prefix("Error: ").unwrap_or(first);
    match message.strip_prefix("execution error at (") {
        Some(rest) => rest.split_once("): ").map_or(message, |(_, m)| m),
        None => message,
    }
}

fn first_difference(ours: &str, ours_label: &str, theirs: &str, theirs_label: &str) -> String {
    let width = ours_label.len().max(theirs_label.len());
    for (i, (x, y)) in ours.lines().zip(theirs.lines()).enumerate() {
        if x != y {
            return format!(
                "line {}:\n  {ours_label:width$}: {x}\n  {theirs_label:width$}: {y}",
                i + 1
            );
        }
    }
    format!(
        "one is a prefix of the other ({ours_label}: {} lines, {} bytes; {theirs_label}: {} lines, {} bytes)",
        ours.lines().count(),
        ours.len(),
        theirs.lines().count(),
        theirs.len()
    )
}

fn read(path: &Path) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("reading {}: {e}", path.display()),
    }
}

/// Writes a file atomically (a temporary file in the same folder, renamed).
fn write(path: &Path, text: &str) {
    let dir = path.parent().unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let mut tmp = tempfile::NamedTempFile::new_in(dir).unwrap();
    std::io::Write::write_all(&mut tmp, text.as_bytes()).unwrap();
    tmp.persist(path).unwrap();
}

/// With `ONECHART_BLESS=1`, regenerates the goldens from helm, once per test
/// run, before any test of this file reads them.
fn goldens() -> &'static () {
    static GOLDENS: OnceLock<()> = OnceLock::new();
    GOLDENS.get_or_init(|| {
        if std::env::var("ONECHART_BLESS").is_ok_and(|v| v == "1") {
            bless();
        }
    })
}

fn bless() {
    assert!(
        std::env::var_os("CI").is_none(),
        "ONECHART_BLESS=1 is refused when CI is set: goldens are regenerated by hand and reviewed"
    );
    let helms = helms();
    let tmp = tempfile::tempdir().unwrap();
    let cases = cases();
    let mut failures = Vec::new();
    for case in &cases {
        let outputs: Vec<(&str, Output)> = helms
            .iter()
            .map(|(name, path)| (*name, run(&mut helm_cmd(path, tmp.path(), case))))
            .collect();
        let (first_name, first) = &outputs[0];
        let again = run(&mut helm_cmd(&helms[0].1, tmp.path(), case));
        if again.stdout != first.stdout || again.stderr != first.stderr {
            failures.push(format!(
                "{}: two {first_name} renders differ (the chart generates passwords?): give fixed ones, e.g. -f {FIXED_PASSWORDS}",
                case.name
            ));
            continue;
        }
        let mut agree = true;
        for (name, out) in &outputs[1..] {
            if out.status.success() != first.status.success()
                || out.stdout != first.stdout
                || out.stderr != first.stderr
            {
                failures.push(format!(
                    "{}: {first_name} and {name} disagree:\n{}",
                    case.name,
                    first_difference(&text(first), first_name, &text(out), name)
                ));
                agree = false;
            }
        }
        if !agree {
            continue;
        }
        let (write_path, remove_path, content) = if first.status.success() {
            (
                case.golden_output(),
                case.golden_error(),
                String::from_utf8(first.stdout.clone()).unwrap(),
            )
        } else {
            (
                case.golden_error(),
                case.golden_output(),
                String::from_utf8(first.stderr.clone()).unwrap(),
            )
        };
        write(&write_path, &content);
        let _ = std::fs::remove_file(&remove_path);
    }
    for stale in stale_goldens(&cases) {
        std::fs::remove_file(&stale).unwrap();
        eprintln!("bless: removed {}", relative(&stale));
    }
    eprintln!("bless: wrote the goldens of {} cases", cases.len());
    assert!(
        failures.is_empty(),
        "{} cases not blessed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn text(out: &Output) -> String {
    format!(
        "exit {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Goldens whose case is gone.
fn stale_goldens(cases: &[Case]) -> Vec<PathBuf> {
    let mut stale = Vec::new();
    for dir in ["tests/golden/values", "tests/golden/cases"] {
        let dir = root().join(dir);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let owned = cases
                .iter()
                .any(|c| path == c.golden_output() || path == c.golden_error());
            if !owned {
                stale.push(path);
            }
        }
    }
    stale.sort();
    stale
}

/// What the golden of a case says: the output, or Helm's error text.
enum Golden {
    Output(String),
    Error(String),
}

fn golden(case: &Case) -> Result<Golden, String> {
    match (read(&case.golden_output()), read(&case.golden_error())) {
        (Some(output), None) => Ok(Golden::Output(output)),
        (None, Some(error)) => Ok(Golden::Error(error)),
        (None, None) => Err(format!(
            "{}: no golden ({} or .err); generate it with\n    {BLESS}",
            case.name,
            relative(&case.golden_output())
        )),
        (Some(_), Some(_)) => Err(format!(
            "{}: both {} and its .err exist; regenerate with\n    {BLESS}",
            case.name,
            relative(&case.golden_output())
        )),
    }
}

#[test]
fn onechart_prints_the_goldens() {
    goldens();
    let cases = cases();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let mut failures: Vec<String> = stale_goldens(&cases)
        .iter()
        .map(|p| {
            format!(
                "{}: stale golden, its case is gone; remove it or run\n    {BLESS}",
                relative(p)
            )
        })
        .collect();
    for case in &cases {
        let golden = match golden(case) {
            Ok(golden) => golden,
            Err(message) => {
                failures.push(message);
                continue;
            }
        };
        let out = run(&mut onechart_cmd(case));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        match golden {
            Golden::Output(expected) => {
                if case.error.is_some() {
                    failures.push(format!(
                        "{}: the case expects an error but Helm rendered {}; fix the case or run\n    {BLESS}",
                        case.name,
                        relative(&case.golden_output())
                    ));
                } else if !out.status.success() {
                    failures.push(format!("{}: onechart failed: {stderr}", case.name));
                } else if stdout != expected {
                    let again = run(&mut onechart_cmd(case)).stdout;
                    let hint = if again != out.stdout {
                        format!("\n  (two onechart renders differ: the case lets the chart generate passwords; give fixed ones, e.g. -f {FIXED_PASSWORDS})")
                    } else {
                        String::new()
                    };
                    failures.push(format!(
                        "{}: onechart differs from {}: {}{hint}",
                        case.name,
                        relative(&case.golden_output()),
                        first_difference(&stdout, "onechart", &expected, "golden")
                    ));
                }
            }
            Golden::Error(helm_stderr) => {
                let message = helm_message(&helm_stderr);
                if case.error.as_deref() != Some(message) {
                    failures.push(format!(
                        "{}: the case's error is {:?}, Helm's ({}) is {message:?}",
                        case.name,
                        case.error,
                        relative(&case.golden_error())
                    ));
                }
                let expected = format!("error: {message}\n");
                if out.status.code() != Some(1) || !out.stdout.is_empty() || stderr != expected {
                    failures.push(format!(
                        "{}: onechart should exit 1 printing only {expected:?} on stderr; exit {:?}, {} bytes on stdout, stderr {stderr:?}",
                        case.name,
                        out.status.code(),
                        out.stdout.len()
                    ));
                }
            }
        }
    }
    eprintln!(
        "conformance: {} cases, onechart prints every golden",
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
#[ignore = "needs helm3, helm4, kubernetes-validate: run .ci/install-tools, then cargo test -- --include-ignored"]
fn helm_prints_the_goldens() {
    goldens();
    let helms = helms();
    let validator = tool("kubernetes-validate");
    let tmp = tempfile::tempdir().unwrap();
    let cases = cases();
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut outputs = Vec::new();
    for case in &cases {
        let golden = match golden(case) {
            Ok(golden) => golden,
            Err(message) => {
                failures.push(message);
                continue;
            }
        };
        for (name, path) in &helms {
            let out = run(&mut helm_cmd(path, tmp.path(), case));
            let (expected, got, file) = match &golden {
                Golden::Output(expected) if out.status.success() => {
                    (expected, &out.stdout, case.golden_output())
                }
                Golden::Error(expected) if !out.status.success() => {
                    (expected, &out.stderr, case.golden_error())
                }
                _ => {
                    failures.push(format!(
                        "{}: {name} {} where the golden says otherwise: {}; regenerate with\n    {BLESS}",
                        case.name,
                        if out.status.success() { "succeeds" } else { "fails" },
                        String::from_utf8_lossy(&out.stderr)
                    ));
                    continue;
                }
            };
            let got = String::from_utf8_lossy(got);
            if got == expected.as_str() {
                compared += 1;
            } else {
                failures.push(format!(
                    "{}: {name} no longer prints {} (stale golden? regenerate with `{BLESS}` and review the diff): {}",
                    case.name,
                    relative(&file),
                    first_difference(&got, name, expected, "golden")
                ));
            }
        }
        if matches!(golden, Golden::Output(_)) {
            outputs.push(case.golden_output());
        }
    }
    let out = run(Command::new(&validator)
        .args(["--strict", "--quiet", "-k", "1.30.0"])
        .args(&outputs));
    if !out.status.success() {
        failures.push(format!(
            "kubernetes-validate --strict -k 1.30.0 failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    eprintln!(
        "conformance: {} cases, {compared} helm outputs equal to their golden, {} goldens validated",
        cases.len(),
        outputs.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

// ---------------------------------------------------------------------------
// generated passwords: not in any golden, checked here

const PASSWORD_KEYS: [&str; 3] = [
    "oneadmin-password",
    "mariadb-password",
    "mariadb-root-password",
];

/// The passwords of the chart's Secrets in a render, decoded, in the order
/// of [`PASSWORD_KEYS`]; each must be present once.
fn passwords(output: &str) -> Vec<String> {
    PASSWORD_KEYS
        .iter()
        .map(|key| {
            let values: Vec<&str> = output
                .lines()
                .filter_map(|l| l.strip_prefix(&format!("  {key}: \"")))
                .map(|v| v.trim_end_matches('"'))
                .collect();
            assert_eq!(values.len(), 1, "{key}: {values:?}");
            let raw = base64::engine::general_purpose::STANDARD
                .decode(values[0])
                .unwrap();
            String::from_utf8(raw).unwrap()
        })
        .collect()
}

/// The same arguments with the given passwords set.
fn with_passwords(args: &[&str], passwords: &[String]) -> Vec<String> {
    let mut out: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    out.push("--set".into());
    out.push(format!(
        "opennebula.adminPassword={},mariadb.auth.password={},mariadb.auth.rootPassword={}",
        passwords[0], passwords[1], passwords[2]
    ));
    out
}

/// Equal but for the value of the `checksum/secret` annotation: a render
/// that generates passwords hashes the Secrets of a second draw, in Helm as
/// in onechart. Both values must be SHA-256 hex digests.
fn assert_equal_but_the_secret_checksum(generated: &str, given: &str, what: &str) {
    let checksum = |line: &str| {
        line.trim_start()
            .strip_prefix("checksum/secret: ")
            .map(str::to_string)
    };
    assert_eq!(
        generated.lines().count(),
        given.lines().count(),
        "{what}: {}",
        first_difference(generated, "generated", given, "given")
    );
    let mut checksums = 0;
    for (i, (a, b)) in generated.lines().zip(given.lines()).enumerate() {
        match (checksum(a), checksum(b)) {
            (Some(x), Some(y)) => {
                for sum in [x, y] {
                    assert!(
                        sum.len() == 64 && sum.bytes().all(|c| c.is_ascii_hexdigit()),
                        "{what}: line {}: {sum:?}",
                        i + 1
                    );
                }
                assert_eq!(
                    a.len() - a.trim_start().len(),
                    b.len() - b.trim_start().len(),
                    "{what}: line {}",
                    i + 1
                );
                checksums += 1;
            }
            _ => assert_eq!(a, b, "{what}: line {}", i + 1),
        }
    }
    assert!(checksums >= 1, "{what}: no checksum/secret annotation");
}

#[test]
fn generated_passwords_render_like_given_ones() {
    for args in [
        &["one"][..],
        &["cloud", "-n", "cloud", "-f", "values/production.yaml"],
    ] {
        let generated = stdout_of(support::onechart().arg("render").args(args));
        let found = passwords(&generated);
        for password in &found {
            assert!(
                password.len() == 32 && password.bytes().all(|b| b.is_ascii_alphanumeric()),
                "{args:?}: {password:?} is not 32 random alphanumerics"
            );
        }
        let again = passwords(&stdout_of(support::onechart().arg("render").args(args)));
        assert!(
            found.iter().zip(&again).all(|(a, b)| a != b),
            "{args:?}: a second render kept a generated password"
        );
        let given = stdout_of(
            support::onechart()
                .arg("render")
                .args(with_passwords(args, &found)),
        );
        assert_equal_but_the_secret_checksum(&generated, &given, &format!("{args:?}"));
    }
}

/// Helm's generated passwords, given to onechart, render what Helm printed.
#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn helm_generates_passwords_where_onechart_does() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, path) in helms() {
        for args in [
            &["one"][..],
            &["cloud", "-n", "cloud", "-f", "values/production.yaml"],
        ] {
            let theirs = stdout_of(
                helm(&path, tmp.path())
                    .arg("template")
                    .arg(args[0])
                    .arg("chart")
                    .args(&args[1..]),
            );
            let found = passwords(&theirs);
            for password in &found {
                assert!(
                    password.len() == 32 && password.bytes().all(|b| b.is_ascii_alphanumeric()),
                    "{name} {args:?}: {password:?}"
                );
            }
            let ours = stdout_of(
                support::onechart()
                    .arg("render")
                    .args(with_passwords(args, &found)),
            );
            assert_equal_but_the_secret_checksum(&theirs, &ours, &format!("{name} {args:?}"));
        }
    }
}

#[test]
fn helm_messages_are_read_as_onechart_prints_them() {
    assert_eq!(
        helm_message("Error: execution error at (opennebula/templates/statefulset.yaml:1:4): externalDatabase.host is required\n\nUse --debug flag to render out invalid YAML\n"),
        "externalDatabase.host is required"
    );
    assert_eq!(
        helm_message("Error: chart requires kubeVersion: >=1.26.0-0 which is incompatible with Kubernetes v1.24.0\n"),
        "chart requires kubeVersion: >=1.26.0-0 which is incompatible with Kubernetes v1.24.0"
    );
}
