//! onechart run as an Argo CD plugin runs it, on input that is hostile or
//! careless, through the built binary: no value becomes a kubectl flag, no
//! kubectl hangs or floods onechart, no secret shows in any message, every
//! input is read with a limit, and the output discipline holds (one line on
//! stderr, a non-zero exit, nothing on stdout). kubectl here is a shell
//! script on PATH that records its arguments or misbehaves on purpose.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{onechart, run, stdout_of};

/// A password no message may contain.
const MARKER: &str = "Hunter2Marker";

/// A directory with a fake `kubectl` (a shell script) and whatever it writes.
struct FakeKubectl {
    dir: tempfile::TempDir,
}

impl FakeKubectl {
    /// `kubectl` runs `script` (sh, PATH=/usr/bin:/bin, `$DIR` the directory).
    fn new(script: &str) -> FakeKubectl {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kubectl");
        let text = format!(
            "#!/bin/sh\nPATH=/usr/bin:/bin\nDIR='{}'\n{script}\n",
            dir.path().display()
        );
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        FakeKubectl { dir }
    }

    /// A kubectl that writes its arguments, one per line, to `$DIR/args`
    /// (appending a `===` line per run) and finds nothing.
    fn recording() -> FakeKubectl {
        FakeKubectl::new(
            r#"for a in "$@"; do printf '%s\n' "$a" >> "$DIR/args"; done; echo === >> "$DIR/args""#,
        )
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The arguments of every run so far.
    fn runs(&self) -> Vec<Vec<String>> {
        let Ok(text) = std::fs::read_to_string(self.path("args")) else {
            return Vec::new();
        };
        text.split("===\n")
            .filter(|run| !run.is_empty())
            .map(|run| run.lines().map(String::from).collect())
            .collect()
    }

    /// `onechart render ARGS --kubectl` with this kubectl alone on PATH.
    fn render(&self, args: &[&str]) -> Output {
        let mut cmd = onechart();
        cmd.arg("render").args(args).arg("--kubectl");
        cmd.env("PATH", self.dir.path());
        run(&mut cmd)
    }
}

/// The single line a failed command printed on stderr (nothing on stdout,
/// exit code 1).
#[track_caller]
fn one_error_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "exit code; stderr: {stderr}");
    assert!(out.stdout.is_empty(), "stdout on failure");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr.trim_end().to_string()
}

#[test]
fn values_never_become_kubectl_flags() {
    for set in [
        "fullnameOverride=--kubeconfig=evil",
        "fullnameOverride=--server=https://evil.example.com",
        "nameOverride=x --token=y",
        "fullnameOverride=-o=go-template={{.data}}",
        "fullnameOverride=Cloud",
    ] {
        let kubectl = FakeKubectl::recording();
        let out = kubectl.render(&["one", "-n", "cloud", "--set", set]);
        let err = one_error_line(&out);
        assert!(
            err.starts_with("error: --kubectl: opennebula/templates/")
                && err.contains(": metadata.name is not a valid DNS-1")
                && err.ends_with("; nothing was looked up"),
            "{set}: {err}"
        );
        assert!(kubectl.runs().is_empty(), "{set}: kubectl ran");
    }
    let kubectl = FakeKubectl::recording();
    let err = one_error_line(&kubectl.render(&["one", "--namespace=--all-namespaces"]));
    assert!(err.contains("is not a valid Kubernetes namespace"), "{err}");
    assert!(kubectl.runs().is_empty());
}

#[test]
fn kubectl_options_end_with_a_double_dash() {
    let kubectl = FakeKubectl::recording();
    let out = kubectl.render(&["one", "-n", "cloud", "--kube-context", "prod"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        kubectl.runs(),
        [[
            "get",
            "-o",
            "json",
            "--ignore-not-found",
            "--namespace=cloud",
            "--context=prod",
            "--",
            "secret",
            "one-opennebula-credentials",
            "one-opennebula-mariadb"
        ]]
    );
    // A context that looks like a flag stays the value of --context.
    let kubectl = FakeKubectl::recording();
    let out = kubectl.render(&["one", "--kube-context=--kubeconfig=x"]);
    assert!(out.status.success());
    assert!(kubectl.runs()[0].contains(&"--context=--kubeconfig=x".to_string()));
}

#[test]
fn an_empty_namespace_is_default_as_in_helm() {
    let fixed = "opennebula.adminPassword=a,mariadb.auth.password=b,mariadb.auth.rootPassword=c";
    let render = |ns: &str| stdout_of(onechart().args(["render", "one", "-n", ns, "--set", fixed]));
    let out = render("");
    assert_eq!(out, render("default"));
    assert!(out.contains("one-opennebula-0.one-opennebula-headless.default.svc.cluster.local"));
    // With --kubectl, the Secrets are looked up in `default`.
    let kubectl = FakeKubectl::recording();
    let out = kubectl.render(&["one", "-n", ""]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(kubectl.runs()[0].contains(&"--namespace=default".to_string()));
}

#[test]
fn empty_versions_are_unset_as_in_helm() {
    let fixed = "opennebula.adminPassword=a,mariadb.auth.password=b,mariadb.auth.rootPassword=c";
    let with = stdout_of(onechart().args(["render", "--kube-version", "", "--set", fixed]));
    let without = stdout_of(onechart().args(["render", "--set", fixed]));
    assert_eq!(with, without);
    let tmp = tempfile::tempdir().unwrap();
    let out = stdout_of(
        onechart()
            .args(["package", "--version", "", "--app-version", "", "-d"])
            .arg(tmp.path()),
    );
    assert!(out.ends_with("opennebula-0.1.0.tgz\n"), "{out}");
}

#[test]
fn a_hanging_kubectl_is_stopped_with_the_processes_it_started() {
    // kubectl starts a credential plugin that never ends, and waits for it.
    let kubectl = FakeKubectl::new(r#"sleep 1000 & echo $! > "$DIR/plugin.pid"; wait"#);
    let started = Instant::now();
    let out = kubectl.render(&["--kubectl-timeout", "1s"]);
    let took = started.elapsed();
    let err = one_error_line(&out);
    assert!(
        err.starts_with("error: kubectl get ")
            && err.ends_with(
                "did not finish within 1s (--kubectl-timeout); it was stopped, with the processes it started"
            ),
        "{err}"
    );
    assert!(took < Duration::from_secs(30), "took {took:?}");
    let pid = std::fs::read_to_string(kubectl.path("plugin.pid")).unwrap();
    let stat = Path::new("/proc").join(pid.trim()).join("stat");
    // Killed: gone, or a zombie its new parent has not reaped yet.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match std::fs::read_to_string(&stat) {
            Err(_) => break,
            Ok(s)
                if s.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z') =>
            {
                break
            }
            Ok(s) => assert!(Instant::now() < deadline, "the plugin still runs: {s}"),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn kubectl_timeout_is_a_duration() {
    let out = run(onechart().args(["render", "--kubectl", "--kubectl-timeout", "soon"]));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid duration \"soon\""), "{stderr}");
}

#[test]
fn a_flooding_kubectl_gives_one_short_line() {
    let kubectl = FakeKubectl::new(
        r#"i=0; while [ $i -lt 20000 ]; do echo "E1123 01:22:13.794069   25394 memcache.go:265] retry $i" >&2; i=$((i+1)); done
echo "Error from server (Forbidden): secrets is forbidden: $(head -c 3000 /dev/zero | tr '\0' x)" >&2; exit 1"#,
    );
    let err = one_error_line(&kubectl.render(&[]));
    assert!(err.len() < 1000, "{} bytes: {err}", err.len());
    assert!(
        err.contains(" failed: Error from server (Forbidden): secrets is forbidden: xxx")
            && err.ends_with("x..."),
        "{err}"
    );
}

#[test]
fn kubectl_output_is_read_with_a_limit() {
    let kubectl = FakeKubectl::new("head -c 40000000 /dev/zero");
    let err = one_error_line(&kubectl.render(&[]));
    assert!(
        err.ends_with("printed more than 32 MiB on its standard output; it was stopped"),
        "{err}"
    );
}

/// Every path from a value to a message, with a marker password: the
/// password set where it belongs and mistyped, misplaced, in a broken
/// `--set`, a broken values file, a lookup file; `render` and `lint`.
#[test]
fn no_message_shows_a_password() {
    let tmp = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let m = MARKER;
    let cases: Vec<Vec<String>> = vec![
        vec!["--set".into(), format!("opennebula.adminPassword={m},{m}")],
        vec!["--set".into(), format!("opennebula.adminPassword={m},x.y")],
        vec!["--set".into(), format!("mariadb.auth.password={m},,")],
        vec!["--set".into(), m.into()],
        vec!["--set".into(), format!("{m}[{m}]=1")],
        vec!["--set".into(), format!("a[0]{m}=1")],
        vec!["--set-string".into(), format!("mariadb.auth={m}")],
        vec!["--set".into(), format!("opennebula={m}")],
        vec!["--set".into(), format!("persistence.enabled={m}")],
        vec!["--set".into(), format!("externalDatabase.port={m}")],
        vec!["--set".into(), format!("image.pullPolicy={m}")],
        vec!["--set".into(), format!("mariadb.auth.rootPassword[0]={m}")],
        vec![
            "--set".into(),
            "mariadb.auth.rootPassword=98765432101".into(),
        ],
        vec![
            "--set".into(),
            format!("mariadb.enabled=false,externalDatabase.password={m}"),
        ],
        vec![
            "-f".into(),
            file(
                "tag.yaml",
                &format!("opennebula:\n  adminPassword: !!int {m}\n"),
            ),
        ],
        vec![
            "-f".into(),
            file(
                "float.yaml",
                &format!("mariadb:\n  auth:\n    password: !!float {m}\n"),
            ),
        ],
        vec![
            "-f".into(),
            file(
                "binary.yaml",
                &format!("opennebula:\n  adminPassword: !!binary {m}%\n"),
            ),
        ],
        vec![
            "-f".into(),
            file(
                "bad.yaml",
                &format!("opennebula:\n  adminPassword: \"{m}\n"),
            ),
        ],
        vec![
            "-f".into(),
            file("tab.yaml", &format!("opennebula:\n\tadminPassword: {m}\n")),
        ],
        vec!["-f".into(), file("list.yaml", &format!("- {m}\n"))],
        vec![
            "-f".into(),
            file("key.yaml", &format!("opennebula:\n  ? [{m}]\n  : x\n")),
        ],
        vec![
            "--lookup-file".into(),
            file(
                "secret.json",
                &format!(
                    r#"{{"apiVersion": "v1", "kind": "Secret", "metadata": {{"name": "s", "namespace": "n"}}, "data": {{"pw": "{m}!"}}}}"#
                ),
            ),
        ],
        vec![
            "--lookup-file".into(),
            file(
                "labels.json",
                &format!(
                    r#"{{"apiVersion": "v1", "kind": "Secret", "metadata": {{"name": "s", "namespace": "n", "labels": {{"a": ["{m}"]}}, "annotations": {{"b": 7}}}}}}"#
                ),
            ),
        ],
        vec![
            "--lookup-file".into(),
            file(
                "name.json",
                &format!(
                    r#"{{"apiVersion": "v1", "kind": "Secret", "metadata": {{"name": ["{m}"], "namespace": "n"}}}}"#
                ),
            ),
        ],
        vec![
            "--lookup-file".into(),
            file(
                "broken.json",
                &format!(r#"{{"apiVersion": "v1", "kind": "Secret", "data": {{"pw": "{m}"#),
            ),
        ],
    ];
    for case in cases {
        for command in ["render", "lint"] {
            let out = run(onechart().arg(command).args(&case));
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!out.status.success(), "{command} {case:?} succeeded");
            assert!(
                !all.contains(MARKER) && !all.contains("Hunter2") && !all.contains("98765432101"),
                "{command} {case:?}: {all}"
            );
            assert_eq!(
                String::from_utf8_lossy(&out.stderr).lines().count(),
                1,
                "{command} {case:?}: {all}"
            );
        }
    }
}

/// A key of 1 MB: answered at once (the edit-distance search took 4 s),
/// in a line of a few hundred bytes (it was 1 MB).
#[test]
fn a_huge_unknown_key_gives_a_short_error() {
    let key = "k".repeat(1 << 20);
    let path = std::env::temp_dir().join(format!("onechart-huge-key-{}.yaml", std::process::id()));
    // An explicit key: YAML's implicit keys stop at 1024 characters.
    std::fs::write(&path, format!("? {key}\n: 1\n")).unwrap();
    let err = one_error_line(&run(onechart().args(["render", "-f"]).arg(&path)));
    std::fs::remove_file(&path).unwrap();
    assert!(err.len() < 1000, "{} bytes", err.len());
    assert!(
        err.starts_with(&format!(
            "error: invalid values at `{}...(1048576 characters)`: unknown key; the keys at the top are ",
            "k".repeat(64)
        )),
        "{err}"
    );
}

/// A 1 MB name (any string of the values can become one) is cut in lint's
/// finding, which stays one short line.
#[test]
fn a_huge_name_gives_a_short_finding() {
    let path = std::env::temp_dir().join(format!("onechart-huge-name-{}.yaml", std::process::id()));
    std::fs::write(
        &path,
        format!("serviceAccount:\n  name: {}\n", "n".repeat(1 << 20)),
    )
    .unwrap();
    let out = run(onechart().args(["lint", "-f"]).arg(&path));
    std::fs::remove_file(&path).unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout.lines().count(),
        1,
        "{}",
        &stdout[..stdout.len().min(300)]
    );
    assert!(stdout.len() < 1000, "{} bytes", stdout.len());
    assert!(
        stdout.starts_with(&format!(
            "opennebula/templates/serviceaccount.yaml: ServiceAccount \"{}...(1048576 characters)\": metadata.name is not a valid DNS-1123 subdomain: must be no more than 253 characters",
            "n".repeat(64)
        )),
        "{}",
        &stdout[..stdout.len().min(300)]
    );
}

/// Every input file is read up to 32 MiB: `-f /dev/zero` grew by 1 GB/s.
#[test]
fn input_files_are_read_with_a_limit() {
    let big = std::env::temp_dir().join(format!("onechart-big-{}.yaml", std::process::id()));
    // A valid values file (comments) one byte over the limit.
    let mut text = "#".repeat(32 * 1024 * 1024);
    text.push('\n');
    std::fs::write(&big, &text).unwrap();
    let big_arg = big.display().to_string();
    for (args, expected) in [
        (
            vec!["render", "-f", &big_arg],
            format!("error: reading values file {big_arg}: larger than the limit of 32 MiB"),
        ),
        (
            vec!["render", "--lookup-file", &big_arg],
            format!("error: reading lookup file {big_arg}: larger than the limit of 32 MiB"),
        ),
        (
            vec!["render", "-f", "/dev/zero"],
            "error: reading values file /dev/zero: larger than the limit of 32 MiB".into(),
        ),
    ] {
        assert_eq!(one_error_line(&run(onechart().args(&args))), expected);
    }
    // Standard input too.
    let mut child = onechart()
        .args(["render", "-f", "-"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        one_error_line(&out),
        "error: reading values from standard input: larger than the limit of 32 MiB"
    );
    // index.yaml and --merge.
    let repo = tempfile::tempdir().unwrap();
    std::fs::copy(&big, repo.path().join("index.yaml")).unwrap();
    let out = run(onechart().arg("index").arg(repo.path()));
    let err = one_error_line(&out);
    assert!(
        err.contains("index.yaml: larger than the limit of 32 MiB"),
        "{err}"
    );
    let empty = tempfile::tempdir().unwrap();
    let out = run(onechart()
        .arg("index")
        .arg(empty.path())
        .arg("--merge")
        .arg(&big));
    assert_eq!(
        one_error_line(&out),
        format!("error: reading {big_arg}: larger than the limit of 32 MiB")
    );
    std::fs::remove_file(&big).unwrap();
}

/// `onechart package > /dev/full`: the archive is written, then printing
/// its path fails: an error and exit code 1, not a panic (exit 101).
#[test]
fn a_failed_write_to_stdout_is_an_error_not_a_panic() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    for args in [
        vec!["package", "-d", tmp.path().to_str().unwrap()],
        vec!["render"],
        vec!["schema"],
        vec!["show", "values"],
        vec!["lint"],
    ] {
        let out = onechart()
            .args(&args)
            .stdout(full())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(
            stderr, "error: writing to standard output: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}

/// Usage errors are clap's: exit code 2, the error, the usage and a hint on
/// stderr, nothing on stdout (the README says so).
#[test]
fn usage_errors_are_claps() {
    for args in [
        vec!["render", "--no-such-flag"],
        vec!["render", "--kube-context", "x"],
        vec!["no-such-command"],
        vec!["index"],
    ] {
        let out = run(Command::new(env!("CARGO_BIN_EXE_onechart")).args(&args));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains("Usage: onechart"), "{args:?}: {stderr}");
    }
}

/// Keys yaml.v2 cannot order (its comparison is not transitive) in a
/// free-form map of the values: the standard sort panicked (exit 101) on
/// these 21, found by fuzzing index.yaml; Helm orders them by Go's random
/// map iteration, onechart in one fixed order.
#[test]
fn keys_without_a_consistent_order_render() {
    let keys = [
        ".\n1+1", ".q", "\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}13.\n151",
        ".\u{b} 1+1", ".1/", ".1r", "4.120131512\u{fffd}\u{7f}\u{fffd}\u{7f}Z\"\u{fffd}\u{fffd}\u{fffd}3.\n151",
        ".5\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}",
        ".1\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{7f}Z\"\u{fffd}\u{fffd}\u{fffd}3.\n151",
        ".\n1151", ". url 151", ".12433<\u{fffd}\u{fffd}/51", "/1\u{fffd}",
        "\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}51251\n1151",
        "433<\u{fffd}\u{fffd}/51", "\u{fffd}\u{fffd}\u{fffd}\u{321}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}13.\n152",
        ".\n\u{fffd}51", ".1\u{fffd}", "\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}b\u{fffd}\u{fffd}02502",
        ". u2l 151", "\u{fffd}\u{fffd}\u{fffd}",
    ];
    let mut text = String::from("affinity:\n");
    for key in keys {
        text.push_str(&format!("  {}: 1\n", serde_json::to_string(key).unwrap()));
    }
    let path = std::env::temp_dir().join(format!("onechart-keys-{}.yaml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    let render = || {
        let fixed =
            "opennebula.adminPassword=a,mariadb.auth.password=b,mariadb.auth.rootPassword=c";
        let args = [
            "render",
            "--set",
            fixed,
            "-s",
            "templates/statefulset.yaml",
            "-f",
        ];
        stdout_of(onechart().args(args).arg(&path))
    };
    let (first, second) = (render(), render());
    std::fs::remove_file(&path).unwrap();
    assert_eq!(first, second);
    assert!(first.contains("        .1r: 1\n"), "{first}");
}
