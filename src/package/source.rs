//! The files of a chart to package, read as Helm's directory loader reads
//! them: a depth-first walk with names in byte order in each directory,
//! `.helmignore` applied to directories (skipped whole) and files, symbolic
//! links followed, irregular files refused, the per-file size limit
//! enforced and a leading UTF-8 byte order mark dropped.

use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};

use super::ignore::Rules;

/// Helm's `MaxDecompressedFileSize`: 5 MiB per file.
pub const MAX_FILE_SIZE: u64 = 5 * 1024 * 1024;

/// Helm's `MaxDecompressedChartSize`: 100 MiB for all the files.
pub const MAX_CHART_SIZE: u64 = 100 * 1024 * 1024;

/// One file of the chart: its `/`-separated path relative to the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub path: String,
    pub data: Vec<u8>,
}

/// Reads the chart directory `dir`.
pub fn read_dir(dir: &Path) -> Result<Vec<File>> {
    let meta = fs::metadata(dir).with_context(|| format!("reading {}", dir.display()))?;
    if !meta.is_dir() {
        bail!("{} is not a chart directory", dir.display());
    }
    let ignore_file = dir.join(".helmignore");
    let rules = if ignore_file.is_file() {
        let text = crate::fsutil::read_file_to_string(&ignore_file, MAX_FILE_SIZE)
            .with_context(|| format!("reading {}", ignore_file.display()))?;
        Rules::parse(&text).with_context(|| ignore_file.display().to_string())?
    } else {
        Rules::defaults()
    };
    let mut files = Vec::new();
    walk(dir, "", &rules, &mut files)?;
    check_total(&files)?;
    Ok(files)
}

/// The chart compiled into the binary, with its own `.helmignore` applied
/// exactly as to a directory.
pub fn embedded() -> Result<Vec<File>> {
    let rules = match crate::chart::FILES
        .iter()
        .find(|(p, _)| *p == ".helmignore")
    {
        Some((_, data)) => Rules::parse(&String::from_utf8_lossy(data))
            .context("the embedded chart's .helmignore")?,
        None => Rules::defaults(),
    };
    let mut paths: Vec<&(&str, &[u8])> = crate::chart::FILES.iter().collect();
    // A depth-first walk orders by path components, not by whole strings.
    paths.sort_by(|a, b| a.0.split('/').cmp(b.0.split('/')));
    let mut files = Vec::new();
    for (path, data) in paths {
        let mut ignored = false;
        let mut dir_end = 0;
        while let Some(slash) = path[dir_end..].find('/') {
            dir_end += slash;
            if rules.ignores(&path[..dir_end], true) {
                ignored = true;
                break;
            }
            dir_end += 1;
        }
        if ignored || rules.ignores(path, false) {
            continue;
        }
        check_size(path, data.len() as u64)?;
        files.push(File {
            path: path.to_string(),
            data: strip_bom(data.to_vec()),
        });
    }
    check_total(&files)?;
    Ok(files)
}

fn walk(dir: &Path, prefix: &str, rules: &Rules, files: &mut Vec<File>) -> Result<()> {
    let mut names: Vec<std::ffi::OsString> = fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("reading {}", dir.display()))?;
    names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
    for name in names {
        let path = dir.join(&name);
        let name = name
            .to_str()
            .with_context(|| format!("{}: the file name is not UTF-8", path.display()))?;
        let rel = format!("{prefix}{name}");
        let meta = fs::metadata(&path).with_context(|| format!("reading {}", path.display()))?;
        if meta.is_dir() {
            if !rules.ignores(&rel, true) {
                walk(&path, &format!("{rel}/"), rules, files)?;
            }
            continue;
        }
        if rules.ignores(&rel, false) {
            continue;
        }
        if !meta.is_file() {
            bail!(
                "cannot load irregular file {} as it has file mode type bits set",
                path.display()
            );
        }
        check_size(name, meta.len())?;
        // The limit holds for what is read, too: the file may grow meanwhile.
        let data = crate::fsutil::read_file(&path, MAX_FILE_SIZE).map_err(|e| {
            if e.kind() == std::io::ErrorKind::FileTooLarge {
                too_large(name)
            } else {
                anyhow::Error::new(e).context(format!("error reading {rel}"))
            }
        })?;
        files.push(File {
            path: rel,
            data: strip_bom(data),
        });
    }
    Ok(())
}

fn check_size(name: &str, size: u64) -> Result<()> {
    if size > MAX_FILE_SIZE {
        return Err(too_large(name));
    }
    Ok(())
}

fn too_large(name: &str) -> anyhow::Error {
    let base = name.rsplit('/').next().unwrap_or(name);
    anyhow::anyhow!("chart file {base:?} is larger than the maximum file size {MAX_FILE_SIZE}")
}

fn check_total(files: &[File]) -> Result<()> {
    let total: u64 = files.iter().map(|f| f.data.len() as u64).sum();
    if total > MAX_CHART_SIZE {
        bail!("chart is larger than the maximum size {MAX_CHART_SIZE}");
    }
    Ok(())
}

fn strip_bom(mut data: Vec<u8>) -> Vec<u8> {
    if data.starts_with(b"\xEF\xBB\xBF") {
        data.drain(..3);
    }
    data
}
