//! Property tests of the parsers that read user input: the `--set` grammar,
//! the values merge and coalesce, the values YAML loader and the lookup
//! input (kubectl's JSON). None may panic, overflow its stack or hang, and
//! errors must keep their promises (a key path, no Secret value).
//!
//! Each property runs 256 cases in `cargo test` (a few seconds); for a long
//! run: `PROPTEST_CASES=100000 cargo test --release --test fuzz`.

use std::sync::mpsc;
use std::time::Duration;

use onechart::lookup::input;
use onechart::values::{merge, set};
use onechart::yaml::{load, Map, Value};
use proptest::prelude::*;

/// Runs `f` on a thread with a 2 MiB stack (as small as a spawned thread's
/// default, a quarter of the main thread's) and fails if it takes over 10
/// seconds: a hang fails the test instead of stalling it.
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
        })
        .unwrap();
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(Ok(value)) => value,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("did not finish within 10 seconds"),
    }
}

/// Text made mostly of the characters a grammar cares about.
fn grammar_text(special: &'static str, max: usize) -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        4 => prop::sample::select(special.chars().collect::<Vec<_>>()).prop_map(String::from),
        3 => "[a-z]{1,4}",
        1 => "[0-9]{1,3}",
        1 => any::<char>().prop_map(String::from),
        1 => Just("true".to_string()),
        1 => Just("null".to_string()),
    ];
    prop::collection::vec(pieces, 0..max).prop_map(|p| p.concat())
}

/// Long runs of nesting: `a[0][0]...`, `a.a.a...`, `[[[...`.
fn deep(
    unit: &'static str,
    prefix: &'static str,
    suffix: &'static str,
) -> impl Strategy<Value = String> {
    (0usize..5000).prop_map(move |n| format!("{prefix}{}{suffix}", unit.repeat(n)))
}

/// Helm values: scalars of every kind, lists and maps, a few levels deep.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<f64>().prop_map(Value::Float),
        "[a-zA-Z0-9 .-]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Seq),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|entries| Value::Map(entries.into_iter().collect())),
        ]
    })
}

/// Keys, often ones the chart has.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "image",
            "tag",
            "mariadb",
            "enabled",
            "auth",
            "password",
            "persistence",
            "size",
            "externalDatabase",
            "port",
            "podAnnotations",
            "resources",
            "tolerations",
            "hypervisorService",
            "nodePorts",
            "oned",
            "opennebula",
            "config",
        ])
        .prop_map(String::from),
        "[a-z]{1,6}",
    ]
}

fn map() -> impl Strategy<Value = Map> {
    prop::collection::vec((key(), value()), 0..8).prop_map(|e| e.into_iter().collect())
}

fn defaults() -> Map {
    load::load_values(onechart::chart::VALUES_YAML).unwrap()
}

proptest! {
    #[test]
    fn set_parser_never_panics(
        text in grammar_text("=.,[]{}\\-", 40),
        mut dest in map(),
        as_string in any::<bool>(),
    ) {
        bounded(move || {
            let _ = set::parse_into(&text, &mut dest, as_string);
        });
    }

    #[test]
    fn set_parser_survives_deep_nesting(
        text in prop_oneof![
            deep("[0]", "a", "=1"),
            deep(".a", "a", "=1"),
            deep("[1].a", "a", "=x"),
            deep("{", "a=", ""),
        ],
    ) {
        bounded(move || {
            let _ = set::parse_into(&text, &mut Map::new(), false);
        });
    }

    /// What `--set` produces feeds the typed values: any error names a path.
    #[test]
    fn set_then_typed_values_fail_with_a_path(text in grammar_text("=.,[]{}", 30)) {
        bounded(move || {
            let mut user = Map::new();
            if set::parse_into(&text, &mut user, false).is_ok() {
                let combined = merge::coalesce(user, &defaults());
                if let Err(err) = onechart::values::typed(combined) {
                    let message = err.to_string();
                    assert!(message.starts_with("invalid values"), "{message}");
                }
            }
        });
    }

    #[test]
    fn merge_and_coalesce_never_panic_and_keep_defaults(
        files in prop::collection::vec(map(), 0..4),
        chart in map(),
    ) {
        bounded(move || {
            let mut user = Map::new();
            for file in files {
                let keys: Vec<String> = file.keys().cloned().collect();
                merge::merge_maps(&mut user, file);
                for key in keys {
                    assert!(user.contains_key(&key), "merge lost {key}");
                }
            }
            let user_nulls: Vec<String> = user
                .iter()
                .filter(|(_, v)| matches!(v, Value::Null))
                .map(|(k, _)| k.clone())
                .collect();
            let combined = merge::coalesce(user, &chart);
            for key in chart.keys() {
                // A user null deletes a default; every other default stays.
                assert_eq!(
                    combined.contains_key(key),
                    !user_nulls.contains(key),
                    "{key}"
                );
            }
        });
    }

    /// Random values over the chart's defaults: typed values either come out
    /// or the error names a path, and a password's value is never shown.
    #[test]
    fn typed_values_fail_with_a_path(user in map()) {
        bounded(move || {
            let combined = merge::coalesce(user, &defaults());
            if let Err(err) = onechart::values::typed(combined) {
                let message = err.to_string();
                assert!(message.starts_with("invalid values"), "{message}");
            }
        });
    }

    #[test]
    fn yaml_loader_never_panics(text in grammar_text(":-[]{},#&*!|>'\"\n ?%@`", 60)) {
        bounded(move || {
            let _ = load::load_values(&text);
        });
    }

    /// Rendered manifests are read for their heads only: the same errors as
    /// a full read, and the same kind and hook.
    #[test]
    fn yaml_heads_agree_with_full_loads(
        text in grammar_text(":-[]{},#&*!|>'\"\n ?%@`", 60),
        head in prop::sample::select(vec![
            "kind: Pod\n",
            "kind: &k Pod\nmetadata: {annotations: {helm.sh/hook: test}}\n",
            "metadata:\n  annotations:\n    helm.sh/hook: &h pre-install\n",
            "<<: {kind: Pod}\n",
        ]),
    ) {
        bounded(move || {
            for text in [text.clone(), format!("{head}{text}"), format!("{head}spec:\n  {text}")] {
                let (all, heads) = (load::load_all(&text), load::load_heads(&text));
                match (all, heads) {
                    (Ok(all), Ok(heads)) => {
                        assert_eq!(all.len(), heads.len(), "{text:?}");
                        for (a, h) in all.iter().zip(&heads) {
                            assert_eq!(load::Head::of(a), load::Head::of(h), "{text:?}");
                        }
                    }
                    (Err(a), Err(h)) => assert_eq!(a.to_string(), h.to_string(), "{text:?}"),
                    (a, h) => panic!("{text:?}: {a:?} but {h:?}"),
                }
            }
        });
    }

    #[test]
    fn yaml_loader_survives_deep_nesting(
        text in prop_oneof![
            deep("[", "a: ", ""),
            deep("{a: ", "", ""),
            deep("- ", "", "x"),
            (0usize..3000).prop_map(|n| (0..n).map(|i| format!("{}a:\n", " ".repeat(i))).collect()),
        ],
    ) {
        bounded(move || {
            let _ = load::load_values(&text);
        });
    }

    #[test]
    fn lookup_parser_never_panics(text in grammar_text("{}[]:,\"\\ \n", 60)) {
        bounded(move || {
            let _ = input::parse("lookup file f.json", &text);
        });
    }

    /// Kubernetes-like objects with random fields: parsed or refused, and a
    /// Secret's value never shows in the error.
    #[test]
    fn lookup_errors_never_show_secret_values(
        kind in prop::sample::select(vec!["Secret", "SecretList", "List", "ConfigMap", "", "Pod"]),
        api_version in prop::sample::select(vec!["v1", "apps/v1", "", "x/y/z"]),
        name in prop::option::of("[a-z]{0,5}"),
        namespace in prop::option::of("[a-z]{0,5}"),
        data in prop::collection::vec(("[a-z]{1,4}", prop_oneof![
            Just(serde_json::json!("hunter2-secret")),
            Just(serde_json::json!("aHVudGVyMg==")),
            Just(serde_json::json!(42)),
            Just(serde_json::json!(null)),
            Just(serde_json::json!(["hunter2-secret"])),
        ]), 0..4),
        wrap in any::<bool>(),
        extra in value(),
    ) {
        bounded(move || {
            let mut object = serde_json::json!({"kind": kind, "apiVersion": api_version, "extra": extra});
            let mut metadata = serde_json::Map::new();
            if let Some(name) = name {
                metadata.insert("name".into(), name.into());
            }
            if let Some(namespace) = namespace {
                metadata.insert("namespace".into(), namespace.into());
            }
            object["metadata"] = metadata.into();
            object["data"] = data.into_iter().collect::<serde_json::Map<_, _>>().into();
            if wrap {
                object = serde_json::json!({"kind": "List", "apiVersion": "v1", "items": [object]});
            }
            let text = serde_json::to_string_pretty(&object).unwrap();
            if let Err(err) = input::parse("lookup file f.json", &text) {
                let message = format!("{err:#}");
                assert!(message.starts_with("lookup file f.json: "), "{message}");
                assert!(!message.contains("hunter2"), "{message}");
            }
        });
    }

    #[test]
    fn lookup_parser_survives_deep_nesting(
        text in prop_oneof![deep("[", "", ""), deep("{\"a\":", "", "1")],
    ) {
        bounded(move || {
            let _ = input::parse("lookup file f.json", &text);
        });
    }
}
