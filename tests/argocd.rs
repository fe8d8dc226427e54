//! The Argo CD config management plugin (`argocd/`): the `generate` command
//! of plugin.yaml, taken from the file and run by `sh` in an Application's
//! directory with Argo CD's environment, must print what `onechart render
//! --lookup-file` prints for the same cluster objects, refuse an
//! Application without a destination namespace and keep values files inside
//! the repository. The sidecar patch and the Dockerfile are checked for what
//! argocd-cmp-server needs.
//!
//! Hermetic tests put a stand-in `kubectl` on PATH that prints the objects;
//! the ignored one runs the real kubectl against the fake API server of
//! tests/lookup.rs.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine;
use serde_json::{json, Value};
use support::kube_api::KubeApi;
use support::{root, run, stdout_of};
use yaml_rust2::{Yaml, YamlLoader};

const NAMESPACE: &str = "cloud";

fn load(path: &str) -> Yaml {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

/// The shell script of `generate` (`sh -c SCRIPT`).
fn generate_script() -> String {
    let plugin = load("argocd/plugin.yaml");
    let generate = &plugin["spec"]["generate"];
    let command: Vec<&str> = generate["command"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(command, ["sh", "-c"]);
    let args = generate["args"].as_vec().unwrap();
    assert_eq!(args.len(), 1);
    args[0].as_str().unwrap().to_string()
}

fn secret(name: &str, data: &[(&str, &str)]) -> Value {
    let data: serde_json::Map<String, Value> = data
        .iter()
        .map(|(k, v)| {
            let encoded = base64::engine::general_purpose::STANDARD.encode(v);
            (k.to_string(), Value::String(encoded))
        })
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": NAMESPACE, "resourceVersion": "7"},
        "data": data,
        "type": "Opaque"
    })
}

/// The Secrets of a release `one` installed before, so every password is
/// kept and two renders must match byte for byte.
fn objects(release: &str) -> Vec<Value> {
    vec![
        secret(
            &format!("{release}-opennebula-credentials"),
            &[("oneadmin-password", "KeptOneadminPasswordFromInstall1")],
        ),
        secret(
            &format!("{release}-opennebula-mariadb"),
            &[
                ("mariadb-password", "KeptMariadbPasswordFromInstall22"),
                ("mariadb-root-password", "KeptMariadbRootPasswordInstall33"),
            ],
        ),
    ]
}

fn kubectl_list(objects: &[Value]) -> String {
    serde_json::to_string_pretty(&json!({"apiVersion": "v1", "kind": "List", "items": objects}))
        .unwrap()
}

/// A repository checkout as the plugin sees it: `apps/one/values.yaml`,
/// `apps/common.yaml`, a `bin/` with onechart (and maybe a stand-in kubectl)
/// for PATH, and a file outside the repository.
struct Checkout {
    dir: tempfile::TempDir,
}

impl Checkout {
    fn new() -> Checkout {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("repo/apps/one");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(app.join("values.yaml"), "service:\n  type: NodePort\n").unwrap();
        std::fs::write(
            dir.path().join("repo/apps/common.yaml"),
            "tests:\n  enabled: false\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("outside.yaml"), "{}\n").unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_onechart"), bin.join("onechart")).unwrap();
        Checkout { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn app(&self) -> PathBuf {
        self.path().join("repo/apps/one")
    }

    /// A `kubectl` that logs its arguments and prints these objects.
    fn fake_kubectl(&self, objects: &[Value]) {
        let list = self.path().join("objects.json");
        std::fs::write(&list, kubectl_list(objects)).unwrap();
        let script = format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\ncat '{}'\n",
            self.kubectl_log().display(),
            list.display()
        );
        let kubectl = self.path().join("bin/kubectl");
        std::fs::write(&kubectl, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&kubectl, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn kubectl_log(&self) -> PathBuf {
        self.path().join("kubectl.log")
    }

    /// Runs generate in the Application's directory with nothing of this
    /// process's environment but what Argo CD would give (and `extra_path`
    /// before the system's PATH).
    fn generate(&self, env: &[(String, String)], extra_path: &[&Path]) -> Output {
        let mut path: Vec<PathBuf> = vec![self.path().join("bin")];
        path.extend(extra_path.iter().map(|p| p.to_path_buf()));
        path.extend(["/usr/local/bin", "/usr/bin", "/bin"].map(PathBuf::from));
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(generate_script())
            .current_dir(self.app())
            .env_clear()
            .env("PATH", std::env::join_paths(path).unwrap())
            .env("HOME", self.path())
            .env("KUBECACHEDIR", self.path().join("kube-cache"));
        for (key, value) in env {
            cmd.env(key, value);
        }
        run(&mut cmd)
    }

    /// `onechart render` of the same release with the objects given as a
    /// lookup file, in the Application's directory.
    fn render_with_lookup_file(&self, release: &str, objects: &[Value], args: &[&str]) -> String {
        let file = self.path().join("lookup.json");
        std::fs::write(&file, kubectl_list(objects)).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_onechart"));
        cmd.current_dir(self.app())
            .args(["render", release, "-n", NAMESPACE, "-f", "values.yaml"])
            .args(args)
            .arg("--lookup-file")
            .arg(&file);
        stdout_of(&mut cmd)
    }
}

/// What Argo CD sets for the Application `one` at `apps/one`, destination
/// namespace `cloud`, with `../common.yaml` as a second values file.
fn argocd_env() -> Vec<(String, String)> {
    [
        ("ARGOCD_APP_NAME", "one"),
        ("ARGOCD_APP_NAMESPACE", NAMESPACE),
        ("ARGOCD_APP_SOURCE_PATH", "apps/one"),
        (
            "ARGOCD_APP_REVISION",
            "0123456789abcdef0123456789abcdef01234567",
        ),
        ("KUBE_VERSION", "1.32.0"),
        ("PARAM_VALUES_FILES_0", "../common.yaml"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// `env` with `key` set to `value`, or unset with None.
fn set(env: &[(String, String)], key: &str, value: Option<&str>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = env.iter().filter(|(k, _)| k != key).cloned().collect();
    if let Some(value) = value {
        out.push((key.to_string(), value.to_string()));
    }
    out
}

fn succeeded(out: &Output) -> String {
    assert!(
        out.status.success(),
        "generate failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Exit 1, nothing on stdout, one line on stderr; returns that line.
fn refused(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "printed manifests: {out:?}");
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

#[test]
fn plugin_is_a_named_sidecar_plugin_without_discovery() {
    let plugin = load("argocd/plugin.yaml");
    assert_eq!(plugin["apiVersion"].as_str(), Some("argoproj.io/v1alpha1"));
    assert_eq!(plugin["kind"].as_str(), Some("ConfigManagementPlugin"));
    assert_eq!(plugin["metadata"]["name"].as_str(), Some("onechart"));
    assert_eq!(plugin["spec"]["version"].as_str(), Some("v1"));
    assert!(
        plugin["spec"]["discover"].is_badvalue(),
        "discovery would render any directory with a values.yaml"
    );
    let parameters: Vec<&str> = plugin["spec"]["parameters"]["static"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(parameters, ["values-files", "release-name", "kube-context"]);
    let script = generate_script();
    for variable in [
        "PARAM_VALUES_FILES_",
        "PARAM_RELEASE_NAME",
        "PARAM_KUBE_CONTEXT",
    ] {
        assert!(script.contains(variable), "{variable} is not read");
    }
}

#[test]
fn generate_prints_what_render_with_a_lookup_file_prints() {
    let checkout = Checkout::new();
    let objects = objects("one");
    checkout.fake_kubectl(&objects);
    let printed = succeeded(&checkout.generate(&argocd_env(), &[]));
    let expected = checkout.render_with_lookup_file(
        "one",
        &objects,
        &["-f", "../common.yaml", "--kube-version", "1.32.0"],
    );
    assert_eq!(printed, expected);
    assert!(printed.contains("type: NodePort") && !printed.contains("-opennebula-test"));
    assert!(
        printed.contains("S2VwdE9uZWFkbWluUGFzc3dvcmRGcm9tSW5zdGFsbDE="),
        "kept password"
    );
    let log = std::fs::read_to_string(checkout.kubectl_log()).unwrap();
    assert_eq!(
        log,
        format!(
            "get -o json --ignore-not-found --namespace={NAMESPACE} -- secret one-opennebula-credentials one-opennebula-mariadb\n"
        )
    );
}

#[test]
fn generate_fails_without_a_destination_namespace() {
    let checkout = Checkout::new();
    checkout.fake_kubectl(&objects("one"));
    for value in [None, Some("")] {
        let env = set(&argocd_env(), "ARGOCD_APP_NAMESPACE", value);
        let line = refused(&checkout.generate(&env, &[]));
        assert!(line.contains("no destination namespace"), "{line}");
    }
    for bad in ["-n", "Cloud", "a b", "x;y"] {
        let env = set(&argocd_env(), "ARGOCD_APP_NAMESPACE", Some(bad));
        let line = refused(&checkout.generate(&env, &[]));
        assert!(
            line.contains("is not a Kubernetes namespace name"),
            "{bad}: {line}"
        );
    }
    assert!(!checkout.kubectl_log().exists(), "kubectl ran");
}

#[test]
fn values_files_stay_inside_the_repository() {
    let checkout = Checkout::new();
    checkout.fake_kubectl(&objects("one"));
    std::os::unix::fs::symlink(
        checkout.path().join("outside.yaml"),
        checkout.app().join("link.yaml"),
    )
    .unwrap();
    let cases = [
        ("/etc/hostname", "give a path relative"),
        ("-", "give a path relative"),
        ("--set=tests.enabled=false", "give a path relative"),
        ("missing.yaml", "not found"),
        ("../../../outside.yaml", "outside the repository"),
        ("link.yaml", "outside the repository"),
    ];
    for (file, message) in cases {
        let env = set(&argocd_env(), "PARAM_VALUES_FILES_0", Some(file));
        let line = refused(&checkout.generate(&env, &[]));
        assert!(line.contains(message), "{file}: {line}");
    }
    // values.yaml itself may not lead out either.
    std::fs::remove_file(checkout.app().join("values.yaml")).unwrap();
    std::os::unix::fs::symlink(
        checkout.path().join("outside.yaml"),
        checkout.app().join("values.yaml"),
    )
    .unwrap();
    let line = refused(&checkout.generate(&argocd_env(), &[]));
    assert!(
        line.contains("'values.yaml' is outside the repository"),
        "{line}"
    );
    assert!(!checkout.kubectl_log().exists(), "kubectl ran");
}

#[test]
fn release_name_and_kube_context_parameters() {
    let checkout = Checkout::new();
    let objects = objects("legacy");
    checkout.fake_kubectl(&objects);
    let env = set(&argocd_env(), "PARAM_RELEASE_NAME", Some("legacy"));
    let env = set(&env, "PARAM_KUBE_CONTEXT", Some("prod"));
    let env = set(&env, "PARAM_VALUES_FILES_1", Some("values.yaml"));
    let printed = succeeded(&checkout.generate(&env, &[]));
    let expected = checkout.render_with_lookup_file(
        "legacy",
        &objects,
        &[
            "-f",
            "../common.yaml",
            "-f",
            "values.yaml",
            "--kube-version",
            "1.32.0",
        ],
    );
    assert_eq!(printed, expected);
    assert!(printed.contains("name: legacy-opennebula\n"));
    let log = std::fs::read_to_string(checkout.kubectl_log()).unwrap();
    assert!(log.contains(" --context=prod -- secret "), "{log}");
}

/// The plugin as the sidecar runs it: the real kubectl, talking to an API
/// server that holds the release's Secrets.
#[test]
#[ignore = "needs kubectl: run .ci/install-tools, then cargo test -- --include-ignored"]
fn generate_with_kubectl_against_an_api_server() {
    let kubectl = support::tool("kubectl");
    let checkout = Checkout::new();
    let objects = objects("one");
    let server = KubeApi::start(objects.clone());
    let kubeconfig = server.kubeconfig(checkout.path());
    let kubectl_dir = kubectl.parent().unwrap();
    let env = set(&argocd_env(), "KUBECONFIG", kubeconfig.to_str());
    let printed = succeeded(&checkout.generate(&env, &[kubectl_dir]));
    let expected = checkout.render_with_lookup_file(
        "one",
        &objects,
        &["-f", "../common.yaml", "--kube-version", "1.32.0"],
    );
    assert_eq!(printed, expected);
    let mut asked: Vec<String> = server
        .object_requests()
        .into_iter()
        .filter(|r| r.contains("/secrets/"))
        .collect();
    asked.sort();
    asked.dedup();
    assert_eq!(
        asked,
        [
            format!("GET /api/v1/namespaces/{NAMESPACE}/secrets/one-opennebula-credentials"),
            format!("GET /api/v1/namespaces/{NAMESPACE}/secrets/one-opennebula-mariadb"),
        ]
    );
    // Without a namespace nothing reaches the server.
    let before = server.requests().len();
    let env = set(&env, "ARGOCD_APP_NAMESPACE", None);
    refused(&checkout.generate(&env, &[kubectl_dir]));
    assert_eq!(server.requests().len(), before);
}

#[test]
fn sidecar_patch_runs_the_cmp_server_as_999_with_its_volumes() {
    let patch = load("argocd/repo-server-patch.yaml");
    assert_eq!(patch["kind"].as_str(), Some("Deployment"));
    assert_eq!(
        patch["metadata"]["name"].as_str(),
        Some("argocd-repo-server")
    );
    let spec = &patch["spec"]["template"]["spec"];
    let containers = spec["containers"].as_vec().unwrap();
    assert_eq!(containers.len(), 1);
    let sidecar = &containers[0];
    assert_eq!(
        sidecar["command"].as_vec().unwrap()[0].as_str(),
        Some("/var/run/argocd/argocd-cmp-server")
    );
    let image = sidecar["image"].as_str().unwrap();
    let workflow = std::fs::read_to_string(root().join(".github/workflows/image.yml")).unwrap();
    let name = image
        .rsplit_once(':')
        .unwrap()
        .0
        .rsplit('/')
        .next()
        .unwrap();
    assert!(
        workflow.contains(&format!("/{name}\"")),
        "image.yml does not publish {name}"
    );
    let security = &sidecar["securityContext"];
    assert_eq!(security["runAsUser"].as_i64(), Some(999));
    assert_eq!(security["runAsNonRoot"].as_bool(), Some(true));
    assert_eq!(security["readOnlyRootFilesystem"].as_bool(), Some(true));
    let mounts: Vec<(&str, &str)> = sidecar["volumeMounts"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap(),
                m["mountPath"].as_str().unwrap(),
            )
        })
        .collect();
    for wanted in [
        ("var-files", "/var/run/argocd"),
        ("plugins", "/home/argocd/cmp-server/plugins"),
        ("onechart-tmp", "/tmp"),
        (
            "onechart-token",
            "/var/run/secrets/kubernetes.io/serviceaccount",
        ),
    ] {
        assert!(mounts.contains(&wanted), "{wanted:?} not mounted");
    }
    let volumes: Vec<&str> = spec["volumes"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(volumes, ["onechart-tmp", "onechart-token"]);
}

/// The patch's pod template on a minimal Deployment, checked against the
/// Kubernetes 1.30 schema.
#[test]
#[ignore = "needs kubernetes-validate: run .ci/install-tools, then cargo test -- --include-ignored"]
fn sidecar_patch_is_valid_kubernetes() {
    let validate = support::tool("kubernetes-validate");
    let patch = std::fs::read_to_string(root().join("argocd/repo-server-patch.yaml")).unwrap();
    let deployment = patch.replace(
        "spec:\n  template:\n    spec:\n",
        "spec:\n  selector:\n    matchLabels: {app: r}\n  template:\n    metadata:\n      labels: {app: r}\n    spec:\n",
    );
    assert_ne!(deployment, patch);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deployment.yaml");
    std::fs::write(&file, deployment).unwrap();
    let out = run(Command::new(validate)
        .args(["--strict", "-k", "1.30.0"])
        .arg(&file));
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn dockerfile_ships_the_plugin_as_user_999_with_a_pinned_kubectl() {
    let dockerfile = std::fs::read_to_string(root().join("argocd/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("COPY argocd/plugin.yaml /home/argocd/cmp-server/config/plugin.yaml\n")
    );
    let last_stage = dockerfile.rsplit("\nFROM ").next().unwrap();
    assert!(last_stage.contains("\nUSER 999\n"), "{last_stage}");
    assert!(
        !last_stage.contains("\nRUN "),
        "no RUN in the target platform's stage"
    );
    let version = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("ARG KUBECTL_VERSION=v"))
        .expect("KUBECTL_VERSION");
    assert_eq!(version.split('.').count(), 3, "{version}");
    for arch in ["AMD64", "ARM64"] {
        let sha = dockerfile
            .lines()
            .find_map(|l| l.strip_prefix(&format!("ARG KUBECTL_SHA256_{arch}=")))
            .expect("kubectl digest");
        assert!(
            sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
            "{arch}: {sha}"
        );
    }
    assert!(dockerfile.contains("sha256sum -c -"));
    // Every file the build copies from the context gets through
    // argocd/Dockerfile.dockerignore.
    let ignore = std::fs::read_to_string(root().join("argocd/Dockerfile.dockerignore")).unwrap();
    let allowed: Vec<&str> = ignore
        .lines()
        .filter_map(|l| l.strip_prefix('!'))
        .map(|l| l.trim_end_matches('/'))
        .collect();
    for line in dockerfile
        .lines()
        .filter(|l| l.starts_with("COPY ") && !l.contains("--from="))
    {
        let words: Vec<&str> = line.split_whitespace().collect();
        for source in &words[1..words.len() - 1] {
            assert!(
                allowed.contains(source),
                "{source} is not in the build context"
            );
            assert!(root().join(source).exists(), "{source} does not exist");
        }
    }
}

#[test]
#[ignore = "needs shellcheck: run .ci/install-tools, then cargo test -- --include-ignored"]
fn generate_script_is_shellcheck_clean() {
    let shellcheck = support::tool("shellcheck");
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("generate.sh");
    std::fs::write(&script, generate_script()).unwrap();
    let out = run(Command::new(shellcheck)
        .args(["--shell=sh", "--severity=style"])
        .arg(&script));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
#[ignore = "needs hadolint: run .ci/install-tools, then cargo test -- --include-ignored"]
fn dockerfile_is_hadolint_clean() {
    let hadolint = support::tool("hadolint");
    let out = run(Command::new(hadolint).arg(root().join("argocd/Dockerfile")));
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
