//! The container image's test suite (`image/tests/run.sh`), one test per
//! part: `lint` (shellcheck, hadolint, supervisord's own parser, Ruby and
//! Python syntax), `config` (the entrypoint's config edits on the real
//! OpenNebula 7.0/7.2/7.4 `/etc/one` files), `bootstrap` (the volume
//! bootstrap: secrets, credentials, the remotes/etc merge on this project's
//! model of each release's files, SSH; it chowns files
//! to another user, so it runs as root), `services` (supervisord, sshd,
//! ssh-agent, the syslog relay, the health check, the Prometheus exporter in
//! a network namespace, the image build's checks, run for real) and `db` (the database logic against a real MariaDB server
//! holding the schema oned creates).
//!
//! Every part needs bash and tools a fresh machine lacks, so all are ignored
//! by plain `cargo test`; `.ci/install-tools` installs the tools. A missing
//! tool fails the test with one line naming it (and the scripts themselves
//! fail, not skip, on a missing tool).

mod support;

use support::{root, run, tool};

/// Runs one part of the image test suite after checking its tools.
fn part(name: &str, tools: &[&str]) {
    let bash = tool("bash");
    for t in tools {
        tool(t);
    }
    let out = run(std::process::Command::new(bash)
        .arg(root().join("image/tests/run.sh"))
        .arg(name)
        .current_dir(root()));
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "image/tests/run.sh {name} failed ({}); see the output above",
        out.status
    );
}

#[test]
#[ignore = "needs bash, shellcheck, hadolint, tools-python, ruby, python3: run .ci/install-tools, then cargo test -- --include-ignored"]
fn image_lint() {
    part(
        "lint",
        &["shellcheck", "hadolint", "tools-python", "ruby", "python3"],
    );
}

#[test]
#[ignore = "needs bash, python3, ruby: run .ci/install-tools, then cargo test -- --include-ignored"]
fn image_config() {
    part("config", &["python3", "ruby"]);
}

#[test]
#[ignore = "needs bash, ruby, ssh-keygen and root: run .ci/install-tools, then cargo test -- --include-ignored"]
fn image_bootstrap() {
    part("bootstrap", &["ruby", "ssh-keygen", "sshd"]);
}

#[test]
#[ignore = "needs bash, supervisord, ruby with Sinatra, python3, curl, logger, OpenSSH, gcc, unshare, iproute2 and root: run .ci/install-tools, then cargo test -- --include-ignored"]
fn image_services() {
    part(
        "services",
        &[
            "supervisord",
            "ruby",
            "python3",
            "curl",
            "logger",
            "ssh-agent",
            "ssh-add",
            "ssh-keygen",
            "ssh-keyscan",
            "sshd",
            "gcc",
            "ldd",
            "unshare",
            "ip",
            "ss",
        ],
    );
}

#[test]
#[ignore = "needs bash, ruby, python3, mariadb, ssh-keygen: run .ci/install-tools, then cargo test -- --include-ignored"]
fn image_db() {
    part(
        "db",
        &[
            "ruby",
            "python3",
            "mariadb",
            "mariadb-dump",
            "mariadbd",
            "mariadb-install-db",
            "mariadb-admin",
            "ssh-keygen",
        ],
    );
}
