//! `onechart package`: the archive `helm package` writes (same entries, same
//! order, same bytes inside), byte-reproducible whatever the files' mtimes,
//! read by real helm3 and helm4, and one clean error for bad input.

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime};

use support::{helm, helms, onechart, root, run, stdout_of};

/// Copies a directory tree, giving every file the mtime `mtime`.
fn copy_tree(from: &Path, to: &Path, mtime: SystemTime) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target, mtime);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            let file = std::fs::File::options().write(true).open(&target).unwrap();
            file.set_modified(mtime).unwrap();
        }
    }
}

/// Packages with onechart (`args` after `package`) and returns the archive.
fn package(args: &[&str], dest: &Path) -> PathBuf {
    package_with(&mut onechart(), args, dest)
}

/// [`package`] with this onechart command (its environment).
fn package_with(cmd: &mut std::process::Command, args: &[&str], dest: &Path) -> PathBuf {
    let out = stdout_of(cmd.arg("package").args(args).arg("-d").arg(dest));
    let path = out
        .trim()
        .strip_prefix("Successfully packaged chart and saved it to: ")
        .unwrap_or_else(|| panic!("unexpected output: {out}"));
    PathBuf::from(path)
}

/// The archive's entries: (path, 512-byte header, data).
fn entries(archive: &Path) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let bytes = std::fs::read(archive).unwrap();
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(bytes.as_slice())
        .read_to_end(&mut tar)
        .unwrap();
    let mut out = Vec::new();
    let mut reader = onechart::tar::Reader::new(tar.as_slice());
    while let Some(entry) = reader.next_file().unwrap() {
        out.push((entry.path, Vec::new(), reader.read_to_vec().unwrap()));
    }
    // The headers, from the raw blocks (onechart writes no extended headers
    // for these short names).
    let mut offset = 0;
    for entry in &mut out {
        entry.1 = tar[offset..offset + 512].to_vec();
        offset += 512 + entry.2.len().div_ceil(512) * 512;
    }
    out
}

/// Every raw header block of the archive (extended headers included), with
/// the mtime and checksum fields blanked.
fn headers(archive: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(archive).unwrap();
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(bytes.as_slice())
        .read_to_end(&mut tar)
        .unwrap();
    let mut out = Vec::new();
    let mut offset = 0;
    while tar[offset..offset + 512].iter().any(|b| *b != 0) {
        let mut header = tar[offset..offset + 512].to_vec();
        let size = std::str::from_utf8(&header[124..135]).unwrap();
        let size = usize::from_str_radix(size, 8).unwrap();
        header[136..156].fill(b'-');
        out.push(header);
        offset += 512 + size.div_ceil(512) * 512;
    }
    out
}

fn contents(archive: &Path) -> Vec<(String, Vec<u8>)> {
    entries(archive)
        .into_iter()
        .map(|(path, _, data)| (path, data))
        .collect()
}

/// Where two byte strings first differ: the offset and a few bytes of each.
fn first_byte_difference(a: &[u8], b: &[u8]) -> Option<String> {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .or((a.len() != b.len()).then(|| a.len().min(b.len())))?;
    let excerpt = |bytes: &[u8]| {
        let end = (at + 24).min(bytes.len());
        format!("{:?}", String::from_utf8_lossy(&bytes[at.min(end)..end]))
    };
    Some(format!(
        "byte {at} ({} vs {} bytes): {} vs {}",
        a.len(),
        b.len(),
        excerpt(a),
        excerpt(b)
    ))
}

/// Two lists of (name, bytes) are equal, or the failure names the first
/// entry that differs (its name, position, and the first differing byte).
#[track_caller]
fn assert_same_entries(ours: &[(String, Vec<u8>)], theirs: &[(String, Vec<u8>)], what: &str) {
    for (i, pair) in ours.iter().zip(theirs).enumerate() {
        let ((a_name, a), (b_name, b)) = pair;
        assert!(
            a_name == b_name,
            "{what}: entry #{i} is {a_name:?} in ours, {b_name:?} in theirs"
        );
        if let Some(difference) = first_byte_difference(a, b) {
            panic!("{what}: entry #{i} {a_name:?} differs at {difference}");
        }
    }
    let longer = if ours.len() > theirs.len() {
        ours
    } else {
        theirs
    };
    let extra: Vec<&str> = longer[ours.len().min(theirs.len())..]
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert!(
        ours.len() == theirs.len(),
        "{what}: {} entries in ours, {} in theirs; only in the longer: {extra:?}",
        ours.len(),
        theirs.len(),
    );
}

/// Two archive files are byte-identical, or the failure names the first
/// entry (or header) that differs.
#[track_caller]
fn assert_same_archive(a: &Path, b: &Path) {
    let (x, y) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    if x == y {
        return;
    }
    let labelled = |archive: &Path| -> Vec<(String, Vec<u8>)> {
        entries(archive)
            .into_iter()
            .flat_map(|(path, header, data)| [(format!("{path} (header)"), header), (path, data)])
            .collect()
    };
    assert_same_entries(
        &labelled(a),
        &labelled(b),
        &format!("{} vs {}", a.display(), b.display()),
    );
    panic!(
        "{} and {} hold the same entries and headers but differ in their gzip or tar framing: {}",
        a.display(),
        b.display(),
        first_byte_difference(&x, &y).unwrap()
    );
}

#[test]
fn archive_differences_name_the_first_differing_entry() {
    let list = |items: &[(&str, &str)]| -> Vec<(String, Vec<u8>)> {
        items
            .iter()
            .map(|(n, d)| (n.to_string(), d.as_bytes().to_vec()))
            .collect()
    };
    let message = |a: &[(String, Vec<u8>)], b: &[(String, Vec<u8>)]| -> String {
        let err = std::panic::catch_unwind(|| assert_same_entries(a, b, "x")).unwrap_err();
        err.downcast_ref::<String>().unwrap().clone()
    };
    let ours = list(&[("a", "same"), ("b", "one two"), ("c", "x")]);
    assert_eq!(
        message(&ours, &list(&[("a", "same"), ("b", "one too"), ("c", "y")])),
        "x: entry #1 \"b\" differs at byte 5 (7 vs 7 bytes): \"wo\" vs \"oo\""
    );
    assert_eq!(
        message(&ours, &list(&[("a", "same"), ("c", "x")])),
        "x: entry #1 is \"b\" in ours, \"c\" in theirs"
    );
    assert_eq!(
        message(&ours, &list(&[("a", "same"), ("b", "one two")])),
        "x: 3 entries in ours, 2 in theirs; only in the longer: [\"c\"]"
    );
    assert_same_entries(&ours, &ours.clone(), "x");
}

#[test]
fn same_sources_give_the_same_bytes_whatever_the_mtimes() {
    let tmp = tempfile::tempdir().unwrap();
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    copy_tree(&root().join("chart"), &tmp.path().join("a/opennebula"), old);
    copy_tree(
        &root().join("chart"),
        &tmp.path().join("b/chart"),
        SystemTime::now(),
    );
    let a = package(
        &[tmp.path().join("a/opennebula").to_str().unwrap()],
        &tmp.path().join("out-a"),
    );
    let b = package(
        &[tmp.path().join("b/chart").to_str().unwrap()],
        &tmp.path().join("out-b"),
    );
    let embedded = package(&[], &tmp.path().join("out-embedded"));
    assert_same_archive(&a, &b);
    assert_same_archive(&a, &embedded);
    let bytes = std::fs::read(&a).unwrap();
    assert_eq!(a.file_name().unwrap(), "opennebula-0.1.0.tgz");
    // gzip: FCOMMENT "Helm", no mtime, no extra field, OS "unknown".
    assert_eq!(&bytes[..10], b"\x1f\x8b\x08\x10\0\0\0\0\0\xff");
    assert_eq!(&bytes[10..15], b"Helm\0");
    for (path, header, _) in entries(&a) {
        assert_eq!(&header[100..108], b"0000644\0", "{path}");
        assert_eq!(&header[108..124], b"0000000\x000000000\0", "{path}");
        assert_eq!(&header[136..148], b"02263523000\0", "{path}: 1980-01-01");
        assert_eq!(header[156], b'0', "{path}");
        assert_eq!(&header[257..265], b"ustar\x0000", "{path}");
    }
}

#[test]
fn source_date_epoch_dates_every_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let mut first = onechart();
    first.env("SOURCE_DATE_EPOCH", "1700000000");
    let a = stdout_of(first.args(["package", "-d"]).arg(tmp.path().join("a")));
    let mut second = onechart();
    second.env("SOURCE_DATE_EPOCH", "1700000000");
    let b = stdout_of(second.args(["package", "-d"]).arg(tmp.path().join("b")));
    let path = |out: &str| PathBuf::from(out.trim().rsplit(' ').next().unwrap());
    let (a, b) = (path(&a), path(&b));
    assert_same_archive(&a, &b);
    for (path, header, _) in entries(&a) {
        assert_eq!(&header[136..148], b"14524770400\0", "{path}");
    }
}

#[test]
fn the_archive_starts_with_chart_yaml_and_values() {
    let tmp = tempfile::tempdir().unwrap();
    let ours = package(&[], &tmp.path().join("ours"));
    let names: Vec<String> = contents(&ours).into_iter().map(|(p, _)| p).collect();
    assert_eq!(names[0], "opennebula/Chart.yaml");
    assert_eq!(names[1], "opennebula/values.yaml");
    assert!(names.contains(&"opennebula/templates/tests/test-connection.yaml".to_string()));
    assert!(names.contains(&"opennebula/.helmignore".to_string()));
}

#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn the_archive_holds_what_helm_package_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let ours = package(&[], &tmp.path().join("ours"));
    for (name, path) in helms() {
        let dest = tmp.path().join(name);
        stdout_of(
            helm(&path, tmp.path())
                .args(["package", "chart", "-d"])
                .arg(&dest),
        );
        let theirs = dest.join("opennebula-0.1.0.tgz");
        assert_same_entries(&contents(&ours), &contents(&theirs), name);
    }
}

/// A chart that exercises the loader: a rewritten Chart.yaml (comments,
/// an unknown key, a multi-line description, unsorted keys), .helmignore
/// rules, a dotfile in templates/, a BOM, nested directories.
fn odd_chart(dir: &Path) {
    let files: &[(&str, &str)] = &[
        (
            "Chart.yaml",
            "# A comment Helm drops.\nversion: 1.2.3\nname: odd\napiVersion: v2\n\
             description: |\n  A description\n  on two lines that is long enough to be folded by the YAML emitter at eighty columns.\n\
             x-custom: dropped\nappVersion: 1.10\nkeywords: [b, a]\nannotations:\n  zeta: 1\n  alpha: \"yes\"\n\
             maintainers:\n- name: A\n  url: https://example.com\n",
        ),
        ("values.yaml", "\u{feff}replicas: 1\n"),
        (".helmignore", "# rules\n*.bak\n/top-only.txt\ndocs/\nfiles/*.tmp\n"),
        ("templates/a.yaml", "kind: ConfigMap\n"),
        ("templates/.hidden.yaml", "ignored by default\n"),
        ("templates/sub/b.yaml", "kind: Secret\n"),
        ("templates/NOTES.txt", "notes\n"),
        ("templates/_helpers.tpl", "{{/* helpers */}}\n"),
        ("notes.bak", "ignored\n"),
        ("top-only.txt", "ignored\n"),
        ("files/top-only.txt", "kept\n"),
        ("files/x.tmp", "ignored\n"),
        ("files/deep/x.tmp", "kept\n"),
        ("docs/a.md", "ignored dir\n"),
        ("a-b.txt", "sorts after a/\n"),
        ("a/c.txt", "sorts before a-b.txt\n"),
        ("README.md", "readme\n"),
        // Over 100 bytes: a USTAR prefix; non-ASCII: a PAX record.
        (
            "files/a-directory-name-that-is-quite-long-indeed/and-a-file-name-that-is-long-as-well-to-pass-100.txt",
            "long\n",
        ),
        ("files/\u{e9}t\u{e9}.txt", "accents\n"),
    ];
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

#[test]
fn an_odd_chart_packages_in_helms_order() {
    let tmp = tempfile::tempdir().unwrap();
    let chart = tmp.path().join("odd");
    odd_chart(&chart);
    let ours = package(&[chart.to_str().unwrap()], &tmp.path().join("ours"));
    let names: Vec<String> = contents(&ours).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        names,
        [
            "odd/Chart.yaml",
            "odd/values.yaml",
            "odd/templates/NOTES.txt",
            "odd/templates/_helpers.tpl",
            "odd/templates/a.yaml",
            "odd/templates/sub/b.yaml",
            "odd/.helmignore",
            "odd/README.md",
            "odd/a/c.txt",
            "odd/a-b.txt",
            "odd/files/a-directory-name-that-is-quite-long-indeed/and-a-file-name-that-is-long-as-well-to-pass-100.txt",
            "odd/files/deep/x.tmp",
            "odd/files/top-only.txt",
            "odd/files/\u{e9}t\u{e9}.txt",
        ]
    );
}

#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn an_odd_chart_packages_as_helm_packages_it() {
    let tmp = tempfile::tempdir().unwrap();
    let chart = tmp.path().join("odd");
    odd_chart(&chart);
    let ours = package(&[chart.to_str().unwrap()], &tmp.path().join("ours"));
    for (name, path) in helms() {
        let dest = tmp.path().join(name);
        stdout_of(
            helm(&path, tmp.path())
                .arg("package")
                .arg(&chart)
                .arg("-d")
                .arg(&dest),
        );
        let theirs = dest.join("odd-1.2.3.tgz");
        assert_same_entries(&contents(&ours), &contents(&theirs), name);
        let numbered = |archive: &Path| -> Vec<(String, Vec<u8>)> {
            headers(archive)
                .into_iter()
                .enumerate()
                .map(|(i, h)| (format!("header block #{i}"), h))
                .collect()
        };
        assert_same_entries(
            &numbered(&ours),
            &numbered(&theirs),
            &format!("{name} tar headers"),
        );
    }
}

#[test]
fn version_flags_override_chart_yaml() {
    let tmp = tempfile::tempdir().unwrap();
    let flags = ["--version", "2.0.0-rc.1+build.7", "--app-version", "7.2"];
    let ours = package(&flags, &tmp.path().join("ours"));
    assert_eq!(
        ours.file_name().unwrap(),
        "opennebula-2.0.0-rc.1+build.7.tgz"
    );
    let chart_yaml = String::from_utf8(contents(&ours)[0].1.clone()).unwrap();
    assert!(
        chart_yaml.contains("\nappVersion: \"7.2\"\n"),
        "{chart_yaml}"
    );
    assert!(
        chart_yaml.ends_with("\nversion: 2.0.0-rc.1+build.7\n"),
        "{chart_yaml}"
    );
}

#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn version_flags_override_chart_yaml_as_in_helm() {
    let tmp = tempfile::tempdir().unwrap();
    let flags = ["--version", "2.0.0-rc.1+build.7", "--app-version", "7.2"];
    let ours = package(&flags, &tmp.path().join("ours"));
    for (name, path) in helms() {
        let dest = tmp.path().join(name);
        stdout_of(
            helm(&path, tmp.path())
                .args(["package", "chart"])
                .args(flags)
                .arg("-d")
                .arg(&dest),
        );
        assert_same_entries(
            &contents(&ours),
            &contents(&dest.join("opennebula-2.0.0-rc.1+build.7.tgz")),
            name,
        );
    }
}

#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn helm_lints_shows_and_renders_the_archive_like_onechart_render() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = package(&[], tmp.path());
    let renders: &[&[&str]] = &[
        &[
            "one",
            "--set",
            "opennebula.existingSecret=one-admin",
            "--set",
            "mariadb.auth.existingSecret=one-db",
            "--set",
            "ssh.existingSecret=one-ssh",
        ],
        &[
            "onecloud",
            "-n",
            "cloud",
            "-f",
            "values/external-database.yaml",
            "--set",
            "opennebula.existingSecret=one-admin",
            "--set",
            "ssh.existingSecret=one-ssh",
        ],
    ];
    for (name, path) in helms() {
        let lint = run(helm(&path, tmp.path())
            .args(["lint", "--strict"])
            .arg(&archive));
        assert!(
            lint.status.success(),
            "{name} lint: {}",
            String::from_utf8_lossy(&lint.stdout)
        );
        let shown = stdout_of(
            helm(&path, tmp.path())
                .args(["show", "chart"])
                .arg(&archive),
        );
        let from_dir = stdout_of(helm(&path, tmp.path()).args(["show", "chart", "chart"]));
        assert_eq!(shown, from_dir, "{name} show chart");
        for args in renders {
            let theirs = stdout_of(
                helm(&path, tmp.path())
                    .arg("template")
                    .arg(args[0])
                    .arg(&archive)
                    .args(&args[1..]),
            );
            let ours = stdout_of(onechart().arg("render").args(*args));
            assert_eq!(ours, theirs, "{name} template {args:?}");
            assert!(theirs.contains("helm.sh/hook: test"), "{name}: no test pod");
        }
    }
}

/// Runs `onechart package` expecting one error line and nothing written.
fn fails(args: &[&str], dest: &Path, expected: &str) {
    let out: Output = run(onechart().arg("package").args(args).arg("-d").arg(dest));
    assert_eq!(out.status.code(), Some(1), "{args:?}");
    assert!(out.stdout.is_empty(), "{args:?}: stdout");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains(expected),
        "{args:?}: {stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(dest)
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(
        left.is_empty() || dest.join("opennebula-0.1.0.tgz").is_dir(),
        "{args:?}: left {left:?}"
    );
}

#[test]
fn bad_input_fails_with_one_error_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("dest");
    let chart = |name: &str| {
        let dir = tmp.path().join(name);
        copy_tree(&root().join("chart"), &dir, SystemTime::now());
        dir
    };

    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(empty.join("templates")).unwrap();
    fails(
        &[empty.to_str().unwrap()],
        &dest,
        "Chart.yaml file is missing",
    );

    let bad_version = chart("bad-version");
    let text = std::fs::read_to_string(bad_version.join("Chart.yaml")).unwrap();
    std::fs::write(
        bad_version.join("Chart.yaml"),
        text.replace("version: 0.1.0", "version: 1.x"),
    )
    .unwrap();
    fails(
        &[bad_version.to_str().unwrap()],
        &dest,
        "validation: chart.metadata.version \"1.x\" is invalid",
    );
    fails(
        &["--version", "next"],
        &dest,
        "validation: chart.metadata.version \"next\" is invalid",
    );

    let bad_yaml = chart("bad-yaml");
    std::fs::write(bad_yaml.join("Chart.yaml"), "name: [unclosed\n").unwrap();
    fails(
        &[bad_yaml.to_str().unwrap()],
        &dest,
        "cannot load Chart.yaml",
    );

    let double_star = chart("double-star");
    std::fs::write(double_star.join(".helmignore"), "**/*.bak\n").unwrap();
    fails(
        &[double_star.to_str().unwrap()],
        &dest,
        "double-star (**) syntax is not supported",
    );

    let big = chart("big");
    std::fs::write(big.join("big.bin"), vec![b'x'; 5 * 1024 * 1024 + 1]).unwrap();
    fails(
        &[big.to_str().unwrap()],
        &dest,
        "chart file \"big.bin\" is larger than the maximum file size 5242880",
    );

    let with_dependency = chart("with-dependency");
    let mut text = std::fs::read_to_string(with_dependency.join("Chart.yaml")).unwrap();
    text.push_str("dependencies:\n  - name: mariadb\n    version: 1.0.0\n    repository: https://example.com\n");
    std::fs::write(with_dependency.join("Chart.yaml"), text).unwrap();
    fails(
        &[with_dependency.to_str().unwrap()],
        &dest,
        "found in Chart.yaml, but missing in charts/ directory: mariadb",
    );

    // An unwritable destination: below a file, or the archive's name taken
    // by a directory. Nothing is left behind, not even a temporary file.
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    fails(&[], &file.join("sub"), "creating");
    let taken = tmp.path().join("taken");
    std::fs::create_dir_all(taken.join("opennebula-0.1.0.tgz")).unwrap();
    fails(&[], &taken, "writing");
    assert_eq!(std::fs::read_dir(&taken).unwrap().count(), 1);
    assert!(!dest.exists() || std::fs::read_dir(&dest).unwrap().next().is_none());
}

/// The decompressed tar stream of an archive.
fn tar_bytes(archive: &Path) -> Vec<u8> {
    let bytes = std::fs::read(archive).unwrap();
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(bytes.as_slice())
        .read_to_end(&mut tar)
        .unwrap();
    tar
}

/// Helm 4 dates entries with the files' mtimes: with every file dated
/// 9999999999 (the year 2286, 12 octal digits) Go's archive/tar writes PAX
/// `mtime` records, and onechart with that SOURCE_DATE_EPOCH writes the same
/// tar stream byte for byte (long and non-ASCII names included). Before,
/// onechart panicked.
#[test]
#[ignore = "needs helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn mtimes_past_2242_are_written_as_go_writes_them() {
    let helm4 = support::tool("helm4");
    let tmp = tempfile::tempdir().unwrap();
    let late = SystemTime::UNIX_EPOCH + Duration::from_secs(9_999_999_999);
    let chart = tmp.path().join("odd");
    odd_chart(&tmp.path().join("src"));
    copy_tree(&tmp.path().join("src"), &chart, late);
    stdout_of(
        helm(&helm4, tmp.path())
            .args(["package", chart.to_str().unwrap(), "-d"])
            .arg(tmp.path().join("helm")),
    );
    let mut cmd = onechart();
    cmd.env("SOURCE_DATE_EPOCH", "9999999999");
    let ours = package_with(
        &mut cmd,
        &[chart.to_str().unwrap()],
        &tmp.path().join("ours"),
    );
    let theirs = tar_bytes(&tmp.path().join("helm/odd-1.2.3.tgz"));
    assert_eq!(tar_bytes(&ours), theirs);
    assert!(theirs.windows(17).any(|w| w == b"mtime=9999999999\n"));
}

/// SOURCE_DATE_EPOCH past 11 octal digits: no panic, every entry dated.
#[test]
fn source_date_epoch_in_2286_packages() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = onechart();
    cmd.env("SOURCE_DATE_EPOCH", "9999999999");
    let archive = package_with(&mut cmd, &[], tmp.path());
    let tar = tar_bytes(&archive);
    let records = tar
        .windows(17)
        .filter(|w| *w == b"mtime=9999999999\n")
        .count();
    assert_eq!(records, contents(&archive).len());
}
