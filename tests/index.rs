//! `onechart index`: the `index.yaml` `helm repo index` writes (compared
//! with dates masked), served over HTTP to real helm3 and helm4 (`repo add`,
//! `search repo --versions`, `pull` with a matching digest), `created` kept
//! for unchanged archives, merged entries kept, and bad archives reported
//! by name with index.yaml left as it was.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use support::{helms, onechart, root, run, stdout_of, tool};

/// helm with `home` as its working directory too (`helm pull` writes there).
fn helm(path: &Path, home: &Path) -> Command {
    let mut cmd = support::helm(path, home);
    cmd.current_dir(home);
    cmd
}

/// A repository folder with the embedded chart packaged at `versions`
/// (the last one in a subfolder), dated by `SOURCE_DATE_EPOCH`.
fn repo(dir: &Path, versions: &[&str]) {
    for (i, version) in versions.iter().enumerate() {
        let dest = if i + 1 == versions.len() {
            dir.join("sub")
        } else {
            dir.to_path_buf()
        };
        stdout_of(
            onechart()
                .env("SOURCE_DATE_EPOCH", "1700000000")
                .args(["package", "--version", version, "-d"])
                .arg(dest),
        );
    }
}

fn index(dir: &Path, args: &[&str], epoch: &str) -> Output {
    run(onechart()
        .env("SOURCE_DATE_EPOCH", epoch)
        .arg("index")
        .arg(dir)
        .args(args))
}

fn index_ok(dir: &Path, args: &[&str], epoch: &str) -> String {
    let out = index(dir, args, epoch);
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "onechart index {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(dir.join("index.yaml")).unwrap()
}

fn mask_dates(text: &str) -> String {
    text.lines()
        .map(
            |l| match l.split_once("created: ").or(l.split_once("generated: ")) {
                Some((indent, _)) if !l.trim_start().starts_with('-') => format!("{indent}DATE"),
                _ => l.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}

const VERSIONS: &[&str] = &["0.1.0", "0.10.0", "0.2.0", "1.0.0-rc.1", "1.0.0"];

#[test]
fn the_index_lists_every_archive_newest_first() {
    let tmp = tempfile::tempdir().unwrap();
    let ours = tmp.path().join("ours");
    repo(&ours, VERSIONS);
    for url in [None, Some("https://example.com/charts/")] {
        let args: Vec<&str> = url.map(|u| vec!["--url", u]).unwrap_or_default();
        let text = index_ok(&ours, &args, "1700000100");
        assert!(
            text.starts_with("apiVersion: v1\nentries:\n  opennebula:\n"),
            "{text}"
        );
        assert!(
            text.ends_with("generated: \"2023-11-14T22:15:00Z\"\n"),
            "{text}"
        );
        let versions: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("    version: "))
            .collect();
        assert_eq!(
            versions,
            ["1.0.0", "1.0.0-rc.1", "0.10.0", "0.2.0", "0.1.0"]
        );
        let expected_url = match url {
            None => "    - sub/opennebula-1.0.0.tgz\n".to_string(),
            Some(u) => format!("    - {u}sub/opennebula-1.0.0.tgz\n"),
        };
        assert!(text.contains(&expected_url), "{text}");
    }
}

#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn the_index_is_what_helm_repo_index_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let ours = tmp.path().join("ours");
    repo(&ours, VERSIONS);
    for url in [None, Some("https://example.com/charts/")] {
        let args: Vec<&str> = url.map(|u| vec!["--url", u]).unwrap_or_default();
        let text = index_ok(&ours, &args, "1700000100");
        for (name, path) in helms() {
            let theirs = tmp.path().join(name);
            let _ = std::fs::remove_dir_all(&theirs);
            std::fs::create_dir_all(theirs.join("sub")).unwrap();
            for archive in onechart::index::archives(&ours).unwrap() {
                let rel = archive.strip_prefix(&ours).unwrap();
                std::fs::copy(&archive, theirs.join(rel)).unwrap();
            }
            stdout_of(
                helm(&path, tmp.path())
                    .args(["repo", "index"])
                    .arg(&theirs)
                    .args(&args),
            );
            let helms_index = std::fs::read_to_string(theirs.join("index.yaml")).unwrap();
            assert_eq!(
                mask_dates(&text),
                mask_dates(&helms_index),
                "{name} {args:?}"
            );
        }
    }
}

/// `python3 -m http.server` on 127.0.0.1, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let python = tool("python3");
        let mut child = Command::new(python)
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting python3 -m http.server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 43567 (http://127.0.0.1:43567/) ..."
        let port = line
            .split(" port ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected http.server output: {line}"));
        let server = Server { child, port };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "http.server not up"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
#[ignore = "needs python3, helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn helm_adds_searches_and_pulls_from_the_served_index() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    repo(&served, VERSIONS);
    let server = Server::start(&served);
    for absolute in [false, true] {
        let url = server.url();
        let args: Vec<&str> = if absolute {
            vec!["--url", &url]
        } else {
            vec![]
        };
        let text = index_ok(&served, &args, "1700000100");
        for (name, path) in helms() {
            let home = tmp.path().join(format!("{name}-{absolute}"));
            std::fs::create_dir_all(&home).unwrap();
            stdout_of(helm(&path, &home).args(["repo", "add", "one"]).arg(&url));
            let search = stdout_of(helm(&path, &home).args([
                "search",
                "repo",
                "one/opennebula",
                "--versions",
                "--devel",
            ]));
            let listed: Vec<&str> = search
                .lines()
                .skip(1)
                .map(|l| l.split_whitespace().nth(1).unwrap())
                .collect();
            assert_eq!(
                listed,
                ["1.0.0", "1.0.0-rc.1", "0.10.0", "0.2.0", "0.1.0"],
                "{name}"
            );
            for version in ["1.0.0", "0.2.0"] {
                let dest = home.join(format!("pulled-{version}"));
                std::fs::create_dir_all(&dest).unwrap();
                stdout_of(
                    helm(&path, &home)
                        .args(["pull", "one/opennebula", "--version", version, "-d"])
                        .arg(&dest),
                );
                let pulled = std::fs::read(dest.join(format!("opennebula-{version}.tgz"))).unwrap();
                let digest: String = Sha256::digest(&pulled)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                assert!(
                    text.contains(&format!("    digest: {digest}\n    home")),
                    "{name}: digest {digest} of {version} not in the index"
                );
            }
        }
    }
    drop(server);
}

#[test]
fn reindexing_keeps_created_and_merge_keeps_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    repo(&dir, &["0.1.0", "0.2.0"]);
    let first = index_ok(&dir, &[], "1700000100");
    assert_eq!(
        first.matches("created: \"2023-11-14T22:15:00Z\"").count(),
        2
    );

    // Nothing changed: the same file, `generated` included.
    assert_eq!(index_ok(&dir, &[], "1800000000"), first);

    // A new archive is dated now; the others keep their date.
    stdout_of(
        onechart()
            .args(["package", "--version", "0.3.0", "-d"])
            .arg(&dir),
    );
    let second = index_ok(&dir, &[], "1800000000");
    assert_eq!(
        second.matches("created: \"2023-11-14T22:15:00Z\"").count(),
        2
    );
    assert_eq!(
        second.matches("created: \"2027-01-15T08:00:00Z\"").count(),
        1
    );
    assert!(
        second.ends_with("generated: \"2027-01-15T08:00:00Z\"\n"),
        "{second}"
    );

    // A repackaged archive (another digest) is dated again.
    stdout_of(
        onechart()
            .env("SOURCE_DATE_EPOCH", "1600000000")
            .args(["package", "--version", "0.1.0", "-d"])
            .arg(&dir),
    );
    let third = index_ok(&dir, &[], "1900000000");
    assert_eq!(
        third.matches("created: \"2023-11-14T22:15:00Z\"").count(),
        1
    );
    assert_eq!(
        third.matches("created: \"2030-03-17T17:46:40Z\"").count(),
        1
    );

    // --merge: a new folder with one archive, merged with the published
    // index, keeps every published entry and their dates.
    let published = tmp.path().join("published.yaml");
    let with_extras = third.replace(
        "apiVersion: v1\n",
        "annotations:\n  owner: team\napiVersion: v1\n",
    );
    std::fs::write(&published, &with_extras).unwrap();
    let fresh = tmp.path().join("fresh");
    stdout_of(
        onechart()
            .args(["package", "--version", "0.4.0", "-d"])
            .arg(&fresh),
    );
    let merged = index_ok(
        &fresh,
        &["--merge", published.to_str().unwrap()],
        "2000000000",
    );
    let versions: Vec<&str> = merged
        .lines()
        .filter_map(|l| l.strip_prefix("    version: "))
        .collect();
    assert_eq!(versions, ["0.4.0", "0.3.0", "0.2.0", "0.1.0"]);
    for date in [
        "2023-11-14T22:15:00Z",
        "2027-01-15T08:00:00Z",
        "2030-03-17T17:46:40Z",
    ] {
        assert!(
            merged.contains(&format!("created: \"{date}\"")),
            "{date}: {merged}"
        );
    }
    assert!(
        merged.starts_with("annotations:\n  owner: team\n"),
        "{merged}"
    );
    // Merging the result again changes nothing.
    std::fs::write(&published, &merged).unwrap();
    let again = index_ok(
        &fresh,
        &["--merge", published.to_str().unwrap()],
        "2100000000",
    );
    assert_eq!(again, merged);
    // A missing merge file counts as empty and is not created.
    let missing = tmp.path().join("missing.yaml");
    index_ok(
        &fresh,
        &["--merge", missing.to_str().unwrap()],
        "2000000000",
    );
    assert!(!missing.exists());
}

/// Runs `onechart index` expecting one error line naming `expected`, and
/// index.yaml (and the folder) left as they were.
fn fails(dir: &Path, args: &[&str], expected: &str) {
    let before = std::fs::read(dir.join("index.yaml")).ok();
    let files_before = std::fs::read_dir(dir).unwrap().count();
    let out = index(dir, args, "1700000000");
    assert_eq!(out.status.code(), Some(1), "{expected}");
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains(expected),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(dir.join("index.yaml")).ok(),
        before,
        "{expected}"
    );
    assert_eq!(
        std::fs::read_dir(dir).unwrap().count(),
        files_before,
        "{expected}"
    );
}

/// A gzipped tar of the given files, as any tool could write it.
fn tgz(files: &[(&str, &str)]) -> Vec<u8> {
    let mut tar = onechart::tar::Writer::default();
    for (path, text) in files {
        tar.file(path, text.as_bytes(), 0);
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar.finish()).unwrap();
    gz.finish().unwrap()
}

#[test]
fn a_bad_archive_is_named_and_the_index_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    repo(&dir, &["0.1.0", "0.2.0"]);
    index_ok(&dir, &[], "1700000100");
    let good = std::fs::read(dir.join("opennebula-0.1.0.tgz")).unwrap();

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("garbage.tgz", b"not gzip at all".to_vec(), "garbage.tgz: not a valid chart archive"),
        ("truncated.tgz", good[..200].to_vec(), "truncated.tgz: not a valid chart archive"),
        (
            "no-chart-yaml.tgz",
            tgz(&[("x/values.yaml", "a: 1\n")]),
            "no-chart-yaml.tgz: not a valid chart archive: Chart.yaml file is missing",
        ),
        (
            "top-level.tgz",
            tgz(&[("Chart.yaml", "name: x\n")]),
            "top-level.tgz: not a valid chart archive: chart yaml not in base directory",
        ),
        (
            "bad-version.tgz",
            tgz(&[("x/Chart.yaml", "apiVersion: v2\nname: x\nversion: one\n")]),
            "bad-version.tgz: not a valid chart archive: validation: chart.metadata.version \"one\" is invalid",
        ),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.join("sub").join(name);
        std::fs::write(&path, bytes).unwrap();
        fails(&dir, &[], expected);
        std::fs::remove_file(path).unwrap();
    }

    let merge = tmp.path().join("merge.yaml");
    let text = std::fs::read_to_string(dir.join("index.yaml")).unwrap();
    std::fs::write(
        &merge,
        text.replace(
            "    name: opennebula\n",
            "    name: opennebula\n    flavour: x\n",
        ),
    )
    .unwrap();
    fails(
        &dir,
        &["--merge", merge.to_str().unwrap()],
        "merge.yaml: entries.opennebula[0]: unknown key `flavour`",
    );

    // index.yaml cannot be replaced: nothing is left behind.
    let blocked = tmp.path().join("blocked");
    repo(&blocked, &["0.1.0", "0.2.0"]);
    std::fs::create_dir(blocked.join("index.yaml")).unwrap();
    let files_before = std::fs::read_dir(&blocked).unwrap().count();
    let out = index(&blocked, &[], "1700000000");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("index.yaml"), "{stderr}");
    assert_eq!(std::fs::read_dir(&blocked).unwrap().count(), files_before);

    let out = index(&root().join("no-such-dir"), &[], "1700000000");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a directory"));
}

/// A 512-byte tar header block, checksummed.
fn raw_header(name: &str, size: u64, kind: u8) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..108].copy_from_slice(b"0000644\0");
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = kind;
    h[257..265].copy_from_slice(b"ustar\x0000");
    h[148..156].fill(b' ');
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// Archives built to hurt the reader: a PAX record `"2 "` (a slice-index
/// panic, exit 101, no archive named), extended headers claiming 3 GiB (read
/// into memory whole), a GNU long name of 2 MiB. Each is one error naming
/// the archive, as Go's archive/tar refuses each (helm skips them).
#[test]
fn hostile_archives_are_named_and_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    repo(&dir, &["0.1.0", "0.2.0"]);
    index_ok(&dir, &[], "1700000100");
    let chart = tgz(&[("x/Chart.yaml", "apiVersion: v2\nname: x\nversion: 1.0.0\n")]);
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(chart.as_slice())
        .read_to_end(&mut tar)
        .unwrap();
    let with_extended = |kind: u8, claimed: u64, data: &[u8]| {
        let mut bytes = raw_header("x/PaxHeaders.0/Chart.yaml", claimed, kind);
        bytes.extend_from_slice(data);
        bytes.resize(bytes.len().div_ceil(512) * 512, 0);
        bytes.extend_from_slice(&tar);
        gzip(&bytes)
    };
    let huge = "more than the 1 MiB Go's archive/tar reads";
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        (
            "pax-2.tgz",
            with_extended(b'x', 2, b"2 "),
            "pax-2.tgz: not a valid chart archive: invalid PAX header".into(),
        ),
        (
            "pax-3gib.tgz",
            with_extended(b'x', 3 << 30, &vec![b'9'; 2 << 20]),
            format!("pax-3gib.tgz: not a valid chart archive: a tar extended header of 3221225472 bytes, {huge}"),
        ),
        (
            "long-name.tgz",
            with_extended(b'L', 2 << 20, &vec![b'n'; 2 << 20]),
            format!("long-name.tgz: not a valid chart archive: a tar extended header of 2097152 bytes, {huge}"),
        ),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        fails(&dir, &[], &expected);
        std::fs::remove_file(path).unwrap();
    }
}

/// `onechart index` holds a lock on the folder from reading the old index
/// to replacing it: a second run waits (two runs at once each wrote what
/// they saw, and the last one lost the other's archives).
#[test]
fn index_runs_on_one_folder_take_turns() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    repo(&dir, &["0.1.0", "0.2.0"]);
    let held = std::fs::File::open(&dir).unwrap();
    held.lock().unwrap();
    let mut child = onechart()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .arg("index")
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "onechart index ran while the folder was locked"
    );
    assert!(!dir.join("index.yaml").exists());
    held.unlock().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
    assert!(dir.join("index.yaml").exists());
    // Nothing is left in the folder for the lock.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n.ends_with(".tgz") || n == "index.yaml" || n == "sub"),
        "{names:?}"
    );
}

/// Many runs at once, each after adding its own archive: with the lock,
/// the last index lists every archive.
#[test]
fn concurrent_runs_lose_no_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    let versions: Vec<String> = (0..8).map(|i| format!("0.{i}.0")).collect();
    let staged = tmp.path().join("staged");
    for version in &versions {
        stdout_of(
            onechart()
                .env("SOURCE_DATE_EPOCH", "1700000000")
                .args(["package", "--version", version, "-d"])
                .arg(&staged),
        );
    }
    std::fs::create_dir_all(&dir).unwrap();
    let runs: Vec<_> = versions
        .iter()
        .map(|version| {
            let name = format!("opennebula-{version}.tgz");
            std::fs::rename(staged.join(&name), dir.join(&name)).unwrap();
            onechart()
                .env("SOURCE_DATE_EPOCH", "1700000000")
                .arg("index")
                .arg(&dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut run in runs {
        assert!(run.wait().unwrap().success());
    }
    let index = std::fs::read_to_string(dir.join("index.yaml")).unwrap();
    for version in &versions {
        assert!(
            index.contains(&format!("version: {version}\n")),
            "{version} lost:\n{index}"
        );
    }
}

/// A corrupt index.yaml stops `onechart index`, with what to do about it.
#[test]
fn a_corrupt_index_says_how_to_recover() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    repo(&dir, &["0.1.0", "0.2.0"]);
    std::fs::write(dir.join("index.yaml"), "apiVersion: v1\nentries: [\n").unwrap();
    fails(
        &dir,
        &[],
        "index.yaml: line 3, column 1: while parsing a node, did not find expected node content \
         (fix or remove it: without it, onechart index lists every archive",
    );
    let out = index(&dir, &[], "1700000000");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.ends_with(" each dated now; or pass --merge with a good copy)\n"),
        "{stderr}"
    );
}
