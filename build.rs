//! Embeds every file of `chart/` into the binary (the released binary renders
//! and packages the chart without any file beside it), and the commit it was
//! built from (`onechart --version`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::{env, fs};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    println!("cargo:rustc-env=ONECHART_COMMIT={}", commit(root));
    let chart = root.join("chart");
    let mut files = Vec::new();
    collect(&chart, &chart, &mut files);
    files.sort();
    let mut out = String::from(
        "/// Every file of `chart/`: its path relative to the chart, and its bytes.\n",
    );
    out.push_str("pub static FILES: &[(&str, &[u8])] = &[\n");
    for rel in &files {
        let abs = chart.join(rel);
        out.push_str(&format!(
            "    ({rel:?}, include_bytes!({:?})),\n",
            abs.display().to_string()
        ));
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out_dir.join("chart_files.rs"), out).unwrap();
    // What renders parse: values.yaml is four fifths comments, and the YAML
    // scanner reads them character by character. A unit test in src/chart.rs
    // checks that both files load to the same values.
    let values = fs::read_to_string(chart.join("values.yaml")).unwrap();
    let data: String = values
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .map(|line| format!("{line}\n"))
        .collect();
    fs::write(out_dir.join("values_data.yaml"), data).unwrap();
    println!("cargo:rerun-if-changed=chart");
    for rel in &files {
        println!("cargo:rerun-if-changed=chart/{rel}");
    }
}

fn collect(base: &Path, dir: &Path, files: &mut Vec<String>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(base, &path, files);
        } else {
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            files.push(rel);
        }
    }
}

/// The commit `onechart --version` names: `git rev-parse HEAD` when git is
/// installed and this crate is the root of a git checkout (a clone, or the
/// checkout `cargo install --git` makes); else `ONECHART_COMMIT` from the
/// environment (the release workflow and the image builds set it; their
/// sources have no `.git`); else "unknown". Nothing here fails the build.
pub fn commit(root: &Path) -> String {
    println!("cargo:rerun-if-env-changed=ONECHART_COMMIT");
    if let Some(commit) = git_commit(root) {
        return commit;
    }
    match env::var("ONECHART_COMMIT") {
        Ok(commit) if is_commit(&commit) => commit,
        _ => "unknown".to_string(),
    }
}

/// A commit id as git prints it: 7 to 64 lowercase hex digits.
fn is_commit(text: &str) -> bool {
    (7..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `git -C ROOT ARGS`, its output trimmed, or None when git is missing or fails.
fn git(root: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

/// HEAD of the checkout whose root is `root` (not of a repository that merely
/// contains it, as `cargo package` verifies a copy under `target/package/`),
/// with the files that move when HEAD does registered for a rerun: HEAD
/// itself (a checkout), the branch it points to (a commit), packed-refs and
/// a reftable (where refs may live instead).
fn git_commit(root: &Path) -> Option<String> {
    let top = git(root, &["rev-parse", "--show-toplevel"])?;
    if fs::canonicalize(&top).ok()? != fs::canonicalize(root).ok()? {
        return None;
    }
    let commit = git(root, &["rev-parse", "--verify", "HEAD^{commit}"])?;
    if !is_commit(&commit) {
        return None;
    }
    let mut watched = vec!["HEAD".to_string(), "packed-refs".into(), "reftable".into()];
    if let Some(branch) = git(root, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for name in watched {
        // A relative --git-path is relative to the directory git ran in.
        if let Some(path) = git(root, &["rev-parse", "--git-path", &name]) {
            let path = root.join(path);
            // Cargo reruns on every build for a path that does not exist.
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    Some(commit)
}
