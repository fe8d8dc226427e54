//! `index.yaml` as Helm models it (`pkg/repo/v1/index.go`): read strictly,
//! as Helm clients read it (an unknown key is an error), and written as
//! `sigs.k8s.io/yaml` marshals it (keys sorted, empty fields left out,
//! timestamps quoted).

use anyhow::{anyhow, bail, Context, Result};
use indexmap::IndexMap;

use crate::chartfile::{Chartfile, Fields, KEYS};
use crate::timestamp::Timestamp;
use crate::version::Version;
use crate::yaml::{emit, load, Map, Value};

/// A repository index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexFile {
    pub generated: String,
    /// Chart name to its versions, newest first once sorted.
    pub entries: IndexMap<String, Vec<Entry>>,
    pub public_keys: Vec<String>,
    pub annotations: Vec<(String, String)>,
    /// Kept as read (ChartMuseum writes it).
    pub server_info: Option<Value>,
}

/// One chart version of the index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    pub metadata: Chartfile,
    pub urls: Vec<String>,
    pub created: String,
    pub removed: bool,
    pub digest: String,
    /// Helm 2's fields (`checksum`, `engine`, `tillerVersion`, `url`), kept
    /// when a merged index has them.
    pub legacy: Vec<(&'static str, String)>,
}

const TOP_KEYS: &[&str] = &[
    "serverInfo",
    "apiVersion",
    "generated",
    "entries",
    "publicKeys",
    "annotations",
];

const LEGACY_KEYS: [&str; 4] = ["checksum", "engine", "tillerVersion", "url"];

/// The keys of an entry: the chart's and the index's own.
static ENTRY_KEYS: std::sync::LazyLock<&'static [&'static str]> = std::sync::LazyLock::new(|| {
    let mut keys: Vec<&'static str> = KEYS.to_vec();
    keys.extend(["urls", "created", "removed", "digest"]);
    keys.extend(LEGACY_KEYS);
    Vec::leak(keys)
});

/// Go's zero `time.Time`, as an entry without `created` is written back.
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

impl IndexFile {
    /// Reads an index as `helm repo add` does: JSON leniently, YAML strictly.
    pub fn parse(text: &str) -> Result<IndexFile> {
        if text.trim().is_empty() {
            bail!("empty index.yaml file");
        }
        let strict = serde_json::from_str::<serde_json::Value>(text).is_err();
        let Value::Map(map) = load::load_first(text).map_err(|e| anyhow!("{e}"))? else {
            bail!("expected a map of keys");
        };
        let top = Fields::new(&map, TOP_KEYS, strict)?;
        if top.string("apiVersion")?.is_empty() {
            bail!("no API version specified");
        }
        let mut index = IndexFile {
            generated: time(top.get("generated"), "generated")?,
            public_keys: top.strings("publicKeys")?,
            server_info: top.get("serverInfo").cloned(),
            ..IndexFile::default()
        };
        match top.get("annotations") {
            None | Some(Value::Null) => {}
            Some(Value::Map(map)) => {
                for (k, v) in map {
                    let Value::String(v) = v else {
                        bail!("`annotations.{}` must be a string", crate::values::shown(k));
                    };
                    index.annotations.push((k.clone(), v.clone()));
                }
            }
            Some(_) => bail!("`annotations` must be a map"),
        }
        match top.get("entries") {
            None | Some(Value::Null) => {}
            Some(Value::Map(entries)) => {
                for (name, versions) in entries {
                    let list = match versions {
                        Value::Null => Vec::new(),
                        Value::Seq(items) => items
                            .iter()
                            .enumerate()
                            .filter(|(_, item)| **item != Value::Null)
                            .map(|(i, item)| {
                                Entry::parse(item, strict).with_context(|| {
                                    format!("entries.{}[{i}]", crate::values::shown(name))
                                })
                            })
                            .collect::<Result<_>>()?,
                        _ => bail!("`entries.{}` must be a list", crate::values::shown(name)),
                    };
                    index.entries.insert(name.clone(), list);
                }
            }
            Some(_) => bail!("`entries` must be a map"),
        }
        Ok(index)
    }

    /// Sorts every chart's versions newest first (SemVer, unparsable last).
    pub fn sort_entries(&mut self) {
        for versions in self.entries.values_mut() {
            versions.sort_by(|a, b| {
                let a = Version::parse(&a.metadata.version);
                let b = Version::parse(&b.metadata.version);
                match (a, b) {
                    (Some(a), Some(b)) => b.cmp(&a),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                }
            });
        }
    }

    /// The index as `helm repo index` writes it.
    pub fn to_yaml(&self) -> String {
        let mut map = Map::new();
        map.insert("apiVersion".into(), Value::String("v1".into()));
        let entries = self
            .entries
            .iter()
            .map(|(name, versions)| {
                let items = versions.iter().map(|e| Value::Map(e.to_map())).collect();
                (name.clone(), Value::Seq(items))
            })
            .collect();
        map.insert("entries".into(), Value::Map(entries));
        map.insert("generated".into(), Value::String(self.generated.clone()));
        if !self.public_keys.is_empty() {
            let keys = self.public_keys.iter().cloned().map(Value::String);
            map.insert("publicKeys".into(), Value::Seq(keys.collect()));
        }
        if !self.annotations.is_empty() {
            map.insert("annotations".into(), Value::string_map(&self.annotations));
        }
        match &self.server_info {
            None | Some(Value::Null) => {}
            Some(Value::Map(m)) if m.is_empty() => {}
            Some(info) => {
                map.insert("serverInfo".into(), info.clone());
            }
        }
        let mut out = emit::to_yaml(&Value::Map(map));
        out.push('\n');
        out
    }
}

impl Entry {
    fn parse(item: &Value, strict: bool) -> Result<Entry> {
        let Value::Map(map) = item else {
            bail!("must be a map, not {}", item.type_name());
        };
        let fields = Fields::new(map, &ENTRY_KEYS, strict)?;
        let mut metadata = Chartfile::default();
        metadata.read(&fields)?;
        let mut legacy = Vec::new();
        for key in LEGACY_KEYS {
            let value = fields.string(key)?;
            if !value.is_empty() {
                legacy.push((key, value));
            }
        }
        Ok(Entry {
            metadata,
            urls: fields.strings("urls")?,
            created: time(fields.get("created"), "created")?,
            removed: fields.bool("removed")?,
            digest: fields.string("digest")?,
            legacy,
        })
    }

    fn to_map(&self) -> Map {
        let mut map = self.metadata.to_map();
        let urls = self.urls.iter().cloned().map(Value::String).collect();
        map.insert("urls".into(), Value::Seq(urls));
        map.insert("created".into(), Value::String(self.created.clone()));
        if self.removed {
            map.insert("removed".into(), Value::Bool(true));
        }
        if !self.digest.is_empty() {
            map.insert("digest".into(), Value::String(self.digest.clone()));
        }
        for (key, value) in &self.legacy {
            map.insert((*key).into(), Value::String(value.clone()));
        }
        map
    }
}

/// A Go `time.Time` field: RFC 3339, written back in Go's form.
fn time(value: Option<&Value>, name: &str) -> Result<String> {
    match value {
        None | Some(Value::Null) => Ok(ZERO_TIME.into()),
        Some(Value::String(s)) => Ok(Timestamp::parse(s)
            .with_context(|| format!("`{name}`"))?
            .to_rfc3339_nano()),
        Some(other) => bail!("`{name}` must be a time, not {}", other.type_name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = "apiVersion: v1\nentries:\n  nginx:\n  - apiVersion: v2\n    \
        appVersion: 1.16.0\n    created: \"2023-02-14T15:50:01.928787+05:30\"\n    \
        description: A Helm chart for Kubernetes\n    \
        digest: 3bad3b83dfc1f92d4b927bd834eef0ca265c6b48ae021911af66296ea060d276\n    \
        name: nginx\n    type: application\n    urls:\n    \
        - https://example.github.io/helm-chart/nginx-1.0.0.tgz\n    version: 1.0.0\n\
        generated: \"2023-02-14T15:50:01.927468+05:30\"\n";

    #[test]
    fn round_trips_helms_output() {
        let index = IndexFile::parse(INDEX).unwrap();
        assert_eq!(index.to_yaml(), INDEX);
    }

    #[test]
    fn unknown_keys_fail_like_helm_clients() {
        let text = INDEX.replace("    name: nginx\n", "    name: nginx\n    extra: 1\n");
        let err = IndexFile::parse(&text).unwrap_err();
        assert_eq!(format!("{err:#}"), "entries.nginx[0]: unknown key `extra`");
        let err = IndexFile::parse("entries: {}\n").unwrap_err();
        assert_eq!(err.to_string(), "no API version specified");
        // A key with a line break (found by fuzz/): the message stays one line.
        let err = IndexFile::parse("apiVersion: v1\n\"a\\nb\": 1\n").unwrap_err();
        assert_eq!(err.to_string(), "unknown key `a\\nb`");
    }

    #[test]
    fn empty_index_writes_empty_entries() {
        let index = IndexFile {
            generated: ZERO_TIME.into(),
            ..IndexFile::default()
        };
        assert_eq!(
            index.to_yaml(),
            "apiVersion: v1\nentries: {}\ngenerated: \"0001-01-01T00:00:00Z\"\n"
        );
    }

    #[test]
    fn versions_sort_newest_first() {
        let mut index = IndexFile::default();
        let entry = |v: &str| Entry {
            metadata: Chartfile {
                version: v.into(),
                ..Chartfile::default()
            },
            ..Entry::default()
        };
        index.entries.insert(
            "a".into(),
            ["1.0.0", "junk", "1.10.0", "1.2.0-rc.1", "1.2.0"]
                .map(entry)
                .to_vec(),
        );
        index.sort_entries();
        let order: Vec<&str> = index.entries["a"]
            .iter()
            .map(|e| e.metadata.version.as_str())
            .collect();
        assert_eq!(order, ["1.10.0", "1.2.0", "1.2.0-rc.1", "1.0.0", "junk"]);
    }
}
