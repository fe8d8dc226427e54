//! The checks of the fuzz targets, shared by the cargo-fuzz targets in
//! `fuzz_targets/` and by `tests/fuzz_corpus.rs`, which replays the
//! committed corpus through them on every `cargo test`. Each reads one
//! kind of untrusted input with onechart's own reader and checks more than
//! "no panic": what it accepts reads back the same, and its errors are one
//! line.

#![allow(dead_code)]

use std::io::Read;

/// An error message, which must be one line.
fn one_line(err: &anyhow::Error) {
    let text = format!("{err:#}");
    assert!(!text.contains('\n'), "a multi-line error: {text:?}");
}

/// The tar reader as `onechart index` uses it (the first `<top>/Chart.yaml`
/// and every entry), on raw tar bytes and gzipped, and the writer's output
/// read back.
pub fn tar(data: &[u8]) {
    if let Err(err) = onechart::index::chart_yaml(&mut &data[..]) {
        one_line(&err);
    }
    let mut reader = onechart::tar::Reader::new(data);
    let mut entries = 0;
    loop {
        match reader.next_file() {
            Ok(Some(entry)) => {
                entries += 1;
                if entry.size <= 1 << 20 {
                    if let Ok(bytes) = reader.read_to_vec() {
                        assert_eq!(bytes.len() as u64, entry.size);
                    }
                }
            }
            Ok(None) => break,
            Err(err) => {
                one_line(&err);
                break;
            }
        }
        assert!(entries <= data.len() / 512, "more entries than blocks");
    }
    // What the writer writes, the reader reads back: paths and bytes from
    // the input, split at NULs.
    let mut writer = onechart::tar::Writer::default();
    let mut files = Vec::new();
    for (i, part) in data.split(|b| *b == 0).take(8).enumerate() {
        let text = String::from_utf8_lossy(part);
        let path = format!("c/{}{i}", text.replace(['/', '\0'], "_"));
        let mtime = part
            .iter()
            .fold(0u64, |m, b| m.wrapping_mul(31).wrapping_add(u64::from(*b)));
        writer.file(&path, part, mtime % (1 << 40));
        files.push((path, part.to_vec()));
    }
    let archive = writer.finish();
    let mut reader = onechart::tar::Reader::new(archive.as_slice());
    for (path, bytes) in files {
        let entry = reader.next_file().expect("own archive").expect("an entry");
        assert_eq!(entry.path, path);
        assert_eq!(reader.read_to_vec().expect("own archive"), bytes);
    }
    assert!(reader.next_file().expect("own archive").is_none());
}

/// [`tar`] of the gunzipped input, as `onechart index` reads an archive.
pub fn tgz(data: &[u8]) {
    let mut tar = Vec::new();
    let _ = flate2::read::GzDecoder::new(data)
        .take(4 << 20)
        .read_to_end(&mut tar);
    self::tar(&tar);
}

/// Splits the input at its first NUL into two strings.
fn two(data: &[u8]) -> (String, String) {
    let (a, b) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    (
        String::from_utf8_lossy(a).into_owned(),
        String::from_utf8_lossy(b).into_owned(),
    )
}

/// `render -s` and `.helmignore` patterns: Go's `filepath.Match`.
pub fn glob(data: &[u8]) {
    let (pattern, name) = two(data);
    let matched = onechart::glob::glob_match(&pattern, &name);
    // Without metacharacters, a pattern matches exactly itself.
    if !pattern.contains(['*', '?', '[', '\\']) {
        assert_eq!(matched, Some(pattern == name), "{pattern:?} {name:?}");
    }
    // Every character escaped, the name matches itself.
    let escaped: String = name.chars().flat_map(|c| ['\\', c]).collect();
    assert_eq!(onechart::glob::glob_match(&escaped, &name), Some(true));
    // A lone star matches any name without a /.
    assert_eq!(
        onechart::glob::glob_match("*", &name),
        Some(!name.contains('/'))
    );
}

/// A chart's `.helmignore`, applied to its own lines as paths.
pub fn helmignore(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match onechart::package::ignore::Rules::parse(&text) {
        Ok(rules) => {
            assert!(!rules.ignores("", true));
            assert!(!rules.ignores(".", true));
            for line in text.lines().take(64) {
                let path = line.trim().trim_start_matches(['!', '/']);
                for is_dir in [false, true] {
                    rules.ignores(path, is_dir);
                    rules.ignores(&format!("templates/{path}"), is_dir);
                }
            }
        }
        Err(err) => one_line(&err),
    }
}

/// `Chart.yaml`: what onechart accepts and rewrites (as `helm package`
/// does) reads back as the same chart (an apiVersion v1 chart without its
/// dependencies, which Helm writes to requirements.yaml).
pub fn chart_yaml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut chart = match onechart::chartfile::Chartfile::parse(&text) {
        Ok(chart) => chart,
        Err(err) => return one_line(&err),
    };
    if chart.api_version.is_empty() {
        chart.api_version = "v1".into();
    }
    if let Err(err) = chart.validate() {
        return one_line(&err);
    }
    let written = chart.to_yaml();
    if yaml_1_1_breaks(&written) {
        return;
    }
    let mut again = onechart::chartfile::Chartfile::parse(&written)
        .unwrap_or_else(|e| panic!("own Chart.yaml {written:?}: {e:#}"));
    again
        .validate()
        .unwrap_or_else(|e| panic!("own Chart.yaml {written:?}: {e:#}"));
    // Helm writes an apiVersion v1 chart's dependencies to requirements.yaml,
    // not Chart.yaml.
    if chart.api_version == "v1" {
        chart.dependencies.clear();
    }
    // Annotations are a map: written with sorted keys, as Go's are.
    chart.annotations.sort();
    again.annotations.sort();
    assert_eq!(again, chart, "{written}");
    assert_eq!(again.to_yaml(), written);
}

/// `index.yaml` and `--merge`: what onechart accepts and writes reads back
/// as the same index.
pub fn index_yaml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut index = match onechart::index::file::IndexFile::parse(&text) {
        Ok(index) => index,
        Err(err) => return one_line(&err),
    };
    index.sort_entries();
    let written = index.to_yaml();
    let again = onechart::index::file::IndexFile::parse(&written)
        .unwrap_or_else(|e| panic!("own index.yaml {written:?}: {e:#}"));
    if !yaml_1_1_breaks(&written) {
        assert_eq!(again.to_yaml(), written);
    }
}

/// Whether the text holds U+0085, U+2028 or U+2029: line breaks to
/// yaml.v2's emitter (YAML 1.1), which onechart's writes as yaml.v2 does,
/// ordinary characters to onechart's reader (YAML 1.2), so such text does
/// not read back the same (a known difference, see README).
fn yaml_1_1_breaks(text: &str) -> bool {
    text.contains(['\u{85}', '\u{2028}', '\u{2029}'])
}

/// `--kube-version` and kubeVersion constraints: a version that parses
/// prints as one that parses to the same version.
pub fn kube_version(data: &[u8]) {
    use onechart::kube_version::{parse_flag, satisfies};
    let (flag, constraint) = two(data);
    match parse_flag(&flag) {
        Ok(version) => {
            let printed = version.to_kube_string();
            let again = parse_flag(&printed).expect("a printed version parses");
            assert_eq!(again.to_kube_string(), printed);
            for c in [">=1.26.0-0", "<1.20 || >=1.26", constraint.as_str()] {
                if let Ok(yes) = satisfies(c, &version) {
                    assert_eq!(satisfies(c, &again).ok(), Some(yes));
                }
            }
        }
        Err(err) => one_line(&err),
    }
}
