//! The Artifact Hub metadata: the `artifacthub.io/*` annotations of
//! chart/Chart.yaml (the images are exactly those a default render deploys,
//! at the same tags) and `.github/artifacthub-repo.yml`, which release.yml
//! publishes at the root of the chart repository.

mod support;

use std::collections::BTreeSet;

use support::{onechart, root, stdout_of};
use yaml_rust2::{Yaml, YamlLoader};

fn chart() -> Yaml {
    let text = std::fs::read_to_string(root().join("chart/Chart.yaml")).unwrap();
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

/// An annotation whose value is itself YAML (a list of maps).
fn annotation_list(name: &str) -> Vec<Yaml> {
    let chart = chart();
    let text = chart["annotations"][name]
        .as_str()
        .unwrap_or_else(|| panic!("no annotation {name}"));
    match YamlLoader::load_from_str(text).unwrap().remove(0) {
        Yaml::Array(items) => items,
        other => panic!("{name} is not a list: {other:?}"),
    }
}

fn field<'a>(item: &'a Yaml, key: &str) -> &'a str {
    item[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {item:?}"))
}

/// Every `image:` of every rendered document.
fn images(yaml: &Yaml, out: &mut BTreeSet<String>) {
    match yaml {
        Yaml::Hash(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    (Some("image"), Yaml::String(image)) => {
                        out.insert(image.clone());
                    }
                    _ => images(value, out),
                }
            }
        }
        Yaml::Array(items) => items.iter().for_each(|i| images(i, out)),
        _ => {}
    }
}

#[test]
fn images_annotation_is_what_the_default_render_deploys() {
    let annotated: Vec<String> = annotation_list("artifacthub.io/images")
        .iter()
        .map(|i| field(i, "image").to_string())
        .collect();
    let unique: BTreeSet<String> = annotated.iter().cloned().collect();
    assert_eq!(unique.len(), annotated.len(), "an image listed twice");
    let mut rendered = BTreeSet::new();
    for doc in YamlLoader::load_from_str(&stdout_of(onechart().arg("render"))).unwrap() {
        images(&doc, &mut rendered);
    }
    assert_eq!(
        unique, rendered,
        "chart/Chart.yaml's artifacthub.io/images must list what `onechart render` deploys"
    );
    let listed = annotation_list("artifacthub.io/images");
    let names: BTreeSet<&str> = listed.iter().map(|i| field(i, "name")).collect();
    assert_eq!(names.len(), annotated.len(), "names must be unique");
}

/// The OpenNebula image is the only one whose tag follows appVersion, and
/// the version watch moves both (tests/workflows.rs).
#[test]
fn opennebula_image_is_at_app_version() {
    let app_version = chart()["appVersion"].as_str().unwrap().to_string();
    let opennebula: Vec<String> = annotation_list("artifacthub.io/images")
        .iter()
        .filter(|i| field(i, "name") == "opennebula")
        .map(|i| field(i, "image").to_string())
        .collect();
    assert_eq!(opennebula.len(), 1);
    assert!(
        opennebula[0].ends_with(&format!("/opennebula:{app_version}")),
        "{} is not at appVersion {app_version}",
        opennebula[0]
    );
}

#[test]
fn license_changes_and_links_are_what_artifact_hub_reads() {
    let chart = chart();
    let cargo = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let license = chart["annotations"]["artifacthub.io/license"]
        .as_str()
        .unwrap();
    assert!(
        cargo.contains(&format!("license = \"{license}\"")),
        "the chart's license {license} is not the crate's"
    );
    let changes = annotation_list("artifacthub.io/changes");
    assert!(!changes.is_empty());
    for change in &changes {
        let kind = field(change, "kind");
        assert!(
            [
                "added",
                "changed",
                "deprecated",
                "removed",
                "fixed",
                "security"
            ]
            .contains(&kind),
            "unknown kind {kind}"
        );
        assert!(field(change, "description").len() > 10);
    }
    for link in annotation_list("artifacthub.io/links") {
        assert!(!field(&link, "name").is_empty());
        assert!(field(&link, "url").starts_with("https://"));
    }
    // Every annotation value is a string, as Helm requires.
    for (key, value) in chart["annotations"].as_hash().unwrap() {
        assert!(value.as_str().is_some(), "{key:?} is not a string");
    }
}

#[test]
fn repository_metadata_file_is_valid() {
    let text = std::fs::read_to_string(root().join(".github/artifacthub-repo.yml")).unwrap();
    let doc = YamlLoader::load_from_str(&text).unwrap().remove(0);
    let id = doc["repositoryID"].as_str().expect("repositoryID");
    let is_uuid = id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    assert!(
        id.is_empty() || is_uuid,
        "repositoryID {id:?} is not a UUID"
    );
    for owner in doc["owners"].as_vec().expect("owners") {
        assert!(!field(owner, "name").is_empty());
        assert!(field(owner, "email").contains('@'));
    }
    for (key, _) in doc.as_hash().unwrap() {
        assert!(
            ["repositoryID", "owners", "ignore"].contains(&key.as_str().unwrap()),
            "{key:?} is not an Artifact Hub repository field"
        );
    }
}
