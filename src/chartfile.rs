//! `Chart.yaml` as Helm models it (`pkg/chart/v2/metadata.go`): read the
//! way `sigs.k8s.io/yaml` fills Go structs (keys matched case-insensitively,
//! unknown keys ignored, numbers and booleans accepted as strings),
//! validated with Helm's messages, and written back the way `helm package`
//! rewrites it (every empty field left out, keys sorted).

use anyhow::{anyhow, bail, Result};

use crate::version::Version;
use crate::yaml::{format_go_float, load, Map, Value};

/// A chart's metadata: every field Helm 3 and 4 know, nothing else.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chartfile {
    pub api_version: String,
    pub name: String,
    pub version: String,
    pub app_version: String,
    pub kube_version: String,
    pub description: String,
    pub chart_type: String,
    pub home: String,
    pub icon: String,
    pub condition: String,
    pub tags: String,
    pub deprecated: bool,
    pub sources: Vec<String>,
    pub keywords: Vec<String>,
    /// `None` for a null item, which validation rejects as Helm does.
    pub maintainers: Vec<Option<Maintainer>>,
    pub annotations: Vec<(String, String)>,
    pub dependencies: Vec<Option<Dependency>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Maintainer {
    pub name: String,
    pub email: String,
    pub url: String,
}

/// One entry of `dependencies` (`pkg/chart/v2/dependency.go`, the fields
/// released Helm versions know).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dependency {
    pub name: String,
    pub version: String,
    pub repository: String,
    pub condition: String,
    pub tags: Vec<String>,
    pub enabled: bool,
    pub import_values: Vec<Value>,
    pub alias: String,
}

/// The keys of [`Chartfile`], as Helm spells them.
pub const KEYS: &[&str] = &[
    "name",
    "home",
    "sources",
    "version",
    "description",
    "keywords",
    "maintainers",
    "icon",
    "apiVersion",
    "condition",
    "tags",
    "appVersion",
    "deprecated",
    "annotations",
    "kubeVersion",
    "dependencies",
    "type",
];

const MAINTAINER_KEYS: &[&str] = &["name", "email", "url"];

const DEPENDENCY_KEYS: &[&str] = &[
    "name",
    "version",
    "repository",
    "condition",
    "tags",
    "enabled",
    "import-values",
    "alias",
];

/// The values of a YAML map matched to a Go struct's JSON fields the way
/// `encoding/json` does: an exact key first, else a case-insensitive one;
/// keys are visited in sorted order (as `sigs.k8s.io/yaml` hands them over),
/// so a later duplicate wins.
pub struct Fields<'a> {
    names: &'static [&'static str],
    values: Vec<Option<&'a Value>>,
}

impl<'a> Fields<'a> {
    /// Matches `map` against `names`; with `strict`, an unknown key is an
    /// error (as `yaml.UnmarshalStrict`), else it is ignored.
    pub fn new(map: &'a Map, names: &'static [&'static str], strict: bool) -> Result<Fields<'a>> {
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort();
        let mut values = vec![None; names.len()];
        for key in keys {
            let slot = names.iter().position(|n| n == key).or_else(|| {
                let lower = key.to_lowercase();
                names.iter().position(|n| n.to_lowercase() == lower)
            });
            match slot {
                Some(i) => values[i] = Some(&map[key]),
                None if strict => bail!("unknown key `{}`", crate::values::shown(key)),
                None => {}
            }
        }
        Ok(Fields { names, values })
    }

    /// The value given for `name` (one of the names this was built with).
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        let i = self
            .names
            .iter()
            .position(|n| *n == name)
            .expect("a known field name");
        self.values[i]
    }

    pub fn string(&self, name: &str) -> Result<String> {
        self.get(name)
            .map_or(Ok(String::new()), |v| string(v, name))
    }

    pub fn strings(&self, name: &str) -> Result<Vec<String>> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Seq(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| string(v, &format!("{name}[{i}]")))
                .collect(),
            Some(other) => bail!(
                "`{name}` must be a list of strings, not {}",
                other.type_name()
            ),
        }
    }

    pub fn bool(&self, name: &str) -> Result<bool> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => bail!("`{name}` must be a boolean, not {}", other.type_name()),
        }
    }
}

/// A scalar as `sigs.k8s.io/yaml` hands it to a Go `string` field: numbers
/// and booleans become their text, null the empty string.
fn string(value: &Value, name: &str) -> Result<String> {
    match value {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Int(i) => Ok(i.to_string()),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Ok(format!("{f:.0}")),
        Value::Float(f) => {
            // Go's FormatFloat(f, 'g', -1, 32): float32's shortest digits
            // (a decimal of at most 9 digits reads back exactly as f64).
            let shortest: f64 = format!("{:e}", *f as f32).parse().unwrap_or(*f);
            Ok(format_go_float(shortest))
        }
        other => bail!("`{name}` must be a string, not {}", other.type_name()),
    }
}

impl Chartfile {
    /// Reads `Chart.yaml` text (the first YAML document) as Helm's loader does.
    pub fn parse(text: &str) -> Result<Chartfile> {
        let doc = load::load_first(text).map_err(|e| anyhow!("{e}"))?;
        let mut chart = Chartfile::default();
        match doc {
            Value::Null => {}
            Value::Map(map) => chart.read(&Fields::new(&map, KEYS, false)?)?,
            other => bail!("expected a map of keys, not {}", other.type_name()),
        }
        Ok(chart)
    }

    /// Fills the fields present in `fields` (built with [`KEYS`] or a superset).
    pub fn read(&mut self, fields: &Fields) -> Result<()> {
        let text = |chart_field: &mut String, key: &str| -> Result<()> {
            if fields.get(key).is_some() {
                *chart_field = fields.string(key)?;
            }
            Ok(())
        };
        text(&mut self.api_version, "apiVersion")?;
        text(&mut self.name, "name")?;
        text(&mut self.version, "version")?;
        text(&mut self.app_version, "appVersion")?;
        text(&mut self.kube_version, "kubeVersion")?;
        text(&mut self.description, "description")?;
        text(&mut self.chart_type, "type")?;
        text(&mut self.home, "home")?;
        text(&mut self.icon, "icon")?;
        text(&mut self.condition, "condition")?;
        text(&mut self.tags, "tags")?;
        if fields.get("deprecated").is_some() {
            self.deprecated = fields.bool("deprecated")?;
        }
        if fields.get("sources").is_some() {
            self.sources = fields.strings("sources")?;
        }
        if fields.get("keywords").is_some() {
            self.keywords = fields.strings("keywords")?;
        }
        match fields.get("annotations") {
            None => {}
            Some(Value::Null) => self.annotations.clear(),
            Some(Value::Map(map)) => {
                self.annotations = map
                    .iter()
                    .map(|(k, v)| {
                        let at = format!("annotations.{}", crate::values::shown(k));
                        Ok((k.clone(), string(v, &at)?))
                    })
                    .collect::<Result<_>>()?;
            }
            Some(other) => bail!("`annotations` must be a map, not {}", other.type_name()),
        }
        if let Some(value) = fields.get("maintainers") {
            self.maintainers = items(value, "maintainers", |map| {
                let f = Fields::new(map, MAINTAINER_KEYS, false)?;
                Ok(Maintainer {
                    name: f.string("name")?,
                    email: f.string("email")?,
                    url: f.string("url")?,
                })
            })?;
        }
        if let Some(value) = fields.get("dependencies") {
            self.dependencies = items(value, "dependencies", |map| Dependency::read(map, false))?;
        }
        Ok(())
    }

    /// Helm's `Metadata.Validate`: sanitizes the strings (every space
    /// becomes ' ', unprintable characters go) and checks the chart can be
    /// loaded. Errors read as Helm's.
    pub fn validate(&mut self) -> Result<()> {
        for field in [
            &mut self.name,
            &mut self.description,
            &mut self.home,
            &mut self.icon,
            &mut self.condition,
            &mut self.tags,
            &mut self.app_version,
            &mut self.kube_version,
        ] {
            *field = sanitize(field);
        }
        for field in self.sources.iter_mut().chain(self.keywords.iter_mut()) {
            *field = sanitize(field);
        }
        if self.api_version.is_empty() {
            bail!("validation: chart.metadata.apiVersion is required");
        }
        if self.name.is_empty() {
            bail!("validation: chart.metadata.name is required");
        }
        if self.name.contains('/') || self.name == "." || self.name == ".." {
            bail!("validation: chart.metadata.name {:?} is invalid", self.name);
        }
        if self.version.is_empty() {
            bail!("validation: chart.metadata.version is required");
        }
        if Version::parse(&self.version).is_none() {
            bail!(
                "validation: chart.metadata.version {:?} is invalid",
                self.version
            );
        }
        if !matches!(self.chart_type.as_str(), "" | "application" | "library") {
            bail!("validation: chart.metadata.type must be application or library");
        }
        for maintainer in &mut self.maintainers {
            let Some(m) = maintainer else {
                bail!("validation: maintainers must not contain empty or null nodes");
            };
            for field in [&mut m.name, &mut m.email, &mut m.url] {
                *field = sanitize(field);
            }
        }
        let mut seen: Vec<String> = Vec::new();
        for dependency in &mut self.dependencies {
            let Some(d) = dependency else {
                bail!("validation: dependencies must not contain empty or null nodes");
            };
            for field in [
                &mut d.name,
                &mut d.version,
                &mut d.repository,
                &mut d.condition,
            ] {
                *field = sanitize(field);
            }
            for tag in &mut d.tags {
                *tag = sanitize(tag);
            }
            let alias_ok = d
                .alias
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !alias_ok {
                bail!(
                    "validation: dependency {:?} has disallowed characters in the alias",
                    d.name
                );
            }
            let key = if d.alias.is_empty() {
                &d.name
            } else {
                &d.alias
            };
            if seen.contains(key) {
                bail!(
                    "validation: more than one dependency with name or alias {key:?}. \
                     Try using distinct aliases for dependencies with the same chart name."
                );
            }
            seen.push(key.clone());
        }
        Ok(())
    }

    /// The fields as `sigs.k8s.io/yaml` marshals them: empty ones left out.
    pub fn to_map(&self) -> Map {
        let mut map = Map::new();
        let mut text = |key: &str, value: &str| {
            if !value.is_empty() {
                map.insert(key.into(), Value::String(value.into()));
            }
        };
        text("apiVersion", &self.api_version);
        text("name", &self.name);
        text("version", &self.version);
        text("appVersion", &self.app_version);
        text("kubeVersion", &self.kube_version);
        text("description", &self.description);
        text("type", &self.chart_type);
        text("home", &self.home);
        text("icon", &self.icon);
        text("condition", &self.condition);
        text("tags", &self.tags);
        if self.deprecated {
            map.insert("deprecated".into(), Value::Bool(true));
        }
        for (key, list) in [("sources", &self.sources), ("keywords", &self.keywords)] {
            if !list.is_empty() {
                map.insert(key.into(), strings(list));
            }
        }
        if !self.maintainers.is_empty() {
            let items = self.maintainers.iter().map(|m| match m {
                None => Value::Null,
                Some(m) => {
                    let mut item = Map::new();
                    for (key, value) in [("name", &m.name), ("email", &m.email), ("url", &m.url)] {
                        if !value.is_empty() {
                            item.insert(key.into(), Value::String(value.clone()));
                        }
                    }
                    Value::Map(item)
                }
            });
            map.insert("maintainers".into(), Value::Seq(items.collect()));
        }
        if !self.annotations.is_empty() {
            map.insert("annotations".into(), Value::string_map(&self.annotations));
        }
        if !self.dependencies.is_empty() {
            let items = self.dependencies.iter().map(|d| match d {
                None => Value::Null,
                Some(d) => Value::Map(d.to_map()),
            });
            map.insert("dependencies".into(), Value::Seq(items.collect()));
        }
        map
    }

    /// `Chart.yaml` as `helm package` writes it into the archive (without
    /// `dependencies` for an `apiVersion: v1` chart).
    pub fn to_yaml(&self) -> String {
        let mut map = self.to_map();
        if self.api_version == "v1" {
            map.shift_remove("dependencies");
        }
        let mut out = crate::yaml::emit::to_yaml(&Value::Map(map));
        out.push('\n');
        out
    }
}

impl Dependency {
    /// Reads one dependency (`strict` as for [`Fields::new`]).
    pub fn read(map: &Map, strict: bool) -> Result<Dependency> {
        let f = Fields::new(map, DEPENDENCY_KEYS, strict)?;
        let import_values = match f.get("import-values") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Seq(items)) => items.clone(),
            Some(other) => bail!("`import-values` must be a list, not {}", other.type_name()),
        };
        Ok(Dependency {
            name: f.string("name")?,
            version: f.string("version")?,
            repository: f.string("repository")?,
            condition: f.string("condition")?,
            tags: f.strings("tags")?,
            enabled: f.bool("enabled")?,
            import_values,
            alias: f.string("alias")?,
        })
    }

    /// `name` and `repository` always, the other fields when set.
    pub fn to_map(&self) -> Map {
        let mut map = Map::new();
        map.insert("name".into(), Value::String(self.name.clone()));
        map.insert("repository".into(), Value::String(self.repository.clone()));
        for (key, value) in [
            ("version", &self.version),
            ("condition", &self.condition),
            ("alias", &self.alias),
        ] {
            if !value.is_empty() {
                map.insert(key.into(), Value::String(value.clone()));
            }
        }
        if !self.tags.is_empty() {
            map.insert("tags".into(), strings(&self.tags));
        }
        if self.enabled {
            map.insert("enabled".into(), Value::Bool(true));
        }
        if !self.import_values.is_empty() {
            map.insert(
                "import-values".into(),
                Value::Seq(self.import_values.clone()),
            );
        }
        map
    }
}

/// A list of maps (null items kept as `None`).
fn items<T>(value: &Value, name: &str, read: impl Fn(&Map) -> Result<T>) -> Result<Vec<Option<T>>> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Null => Ok(None),
                Value::Map(map) => read(map)
                    .map(Some)
                    .map_err(|e| anyhow!("`{name}[{i}]`: {e}")),
                other => bail!("`{name}[{i}]` must be a map, not {}", other.type_name()),
            })
            .collect(),
        other => bail!("`{name}` must be a list, not {}", other.type_name()),
    }
}

fn strings(list: &[String]) -> Value {
    Value::Seq(list.iter().map(|s| Value::String(s.clone())).collect())
}

/// Go's `sanitizeString`: every Unicode space becomes ' ', characters that
/// are not printable (controls, format characters, private use) are dropped.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if c.is_control() || is_format_or_private(c) {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

/// The Unicode `Cf` (format) and `Co` (private use) characters one meets in
/// text: Go's `unicode.IsPrint` rejects them.
fn is_format_or_private(c: char) -> bool {
    matches!(c,
        '\u{AD}' | '\u{600}'..='\u{605}' | '\u{61C}' | '\u{6DD}' | '\u{70F}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{FFFFD}' | '\u{100000}'..='\u{10FFFD}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Chartfile {
        let mut chart = Chartfile::parse(text).unwrap();
        chart.validate().unwrap();
        chart
    }

    #[test]
    fn rewrites_like_helm_package() {
        let chart = parsed(
            "# comment\nname: demo\nversion: 1.0.0\napiVersion: v2\nappVersion: 7.0\n\
             keywords:\n  - a\n  - b\nunknownKey: kept out\ndeprecated: false\nkubeVersion: 1.10\n\
             maintainers:\n  - name: Jane\n    email: jane@example.com\n\
             annotations:\n  b: 2\n  a: x\ndescription: |\n  two\n  lines\n",
        );
        assert_eq!(
            chart.to_yaml(),
            "annotations:\n  a: x\n  b: \"2\"\napiVersion: v2\nappVersion: \"7\"\n\
             description: 'two lines '\nkeywords:\n- a\n- b\nkubeVersion: \"1.1\"\nmaintainers:\n- email: jane@example.com\n  \
             name: Jane\nname: demo\nversion: 1.0.0\n"
        );
    }

    #[test]
    fn keys_match_case_insensitively() {
        let chart = parsed("APIVersion: v2\nName: demo\nVERSION: 0.1.0\n");
        assert_eq!(
            (chart.name.as_str(), chart.version.as_str()),
            ("demo", "0.1.0")
        );
    }

    #[test]
    fn dependencies_keep_name_and_repository() {
        let chart = parsed(
            "apiVersion: v2\nname: a\nversion: 1.0.0\ndependencies:\n- name: db\n  version: ~1\n  \
             condition: db.enabled\n  import-values: [x]\n",
        );
        assert_eq!(
            chart.to_yaml(),
            "apiVersion: v2\ndependencies:\n- condition: db.enabled\n  import-values:\n  - x\n  \
             name: db\n  repository: \"\"\n  version: ~1\nname: a\nversion: 1.0.0\n"
        );
    }

    #[test]
    fn validation_messages_are_helms() {
        #[track_caller]
        fn case(text: &str, expected: &str) {
            let mut chart = Chartfile::parse(text).unwrap();
            assert_eq!(chart.validate().unwrap_err().to_string(), expected);
        }
        case(
            "name: a\nversion: 1.0.0\n",
            "validation: chart.metadata.apiVersion is required",
        );
        case(
            "apiVersion: v2\nversion: 1.0.0\n",
            "validation: chart.metadata.name is required",
        );
        case(
            "apiVersion: v2\nname: a/b\nversion: 1\n",
            "validation: chart.metadata.name \"a/b\" is invalid",
        );
        case(
            "apiVersion: v2\nname: a\n",
            "validation: chart.metadata.version is required",
        );
        case(
            "apiVersion: v2\nname: a\nversion: one\n",
            "validation: chart.metadata.version \"one\" is invalid",
        );
        case(
            "apiVersion: v2\nname: a\nversion: 1.0.0\ntype: app\n",
            "validation: chart.metadata.type must be application or library",
        );
        case(
            "apiVersion: v2\nname: a\nversion: 1.0.0\nmaintainers: [~]\n",
            "validation: maintainers must not contain empty or null nodes",
        );
        case(
            "apiVersion: v2\nname: a\nversion: 1.0.0\ndependencies:\n- name: x\n  alias: a.b\n",
            "validation: dependency \"x\" has disallowed characters in the alias",
        );
    }

    #[test]
    fn wrong_types_name_the_key() {
        let err = Chartfile::parse("name: [a]\n").unwrap_err();
        assert_eq!(err.to_string(), "`name` must be a string, not a list");
        let err = Chartfile::parse("keywords: a\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`keywords` must be a list of strings, not a string"
        );
    }

    #[test]
    fn sanitizes_like_go() {
        assert_eq!(sanitize("a\tb\nc\u{200B}d\u{7}e"), "a b cde");
    }
}
