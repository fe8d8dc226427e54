//! Differential test of the YAML dialects: random values (strings with YAML
//! indicators, quotes, tabs, unicode, long lines and multi-line text; numbers,
//! booleans, nulls, nested maps and lists; long and multi-line keys) go
//! through `toYaml` in the ConfigMap and the pod annotations. `onechart
//! render` must print what `helm template` prints, or fail where helm fails.
//!
//! `DIFFERENTIAL_CASES=N` runs more cases (default 40).

mod support;

use serde_json::{json, Map, Value};
use support::{helm, helms, run};

/// xorshift64*: a small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const PIECES: &[&str] = &[
    "a", "b", "X", "Z", "0", "1", "9", " ", ":", "-", "#", "'", "\"", "\\", "/", ".", ",", "[",
    "]", "{", "}", "&", "*", "!", "|", ">", "%", "@", "`", "?", "~", "=", "+", "\t", "\n", "é",
    "ü", "日", "\u{a0}", "😀", "  ", "---", "...",
];
const WORDS: &[&str] = &[
    "true",
    "no",
    "yes",
    "null",
    "~",
    "1.5",
    "0755",
    "1e3",
    "2024-01-02",
    "1:20",
    "on",
    "y",
    "",
    "<<",
    "0x1F",
    ".inf",
    "-",
    "0o17",
    "+12",
    "1_000",
];
const LOREM: &[&str] = &["lorem", "ipsum", "dolor", "sit", "amet", "consectetur"];

fn string(rng: &mut Rng) -> String {
    if rng.chance(25) {
        return WORDS[rng.below(WORDS.len())].to_string();
    }
    if rng.chance(12) {
        let n = 10 + rng.below(30);
        return (0..n)
            .map(|_| LOREM[rng.below(LOREM.len())])
            .collect::<Vec<_>>()
            .join(" ");
    }
    let n = rng.below(30);
    (0..n).map(|_| PIECES[rng.below(PIECES.len())]).collect()
}

fn key(rng: &mut Rng) -> String {
    let k = string(rng);
    if k.is_empty() {
        "k".into()
    } else {
        k
    }
}

fn value(rng: &mut Rng, depth: usize) -> Value {
    let r = rng.below(100);
    if depth < 3 && r < 20 {
        let mut m = Map::new();
        for _ in 0..rng.below(5) {
            m.insert(key(rng), value(rng, depth + 1));
        }
        return Value::Object(m);
    }
    if depth < 3 && r < 35 {
        return Value::Array((0..rng.below(5)).map(|_| value(rng, depth + 1)).collect());
    }
    if r < 45 {
        return [
            json!(0),
            json!(1),
            json!(-5),
            json!(1000000),
            json!(123456789),
            json!(1.5),
            json!(0.000001),
            json!(1e21),
            json!(3.0),
        ][rng.below(9)]
        .clone();
    }
    if r < 50 {
        return [json!(true), json!(false), json!(null)][rng.below(3)].clone();
    }
    Value::String(string(rng))
}

fn values_file(seed: u64) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut oned = Map::new();
    for _ in 0..6 {
        oned.insert(key(&mut rng), value(&mut rng, 0));
    }
    let mut annotations = Map::new();
    for _ in 0..5 {
        annotations.insert(key(&mut rng), Value::String(string(&mut rng)));
    }
    // JSON is YAML; serde_json keeps non-ASCII characters as they are.
    json!({"opennebula": {"config": {"oned": oned}}, "podAnnotations": annotations}).to_string()
}

#[test]
#[ignore = "needs helm3, helm4: run .ci/install-tools, then cargo test -- --include-ignored"]
fn random_values_print_like_helm() {
    let helms = helms();
    let cases: u64 = std::env::var("DIFFERENTIAL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let args = [
        "-s",
        "templates/configmap.yaml",
        "-s",
        "templates/statefulset.yaml",
        "--set",
        "opennebula.adminPassword=a,mariadb.auth.password=b,mariadb.auth.rootPassword=c",
    ];
    let (mut same, mut both_failed, mut failures) = (0, 0, Vec::new());
    for seed in 1..=cases {
        let file = dir.join(format!("values-{seed}.yaml"));
        std::fs::write(&file, values_file(seed)).unwrap();
        let ours = run(support::onechart()
            .arg("render")
            .arg("-f")
            .arg(&file)
            .args(args));
        for (name, path) in &helms {
            let theirs = run(helm(path, dir)
                .args(["template", "chart", "-f"])
                .arg(&file)
                .args(args)
                // This test is about printing YAML. Helm 3.17 validates the
                // schema on values it re-reads from YAML, where a key `<<`
                // becomes a merge key (tests/schema.rs pins that quirk).
                .arg("--skip-schema-validation"));
            match (ours.status.success(), theirs.status.success()) {
                (true, true) if ours.stdout == theirs.stdout => same += 1,
                (false, false) => both_failed += 1,
                (a, b) => failures.push(format!(
                    "seed {seed} ({}): onechart ok={a}, {name} ok={b}\n{}",
                    file.display(),
                    String::from_utf8_lossy(&theirs.stderr)
                )),
            }
        }
    }
    eprintln!("differential: {cases} random values files, {same} identical outputs, {both_failed} failed in both");
    if !failures.is_empty() {
        // Keep the values files named in the failures.
        let _ = tmp.keep();
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
