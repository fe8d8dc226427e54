//! The backup CronJob's script against a real MariaDB server: exactly the
//! script, command, arguments and environment the rendered CronJob holds
//! (taken from `onechart render`), and the restore exactly as chart/README.md
//! documents it (its `kubectl patch` run on a Job made from the CronJob as
//! `kubectl create job --from` makes it).
//!
//! What it proves: a backup of OpenNebula-like tables (quotes, newlines and
//! non-ASCII in a body) restored into a dropped database gives the same
//! `CHECKSUM TABLE` for every table, and the state files come back; a dump
//! killed half-way (SIGTERM or SIGKILL) leaves nothing under a final name;
//! a failed dump exits non-zero and keeps the earlier backups; retention
//! keeps exactly N; a password with `'`, `"`, `$` and spaces works and never
//! appears in the output; restore refuses corrupt backups and a database in
//! use.

mod support;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use onechart::yaml::{load, Value};
use serde_json::{json, Value as Json};
use support::{onechart, root, run, stdout_of};

/// The database user's password: quotes, dollar signs, spaces, a backslash.
const PASSWORD: &str = r#"it's a "pass" $HOME $(id) \ 100%"#;
const USER: &str = "oneadmin";
const DATABASE: &str = "opennebula";
/// A VM body with quotes, a backslash, newlines and non-ASCII text.
const BODY: &str = "<VM><NAME>it's \"q\" \\ 'x'</NAME>\n<TEMPLATE><DESCRIPTION>Crème brûlée — 日本語 🚀\r\nline 2</DESCRIPTION></TEMPLATE></VM>";

fn need(tool: &str) -> PathBuf {
    support::tool(tool)
}

/// SQL string literal.
fn sql_str(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// A MariaDB server of its own, on a free port and a private socket; stopped on drop.
struct Server {
    dir: tempfile::TempDir,
    child: Child,
    port: u16,
}

impl Server {
    fn start() -> Server {
        for tool in ["mariadb-install-db", "mariadbd", "mariadb", "mariadb-dump"] {
            need(tool);
        }
        let dir = tempfile::tempdir().unwrap();
        let root_user = stdout_of(Command::new("id").arg("-u")).trim() == "0";
        let as_user: &[&str] = if root_user { &["--user=root"] } else { &[] };
        let data = dir.path().join("data");
        // Servers started side by side must not share a temporary directory.
        let tmp = dir.path().join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let out = run(Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .args(as_user)
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--tmpdir={}", tmp.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"]));
        assert!(out.status.success(), "mariadb-install-db: {out:?}");
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("mariadbd")
            .arg("--no-defaults")
            .args(as_user)
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", dir.path().join("sock").display()))
            .arg(format!("--tmpdir={}", tmp.display()))
            .arg(format!("--port={port}"))
            .args([
                "--bind-address=127.0.0.1",
                "--skip-name-resolve",
                "--innodb-buffer-pool-size=16M",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_general_ci",
            ])
            .arg(format!(
                "--log-error={}",
                dir.path().join("error.log").display()
            ))
            .arg(format!("--pid-file={}", dir.path().join("pid").display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mariadbd starts");
        let server = Server { dir, child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !server
            .client_root()
            .arg("-e")
            .arg("SELECT 1")
            .output()
            .unwrap()
            .status
            .success()
        {
            assert!(
                Instant::now() < deadline,
                "mariadbd did not start: {}",
                std::fs::read_to_string(server.dir.path().join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        server.root(&format!(
            "CREATE USER '{USER}'@'127.0.0.1' IDENTIFIED BY {};
             GRANT ALL PRIVILEGES ON `{DATABASE}`.* TO '{USER}'@'127.0.0.1';",
            sql_str(PASSWORD)
        ));
        server
    }

    fn client_root(&self) -> Command {
        let mut cmd = Command::new("mariadb");
        cmd.arg("--no-defaults")
            .arg(format!(
                "--socket={}",
                self.dir.path().join("sock").display()
            ))
            .args([
                "-uroot",
                "--default-character-set=utf8mb4",
                "--batch",
                "--skip-column-names",
            ])
            .stdin(Stdio::null());
        cmd
    }

    /// Runs SQL as root; its output.
    fn root(&self, sql: &str) -> String {
        stdout_of(self.client_root().arg("-e").arg(sql))
    }

    /// `CHECKSUM TABLE` of every table of the database, and a count of rows per table.
    fn checksums(&self) -> BTreeMap<String, String> {
        let tables = self.root(&format!(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{DATABASE}' ORDER BY 1"
        ));
        let mut sums = BTreeMap::new();
        for table in tables.lines() {
            let line = self.root(&format!("CHECKSUM TABLE `{DATABASE}`.`{table}`"));
            let rows = self.root(&format!("SELECT COUNT(*) FROM `{DATABASE}`.`{table}`"));
            sums.insert(
                table.to_string(),
                format!(
                    "{} rows {}",
                    line.split('\t').nth(1).unwrap().trim(),
                    rows.trim()
                ),
            );
        }
        sums
    }

    /// Tables and rows shaped like OpenNebula's (src/sql schema of oned: db_versioning,
    /// pool_control, the pools' oid/name/body columns).
    fn load_opennebula_like_data(&self) {
        self.root(&format!(
            "CREATE DATABASE `{DATABASE}` CHARACTER SET utf8mb4;
             USE `{DATABASE}`;
             CREATE TABLE db_versioning (oid INTEGER PRIMARY KEY, version VARCHAR(256), timestamp INTEGER, comment VARCHAR(256));
             CREATE TABLE local_db_versioning (oid INTEGER PRIMARY KEY, version VARCHAR(256), timestamp INTEGER, comment VARCHAR(256), is_slave BOOLEAN);
             CREATE TABLE pool_control (tablename VARCHAR(32) PRIMARY KEY, last_oid BIGINT UNSIGNED);
             CREATE TABLE vm_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, state INTEGER, lcm_state INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER, short_body MEDIUMTEXT, search_token MEDIUMTEXT, FULLTEXT ftidx(search_token));
             CREATE TABLE host_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, state INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER, cid INTEGER);
             INSERT INTO db_versioning VALUES (0, '7.0.0', 1700000000, 'OpenNebula 7.0.0 daemon bootstrap');
             INSERT INTO local_db_versioning VALUES (0, '7.0.0', 1700000000, 'OpenNebula 7.0.0 daemon bootstrap', 0);
             INSERT INTO pool_control VALUES ('vm_pool', 99), ('host_pool', 2), ('user_pool', 1);
             INSERT INTO vm_pool VALUES (0, 'it''s \"me\"', {body}, 0, 0, 3, 3, 1, 0, 0, {body}, 'crème 日本語');
             INSERT INTO host_pool VALUES (0, 'kvm-1', '<HOST><NAME>kvm-1</NAME></HOST>', 0, 0, 2, 1, 0, 0, 0);
             INSERT INTO vm_pool (oid, name, body, uid, gid, state, lcm_state, owner_u, group_u, other_u)
               SELECT seq, CONCAT('vm-', seq), REPEAT(CONCAT('<VM>', seq, ' é\n</VM>'), 50), 0, 0, 3, 3, 1, 0, 0
               FROM seq_1_to_300;",
            body = sql_str(BODY)
        ));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The rendered backup CronJob and its script.
struct Chart {
    cronjob: Value,
    script: String,
}

impl Chart {
    fn render(set: &str) -> Chart {
        let text = stdout_of(onechart().args(["render", "one", "-n", "cloud", "--set", set]));
        let docs = load::load_all(&text).unwrap();
        let find = |kind: &str, name: &str| {
            docs.iter()
                .find(|d| {
                    get(d, &["kind"]) == &Value::String(kind.into())
                        && get(d, &["metadata", "name"]) == &Value::String(name.into())
                })
                .cloned()
                .unwrap_or_else(|| panic!("no {kind} {name} rendered"))
        };
        let configmap = find("ConfigMap", "one-opennebula-backup");
        let Value::String(script) = get(&configmap, &["data", "backup.sh"]).clone() else {
            panic!("no backup.sh in the ConfigMap");
        };
        Chart {
            cronjob: find("CronJob", "one-opennebula-backup"),
            script,
        }
    }

    /// The Job `kubectl create job NAME --from=cronjob/...` makes of the CronJob
    /// (kubectl's createJobFromCronJob: the job template's labels, annotations and spec).
    fn job(&self, name: &str) -> Json {
        let template = serde_json::to_value(get(&self.cronjob, &["spec", "jobTemplate"])).unwrap();
        json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "name": name,
                "annotations": {"cronjob.kubernetes.io/instantiate": "manual"},
                "labels": template["metadata"]["labels"],
            },
            "spec": template["spec"],
        })
    }
}

fn get<'a>(value: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(value, |v, key| match v {
        Value::Map(map) => map.get(*key).unwrap_or(&Value::Null),
        _ => &Value::Null,
    })
}

/// One environment in which the script runs as the Job's container would.
struct Env {
    server_port: u16,
    dir: tempfile::TempDir,
}

impl Env {
    fn new(server: &Server) -> Env {
        let env = Env {
            server_port: server.port,
            dir: tempfile::tempdir().unwrap(),
        };
        for sub in [
            "backup", "var/.one", "var/.ssh", "script", "secrets", "home",
        ] {
            std::fs::create_dir_all(env.path(sub)).unwrap();
        }
        std::fs::write(env.path("secrets/db-password"), PASSWORD).unwrap();
        std::fs::write(
            env.path("var/.one/one_key"),
            "0123456789abcdef0123456789abcdef\n",
        )
        .unwrap();
        std::fs::write(env.path("var/.one/oneflow_auth"), "serveradmin:5ecret\n").unwrap();
        std::fs::write(env.path("var/.ssh/id_rsa"), "-----BEGIN KEY-----\n").unwrap();
        env
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The container of a Job's pod template, run here: its command (the script
    /// mounted at /opt/onechart/backup.sh is the rendered one, written here), its
    /// arguments and its environment, with the database and paths of this test.
    fn command(&self, script: &str, pod_spec: &Json) -> Command {
        let container = &pod_spec["containers"][0];
        let script_path = self.path("script/backup.sh");
        std::fs::write(&script_path, script).unwrap();
        let command: Vec<String> = container["command"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                let s = v.as_str().unwrap();
                if s == "/opt/onechart/backup.sh" {
                    script_path.display().to_string()
                } else {
                    s.to_string()
                }
            })
            .collect();
        assert_eq!(command[0], "/bin/bash");
        let mut cmd = Command::new(&command[0]);
        cmd.args(&command[1..]);
        for arg in container["args"].as_array().unwrap() {
            cmd.arg(arg.as_str().unwrap());
        }
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap());
        for var in container["env"].as_array().unwrap() {
            let name = var["name"].as_str().unwrap();
            let value = var["value"].as_str().unwrap().to_string();
            let value = match name {
                "DB_HOST" => {
                    assert_eq!(value, "one-opennebula-mariadb");
                    "127.0.0.1".to_string()
                }
                "DB_PORT" => {
                    assert_eq!(value, "3306");
                    self.server_port.to_string()
                }
                "DB_PASSWORD_FILE" => {
                    assert_eq!(value, "/etc/onechart/secrets/db-password");
                    self.path("secrets/db-password").display().to_string()
                }
                "HOME" => self.path("home").display().to_string(),
                _ => value,
            };
            cmd.env(name, value);
        }
        // The mount points of the pod, here.
        cmd.env("BACKUP_DIR", self.path("backup"))
            .env("ONE_VAR", self.path("var"))
            .stdin(Stdio::null());
        cmd
    }

    /// The file names in the backup directory, hidden ones included.
    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path("backup"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Name and content of every backup file.
    fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        self.files()
            .into_iter()
            .map(|n| {
                let bytes = std::fs::read(self.path("backup").join(&n)).unwrap();
                (n, bytes)
            })
            .collect()
    }
}

fn pod_spec(chart: &Chart) -> Json {
    serde_json::to_value(get(
        &chart.cronjob,
        &["spec", "jobTemplate", "spec", "template", "spec"],
    ))
    .unwrap()
}

/// Runs a command; its output, checked never to contain the password.
fn run_script(cmd: &mut Command) -> Output {
    let out = run(cmd);
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(
            !text.contains(PASSWORD) && !text.contains("\"pass\""),
            "the password was printed: {text}"
        );
    }
    out
}

fn assert_ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The `kubectl patch` of chart/README.md's restore, as its words.
fn readme_patch_args() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("chart/README.md")).unwrap();
    let start = readme
        .find("| kubectl patch --local")
        .expect("README documents the patch");
    let text = &readme[start + 2..];
    let end = text.find("\n  | kubectl").expect("the patch is piped on");
    let command = text[..end + 1].replace("\\\n", " ");
    // Split on spaces outside single quotes, as the shell does here.
    let (mut words, mut word, mut quoted) = (Vec::new(), String::new(), false);
    for c in command.chars() {
        match c {
            '\'' => quoted = !quoted,
            ' ' | '\n' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    assert_eq!(&words[..3], ["kubectl", "patch", "--local"]);
    words
}

/// The documented restore Job: the CronJob's Job patched by the README's command.
fn restore_pod_spec(chart: &Chart) -> Json {
    let kubectl = need("kubectl");
    let words = readme_patch_args();
    let mut child = Command::new(kubectl)
        .args(&words[1..])
        .env("KUBECONFIG", "/nonexistent")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let job = chart.job("one-opennebula-restore");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), job.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let patched: Json =
        serde_json::from_str(&assert_ok(&out, "the README's kubectl patch")).unwrap();
    let spec = patched["spec"]["template"]["spec"].clone();
    assert!(
        spec.get("affinity").is_none(),
        "the restore Job keeps no pod affinity"
    );
    assert_eq!(spec["containers"][0]["args"], json!(["restore", "latest"]));
    assert_eq!(
        spec["containers"][0]["env"],
        job["spec"]["template"]["spec"]["containers"][0]["env"]
    );
    spec
}

#[test]
#[ignore = "needs mariadb-server, mariadb-client, kubectl, shellcheck: run .ci/install-tools, then cargo test -- --include-ignored"]
fn backup_and_the_documented_restore_give_back_every_table_and_the_state_files() {
    let server = Server::start();
    server.load_opennebula_like_data();
    let chart = Chart::render("backup.enabled=true");
    assert_eq!(
        chart.script,
        std::fs::read_to_string(root().join("chart/files/backup.sh")).unwrap()
    );
    let env = Env::new(&server);
    let before = server.checksums();
    assert_eq!(before.len(), 5, "{before:?}");

    let out = run_script(&mut env.command(&chart.script, &pod_spec(&chart)));
    let log = assert_ok(&out, "backup");
    assert!(log.contains("saving .one .ssh"), "{log}");
    let files = env.files();
    assert_eq!(files.len(), 3, "{files:?}");
    let name = files[0].split('.').next().unwrap().to_string();
    assert!(files.iter().all(|f| f.starts_with(&name)), "{files:?}");
    let sums = assert_ok(
        &run(Command::new("sha256sum")
            .current_dir(env.path("backup"))
            .args(["-c", &format!("{name}.sha256")])),
        "sha256sum -c",
    );
    assert_eq!(sums.lines().count(), 2, "{sums}");

    // Lose the database and the state files.
    server.root(&format!("DROP DATABASE `{DATABASE}`"));
    std::fs::write(env.path("var/.one/one_key"), "a new key\n").unwrap();
    std::fs::remove_dir_all(env.path("var/.ssh")).unwrap();

    let restore = restore_pod_spec(&chart);
    let out = run_script(&mut env.command(&chart.script, &restore));
    let log = assert_ok(&out, "restore");
    assert!(log.contains(&format!("restore {name}: done")), "{log}");

    assert_eq!(server.checksums(), before);
    let body = server.root(&format!(
        "SELECT HEX(body) FROM `{DATABASE}`.vm_pool WHERE oid = 0"
    ));
    let hex: String = BODY.bytes().map(|b| format!("{b:02X}")).collect();
    assert_eq!(
        body.trim(),
        hex,
        "the body with quotes, newlines and non-ASCII text"
    );
    assert_eq!(
        std::fs::read_to_string(env.path("var/.one/one_key")).unwrap(),
        "0123456789abcdef0123456789abcdef\n"
    );
    assert_eq!(
        std::fs::read_to_string(env.path("var/.ssh/id_rsa")).unwrap(),
        "-----BEGIN KEY-----\n"
    );
    let aside: Vec<String> = std::fs::read_dir(env.path("var"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".one.before-restore-"))
        .collect();
    assert_eq!(aside.len(), 1, "the replaced .one is kept");
    assert_eq!(
        std::fs::read_to_string(env.path("var").join(&aside[0]).join("one_key")).unwrap(),
        "a new key\n"
    );

    // A table made after the backup (a later upgrade) does not survive a restore.
    server.root(&format!("CREATE TABLE `{DATABASE}`.newer (a INT)"));
    assert_ok(
        &run_script(&mut env.command(&chart.script, &restore)),
        "second restore",
    );
    assert_eq!(server.checksums(), before);
}

#[test]
#[ignore = "needs mariadb-server, mariadb-client, kubectl, shellcheck: run .ci/install-tools, then cargo test -- --include-ignored"]
fn restore_refuses_a_database_in_use_and_a_corrupt_backup() {
    let server = Server::start();
    server.load_opennebula_like_data();
    let chart = Chart::render("backup.enabled=true");
    let env = Env::new(&server);
    assert_ok(
        &run_script(&mut env.command(&chart.script, &pod_spec(&chart))),
        "backup",
    );
    let restore = restore_pod_spec(&chart);
    let before = server.checksums();

    // oned keeps a connection to its database.
    let mut oned = Command::new("mariadb")
        .args([
            "--no-defaults",
            "--protocol=TCP",
            "-h",
            "127.0.0.1",
            "-u",
            USER,
        ])
        .arg(format!("-P{}", server.port))
        .arg(format!("--database={DATABASE}"))
        .args(["-e", "SELECT SLEEP(60)"])
        .env("MYSQL_PWD", PASSWORD)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while server
        .root(&format!(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '{DATABASE}'"
        ))
        .trim()
        == "0"
    {
        assert!(Instant::now() < deadline, "the client did not connect");
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = run_script(&mut env.command(&chart.script, &restore));
    let _ = oned.kill();
    let _ = oned.wait();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 other connections use database opennebula: stop OpenNebula first"),
        "{err}"
    );
    assert_eq!(server.checksums(), before);

    // One flipped byte in the dump: refused before anything changes.
    let dump = env
        .files()
        .into_iter()
        .find(|f| f.ends_with(".sql.gz"))
        .unwrap();
    let path = env.path("backup").join(dump);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    server.root(&format!("DROP TABLE `{DATABASE}`.host_pool"));
    let changed = server.checksums();
    let out = run_script(&mut env.command(&chart.script, &restore));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not match its checksums: not restored"),
        "{err}"
    );
    assert_eq!(server.checksums(), changed);
}

/// Waits until the dump blocks on the table `vm_pool`, locked by another session.
fn wait_for_blocked_dump(server: &Server, env: &Env) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let waiting = server.root(&format!(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '{USER}' AND STATE LIKE 'Waiting for table%'"
        ));
        let partial = env.files().iter().any(|f| f.ends_with(".sql.gz.partial"));
        if waiting.trim() != "0" && partial {
            return;
        }
        assert!(Instant::now() < deadline, "the dump never blocked");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A root session holding a write lock on vm_pool until it is killed.
fn lock_vm_pool(server: &Server) -> Child {
    server
        .client_root()
        .arg("-e")
        .arg(format!(
            "LOCK TABLES `{DATABASE}`.vm_pool WRITE; SELECT SLEEP(120);"
        ))
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
#[ignore = "needs mariadb-server, mariadb-client, kubectl, shellcheck: run .ci/install-tools, then cargo test -- --include-ignored"]
fn a_dump_killed_half_way_leaves_nothing_under_a_final_name() {
    let server = Server::start();
    server.load_opennebula_like_data();
    let chart = Chart::render("backup.enabled=true");
    let env = Env::new(&server);
    let spec = pod_spec(&chart);
    assert_ok(
        &run_script(&mut env.command(&chart.script, &spec)),
        "first backup",
    );
    let earlier = env.snapshot();
    assert_eq!(earlier.len(), 3);

    // SIGTERM (the Job deleted): the script stops its clients and removes its files.
    std::thread::sleep(Duration::from_millis(1100));
    let mut lock = lock_vm_pool(&server);
    let child = env
        .command(&chart.script, &spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_blocked_dump(&server, &env);
    assert_ok(
        &run(Command::new("kill").args(["-TERM", &child.id().to_string()])),
        "kill -TERM",
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("stopped by SIGTERM; nothing was kept"),
        "{err}"
    );
    assert_eq!(env.snapshot(), earlier, "only the earlier backup is left");

    // SIGKILL of every process: the partial file stays, under its hidden name only.
    std::thread::sleep(Duration::from_millis(1100));
    let mut child = env.command(&chart.script, &spec);
    let child = child
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_blocked_dump(&server, &env);
    assert_ok(
        &run(Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())])),
        "kill -KILL",
    );
    let _ = child.wait_with_output();
    let _ = lock.kill();
    let _ = lock.wait();
    let after = env.files();
    let partials: Vec<&String> = after.iter().filter(|f| f.starts_with('.')).collect();
    assert!(
        !partials.is_empty() && partials.iter().all(|f| f.ends_with(".partial")),
        "{after:?}"
    );
    let finals: Vec<&String> = after.iter().filter(|f| !f.starts_with('.')).collect();
    assert_eq!(finals, earlier.keys().collect::<Vec<_>>());

    // The next run removes what the killed one left, and makes a complete backup.
    let out = run_script(&mut env.command(&chart.script, &spec));
    let log = assert_ok(&out, "backup after the kill");
    assert!(log.contains("left by an interrupted run"), "{log}");
    let files = env.files();
    assert_eq!(files.len(), 6, "{files:?}");
    assert!(files.iter().all(|f| !f.starts_with('.')), "{files:?}");
    for (name, bytes) in &earlier {
        assert_eq!(
            &std::fs::read(env.path("backup").join(name)).unwrap(),
            bytes
        );
    }
}

#[test]
#[ignore = "needs mariadb-server, mariadb-client, kubectl, shellcheck: run .ci/install-tools, then cargo test -- --include-ignored"]
fn a_failed_dump_exits_non_zero_and_keeps_the_earlier_backups() {
    let server = Server::start();
    server.load_opennebula_like_data();
    let chart = Chart::render("backup.enabled=true");
    let env = Env::new(&server);
    let spec = pod_spec(&chart);
    assert_ok(
        &run_script(&mut env.command(&chart.script, &spec)),
        "first backup",
    );
    let earlier = env.snapshot();

    // A wrong password.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(env.path("secrets/db-password"), "wrong").unwrap();
    let out = run_script(&mut env.command(&chart.script, &spec));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the dump of opennebula failed; the earlier backups are untouched"),
        "{err}"
    );
    assert_eq!(env.snapshot(), earlier);

    // The database gone.
    std::fs::write(env.path("secrets/db-password"), PASSWORD).unwrap();
    server.root(&format!("DROP DATABASE `{DATABASE}`"));
    let out = run_script(&mut env.command(&chart.script, &spec));
    assert!(!out.status.success());
    assert_eq!(env.snapshot(), earlier);

    // Unreadable state files fail the backup too.
    server.load_opennebula_like_data();
    let out = run_script(
        env.command(&chart.script, &spec)
            .env("ONE_VAR", env.path("var/.one/one_key")),
    );
    assert!(
        out.status.success(),
        "a file where /var/lib/one should be is skipped: {out:?}"
    );
}

#[test]
#[ignore = "needs mariadb-server, mariadb-client, kubectl, shellcheck: run .ci/install-tools, then cargo test -- --include-ignored"]
fn retention_keeps_exactly_the_newest_n() {
    let server = Server::start();
    server.load_opennebula_like_data();
    let chart = Chart::render("backup.enabled=true,backup.retention=3");
    let env = Env::new(&server);
    let spec = pod_spec(&chart);
    let mut made = Vec::new();
    for run_number in 1..=5 {
        if run_number > 1 {
            std::thread::sleep(Duration::from_millis(1100));
        }
        let log = assert_ok(
            &run_script(&mut env.command(&chart.script, &spec)),
            "backup",
        );
        let name = log
            .lines()
            .find_map(|l| l.split("backup ").nth(1)?.split(':').next())
            .unwrap()
            .to_string();
        made.push(name);
        let kept = made.len().min(3);
        let files = env.files();
        assert_eq!(
            files.len(),
            3 * kept,
            "after backup {run_number}: {files:?}"
        );
        let mut want: Vec<String> = made[made.len() - kept..]
            .iter()
            .flat_map(|n| {
                ["files.tar.gz", "sha256", "sql.gz"]
                    .iter()
                    .map(move |ext| format!("{n}.{ext}"))
            })
            .collect();
        want.sort();
        assert_eq!(files, want);
    }
}

#[test]
#[ignore = "needs mariadb-server, mariadb-client, kubectl, shellcheck: run .ci/install-tools, then cargo test -- --include-ignored"]
fn the_script_passes_shellcheck() {
    let shellcheck = need("shellcheck");
    let chart = Chart::render("backup.enabled=true");
    let dir = tempfile::tempdir().unwrap();
    let path: &Path = &dir.path().join("backup.sh");
    std::fs::write(path, &chart.script).unwrap();
    let out = run(Command::new(shellcheck).arg(path));
    assert_ok(&out, "shellcheck");
}
