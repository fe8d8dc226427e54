//! The OpenNebula chart compiled into the binary, and its metadata.

use anyhow::{bail, Context, Result};

use crate::yaml::{load, Value};

include!(concat!(env!("OUT_DIR"), "/chart_files.rs"));

/// The chart's `values.yaml`: the defaults every render starts from.
pub const VALUES_YAML: &str = include_str!("../chart/values.yaml");

/// `values.yaml` without its comment lines (written by `build.rs`): the same
/// values, several times faster to parse.
pub const DEFAULTS_YAML: &str = include_str!(concat!(env!("OUT_DIR"), "/values_data.yaml"));

/// The chart's `Chart.yaml`.
pub const CHART_YAML: &str = include_str!("../chart/Chart.yaml");

/// What the templates need from `Chart.yaml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    pub name: String,
    pub version: String,
    pub app_version: String,
    pub kube_version: String,
}

impl Metadata {
    /// Reads the fields onechart uses from a `Chart.yaml`.
    pub fn parse(text: &str) -> Result<Metadata> {
        let map = load::load_values(text).context("Chart.yaml")?;
        let field = |key: &str| -> Result<String> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(other) => bail!(
                    "Chart.yaml: {key} must be a string, not {}",
                    other.type_name()
                ),
            }
        };
        Ok(Metadata {
            name: field("name")?,
            version: field("version")?,
            app_version: field("appVersion")?,
            kube_version: field("kubeVersion")?,
        })
    }

    /// The metadata of the embedded chart.
    pub fn embedded() -> Metadata {
        Metadata::parse(CHART_YAML).expect("the embedded Chart.yaml is valid")
    }
}

/// A text file of the embedded chart without its final newline, as the templates print
/// `.Files.Get PATH | trimSuffix "\n"`; empty when the chart has no such file.
pub fn text_file(path: &str) -> &'static str {
    FILES
        .iter()
        .find(|(p, _)| *p == path)
        .and_then(|(_, bytes)| std::str::from_utf8(bytes).ok())
        .map_or("", |text| text.strip_suffix('\n').unwrap_or(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_values_yaml_without_comments() {
        let documented = load::load_values(VALUES_YAML).unwrap();
        assert_eq!(load::load_values(DEFAULTS_YAML).unwrap(), documented);
        assert!(!DEFAULTS_YAML.contains("\n#") && DEFAULTS_YAML.len() < VALUES_YAML.len() / 2);
    }

    #[test]
    fn text_files_lose_their_final_newline_only() {
        let script = text_file("files/backup.sh");
        assert!(script.starts_with("#!/bin/bash\n") && !script.ends_with('\n'));
        assert_eq!(text_file("files/missing"), "");
    }
}
