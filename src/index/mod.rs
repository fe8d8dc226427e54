//! `onechart index`: the `index.yaml` of a chart repository, as
//! `helm repo index` writes it, without Helm's churn. An archive already
//! listed with the same digest keeps its `created` date, everything in a
//! merged index stays, an invalid archive is an error (not skipped), and
//! the file is replaced atomically. Only each archive's `Chart.yaml` is
//! decompressed; the digest is computed while the file streams through.

pub mod file;
pub mod url;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use flate2::bufread::GzDecoder;
use sha2::{Digest, Sha256};

use crate::chartfile::Chartfile;
use crate::package::source::MAX_FILE_SIZE;
use crate::timestamp::Timestamp;
use file::{Entry, IndexFile};

/// What to index.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The repository directory: its `*.tgz` and `*/*.tgz` are indexed.
    pub dir: PathBuf,
    /// The repository's URL; without it the `urls` are relative.
    pub url: Option<String>,
    /// An index whose entries are kept (a missing file counts as empty).
    pub merge: Option<PathBuf>,
}

/// Writes `DIR/index.yaml` and returns its path.
pub fn index(options: &Options) -> Result<PathBuf> {
    let dir = &options.dir;
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    let target = dir.join("index.yaml");
    // One run at a time per folder, from reading the old index and listing
    // the archives to replacing index.yaml: two runs at once (Helm has no
    // lock) each wrote what they saw, and the last lost the other's archive.
    let _lock = lock(dir)?;
    // The index dates are kept from: the merged index, else the current one.
    let previous = match &options.merge {
        Some(path) => read_index(path)?,
        None => read_index(&target).map_err(|e| {
            anyhow!(
                "{e:#} (fix or remove it: without it, onechart index lists every archive \
                 of {} again, each dated now; or pass --merge with a good copy)",
                dir.display()
            )
        })?,
    };
    let now = Timestamp::build_time()?.to_rfc3339_nano();
    // Looked up by name and version in a hash map: an index of N versions
    // costs N lookups, not N searches of N.
    let known_entries = previous.as_ref().map(versions).unwrap_or_default();
    let mut index = IndexFile::default();
    for (name, entry) in read_archives(dir)? {
        let mut entry = entry.with_context(|| name.clone())?;
        let (subdir, file_name) = name.rsplit_once('/').unwrap_or(("", &name));
        let base = url::join(options.url.as_deref().unwrap_or(""), subdir);
        entry.urls = vec![if base.is_empty() {
            file_name.to_string()
        } else {
            url::join(&base, file_name)
        }];
        let known = known_entries
            .get(&(
                entry.metadata.name.as_str(),
                entry.metadata.version.as_str(),
            ))
            .filter(|old| old.digest == entry.digest);
        entry.created = known.map_or_else(|| now.clone(), |old| old.created.clone());
        index
            .entries
            .entry(entry.metadata.name.clone())
            .or_default()
            .push(entry);
    }
    if let (Some(_), Some(old)) = (&options.merge, &previous) {
        let mut present: HashSet<(String, String)> = index
            .entries
            .values()
            .flatten()
            .map(|e| (e.metadata.name.clone(), e.metadata.version.clone()))
            .collect();
        for (name, versions) in &old.entries {
            for entry in versions {
                let id = (entry.metadata.name.clone(), entry.metadata.version.clone());
                if present.insert(id) {
                    index
                        .entries
                        .entry(name.clone())
                        .or_default()
                        .push(entry.clone());
                }
            }
        }
        index.public_keys = old.public_keys.clone();
        index.annotations = old.annotations.clone();
        index.server_info = old.server_info.clone();
    }
    index.sort_entries();
    index.generated = match &previous {
        Some(old) if same_entries(old, &index) => old.generated.clone(),
        _ => now,
    };
    crate::package::write_atomically(&target, index.to_yaml().as_bytes())?;
    Ok(target)
}

/// An advisory lock (`flock`) on the folder itself, held while the returned
/// handle lives; it waits for another `onechart index` of the folder to end.
/// Nothing is written into the folder for it. (Where directories cannot be
/// opened as files, as on Windows, there is no lock.)
fn lock(dir: &Path) -> Result<Option<fs::File>> {
    if cfg!(unix) {
        let handle = fs::File::open(dir).with_context(|| format!("opening {}", dir.display()))?;
        handle
            .lock()
            .with_context(|| format!("locking {}", dir.display()))?;
        return Ok(Some(handle));
    }
    Ok(None)
}

/// Reads every archive of the folder, on all cores, in [`archives`] order:
/// each archive's path relative to `dir` and its entry.
fn read_archives(dir: &Path) -> Result<Vec<(String, Result<Entry>)>> {
    let paths = archives(dir)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = paths.len().div_ceil(threads).max(1);
    let read = |paths: &[PathBuf]| -> Vec<(String, Result<Entry>)> {
        paths
            .iter()
            .map(|path| {
                let rel = path.strip_prefix(dir).unwrap_or(path);
                // A bug in a reader must still name the archive it choked on.
                let entry = std::panic::catch_unwind(|| read_archive(path)).unwrap_or_else(|_| {
                    Err(anyhow!(
                        "onechart crashed reading it (a bug: please report it)"
                    ))
                });
                (rel.to_string_lossy().replace('\\', "/"), entry)
            })
            .collect()
    };
    Ok(std::thread::scope(|scope| {
        let workers: Vec<_> = paths
            .chunks(chunk)
            .map(|part| scope.spawn(move || read(part)))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("archive readers catch their panics"))
            .collect()
    }))
}

/// The archives Helm indexes: `DIR/*.tgz`, then `DIR/*/*.tgz` (Go's
/// `filepath.Glob` has no `**`), each level in byte order.
pub fn archives(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut top = Vec::new();
    let mut nested = Vec::new();
    for sub in sorted_entries(dir)? {
        if sub.is_dir() {
            for path in sorted_entries(&sub)? {
                if is_archive(&path) {
                    nested.push(path);
                }
            }
        } else if is_archive(&sub) {
            top.push(sub);
        }
    }
    top.extend(nested);
    Ok(top)
}

fn is_archive(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "tgz") && path.is_file()
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("reading {}", dir.display()))?;
    paths.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    Ok(paths)
}

fn read_index(path: &Path) -> Result<Option<IndexFile>> {
    match crate::fsutil::read_file_to_string(path, crate::fsutil::INPUT_LIMIT) {
        Ok(text) => IndexFile::parse(&text)
            .map(Some)
            .with_context(|| path.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Each entry by exactly its name and version, the first one listed (Helm's
/// `Has` also takes `1.0.0+build` for `1.0.0`, which loses versions; this
/// does not).
fn versions(index: &IndexFile) -> HashMap<(&str, &str), &Entry> {
    let mut by_version = HashMap::new();
    for entry in index.entries.values().flatten() {
        by_version
            .entry((
                entry.metadata.name.as_str(),
                entry.metadata.version.as_str(),
            ))
            .or_insert(entry);
    }
    by_version
}

fn same_entries(a: &IndexFile, b: &IndexFile) -> bool {
    let mut a_names: Vec<&String> = a.entries.keys().collect();
    let mut b_names: Vec<&String> = b.entries.keys().collect();
    a_names.sort();
    b_names.sort();
    a_names == b_names && a_names.iter().all(|n| a.entries[*n] == b.entries[*n])
}

/// A reader that hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// The index entry of one archive (without `urls` and `created`): its
/// `Chart.yaml`, checked as Helm checks it, and the SHA-256 of its bytes.
pub fn read_archive(path: &Path) -> Result<Entry> {
    let file = fs::File::open(path).context("reading the archive")?;
    let hashing = Hashing {
        inner: file,
        hasher: Sha256::new(),
    };
    let mut gz = GzDecoder::new(BufReader::with_capacity(1024, hashing));
    let metadata = chart_yaml(&mut gz).map_err(|e| anyhow!("not a valid chart archive: {e:#}"))?;
    let mut hashing = gz.into_inner().into_inner();
    std::io::copy(&mut hashing, &mut std::io::sink()).context("reading the archive")?;
    let digest = hashing.hasher.finalize();
    Ok(Entry {
        metadata,
        digest: digest.iter().map(|b| format!("{b:02x}")).collect(),
        ..Entry::default()
    })
}

/// Reads tar entries until `<top>/Chart.yaml`, with Helm's path checks, and
/// returns that Chart.yaml, checked.
pub fn chart_yaml(gz: &mut impl Read) -> Result<Chartfile> {
    let mut tar = crate::tar::Reader::new(gz);
    while let Some(entry) = tar.next_file()? {
        let delimiter = if entry.path.contains('\\') { '\\' } else { '/' };
        let mut parts = entry.path.split(delimiter);
        let top = parts.next().unwrap_or_default();
        let rest: Vec<&str> = parts.collect();
        if top == "Chart.yaml" {
            bail!("chart yaml not in base directory");
        }
        if rest.contains(&"..") || rest.first().is_some_and(|p| p.is_empty()) {
            bail!(
                "chart illegally references a path outside its directory: {:?}",
                entry.path
            );
        }
        let rest: Vec<&&str> = rest
            .iter()
            .filter(|p| !p.is_empty() && **p != ".")
            .collect();
        if rest.len() != 1 || *rest[0] != "Chart.yaml" {
            continue;
        }
        if entry.size > MAX_FILE_SIZE {
            bail!("chart file \"Chart.yaml\" is larger than the maximum file size {MAX_FILE_SIZE}");
        }
        let data = tar.read_to_vec()?;
        let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&data);
        let mut chart = Chartfile::parse(&String::from_utf8_lossy(data))
            .map_err(|e| anyhow!("cannot load Chart.yaml: {e}"))?;
        if chart.api_version.is_empty() {
            chart.api_version = "v1".into();
        }
        chart.validate()?;
        return Ok(chart);
    }
    bail!("Chart.yaml file is missing")
}
