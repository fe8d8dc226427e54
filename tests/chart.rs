//! The Helm chart itself, checked with real helm: it lints, its NOTES never
//! show a password, and a packaged chart keeps the `helm test` pod.

mod support;

use std::io::Read;

use support::{helm, helms, root, run, stdout_of, tool};

#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn chart_lints_with_defaults_and_every_example() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    for (name, path) in helms() {
        let out = run(helm(&path, home).args(["lint", "--strict", "chart"]));
        assert!(
            out.status.success(),
            "{name} lint: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        for entry in std::fs::read_dir(root().join("values")).unwrap() {
            let file = entry.unwrap().path();
            let out = run(helm(&path, home).args(["lint", "chart", "-f"]).arg(&file));
            assert!(
                out.status.success(),
                "{name} lint -f {}: {}",
                file.display(),
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }
}

/// Helm 4 renders NOTES without a cluster (`install --dry-run=client`);
/// Helm 3.17 still asks the cluster for its version there, so it is left out.
#[test]
#[ignore = "needs helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn notes_never_print_a_password() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let password = "Not-In-Notes-42";
    let encoded = "Tm90LUluLU5vdGVzLTQy";
    let path = tool("helm4");
    let out = stdout_of(helm(&path, home).args([
        "install",
        "one",
        "chart",
        "-n",
        "cloud",
        "--dry-run=client",
        "--set",
        &format!("opennebula.adminPassword={password},hypervisorService.enabled=true"),
    ]));
    let notes = out
        .split("NOTES:")
        .nth(1)
        .unwrap_or_else(|| panic!("helm4: no NOTES in {out}"));
    assert!(
        notes.contains("get secret one-opennebula-credentials"),
        "helm4: {notes}"
    );
    assert!(
        notes.contains("one-opennebula-hypervisor"),
        "helm4: {notes}"
    );
    assert!(
        !notes.contains(password) && !notes.contains(encoded),
        "helm4 NOTES show the password"
    );
}

/// The entry names of a chart archive.
fn listing(archive: &std::path::Path) -> Vec<String> {
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(archive).unwrap())
        .read_to_end(&mut tar)
        .unwrap();
    let mut reader = onechart::tar::Reader::new(tar.as_slice());
    let mut names = Vec::new();
    while let Some(entry) = reader.next_file().unwrap() {
        names.push(entry.path);
    }
    names
}

#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn packaged_chart_keeps_the_test_pod() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    for (name, path) in helms() {
        let dest = home.join(name);
        stdout_of(
            helm(&path, home)
                .args(["package", "chart", "-d"])
                .arg(&dest),
        );
        let archive = dest.join("opennebula-0.1.0.tgz");
        let listing = listing(&archive);
        assert!(
            listing
                .iter()
                .any(|l| l == "opennebula/templates/tests/test-connection.yaml"),
            "{name}: test pod missing from the package: {listing:?}"
        );
        let shown = stdout_of(
            helm(&path, home)
                .args(["template", "one"])
                .arg(&archive)
                .args(["-s", "templates/tests/test-connection.yaml"]),
        );
        assert!(shown.contains("helm.sh/hook: test"), "{shown}");
    }
}
