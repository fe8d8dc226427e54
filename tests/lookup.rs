//! `onechart render --lookup-file` and `--kubectl` against Helm's real
//! lookup: `helm template --dry-run=server` talking to a fake API server
//! that holds the same objects must print the same manifests.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use serde_json::{json, Value};
use support::kube_api::{write_kubeconfig, KubeApi};

const RELEASE: &str = "one";
const NAMESPACE: &str = "cloud";
const CREDENTIALS: &str = "one-opennebula-credentials";
const MARIADB: &str = "one-opennebula-mariadb";

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A Secret as the cluster holds it after `helm install`: Helm's ownership
/// marks, server-set metadata, base64 data.
fn secret(name: &str, data: &[(&str, &str)]) -> Value {
    let data: serde_json::Map<String, Value> = data
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(b64(v))))
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "annotations": {
                "helm.sh/resource-policy": "keep",
                "meta.helm.sh/release-name": RELEASE,
                "meta.helm.sh/release-namespace": NAMESPACE
            },
            "creationTimestamp": "2025-01-01T00:00:00Z",
            "labels": {
                "app.kubernetes.io/instance": RELEASE,
                "app.kubernetes.io/managed-by": "Helm",
                "app.kubernetes.io/name": "opennebula",
                "app.kubernetes.io/version": "7.0.0",
                "helm.sh/chart": "opennebula-0.1.0"
            },
            "name": name,
            "namespace": NAMESPACE,
            "resourceVersion": "4242",
            "uid": "6f1c2a8e-0000-4000-8000-000000000001"
        },
        "data": data,
        "type": "Opaque"
    })
}

fn credentials() -> Value {
    secret(
        CREDENTIALS,
        &[("oneadmin-password", "Kept0neadminPassw0rdFromInstall1")],
    )
}

fn mariadb() -> Value {
    secret(
        MARIADB,
        &[
            ("mariadb-password", "KeptMariadbPasswordFromInstall22"),
            ("mariadb-root-password", "KeptMariadbRootPasswordInstall33"),
        ],
    )
}

/// What `kubectl get secret ... -o json` prints for these objects.
fn kubectl_list(objects: &[Value]) -> String {
    let list = json!({"apiVersion": "v1", "items": objects, "kind": "List",
                      "metadata": {"resourceVersion": ""}});
    serde_json::to_string_pretty(&list).unwrap()
}

/// One release to render both ways.
struct Scenario {
    name: &'static str,
    set: &'static [&'static str],
    existing: Vec<Value>,
    /// Whether every password comes from the existing objects or the values,
    /// so the outputs must match unmasked.
    deterministic: bool,
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "no existing objects",
            set: &[],
            existing: vec![],
            deterministic: false,
        },
        Scenario {
            name: "all Secrets existing",
            set: &[],
            existing: vec![credentials(), mariadb()],
            deterministic: true,
        },
        Scenario {
            name: "only the credentials Secret existing",
            set: &[],
            existing: vec![credentials()],
            deterministic: false,
        },
        Scenario {
            name: "MariaDB Secret without its root password",
            set: &["opennebula.adminPassword=given"],
            existing: vec![secret(
                MARIADB,
                &[("mariadb-password", "OnlyTheUserPasswordIsKeptHere444")],
            )],
            deterministic: false,
        },
        Scenario {
            name: "external database",
            set: &[
                "mariadb.enabled=false",
                "externalDatabase.host=db.example.com",
                "externalDatabase.password=ExternalDbPassword",
            ],
            existing: vec![credentials()],
            deterministic: true,
        },
    ]
}

/// A private directory with the lookup file and Helm's own directories.
struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Points a helm or kubectl command at `kubeconfig` with nothing of the
    /// user's own configuration.
    fn isolate(&self, cmd: &mut Command, kubeconfig: &Path) {
        support::helm_env(cmd, &self.path().join("home")).env("KUBECONFIG", kubeconfig);
    }
}

fn onechart_render(set: &[&str], extra: &[&str]) -> Command {
    let mut cmd = support::onechart();
    cmd.args(["render", RELEASE, "-n", NAMESPACE]);
    for s in set {
        cmd.args(["--set", s]);
    }
    cmd.args(extra);
    cmd
}

/// The outputs with every generated password (a value that is neither in
/// the existing objects nor given) replaced by `<generated>`, and then the
/// `checksum/secret` annotation too; the number of values replaced.
fn mask(output: &str, known: &[String]) -> (String, usize) {
    let mut generated = 0;
    let mut lines: Vec<String> = output
        .lines()
        .map(|line| {
            for key in [
                "oneadmin-password",
                "mariadb-password",
                "mariadb-root-password",
            ] {
                let Some(value) = line.strip_prefix(&format!("  {key}: \"")) else {
                    continue;
                };
                let value = value.trim_end_matches('"');
                if known.iter().any(|k| k == value) {
                    return line.to_string();
                }
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(value)
                    .unwrap();
                assert!(
                    raw.len() == 32 && raw.iter().all(u8::is_ascii_alphanumeric),
                    "{key} is neither kept nor 32 random alphanumerics"
                );
                generated += 1;
                return format!("  {key}: <generated>");
            }
            line.to_string()
        })
        .collect();
    if generated > 0 {
        for line in &mut lines {
            if let Some((indent, _)) = line.split_once("checksum/secret: ") {
                *line = format!("{indent}checksum/secret: <masked>");
            }
        }
    }
    (lines.join("\n") + "\n", generated)
}

/// The base64 values a render may keep or be given.
fn known_values(scenario: &Scenario) -> Vec<String> {
    let mut known: Vec<String> = scenario
        .existing
        .iter()
        .flat_map(|o| o["data"].as_object().unwrap().values())
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    for s in scenario.set {
        if let Some((_, value)) = s.split_once("assword=") {
            known.push(b64(value));
        }
    }
    known
}

fn helm_template(
    helm: &Path,
    work: &Workdir,
    kubeconfig: &Path,
    scenario: &Scenario,
    major: u8,
) -> String {
    let mut cmd = Command::new(helm);
    work.isolate(&mut cmd, kubeconfig);
    cmd.args(["template", RELEASE])
        .arg(support::root().join("chart"))
        .args(["-n", NAMESPACE, "--dry-run=server"]);
    if major >= 4 {
        cmd.arg("--disable-openapi-validation");
    }
    for s in scenario.set {
        cmd.args(["--set", s]);
    }
    support::stdout_of(&mut cmd)
}

/// onechart with `--lookup-file`: a scenario's existing passwords kept, the
/// others generated, the same output twice when nothing is generated.
fn render_scenario(scenario: &Scenario, work: &Workdir) -> (String, String, usize) {
    let lookup = work.write("existing.json", &kubectl_list(&scenario.existing));
    let render = || {
        support::stdout_of(&mut onechart_render(
            scenario.set,
            &["--lookup-file", lookup.to_str().unwrap()],
        ))
    };
    let ours = render();
    let (masked, generated) = mask(&ours, &known_values(scenario));
    assert_eq!(
        generated == 0,
        scenario.deterministic,
        "{}: {generated} generated passwords",
        scenario.name
    );
    if scenario.deterministic {
        assert_eq!(ours, render(), "{}: a second render differs", scenario.name);
    }
    (ours, masked, generated)
}

#[test]
fn lookup_file_keeps_existing_passwords_and_generates_the_rest() {
    for scenario in scenarios() {
        render_scenario(&scenario, &Workdir::new());
    }
}

#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn lookup_file_renders_as_helm_dry_run_server() {
    let helms: Vec<(PathBuf, u8)> = [("helm3", 3), ("helm4", 4)]
        .into_iter()
        .map(|(name, major)| (support::tool(name), major))
        .collect();
    let mut compared = 0;
    for scenario in scenarios() {
        let work = Workdir::new();
        let (ours, ours_masked, generated) = render_scenario(&scenario, &work);
        let known = known_values(&scenario);
        let server = KubeApi::start(scenario.existing.clone());
        let kubeconfig = server.kubeconfig(work.path());
        for (helm, major) in &helms {
            let theirs = helm_template(helm, &work, &kubeconfig, &scenario, *major);
            let (theirs_masked, their_generated) = mask(&theirs, &known);
            assert_eq!(
                generated, their_generated,
                "{} (helm{major})",
                scenario.name
            );
            if scenario.deterministic {
                assert_eq!(
                    ours, theirs,
                    "{} (helm{major}): outputs differ",
                    scenario.name
                );
            } else {
                assert_eq!(
                    ours_masked, theirs_masked,
                    "{} (helm{major}): outputs differ",
                    scenario.name
                );
            }
            compared += 1;
        }
        let lookups: Vec<String> = server
            .object_requests()
            .into_iter()
            .filter(|r| r.contains("/secrets/"))
            .collect();
        assert!(
            !lookups.is_empty(),
            "{}: helm never looked a Secret up",
            scenario.name
        );
    }
    eprintln!("compared {compared} helm --dry-run=server renders");
}

/// The distinct GETs of named Secrets the server answered, sorted.
fn secret_requests(server: &KubeApi) -> Vec<String> {
    let mut asked: Vec<String> = server
        .object_requests()
        .into_iter()
        .filter(|r| r.contains("/secrets/"))
        .collect();
    asked.sort();
    asked.dedup();
    asked
}

/// A `127.0.0.1` URL nothing listens on.
/// A server address where every connection is refused. Port 1 (tcpmux) is
/// privileged and never handed out as an ephemeral port, so unlike a port
/// freed after `bind(":0")` it cannot be taken over by a fake API server that
/// another test starts in parallel.
fn closed_port_url() -> String {
    let addr = "127.0.0.1:1";
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "something listens on {addr}"
    );
    format!("http://{addr}")
}

/// `onechart render --kubectl` with kubectl's configuration isolated.
fn render_with_kubectl(
    work: &Workdir,
    kubeconfig: &Path,
    set: &[&str],
    extra: &[&str],
) -> std::process::Output {
    let mut cmd = onechart_render(set, &["--kubectl"]);
    cmd.args(extra);
    work.isolate(&mut cmd, kubeconfig);
    support::run(&mut cmd)
}

#[test]
#[ignore = "needs kubectl: run .ci/install-tools, then cargo test -- --include-ignored"]
fn kubectl_fetches_exactly_the_objects_the_chart_looks_up() {
    support::tool("kubectl");
    let cases: [(&[&str], &[&str]); 3] = [
        (&[], &[CREDENTIALS, MARIADB]),
        (
            &[
                "mariadb.enabled=false",
                "externalDatabase.host=db",
                "externalDatabase.password=x",
            ],
            &[CREDENTIALS],
        ),
        (
            &[
                "opennebula.existingSecret=mine",
                "mariadb.auth.password=a",
                "mariadb.auth.rootPassword=b",
            ],
            &[],
        ),
    ];
    for (set, looked_up) in cases {
        let work = Workdir::new();
        let existing = vec![credentials(), mariadb()];
        let lookup = work.write("existing.json", &kubectl_list(&existing));
        let server = KubeApi::start(existing);
        // The current context is unreachable: --kube-context must be obeyed.
        let kubeconfig = write_kubeconfig(
            work.path(),
            &[("broken", &closed_port_url()), ("fake", &server.url())],
            "broken",
        );
        let out = render_with_kubectl(&work, &kubeconfig, set, &["--kube-context", "fake"]);
        assert!(
            out.status.success(),
            "{set:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let expected = support::stdout_of(&mut onechart_render(
            set,
            &["--lookup-file", lookup.to_str().unwrap()],
        ));
        assert_eq!(String::from_utf8(out.stdout).unwrap(), expected, "{set:?}");
        let asked = secret_requests(&server);
        let wanted: Vec<String> = looked_up
            .iter()
            .map(|name| format!("GET /api/v1/namespaces/{NAMESPACE}/secrets/{name}"))
            .collect();
        assert_eq!(asked, wanted, "{set:?}");
    }
}

#[test]
#[ignore = "needs kubectl: run .ci/install-tools, then cargo test -- --include-ignored"]
fn kubectl_with_nothing_in_the_cluster_generates_passwords() {
    support::tool("kubectl");
    let work = Workdir::new();
    let server = KubeApi::start(Vec::new());
    let kubeconfig = server.kubeconfig(work.path());
    let out = render_with_kubectl(&work, &kubeconfig, &[], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, generated) = mask(&String::from_utf8(out.stdout).unwrap(), &[]);
    assert_eq!(generated, 3);
    assert_eq!(
        secret_requests(&server).len(),
        2,
        "{:#?}",
        server.requests()
    );
}

#[test]
#[ignore = "needs kubectl: run .ci/install-tools, then cargo test -- --include-ignored"]
fn kubectl_failure_is_one_clear_error() {
    support::tool("kubectl");
    let work = Workdir::new();
    let kubeconfig = write_kubeconfig(work.path(), &[("gone", &closed_port_url())], "gone");
    let out = render_with_kubectl(&work, &kubeconfig, &[], &[]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no manifests on failure");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let command = format!(
        "error: kubectl get -o json --ignore-not-found --namespace={NAMESPACE} -- secret {CREDENTIALS} {MARIADB} failed: "
    );
    assert!(stderr.starts_with(&command), "{stderr}");
    assert!(stderr.contains("refused"), "{stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "one line, without client-go's log lines: {stderr}"
    );
}

#[test]
fn kubectl_missing_from_path() {
    let work = Workdir::new();
    let mut cmd = onechart_render(&[], &["--kubectl"]);
    cmd.env("PATH", work.path());
    let out = support::run(&mut cmd);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: kubectl not found on PATH (needed by --kubectl)\n"
    );
}

#[test]
fn lookup_file_from_standard_input() {
    let existing = [credentials(), mariadb()];
    let work = Workdir::new();
    let file = work.write("existing.json", &kubectl_list(&existing));
    let from_file = support::stdout_of(&mut onechart_render(
        &[],
        &["--lookup-file", file.to_str().unwrap()],
    ));
    let mut cmd = onechart_render(&[], &["--lookup-file", "-"]);
    cmd.stdin(std::fs::File::open(&file).unwrap());
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), from_file);
    // One object per file, as `kubectl get secret NAME -o json` prints it.
    let one = work.write(
        "credentials.json",
        &serde_json::to_string_pretty(&existing[0]).unwrap(),
    );
    let two = work.write(
        "mariadb.json",
        &serde_json::to_string_pretty(&existing[1]).unwrap(),
    );
    let split = support::stdout_of(&mut onechart_render(
        &[],
        &[
            "--lookup-file",
            one.to_str().unwrap(),
            "--lookup-file",
            two.to_str().unwrap(),
        ],
    ));
    assert_eq!(split, from_file);
    assert!(from_file.contains(&b64("Kept0neadminPassw0rdFromInstall1")));
}

#[test]
fn bad_lookup_files_fail_clearly() {
    let work = Workdir::new();
    let cases = [
        (
            "{\n  \"kind\": \"List\",\n  \"items\": [}\n",
            "invalid JSON at line 3 column 13: expected value",
        ),
        (
            r#"{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "metadata": {"name": "x"}}]}"#,
            "object #1 has no kind",
        ),
        (
            r#"{"apiVersion": "v1", "kind": "Secret", "metadata": {"namespace": "cloud"}}"#,
            "object #1 has no metadata.name",
        ),
        (
            r#"{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "cloud"}, "data": {"pw": "not-base64!"}}"#,
            "Secret s: data.pw is not base64",
        ),
    ];
    for (text, message) in cases {
        let path = work.write("bad.json", text);
        let out = support::run(&mut onechart_render(
            &[],
            &["--lookup-file", path.to_str().unwrap()],
        ));
        assert!(!out.status.success());
        assert!(out.stdout.is_empty());
        assert_eq!(
            String::from_utf8(out.stderr).unwrap(),
            format!("error: lookup file {}: {message}\n", path.display())
        );
    }
}

/// Helm's real lookup against the fake server and [`Objects::get`] on the
/// same objects agree for named, missing, list, cross-namespace and
/// cluster-scoped lookups (a one-template chart prints each result as JSON).
#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn lookup_semantics_match_helm() {
    let helms: Vec<(PathBuf, u8)> = [("helm3", 3), ("helm4", 4)]
        .into_iter()
        .map(|(name, major)| (support::tool(name), major))
        .collect();
    let mut elsewhere = secret(CREDENTIALS, &[("oneadmin-password", "x")]);
    elsewhere["metadata"]["namespace"] = json!("another");
    let objects = vec![
        elsewhere,
        credentials(),
        mariadb(),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}, "spec": {"finalizers": ["kubernetes"]}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": NAMESPACE}, "data": {"a": "1"}}),
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": NAMESPACE}, "spec": {"replicas": 1}}),
    ];
    let queries: &[[&str; 4]] = &[
        ["v1", "Secret", NAMESPACE, CREDENTIALS],
        ["v1", "Secret", NAMESPACE, "missing"],
        ["v1", "Secret", "another", MARIADB],
        ["v1", "Secret", "", CREDENTIALS],
        ["v1", "Secret", NAMESPACE, ""],
        ["v1", "Secret", "", ""],
        ["v1", "Secret", "empty", ""],
        ["v1", "Namespace", "", NAMESPACE],
        ["v1", "Namespace", "other", NAMESPACE],
        ["v1", "Namespace", "", ""],
        ["v1", "ConfigMap", NAMESPACE, "settings"],
        ["apps/v1", "StatefulSet", NAMESPACE, "db"],
        ["apps/v1", "StatefulSet", NAMESPACE, ""],
    ];
    let work = Workdir::new();
    let chart = work.path().join("probe");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: probe\nversion: 0.1.0\n",
    )
    .unwrap();
    let mut template = String::new();
    for (i, [api_version, kind, namespace, name]) in queries.iter().enumerate() {
        template.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe-{i}\ndata:\n  \
             result: {{{{ lookup {api_version:?} {kind:?} {namespace:?} {name:?} | toJson | quote }}}}\n"
        ));
    }
    std::fs::write(chart.join("templates/lookups.yaml"), template).unwrap();

    let ours = onechart::lookup::Objects::from_objects(
        onechart::lookup::input::parse("test", &kubectl_list(&objects)).unwrap(),
    );
    let server = KubeApi::start(objects);
    let kubeconfig = server.kubeconfig(work.path());
    let mut compared = 0;
    for (helm, major) in &helms {
        let mut cmd = Command::new(helm);
        work.isolate(&mut cmd, &kubeconfig);
        cmd.args(["template", "probe"])
            .arg(&chart)
            .args(["-n", NAMESPACE, "--dry-run=server"]);
        if *major >= 4 {
            cmd.arg("--disable-openapi-validation");
        }
        let output = support::stdout_of(&mut cmd);
        let results: Vec<Value> = output
            .lines()
            .filter_map(|line| line.strip_prefix("  result: "))
            .map(|quoted| {
                let text: String = serde_json::from_str(quoted).unwrap();
                serde_json::from_str(&text).unwrap()
            })
            .collect();
        assert_eq!(results.len(), queries.len(), "helm{major}:\n{output}");
        for (query, mut theirs) in queries.iter().zip(results) {
            let [api_version, kind, namespace, name] = *query;
            let mut ours =
                serde_json::to_value(ours.get(api_version, kind, namespace, name)).unwrap();
            // A list's resourceVersion is the cluster's; kubectl's List has none.
            for result in [&mut ours, &mut theirs] {
                if name.is_empty() {
                    result["metadata"]["resourceVersion"] = json!("<any>");
                }
            }
            assert_eq!(ours, theirs, "helm{major}: lookup {query:?}");
            if *query == queries[0] {
                assert_eq!(theirs, credentials(), "the whole object");
            }
            if name.is_empty() && namespace.is_empty() && kind == "Secret" {
                assert_eq!(
                    theirs["items"].as_array().unwrap().len(),
                    3,
                    "every namespace"
                );
            }
            compared += 1;
        }
    }
    eprintln!("compared {compared} lookups with helm's");
}

/// The documented pipeline, `kubectl get secret A B -o json
/// --ignore-not-found | onechart render --lookup-file -`, reads whatever
/// kubectl prints when both, one or neither Secret exists (a `List`, or
/// nothing at all).
#[test]
#[ignore = "needs kubectl: run .ci/install-tools, then cargo test -- --include-ignored"]
fn kubectl_get_piped_into_lookup_file() {
    let kubectl = support::tool("kubectl");
    for existing in [vec![credentials(), mariadb()], vec![mariadb()], vec![]] {
        let work = Workdir::new();
        let server = KubeApi::start(existing.clone());
        let kubeconfig = server.kubeconfig(work.path());
        let mut get = Command::new(&kubectl);
        work.isolate(&mut get, &kubeconfig);
        get.args([
            "get",
            "secret",
            CREDENTIALS,
            MARIADB,
            "-n",
            NAMESPACE,
            "-o",
            "json",
            "--ignore-not-found",
        ]);
        let printed = work.write("printed.json", &support::stdout_of(&mut get));
        let mut render = onechart_render(&[], &["--lookup-file", "-"]);
        render.stdin(std::fs::File::open(&printed).unwrap());
        let out = render.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (_, generated) = mask(
            &String::from_utf8(out.stdout).unwrap(),
            &known_values(&Scenario {
                name: "pipeline",
                set: &[],
                existing: existing.clone(),
                deterministic: false,
            }),
        );
        let kept = existing
            .iter()
            .map(|o| o["data"].as_object().unwrap().len())
            .sum::<usize>();
        assert_eq!(generated, 3 - kept, "{} existing Secrets", existing.len());
    }
}

#[test]
fn lookup_flags_go_together_sensibly() {
    let fails = |args: &[&str], message: &str| {
        let out = support::run(&mut onechart_render(&[], args));
        assert!(!out.status.success(), "{args:?}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    };
    fails(&["--kube-context", "prod"], "--kubectl");
    fails(
        &["--kubectl", "--lookup-file", "x.json"],
        "cannot be used with",
    );
    fails(
        &["--lookup-file", "-", "--lookup-file", "-"],
        "standard input (`-`) can be read only once",
    );
    fails(
        &["--lookup-file", "-", "-f", "-"],
        "standard input (`-`) can be read only once",
    );
    fails(
        &["--lookup-file", "/nonexistent/x.json"],
        "reading lookup file /nonexistent/x.json",
    );
}
