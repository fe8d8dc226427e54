//! What the release archives carry besides the binary, end to end through
//! the built binary: `onechart --version` (version and commit, from
//! build.rs), `onechart completions SHELL` and `onechart man`. build.rs's
//! commit lookup is also run directly on checkouts made here, so its
//! fallbacks (no git, a crate inside another repository, the environment
//! variable) are tested without rebuilding the crate.

mod support;

use std::path::Path;
use std::process::Command;

use support::{onechart, root, run, stdout_of};

#[allow(dead_code)]
#[path = "../build.rs"]
mod build_script;

const COMMANDS: &[&str] = &[
    "render",
    "schema",
    "show",
    "lint",
    "package",
    "index",
    "completions",
    "man",
];

fn git(dir: &Path, args: &[&str]) -> String {
    stdout_of(
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com"),
    )
    .trim()
    .to_string()
}

/// The commit this checkout is at, as build.rs saw it when the binary was
/// built (the tests are built from the same tree).
#[test]
fn version_prints_the_version_and_the_commit() {
    let printed = stdout_of(onechart().arg("--version"));
    let expected_commit = match build_script_commit(root()) {
        Some(commit) => commit,
        None => std::env::var("ONECHART_COMMIT").unwrap_or_else(|_| "unknown".into()),
    };
    assert_eq!(
        printed,
        format!(
            "onechart {} (commit {expected_commit})\n",
            env!("CARGO_PKG_VERSION")
        )
    );
    assert_eq!(stdout_of(onechart().arg("-V")), printed);
}

/// `git rev-parse HEAD` of `dir` when it is a checkout's root.
fn build_script_commit(dir: &Path) -> Option<String> {
    let out =
        run(Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["rev-parse", "--show-toplevel", "HEAD"]));
    let text = String::from_utf8(out.stdout).ok()?;
    let mut lines = text.lines();
    let (top, head) = (lines.next()?, lines.next()?);
    let same = std::fs::canonicalize(top).ok()? == std::fs::canonicalize(dir).ok()?;
    (out.status.success() && same).then(|| head.to_string())
}

/// build.rs: git first, then ONECHART_COMMIT (only a commit id), then
/// "unknown"; a crate inside another repository does not take its HEAD.
/// One test, because it sets the process environment.
#[test]
fn build_script_commit_falls_back_without_git() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    let env = "ONECHART_COMMIT";
    let given = "0123456789abcdef0123456789abcdef01234567";

    std::env::remove_var(env);
    assert_eq!(build_script::commit(&plain), "unknown");
    std::env::set_var(env, given);
    assert_eq!(build_script::commit(&plain), given);
    for bad in ["main", "$(reboot)", "ABCDEF1", "abc", ""] {
        std::env::set_var(env, bad);
        assert_eq!(build_script::commit(&plain), "unknown", "{bad:?}");
    }

    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "--quiet"]);
    std::env::set_var(env, given);
    assert_eq!(
        build_script::commit(&repo),
        given,
        "a repository without commits has no HEAD"
    );
    std::fs::write(repo.join("file"), "x").unwrap();
    git(&repo, &["add", "file"]);
    git(&repo, &["commit", "--quiet", "-m", "one"]);
    let head = git(&repo, &["rev-parse", "HEAD"]);
    assert_eq!(
        build_script::commit(&repo),
        head,
        "git wins over the variable"
    );

    let nested = repo.join("crate");
    std::fs::create_dir(&nested).unwrap();
    assert_eq!(
        build_script::commit(&nested),
        given,
        "not the enclosing repository's HEAD"
    );
    std::env::remove_var(env);
    assert_eq!(build_script::commit(&nested), "unknown");
}

#[test]
fn completions_for_each_shell_name_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout_of(onechart().args(["completions", shell]));
        assert!(script.len() > 1000, "{shell}: {} bytes", script.len());
        for command in COMMANDS {
            assert!(script.contains(command), "{shell}: no {command}");
        }
        // Flags of the subcommands too, not only their names (fish writes
        // `-l lookup-file`).
        for flag in ["lookup-file", "kube-context", "markdown", "app-version"] {
            assert!(script.contains(flag), "{shell}: no {flag}");
        }
    }
}

#[test]
fn bash_completion_parses_and_completes_a_command() {
    let script = stdout_of(onechart().args(["completions", "bash"]));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("onechart.bash");
    std::fs::write(&path, script).unwrap();
    // Source it, then ask for the completions of `onechart ren`.
    let probe = format!(
        "source {}; COMP_WORDS=(onechart ren); COMP_CWORD=1; COMP_LINE='onechart ren'; \
         COMP_POINT=${{#COMP_LINE}}; _onechart onechart ren onechart; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        path.display()
    );
    let out = stdout_of(Command::new("bash").args(["--norc", "--noprofile", "-c", &probe]));
    assert_eq!(out, "render\n");
}

#[test]
fn unknown_shell_is_refused() {
    let out = run(onechart().args(["completions", "tcsh"]));
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tcsh"));
}

/// The page's roff structure, without a man reader.
#[test]
fn man_page_has_the_expected_sections() {
    let page = stdout_of(onechart().arg("man"));
    let title: Vec<&str> = page.lines().filter(|l| l.starts_with(".TH ")).collect();
    assert_eq!(title.len(), 1);
    assert!(title[0].starts_with(".TH onechart 1 "), "{}", title[0]);
    assert!(title[0].contains(&format!("onechart {}", env!("CARGO_PKG_VERSION"))));
    let sections: Vec<&str> = page
        .lines()
        .filter_map(|l| l.strip_prefix(".SH "))
        .collect();
    assert_eq!(
        sections,
        [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "COMMANDS",
            "VERSION"
        ]
    );
    let commands: Vec<&str> = page
        .lines()
        .filter_map(|l| l.strip_prefix(".SS "))
        .collect();
    assert_eq!(
        commands,
        [
            "\"onechart render\"",
            "\"onechart schema\"",
            "\"onechart show\"",
            "\"onechart show values\"",
            "\"onechart lint\"",
            "\"onechart package\"",
            "\"onechart index\"",
            "\"onechart completions\"",
            "\"onechart man\""
        ]
    );
    for flag in ["\\-\\-lookup\\-file", "\\-\\-kube\\-context", "\\-\\-merge"] {
        assert!(page.contains(flag), "{flag}");
    }
}

/// The page as man(1) shows it, and groff's warnings (none).
#[test]
#[ignore = "needs man (man-db) and groff: run .ci/install-tools, then cargo test -- --include-ignored"]
fn man_page_renders_with_man() {
    let (man, groff) = (support::tool("man"), support::tool("groff"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("onechart.1");
    std::fs::write(&path, stdout_of(onechart().arg("man"))).unwrap();
    let shown = stdout_of(
        Command::new(man)
            .arg("-l")
            .arg(&path)
            .env("MANWIDTH", "100")
            .env("MANPAGER", "cat")
            .env("PAGER", "cat"),
    );
    for text in [
        "NAME",
        "onechart - Render, package and index",
        "COMMANDS",
        "onechart render",
        "--lookup-file <FILE>",
        "onechart completions",
    ] {
        assert!(shown.contains(text), "{text} not in:\n{shown}");
    }
    let out = run(Command::new(groff)
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(&path));
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "groff warnings");
}
