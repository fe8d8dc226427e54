//! The GitHub workflows (`.github/workflows/`) and the version watch script
//! behind `version-watch.yml` (`.github/scripts/version_watch.py`).
//!
//! The workflows must pass actionlint (with shellcheck on every `run:`
//! block), the GitHub workflow JSON schema (check-jsonschema) and zizmor
//! (offline: no GitHub API), with no finding, and keep the conventions the
//! linters do not check. The script is run against saved directory listings,
//! package indexes and chart files in `tests/fixtures/version-watch/`; no
//! test uses the network. The tests that run a tool (the linters, python3)
//! are ignored by plain `cargo test` and fail when it is missing.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{root, run, tool};
use yaml_rust2::{Yaml, YamlLoader};

fn workflow_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(".github/workflows"))
        .expect("reading .github/workflows")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    assert_eq!(
        files
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect::<Vec<_>>(),
        [
            "binaries.yml",
            "ci.yml",
            "image.yml",
            "release.yml",
            "version-watch.yml"
        ]
    );
    files
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
#[ignore = "needs actionlint, shellcheck: run .ci/install-tools, then cargo test -- --include-ignored"]
fn actionlint_and_shellcheck_report_nothing() {
    // actionlint runs shellcheck on every `run:` block when it is on PATH.
    let actionlint = tool("actionlint");
    tool("shellcheck");
    let out = run(Command::new(actionlint)
        .current_dir(root())
        .args(workflow_files()));
    assert!(out.status.success(), "actionlint:\n{}", text(&out));
    assert_eq!(text(&out), "", "actionlint printed something");
}

#[test]
#[ignore = "needs check-jsonschema: run .ci/install-tools, then cargo test -- --include-ignored"]
fn workflows_match_the_github_schema() {
    let check = tool("check-jsonschema");
    let out = run(Command::new(check)
        .current_dir(root())
        .args(["--builtin-schema", "vendor.github-workflows"])
        .args(workflow_files()));
    assert!(out.status.success(), "check-jsonschema:\n{}", text(&out));
}

#[test]
#[ignore = "needs zizmor: run .ci/install-tools, then cargo test -- --include-ignored"]
fn zizmor_offline_reports_nothing() {
    let zizmor = tool("zizmor");
    let out = run(Command::new(zizmor)
        .current_dir(root())
        .args(["--offline", "--no-progress", ".github/workflows"])
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN"));
    let printed = text(&out);
    assert!(out.status.success(), "zizmor:\n{printed}");
    assert!(
        printed.contains("No findings to report"),
        "zizmor:\n{printed}"
    );
}

fn load(path: &Path) -> Yaml {
    let source = std::fs::read_to_string(path).unwrap();
    YamlLoader::load_from_str(&source)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .remove(0)
}

fn is_empty_map(yaml: &Yaml) -> bool {
    matches!(yaml, Yaml::Hash(h) if h.is_empty())
}

/// What zizmor and actionlint leave to us: no default token scopes, scopes
/// and a timeout on every job, a concurrency group, checkouts that do not
/// keep the token, no `${{ }}` inside shell scripts (values go through
/// `env:`), and every action pinned by commit with its version beside it,
/// the same pin everywhere.
#[test]
fn workflows_follow_the_conventions() {
    let mut pins: BTreeMap<String, String> = BTreeMap::new();
    for file in workflow_files() {
        let name = file.file_name().unwrap().to_str().unwrap().to_string();
        let doc = load(&file);
        assert!(
            is_empty_map(&doc["permissions"]),
            "{name}: top-level permissions must be {{}}"
        );
        assert!(
            !doc["concurrency"].is_badvalue(),
            "{name}: no concurrency group"
        );
        let jobs = doc["jobs"].as_hash().expect("jobs");
        for (job_name, job) in jobs {
            let job_name = job_name.as_str().unwrap();
            let at = format!("{name} job {job_name}");
            assert!(
                job["timeout-minutes"].as_i64().is_some(),
                "{at}: no timeout-minutes"
            );
            assert!(
                job["permissions"].as_hash().is_some(),
                "{at}: no job permissions"
            );
            for step in job["steps"].as_vec().expect("steps") {
                if let Some(script) = step["run"].as_str() {
                    assert!(!script.contains("${{"), "{at}: ${{{{ }}}} in run: {script}");
                }
                if let Some(uses) = step["uses"].as_str() {
                    if uses.starts_with("actions/checkout@") {
                        assert_eq!(
                            step["with"]["persist-credentials"].as_bool(),
                            Some(false),
                            "{at}: checkout without persist-credentials: false"
                        );
                    }
                }
            }
        }
        for line in std::fs::read_to_string(&file).unwrap().lines() {
            let trimmed = line.trim_start().trim_start_matches("- ");
            if let Some(rest) = trimmed.strip_prefix("uses: ") {
                let (action, sha, version) = parse_pin(rest).unwrap_or_else(|| {
                    panic!("{name}: not pinned as `ACTION@SHA # vX.Y.Z`: {line}")
                });
                let pinned = format!("{sha} {version}");
                if let Some(seen) = pins.insert(action.clone(), pinned.clone()) {
                    assert_eq!(
                        seen, pinned,
                        "{name}: {action} pinned differently elsewhere"
                    );
                }
            }
        }
    }
    assert!(pins.len() >= 8, "only {} actions: {pins:?}", pins.len());
}

/// `owner/repo@<40 hex> # vX.Y.Z` -> (owner/repo, sha, vX.Y.Z).
fn parse_pin(uses: &str) -> Option<(String, String, String)> {
    let (action, rest) = uses.split_once('@')?;
    let (sha, comment) = rest.split_once(" # ")?;
    let version = comment.trim();
    let numeric = version
        .strip_prefix('v')?
        .split('.')
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let ok = action.split('/').count() >= 2
        && sha.len() == 40
        && sha
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && numeric
        && version.matches('.').count() == 2;
    ok.then(|| (action.to_string(), sha.to_string(), version.to_string()))
}

fn workflow(name: &str) -> Yaml {
    load(&root().join(".github/workflows").join(name))
}

/// The jobs of a workflow that have this token scope, as `job: scope`.
fn jobs_with_scope(doc: &Yaml, scope: &str, access: &str) -> Vec<String> {
    doc["jobs"]
        .as_hash()
        .unwrap()
        .iter()
        .filter(|(_, job)| job["permissions"][scope].as_str() == Some(access))
        .map(|(name, _)| name.as_str().unwrap().to_string())
        .collect()
}

/// Every script line of a job, joined.
fn scripts(job: &Yaml) -> String {
    job["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn uses(job: &Yaml) -> Vec<String> {
    job["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .map(|u| u.split('@').next().unwrap().to_string())
        .collect()
}

/// binaries.yml: only on onechart-vX.Y.Z tags; the four targets; archives
/// with the binary, README.md, LICENSE, completions and the man page made by
/// the released binary; SHA256SUMS and SBOMs; provenance and SBOM
/// attestations per archive; the release created by the only job that may
/// write contents.
#[test]
fn binaries_workflow_publishes_what_the_readme_promises() {
    let doc = workflow("binaries.yml");
    let on = doc["on"].as_hash().unwrap();
    assert_eq!(on.len(), 1, "triggers: {on:?}");
    let tags: Vec<&str> = doc["on"]["push"]["tags"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(tags, ["onechart-v*"]);
    let jobs = &doc["jobs"];
    let targets: Vec<&str> = jobs["build"]["strategy"]["matrix"]["include"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    let all = [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "aarch64-apple-darwin",
        "x86_64-apple-darwin",
    ];
    assert_eq!(targets, all);
    let attested: Vec<&str> = jobs["attest"]["strategy"]["matrix"]["target"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(attested, all);
    let build = scripts(&jobs["build"]);
    assert!(build.contains("cargo zigbuild --release --locked --target \"$TARGET\""));
    assert!(build.contains("--require-hashes -r .github/zigbuild-requirements.txt"));
    assert!(
        build.contains("static"),
        "the Linux binaries are checked to be static"
    );
    let package = scripts(&jobs["package"]);
    for part in [
        "completions bash",
        "completions zsh",
        "completions fish",
        "\"$host\" man >",
        "install -m 0644 README.md LICENSE",
        "cargo cyclonedx",
        "SHA256SUMS",
    ] {
        assert!(package.contains(part), "package job: no {part}");
    }
    for target in all {
        assert!(package.contains(target), "package job: no {target}");
    }
    assert_eq!(
        uses(&jobs["attest"])[1..],
        ["actions/attest-build-provenance", "actions/attest-sbom"]
    );
    assert_eq!(jobs_with_scope(&doc, "contents", "write"), ["release"]);
    assert_eq!(jobs_with_scope(&doc, "id-token", "write"), ["attest"]);
    assert!(scripts(&jobs["release"]).contains("gh release create \"$GITHUB_REF_NAME\""));
}

/// The toolchain binaries.yml pins is at least the crate's rust-version.
#[test]
fn binaries_workflow_rust_is_new_enough() {
    let doc = workflow("binaries.yml");
    let pinned = doc["env"]["RUST_VERSION"].as_str().unwrap().to_string();
    let cargo = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let minimum = cargo
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .unwrap()
        .trim_end_matches('"')
        .to_string();
    let parts = |v: &str| -> Vec<u32> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    assert_eq!(parts(&pinned).len(), 3, "pin a full version: {pinned}");
    assert!(parts(&pinned) >= parts(&minimum), "{pinned} < {minimum}");
}

/// Cargo.toml's rust-version is the oldest Rust that builds the locked
/// dependencies (`cargo install --locked` refuses an older one), so the
/// README's "Rust 1.89 or later" holds.
#[test]
fn rust_version_covers_the_locked_dependencies() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = support::stdout_of(Command::new(cargo).current_dir(root()).args([
        "metadata",
        "--format-version",
        "1",
        "--locked",
        "--offline",
    ]));
    let metadata: serde_json::Value = serde_json::from_str(&out).unwrap();
    let parts = |v: &str| -> Vec<u32> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    let mut ours = None;
    let mut newest = (vec![0], String::new());
    for package in metadata["packages"].as_array().unwrap() {
        let Some(version) = package["rust_version"].as_str() else {
            continue;
        };
        let name = package["name"].as_str().unwrap();
        if name == "onechart" {
            ours = Some(parts(version));
        } else if parts(version) > newest.0 {
            newest = (parts(version), format!("{name} {}", package["version"]));
        }
    }
    let ours = ours.expect("onechart's rust-version");
    assert!(ours >= newest.0, "rust-version {ours:?} < {newest:?}");
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let stated = format!(
        "Rust {} or later",
        ours.iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(".")
    );
    assert!(readme.contains(&stated), "README.md does not say {stated}");
}

/// Every package of .github/zigbuild-requirements.txt is pinned with `==`
/// and has a hash for an x86_64 and an aarch64 wheel.
#[test]
fn zigbuild_requirements_are_pinned_with_hashes() {
    let text = std::fs::read_to_string(root().join(".github/zigbuild-requirements.txt")).unwrap();
    let joined = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("\\\n", " ");
    let requirements: Vec<&str> = joined.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(requirements.len(), 2, "{requirements:?}");
    for requirement in requirements {
        let mut words = requirement.split_whitespace();
        let pin = words.next().unwrap();
        assert!(pin.contains("=="), "{pin} is not pinned");
        let hashes: Vec<&str> = words
            .filter_map(|w| w.strip_prefix("--hash=sha256:"))
            .collect();
        assert_eq!(hashes.len(), 2, "{pin}: {hashes:?}");
        for hash in hashes {
            assert!(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
        }
    }
}

/// release.yml: packages: write in the OCI job alone; it pushes the archive
/// gh-pages holds, pulls it back by tag and by digest and compares; the
/// Artifact Hub metadata goes to the Pages root; the release notes give the
/// digest reference.
#[test]
fn release_workflow_pushes_the_pages_archive_to_the_oci_registry() {
    let doc = workflow("release.yml");
    assert_eq!(jobs_with_scope(&doc, "packages", "write"), ["oci"]);
    let jobs = &doc["jobs"];
    let oci = scripts(&jobs["oci"]);
    for part in [
        "git cat-file blob \"FETCH_HEAD:opennebula-$VERSION.tgz\"",
        "helm registry login ghcr.io",
        "helm push \"$archive\" \"oci://$OCI_REPO\"",
        "helm pull \"oci://$OCI_REPO/opennebula\" --version \"$VERSION\"",
        "helm pull \"$reference\"",
        "reference=\"oci://$OCI_REPO/opennebula@$digest\"",
        "[ \"$got\" != \"$want\" ]",
    ] {
        assert!(oci.contains(part), "oci job: no {part}");
    }
    assert!(scripts(&jobs["chart"])
        .contains("cp .github/artifacthub-repo.yml \"$RUNNER_TEMP/pages/artifacthub-repo.yml\""));
    let paths: Vec<&str> = doc["on"]["push"]["paths"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(paths.contains(&".github/artifacthub-repo.yml"));
    let release = &jobs["release"];
    assert!(scripts(release).contains("helm install one $REFERENCE"));
    assert_eq!(
        release["steps"][1]["env"]["REFERENCE"].as_str(),
        Some("${{ needs.oci.outputs.reference }}")
    );
}

/// release.yml refuses to publish otherwise; catch it before it merges.
#[test]
fn chart_app_version_is_the_image_version() {
    let chart = std::fs::read_to_string(root().join("chart/Chart.yaml")).unwrap();
    let app = chart
        .lines()
        .find_map(|l| l.strip_prefix("appVersion:"))
        .expect("appVersion")
        .trim()
        .trim_matches('"');
    let one = std::fs::read_to_string(root().join("image/ONE_VERSION")).unwrap();
    assert_eq!(app, one.trim());
}

// ---------------------------------------------------------------------------
// the version watch script

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/version-watch").join(name)
}

/// Runs the script with python3 (the tests that call it need python3).
fn watch(args: &[&str]) -> Output {
    run(Command::new(tool("python3"))
        .arg(root().join(".github/scripts/version_watch.py"))
        .args(args)
        .current_dir(root()))
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "version_watch.py failed ({}):\n{}",
        out.status,
        text(out)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn failed(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{}", text(out));
    assert!(out.stdout.is_empty(), "stdout: {}", text(out));
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn latest(listing: &str) -> Output {
    watch(&["latest-release", fixture(listing).to_str().unwrap()])
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn latest_release_skips_betas_aliases_hotfixes_and_files() {
    let out = latest("repo-index-apache.html");
    assert_eq!(ok(&out), "7.0.1\n");
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn latest_release_reads_nginx_listings() {
    let out = latest("repo-index-nginx.html");
    assert_eq!(ok(&out), "7.2.0\n");
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn latest_release_reads_absolute_links() {
    let out = latest("repo-index-current.html");
    assert_eq!(ok(&out), "7.0.0\n");
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn latest_release_fails_without_a_stable_version() {
    let out = latest("repo-index-error.html");
    assert!(failed(&out).contains("no stable OpenNebula version"));
}

/// A throwaway repository root with image/ONE_VERSION and the real
/// chart/Chart.yaml at the given versions.
struct Root {
    dir: tempfile::TempDir,
}

impl Root {
    fn new(one_version: &str, chart_version: &str, app_version: &str) -> Root {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("image")).unwrap();
        std::fs::create_dir_all(dir.path().join("chart")).unwrap();
        std::fs::write(
            dir.path().join("image/ONE_VERSION"),
            format!("{one_version}\n"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("chart/Chart.yaml"),
            real_chart(chart_version, app_version),
        )
        .unwrap();
        Root { dir }
    }

    fn path(&self) -> &str {
        self.dir.path().to_str().unwrap()
    }

    fn one_version(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("image/ONE_VERSION")).unwrap()
    }

    fn chart(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("chart/Chart.yaml")).unwrap()
    }

    fn bump(&self, new: &str, extra: &[&str]) -> Output {
        let mut args = vec!["bump", new, "--root", self.path()];
        args.extend_from_slice(extra);
        watch(&args)
    }
}

/// The repository's chart/Chart.yaml with its `version:` and `appVersion:`
/// lines set, and the OpenNebula image of `artifacthub.io/images` at
/// `app_version`; everything else as it is.
fn real_chart(version: &str, app_version: &str) -> String {
    let chart = std::fs::read_to_string(root().join("chart/Chart.yaml")).unwrap();
    let image = "      image: ghcr.io/onechart/opennebula:";
    let mut seen = (0, 0, 0);
    let out: Vec<String> = chart
        .split_inclusive('\n')
        .map(|line| {
            if line.starts_with("version:") {
                seen.0 += 1;
                format!("version: {version}\n")
            } else if line.starts_with("appVersion:") {
                seen.1 += 1;
                format!("appVersion: \"{app_version}\"\n")
            } else if line.starts_with(image) {
                seen.2 += 1;
                format!("{image}{app_version}\n")
            } else {
                line.to_string()
            }
        })
        .collect();
    assert_eq!(seen, (1, 1, 1), "chart/Chart.yaml layout changed");
    out.concat()
}

/// [`real_chart`] after a bump from `from`: `artifacthub.io/changes` holds
/// the one entry the version watch writes.
fn bumped_chart(version: &str, app_version: &str, from: &str) -> String {
    let chart = real_chart(version, app_version);
    let head = "  artifacthub.io/changes: |\n";
    let start = chart.find(head).expect("artifacthub.io/changes") + head.len();
    let end = start
        + chart[start..]
            .split_inclusive('\n')
            .take_while(|l| l.starts_with("   "))
            .map(str::len)
            .sum::<usize>();
    format!(
        "{}    - kind: changed\n      description: OpenNebula {app_version} (was {from})\n{}",
        &chart[..start],
        &chart[end..]
    )
}

fn outputs(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .map(|l| {
            let (k, v) = l.split_once('=').expect("key=value");
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn expect(out: &str, pairs: &[(&str, &str)]) {
    let got = outputs(out);
    let want: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn bump_a_patch_release_bumps_the_chart_patch() {
    let root = Root::new("7.0.0", "0.1.0", "7.0.0");
    let out = root.bump("7.0.1", &[]);
    expect(
        &ok(&out),
        &[
            ("changed", "true"),
            ("reason", "newer"),
            ("from", "7.0.0"),
            ("to", "7.0.1"),
            ("chart_from", "0.1.0"),
            ("chart_to", "0.1.1"),
            ("kind", "patch"),
        ],
    );
    assert_eq!(root.one_version(), "7.0.1\n");
    assert_eq!(root.chart(), bumped_chart("0.1.1", "7.0.1", "7.0.0"));
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn bump_a_minor_release_bumps_the_chart_minor() {
    let root = Root::new("7.0.1", "0.1.3", "7.0.1");
    let out = root.bump("7.2.0", &[]);
    let got = outputs(&ok(&out));
    assert_eq!(
        (got["chart_to"].as_str(), got["kind"].as_str()),
        ("0.2.0", "minor")
    );
    assert_eq!(root.one_version(), "7.2.0\n");
    assert_eq!(root.chart(), bumped_chart("0.2.0", "7.2.0", "7.0.1"));
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn bump_a_major_release_bumps_the_chart_minor() {
    let root = Root::new("7.4.2", "0.4.2", "7.4.2");
    let out = root.bump("8.0.0", &[]);
    assert_eq!(outputs(&ok(&out))["chart_to"], "0.5.0");
    assert_eq!(root.chart(), bumped_chart("0.5.0", "8.0.0", "7.4.2"));
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn bump_twice_changes_nothing_the_second_time() {
    let root = Root::new("7.0.0", "0.1.0", "7.0.0");
    let first = root.bump("7.0.1", &[]);
    ok(&first);
    let (one, chart) = (root.one_version(), root.chart());
    let second = root.bump("7.0.1", &[]);
    expect(
        &ok(&second),
        &[
            ("changed", "false"),
            ("reason", "current"),
            ("from", "7.0.1"),
            ("to", "7.0.1"),
            ("chart_from", "0.1.1"),
            ("chart_to", "0.1.1"),
            ("kind", "none"),
        ],
    );
    assert_eq!((root.one_version(), root.chart()), (one, chart));
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn bump_never_goes_back() {
    let root = Root::new("7.2.0", "0.2.0", "7.2.0");
    let out = root.bump("7.0.1", &[]);
    let got = outputs(&ok(&out));
    assert_eq!(
        (got["changed"].as_str(), got["reason"].as_str()),
        ("false", "older")
    );
    assert_eq!(root.chart(), real_chart("0.2.0", "7.2.0"));
    assert_eq!(root.one_version(), "7.2.0\n");
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn bump_dry_run_writes_nothing() {
    let root = Root::new("7.0.0", "0.1.0", "7.0.0");
    let out = root.bump("7.2.0", &["--dry-run"]);
    let got = outputs(&ok(&out));
    assert_eq!(
        (got["changed"].as_str(), got["chart_to"].as_str()),
        ("true", "0.2.0")
    );
    assert_eq!(root.chart(), real_chart("0.1.0", "7.0.0"));
    assert_eq!(root.one_version(), "7.0.0\n");
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn bump_finishes_a_half_done_bump_without_bumping_the_chart_again() {
    let root = Root::new("7.0.0", "0.1.1", "7.0.1");
    let out = root.bump("7.0.1", &[]);
    let got = outputs(&ok(&out));
    assert_eq!(
        (
            got["changed"].as_str(),
            got["reason"].as_str(),
            got["chart_to"].as_str()
        ),
        ("true", "image-file", "0.1.1")
    );
    assert_eq!(root.one_version(), "7.0.1\n");
    assert_eq!(root.chart(), real_chart("0.1.1", "7.0.1"));
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn bump_refuses_files_that_disagree() {
    let root = Root::new("7.0.0", "0.1.1", "7.0.1");
    let out = root.bump("7.2.0", &[]);
    assert!(failed(&out).contains("differ"));
    assert_eq!(root.one_version(), "7.0.0\n");
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn bump_refuses_a_version_that_is_not_one() {
    let root = Root::new("7.0.0", "0.1.0", "7.0.0");
    let out = root.bump("7.0.1; rm -rf /", &[]);
    assert!(failed(&out).contains("not an OpenNebula version"));
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn bump_changes_only_the_two_top_level_lines() {
    let root = Root::new("7.0.1", "1.4.9", "7.0.1");
    let tricky = std::fs::read_to_string(fixture("Chart-tricky.yaml")).unwrap();
    std::fs::write(root.dir.path().join("chart/Chart.yaml"), &tricky).unwrap();
    let out = root.bump("7.2.0", &[]);
    ok(&out);
    let want = tricky
        .replace(
            "version: '1.4.9'   # chart version",
            "version: '1.5.0'   # chart version",
        )
        .replace(
            "appVersion: 7.0.1 # unquoted",
            "appVersion: 7.2.0 # unquoted",
        );
    assert_ne!(want, tricky);
    assert_eq!(root.chart(), want);
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn bump_moves_only_the_opennebula_image_and_rewrites_the_changes() {
    let root = Root::new("7.0.1", "0.3.1", "7.0.1");
    let before = std::fs::read_to_string(fixture("Chart-annotations.yaml")).unwrap();
    std::fs::write(root.dir.path().join("chart/Chart.yaml"), &before).unwrap();
    let out = root.bump("7.2.0", &[]);
    ok(&out);
    let changes_before = "  artifacthub.io/changes: |-\n    - kind: fixed\n      description: \"image: x/opennebula:7.0.1 in a description\"\n\n    - kind: added\n      description: two entries\n";
    assert!(before.contains(changes_before));
    let want = before
        .replace("version: 0.3.1", "version: 0.4.0")
        .replace("appVersion: \"7.0.1\"", "appVersion: \"7.2.0\"")
        .replace(
            "image: \"registry.example.com/mirror/opennebula:7.0.1\"",
            "image: \"registry.example.com/mirror/opennebula:7.2.0\"",
        )
        .replace(
            changes_before,
            "  artifacthub.io/changes: |-\n    - kind: changed\n      description: OpenNebula 7.2.0 (was 7.0.1)\n",
        );
    assert_eq!(root.chart(), want);
    assert!(
        want.contains("opennebula-exporter:7.0.1") && want.contains("example.com/opennebula:7.0.1")
    );
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn bump_refuses_an_images_annotation_out_of_step() {
    let root = Root::new("7.0.1", "0.3.1", "7.0.1");
    let chart = std::fs::read_to_string(fixture("Chart-annotations.yaml"))
        .unwrap()
        .replace("mirror/opennebula:7.0.1", "mirror/opennebula:7.0.0");
    std::fs::write(root.dir.path().join("chart/Chart.yaml"), &chart).unwrap();
    let out = root.bump("7.2.0", &["--dry-run"]);
    assert!(
        failed(&out).contains("artifacthub.io/images has opennebula:7.0.0, appVersion is 7.0.1")
    );
    let out = root.bump("7.2.0", &[]);
    failed(&out);
    assert_eq!(root.chart(), chart);
    assert_eq!(root.one_version(), "7.0.1\n");
    // Two OpenNebula images: which one would move?
    let twice = chart.replace(
        "    - name: exporter\n      image: registry.example.com/opennebula-exporter:7.0.1\n",
        "    - name: again\n      image: ghcr.io/x/opennebula:7.0.1\n",
    );
    assert_ne!(twice, chart);
    std::fs::write(root.dir.path().join("chart/Chart.yaml"), &twice).unwrap();
    let out = root.bump("7.2.0", &[]);
    assert!(failed(&out).contains("expected one `image: .../opennebula:TAG`"));
}

fn summary(old: &str, new: &str, new_packages: &Path, extra: &[&str]) -> Output {
    let old_packages = fixture(&format!("Packages-{old}"));
    let mut args = vec![
        "summary",
        old,
        new,
        old_packages.to_str().unwrap(),
        new_packages.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    watch(&args)
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn summary_of_a_patch_release() {
    let dists = fixture("dists-7.0.1.html");
    let out = summary(
        "7.0.0",
        "7.0.1",
        &fixture("Packages-7.0.1"),
        &["--dists-listing", dists.to_str().unwrap()],
    );
    let want = std::fs::read_to_string(fixture("summary-7.0.0-7.0.1.md")).unwrap();
    assert_eq!(ok(&out), want);
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn summary_of_a_minor_release() {
    let out = summary("7.0.1", "7.2.0", &fixture("Packages-7.2.0"), &[]);
    let got = ok(&out);
    assert_eq!(
        got,
        std::fs::read_to_string(fixture("summary-7.0.1-7.2.0.md")).unwrap()
    );
    for part in [
        "Added: `opennebula-form` 7.2.0-1.",
        "Removed: `opennebula-node-lxc` 7.0.1-1.",
        "- nodejs (>= 18)\n+ nodejs (>= 20)",
    ] {
        assert!(got.contains(part), "{part} missing from:\n{got}");
    }
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn summary_flags_a_package_the_image_needs_and_the_release_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let index = std::fs::read_to_string(fixture("Packages-7.0.1")).unwrap();
    let kept: Vec<&str> = index
        .split("\n\n")
        .filter(|p| !p.starts_with("Package: opennebula-guacd\n"))
        .collect();
    assert_eq!(kept.len(), 14);
    let path = dir.path().join("Packages");
    std::fs::write(&path, kept.join("\n\n")).unwrap();
    let out = summary("7.0.0", "7.0.1", &path, &[]);
    let got = ok(&out);
    assert!(
        got.contains("| `opennebula-guacd` | 7.0.0-1 | **missing** |"),
        "{got}"
    );
    assert!(
        got.contains("does not publish: `opennebula-guacd`.** The image build will fail."),
        "{got}"
    );
    assert!(
        got.contains("Removed: `opennebula-guacd` 7.0.0-1."),
        "{got}"
    );
}

#[test]
#[ignore = "needs python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn summary_says_when_arm64_packages_appear() {
    let dir = tempfile::tempdir().unwrap();
    let listing = std::fs::read_to_string(fixture("dists-7.0.1.html"))
        .unwrap()
        .replace(
            "<a href=\"source/\">source/</a>",
            "<a href=\"binary-arm64/\">binary-arm64/</a>",
        );
    let path = dir.path().join("dists.html");
    std::fs::write(&path, listing).unwrap();
    let out = summary(
        "7.0.0",
        "7.0.1",
        &fixture("Packages-7.0.1"),
        &["--dists-listing", path.to_str().unwrap()],
    );
    let got = ok(&out);
    assert!(
        got.contains("Architectures published for Ubuntu 24.04: amd64, arm64."),
        "{got}"
    );
    assert!(got.contains("consider adding linux/arm64"), "{got}");
}
