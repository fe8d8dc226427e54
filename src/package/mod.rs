//! `onechart package`: the chart archive `helm package` writes
//! (`<name>-<version>.tgz`, everything under a `<name>/` directory,
//! `Chart.yaml` first and rewritten, then `Chart.lock`, `values.yaml`,
//! `values.schema.json`, the templates and the other files in walk order),
//! but byte-reproducible: every timestamp is `SOURCE_DATE_EPOCH` or
//! [`FIXED_EPOCH`], and the gzip header carries no time.

pub mod ignore;
pub mod source;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use flate2::{Compression, GzBuilder};

use crate::chartfile::{Chartfile, Dependency, Fields};
use crate::timestamp::Timestamp;
use crate::yaml::{load, Map, Value};
use source::File;

/// The mtime of every entry when `SOURCE_DATE_EPOCH` is not set:
/// 1980-01-01T00:00:00Z, the oldest time ZIP can hold, the date other
/// reproducible packagers (Python wheels) use.
pub const FIXED_EPOCH: u64 = 315_532_800;

/// What to package and where.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The chart directory; `None` for the chart compiled into the binary.
    pub chart_dir: Option<PathBuf>,
    pub destination: PathBuf,
    pub version: Option<String>,
    pub app_version: Option<String>,
}

/// A chart ready to be archived.
#[derive(Debug)]
pub struct Chart {
    pub metadata: Chartfile,
    lock: Option<Lock>,
    values: Option<Vec<u8>>,
    schema: Option<Vec<u8>>,
    templates: Vec<File>,
    files: Vec<File>,
}

/// `Chart.lock` as Helm models it.
#[derive(Debug)]
struct Lock {
    generated: String,
    digest: String,
    dependencies: Option<Vec<Option<Dependency>>>,
}

/// Packages the chart and returns the archive's path.
pub fn package(options: &Options) -> Result<PathBuf> {
    let (files, origin) = match &options.chart_dir {
        Some(dir) => (source::read_dir(dir)?, dir.display().to_string()),
        None => (source::embedded()?, "the embedded chart".to_string()),
    };
    let mut chart = Chart::load(files).with_context(|| origin.clone())?;
    if let Some(version) = &options.version {
        chart.metadata.version = version.clone();
    }
    if let Some(app_version) = &options.app_version {
        chart.metadata.app_version = app_version.clone();
    }
    chart.metadata.validate()?;
    let mtime = match Timestamp::source_date_epoch()? {
        Some(t) => t.seconds as u64,
        None => FIXED_EPOCH,
    };
    let archive = chart.archive(mtime)?;
    let name = format!("{}-{}.tgz", chart.metadata.name, chart.metadata.version);
    let path = options.destination.join(name);
    write_atomically(&path, &archive)?;
    Ok(std::path::absolute(&path).unwrap_or(path))
}

impl Chart {
    /// Sorts a chart's files the way Helm's `LoadFiles` does and checks it.
    pub fn load(files: Vec<File>) -> Result<Chart> {
        let mut metadata: Option<Chartfile> = None;
        for file in files.iter().filter(|f| f.path == "Chart.yaml") {
            let text = String::from_utf8_lossy(&file.data);
            let parsed =
                Chartfile::parse(&text).map_err(|e| anyhow!("cannot load Chart.yaml: {e}"))?;
            metadata = Some(parsed);
        }
        let Some(mut metadata) = metadata else {
            bail!("Chart.yaml file is missing");
        };
        if metadata.api_version.is_empty() {
            metadata.api_version = "v1".into();
        }
        let v1 = metadata.api_version == "v1";
        let mut chart = Chart {
            metadata,
            lock: None,
            values: None,
            schema: None,
            templates: Vec::new(),
            files: Vec::new(),
        };
        for file in files {
            match file.path.as_str() {
                "Chart.yaml" => {}
                "Chart.lock" | "requirements.lock" => {
                    chart.lock = Some(
                        Lock::parse(&file.data)
                            .map_err(|e| anyhow!("cannot load {}: {e}", file.path))?,
                    );
                    if v1 && file.path == "requirements.lock" {
                        chart.files.push(file);
                    }
                }
                "requirements.yaml" => {
                    let text = String::from_utf8_lossy(&file.data);
                    overlay(&mut chart.metadata, &text)
                        .map_err(|e| anyhow!("cannot load requirements.yaml: {e}"))?;
                    if v1 {
                        chart.files.push(file);
                    }
                }
                "values.yaml" => {
                    load::load_values(&String::from_utf8_lossy(&file.data))
                        .map_err(|e| anyhow!("cannot load values.yaml: {e}"))?;
                    chart.values = Some(file.data);
                }
                "values.schema.json" => chart.schema = Some(file.data),
                path if path.starts_with("templates/") => chart.templates.push(file),
                path if path.starts_with("charts/") && !path.ends_with(".prov") => {
                    let name = path["charts/".len()..]
                        .split('/')
                        .next()
                        .unwrap_or_default();
                    if !name.starts_with(['_', '.']) {
                        bail!("subcharts are not supported by onechart package yet: charts/{name}");
                    }
                }
                _ => chart.files.push(file),
            }
        }
        chart.metadata.validate()?;
        let missing: Vec<&str> = chart
            .metadata
            .dependencies
            .iter()
            .flatten()
            .map(|d| d.name.as_str())
            .collect();
        if !missing.is_empty() {
            bail!(
                "found in Chart.yaml, but missing in charts/ directory: {}",
                missing.join(", ")
            );
        }
        Ok(chart)
    }

    /// The gzipped tar archive, every entry dated `mtime`.
    pub fn archive(&self, mtime: u64) -> Result<Vec<u8>> {
        let base = &self.metadata.name;
        let mut tar = crate::tar::Writer::default();
        tar.file(
            &format!("{base}/Chart.yaml"),
            self.metadata.to_yaml().as_bytes(),
            mtime,
        );
        if self.metadata.api_version == "v2" {
            if let Some(lock) = &self.lock {
                tar.file(
                    &format!("{base}/Chart.lock"),
                    lock.to_yaml().as_bytes(),
                    mtime,
                );
            }
        }
        if let Some(values) = &self.values {
            tar.file(&format!("{base}/values.yaml"), values, mtime);
        }
        if let Some(schema) = &self.schema {
            if serde_json::from_slice::<serde_json::Value>(schema).is_err() {
                bail!("Invalid JSON in values.schema.json");
            }
            tar.file(&format!("{base}/values.schema.json"), schema, mtime);
        }
        for file in self.templates.iter().chain(&self.files) {
            tar.file(&format!("{base}/{}", file.path), &file.data, mtime);
        }
        // No FEXTRA: Helm's extra field is not a valid RFC 1952 subfield
        // before Helm 4.2.4, and no reader needs it; the comment stays.
        let mut gz = GzBuilder::new()
            .comment("Helm")
            .mtime(0)
            .operating_system(255)
            .write(Vec::new(), Compression::default());
        gz.write_all(&tar.finish())
            .context("compressing the archive")?;
        gz.finish().context("compressing the archive")
    }
}

/// `requirements.yaml` read over the metadata, as Helm's loader does.
fn overlay(metadata: &mut Chartfile, text: &str) -> Result<()> {
    let doc = load::load_first(text).map_err(|e| anyhow!("{e}"))?;
    if let Value::Map(map) = doc {
        metadata.read(&Fields::new(&map, crate::chartfile::KEYS, false)?)?;
    }
    Ok(())
}

impl Lock {
    fn parse(data: &[u8]) -> Result<Lock> {
        let doc = load::load_first(&String::from_utf8_lossy(data)).map_err(|e| anyhow!("{e}"))?;
        let map = match doc {
            Value::Map(map) => map,
            Value::Null => Map::new(),
            other => bail!("expected a map of keys, not {}", other.type_name()),
        };
        let f = Fields::new(&map, &["generated", "digest", "dependencies"], false)?;
        let generated = match f.get("generated") {
            None | Some(Value::Null) => "0001-01-01T00:00:00Z".to_string(),
            Some(Value::String(s)) => Timestamp::parse(s)?.to_rfc3339_nano(),
            Some(other) => bail!("`generated` must be a time, not {}", other.type_name()),
        };
        let dependencies = match f.get("dependencies") {
            None | Some(Value::Null) => None,
            Some(Value::Seq(items)) => Some(
                items
                    .iter()
                    .map(|item| match item {
                        Value::Map(map) => Dependency::read(map, false).map(Some),
                        _ => Ok(None),
                    })
                    .collect::<Result<_>>()?,
            ),
            Some(other) => bail!("`dependencies` must be a list, not {}", other.type_name()),
        };
        Ok(Lock {
            generated,
            digest: f.string("digest")?,
            dependencies,
        })
    }

    fn to_yaml(&self) -> String {
        let mut map = Map::new();
        map.insert("generated".into(), Value::String(self.generated.clone()));
        map.insert("digest".into(), Value::String(self.digest.clone()));
        let dependencies = match &self.dependencies {
            None => Value::Null,
            Some(items) => Value::Seq(
                items
                    .iter()
                    .map(|d| d.as_ref().map_or(Value::Null, |d| Value::Map(d.to_map())))
                    .collect(),
            ),
        };
        map.insert("dependencies".into(), dependencies);
        let mut out = crate::yaml::emit::to_yaml(&Value::Map(map));
        out.push('\n');
        out
    }
}

/// Writes `path` through a temporary file in the same directory, renamed
/// over it at the end: readers never see half a file, and a failure leaves
/// nothing behind. The directory is created if missing.
pub fn write_atomically(path: &Path, data: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".onechart-")
        .tempfile_in(dir)
        .with_context(|| format!("writing {}", path.display()))?;
    temp.write_all(data)
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    temp.persist(path)
        .map_err(|e| anyhow!("writing {}: {}", path.display(), e.error))?;
    Ok(())
}
