//! The container image's test suite (`image/tests/run.sh`): shellcheck,
//! hadolint, supervisord's parser, the entrypoint's config edits on the real
//! OpenNebula 7.0/7.2/7.4 files, the volume bootstrap (secrets, credentials,
//! the remotes/etc merge on the real files, SSH), the services run for real
//! (supervisord, sshd, ssh-agent, the syslog relay, the health check, the
//! image build's checks), and the database logic against a real MariaDB
//! server holding the schema oned creates.
//!
//! A missing tool makes the script print `skipped: <tool> not found` and skip
//! that part; with `ONECHART_REQUIRE_TOOLS=1` a missing tool fails instead.
//! Install the tools with `image/tests/install-deps.sh`.

use std::path::Path;
use std::process::Command;

fn require_tools() -> bool {
    std::env::var("ONECHART_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

#[test]
fn image_test_suite() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("image/tests/run.sh");
    let output = match Command::new("bash").arg(&script).current_dir(root).output() {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound && !require_tools() => {
            println!("skipped: bash not found");
            return;
        }
        Err(err) => panic!("cannot run {}: {err}", script.display()),
    };
    print!("{}", String::from_utf8_lossy(&output.stdout));
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "image/tests/run.sh failed ({}); see the output above",
        output.status
    );
}
