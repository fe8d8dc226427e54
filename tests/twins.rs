//! The two template trees are twins: `chart/templates/` (Go templates, what
//! helm renders) and `templates/` (minijinja, what onechart renders) hold the
//! same manifest files, and in each pair the literal lines (the lines outside
//! every template action) are the same lines in the same order.
//!
//! This is the offline check of the twins: a one-sided edit of a port, a
//! label or an indentation fails here in a second, with both files and their
//! line numbers named; the goldens (tests/conformance.rs) and real helm catch
//! the rest. What is compared:
//! - the files: every file of `chart/templates/` except `NOTES.txt` (not a
//!   manifest) and `_*` partials (Go-only helpers) has a twin of the same
//!   relative path in `templates/`, and `templates/` has nothing else;
//! - the lines: a line is literal when no template action (`{{ }}` in Go;
//!   `{{ }}`, `{% %}`, `{# #}` in minijinja, each possibly spanning lines)
//!   starts, ends or continues on it; blank lines are left out.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use support::root;

const GO: &[(&str, &str)] = &[("{{", "}}")];
const MINIJINJA: &[(&str, &str)] = &[("{{", "}}"), ("{%", "%}"), ("{#", "#}")];

/// The literal lines of a template: (line number from 1, line).
fn literal_lines<'a>(text: &'a str, delimiters: &[(&str, &str)]) -> Vec<(usize, &'a str)> {
    let mut out = Vec::new();
    let mut closing: Option<&str> = None;
    for (index, line) in text.lines().enumerate() {
        let mut touched = closing.is_some();
        let mut rest = line;
        while !rest.is_empty() {
            match closing {
                Some(close) => match rest.find(close) {
                    Some(at) => {
                        rest = &rest[at + close.len()..];
                        closing = None;
                    }
                    None => rest = "",
                },
                None => {
                    let next = delimiters
                        .iter()
                        .filter_map(|(open, close)| rest.find(open).map(|at| (at, *open, *close)))
                        .min_by_key(|(at, _, _)| *at);
                    match next {
                        Some((at, open, close)) => {
                            touched = true;
                            rest = &rest[at + open.len()..];
                            closing = Some(close);
                        }
                        None => rest = "",
                    }
                }
            }
        }
        if !touched && !line.trim().is_empty() {
            out.push((index + 1, line));
        }
    }
    out
}

/// The manifest templates under `dir`, as paths relative to it.
fn manifest_files(dir: &Path) -> BTreeSet<String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy();
            if name == "NOTES.txt" || name.starts_with('_') {
                continue;
            }
            let rel = path.strip_prefix(base).unwrap();
            out.insert(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

/// What differs between the chart's templates and their twins under `base`
/// (`base/chart/templates/` and `base/templates/`), one message each.
fn differences(base: &Path) -> Vec<String> {
    let (chart_dir, twin_dir) = ("chart/templates", "templates");
    let chart = manifest_files(&base.join(chart_dir));
    let twins = manifest_files(&base.join(twin_dir));
    let mut out = Vec::new();
    for missing in chart.difference(&twins) {
        out.push(format!(
            "{chart_dir}/{missing} has no twin {twin_dir}/{missing}"
        ));
    }
    for extra in twins.difference(&chart) {
        out.push(format!(
            "{twin_dir}/{extra} has no counterpart {chart_dir}/{extra}"
        ));
    }
    for file in chart.intersection(&twins) {
        let a_name = format!("{chart_dir}/{file}");
        let b_name = format!("{twin_dir}/{file}");
        let a_text = std::fs::read_to_string(base.join(&a_name)).unwrap();
        let b_text = std::fs::read_to_string(base.join(&b_name)).unwrap();
        let a = literal_lines(&a_text, GO);
        let b = literal_lines(&b_text, MINIJINJA);
        if let Some(message) = first_difference(&a_name, &a, &b_name, &b) {
            out.push(message);
        }
    }
    out
}

/// The first pair of literal lines that differ, naming both files and lines.
fn first_difference(
    a_name: &str,
    a: &[(usize, &str)],
    b_name: &str,
    b: &[(usize, &str)],
) -> Option<String> {
    let end = |lines: &[(usize, &str)]| lines.last().map_or(0, |(n, _)| *n);
    for i in 0..a.len().max(b.len()) {
        match (a.get(i), b.get(i)) {
            (Some((na, la)), Some((nb, lb))) if la != lb => {
                return Some(format!(
                    "literal line {} differs: {a_name}:{na} {la:?} vs {b_name}:{nb} {lb:?}",
                    i + 1
                ));
            }
            (Some((na, la)), None) => {
                return Some(format!(
                    "{a_name}:{na} {la:?} has no counterpart in {b_name} (its literal lines end at line {})",
                    end(b)
                ));
            }
            (None, Some((nb, lb))) => {
                return Some(format!(
                    "{b_name}:{nb} {lb:?} has no counterpart in {a_name} (its literal lines end at line {})",
                    end(a)
                ));
            }
            _ => {}
        }
    }
    None
}

#[test]
fn the_template_trees_are_twins() {
    let problems = differences(root());
    assert!(
        problems.is_empty(),
        "chart/templates/ and templates/ drifted apart (edit both twins):\n{}",
        problems.join("\n")
    );
}

#[test]
fn literal_lines_leave_out_every_template_action() {
    let go = "a: 1\n{{/* a comment\n   on two lines */}}\nb: {{ .x }}\n\n  c: 2\n{{- if .y }}\nd\n{{- end }}\n";
    assert_eq!(
        literal_lines(go, GO),
        [(1, "a: 1"), (6, "  c: 2"), (8, "d")]
    );
    let jinja = "a: 1\n{# a comment\n   on two lines #}\nb: {{ x }}\n  c: 2\n{%- if y %}\nd\n{%- endif %}\n{% set z = {\n  'k': 1} %}\ne\n";
    assert_eq!(
        literal_lines(jinja, MINIJINJA),
        [(1, "a: 1"), (5, "  c: 2"), (7, "d"), (11, "e")]
    );
    // A Go template does not know `{%`: the line is literal there.
    assert_eq!(literal_lines("x: {% y %}\n", GO), [(1, "x: {% y %}")]);
}

/// A scratch copy of both template trees.
fn scratch() -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    copy(
        &root().join("chart/templates"),
        &tmp.path().join("chart/templates"),
    );
    copy(&root().join("templates"), &tmp.path().join("templates"));
    tmp
}

/// Replaces the first `from` in `base/file` by `to`; the line number edited.
fn edit(base: &Path, file: &str, from: &str, to: &str) -> usize {
    let path = base.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text
        .find(from)
        .unwrap_or_else(|| panic!("{file} no longer holds {from:?}: pick another edit"));
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    text[..at].matches('\n').count() + 1
}

#[test]
fn a_one_sided_edit_fails_naming_both_files_and_the_line() {
    let edits = [
        ("a port", "      port: 2633", "      port: 2644"),
        (
            "a label",
            "    app.kubernetes.io/component: opennebula",
            "    app.kubernetes.io/component: one",
        ),
        (
            "an indentation",
            "      targetPort: oned\n",
            "        targetPort: oned\n",
        ),
    ];
    let untouched = scratch();
    assert_eq!(differences(untouched.path()), Vec::<String>::new());
    for (what, from, to) in edits {
        for (side, other) in [
            ("chart/templates/service.yaml", "templates/service.yaml"),
            ("templates/service.yaml", "chart/templates/service.yaml"),
        ] {
            let tmp = scratch();
            let line = edit(tmp.path(), side, from, to);
            let other_line = std::fs::read_to_string(tmp.path().join(other))
                .unwrap()
                .lines()
                .position(|l| l == from.trim_end_matches('\n'))
                .unwrap()
                + 1;
            let problems = differences(tmp.path());
            assert_eq!(problems.len(), 1, "{what} in {side}: {problems:?}");
            let message = &problems[0];
            for place in [format!("{side}:{line} "), format!("{other}:{other_line} ")] {
                assert!(
                    message.contains(&place),
                    "{what} in {side}: {message:?} does not name {place:?}"
                );
            }
        }
    }
}

#[test]
fn a_file_on_one_side_only_fails() {
    let tmp = scratch();
    std::fs::remove_file(tmp.path().join("templates/ingress.yaml")).unwrap();
    std::fs::write(tmp.path().join("templates/extra.yaml"), "kind: Extra\n").unwrap();
    assert_eq!(
        differences(tmp.path()),
        [
            "chart/templates/ingress.yaml has no twin templates/ingress.yaml",
            "templates/extra.yaml has no counterpart chart/templates/extra.yaml",
        ]
    );
    // Partials and NOTES.txt belong to the chart alone.
    let tmp = scratch();
    std::fs::write(tmp.path().join("chart/templates/_more.tpl"), "{{/* */}}\n").unwrap();
    assert_eq!(differences(tmp.path()), Vec::<String>::new());
}

#[test]
fn an_extra_literal_line_on_one_side_fails() {
    let tmp = scratch();
    let line = edit(
        tmp.path(),
        "templates/service.yaml",
        "      protocol: UDP\n",
        "      protocol: UDP\n      appProtocol: udp\n",
    ) + 1;
    let problems = differences(tmp.path());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains(&format!(
            "templates/service.yaml:{line} \"      appProtocol: udp\""
        )),
        "{problems:?}"
    );
    let tmp = scratch();
    let path = tmp.path().join("chart/templates/service.yaml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("# the end\n");
    std::fs::write(&path, &text).unwrap();
    let twin = std::fs::read_to_string(tmp.path().join("templates/service.yaml")).unwrap();
    let problems = differences(tmp.path());
    assert_eq!(
        problems,
        [format!(
            "chart/templates/service.yaml:{} \"# the end\" has no counterpart in templates/service.yaml (its literal lines end at line {})",
            text.lines().count(),
            literal_lines(&twin, MINIJINJA).last().unwrap().0
        )]
    );
}
