//! The values reference in chart/README.md: it is exactly what `onechart
//! schema --markdown` prints (else stale: regenerate it), it has a row for
//! every key of chart/values.yaml and no other, and `--update` rewrites only
//! the lines between its markers.

mod support;

use std::collections::BTreeSet;

use support::{onechart, root, run, stdout_of};
use yaml_rust2::{Yaml, YamlLoader};

const BEGIN: &str = "<!-- values-reference:begin (generated: onechart schema --markdown --update chart/README.md) -->\n";
const END: &str = "<!-- values-reference:end -->\n";

fn between_markers(text: &str) -> &str {
    let start = text.find(BEGIN).expect("begin marker") + BEGIN.len();
    let end = text.find(END).expect("end marker");
    &text[start..end]
}

#[test]
fn chart_readme_table_is_current() {
    let readme = std::fs::read_to_string(root().join("chart/README.md")).unwrap();
    let printed = stdout_of(onechart().args(["schema", "--markdown"]));
    assert!(
        between_markers(&readme) == printed,
        "chart/README.md's values reference is stale; regenerate it with\n  \
         cargo run -- schema --markdown --update chart/README.md"
    );
}

/// The first cell of every row: `path.of.key`.
fn row_keys(table: &str) -> Vec<String> {
    table
        .lines()
        .skip(2)
        .map(|row| {
            let key = row.split(" | ").next().unwrap();
            key.trim_start_matches("| `")
                .trim_end_matches('`')
                .to_string()
        })
        .collect()
}

/// Every key of values.yaml that has a row, descending into a map only
/// when the map itself has none; a key with neither fails.
fn covered(yaml: &Yaml, path: &str, rows: &BTreeSet<String>, out: &mut Vec<String>) {
    let Yaml::Hash(map) = yaml else {
        panic!("{path}: not a map");
    };
    for (key, value) in map {
        let key = key.as_str().unwrap();
        let path = if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        };
        if rows.contains(&path) {
            out.push(path);
        } else if matches!(value, Yaml::Hash(h) if !h.is_empty()) {
            covered(value, &path, rows, out);
        } else {
            panic!("values.yaml key {path} has no row in the values reference");
        }
    }
}

#[test]
fn every_key_of_values_yaml_has_one_row() {
    let table = stdout_of(onechart().args(["schema", "--markdown"]));
    let keys = row_keys(&table);
    let rows: BTreeSet<String> = keys.iter().cloned().collect();
    assert_eq!(rows.len(), keys.len(), "a key has two rows");
    let values = std::fs::read_to_string(root().join("chart/values.yaml")).unwrap();
    let values = YamlLoader::load_from_str(&values).unwrap().remove(0);
    let mut seen = Vec::new();
    covered(&values, "", &rows, &mut seen);
    assert_eq!(
        seen, keys,
        "rows that are not keys of values.yaml, or out of order"
    );
    assert!(keys.len() > 80, "{} rows", keys.len());
    for row in table.lines().skip(2) {
        assert_eq!(row.matches(" | ").count(), 3, "not four cells: {row}");
        let description = row.rsplit(" | ").next().unwrap();
        assert!(description.len() > 3, "no description: {row}");
    }
}

#[test]
fn update_rewrites_only_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("README.md");
    let before = format!("# Title\n\ntext | with a pipe\n\n{BEGIN}| stale |\n{END}\nafter\n");
    std::fs::write(&path, &before).unwrap();
    let out = run(onechart()
        .args(["schema", "--markdown", "--update"])
        .arg(&path));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let after = std::fs::read_to_string(&path).unwrap();
    let table = stdout_of(onechart().args(["schema", "--markdown"]));
    assert_eq!(
        after,
        format!("# Title\n\ntext | with a pipe\n\n{BEGIN}{table}{END}\nafter\n")
    );
    // A second run changes nothing.
    run(onechart()
        .args(["schema", "--markdown", "--update"])
        .arg(&path));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), after);
}

#[test]
fn update_without_markers_fails_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("README.md");
    for text in [
        "no markers\n".to_string(),
        format!("{END}{BEGIN}"),
        format!("{BEGIN}{BEGIN}{END}"),
    ] {
        std::fs::write(&path, &text).unwrap();
        let out = run(onechart()
            .args(["schema", "--markdown", "--update"])
            .arg(&path));
        assert_eq!(out.status.code(), Some(1));
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("README.md"), "{stderr}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
    let out = run(onechart().args(["schema", "--update", "x.md"]));
    assert!(!out.status.success(), "--update needs --markdown");
}
