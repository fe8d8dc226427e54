//! The OpenNebula pod's stop: the chart's default
//! `terminationGracePeriodSeconds` covers the image's worst-case ordered stop,
//! so the kubelet never SIGKILLs a supervisord that is still stopping oned.
//!
//! supervisord stops its process groups one after the other, highest
//! priority number first, and moves to the next group only when every
//! process of the current one has stopped (`ordered_stop_groups_phase_1/2`
//! in supervisor's supervisord.py). A process gets SIGTERM, then SIGKILL
//! after its `stopwaitsecs` (default 10). So the worst case is the sum over
//! the stop groups of the largest `stopwaitsecs` in each: a `[group:x]`
//! stops its programs together, every other program, event listener or
//! FastCGI program is a group of its own.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use onechart::yaml::load;
use support::root;

/// Seconds added to the worst case: supervisord notices a stopped group on
/// its next poll (about once a second), then SIGKILL and reaping.
const MARGIN: u64 = 10;

/// supervisord's default `stopwaitsecs`.
const DEFAULT_STOPWAITSECS: u64 = 10;

/// An INI file as supervisord reads it: section name -> key -> value.
type Sections = BTreeMap<String, BTreeMap<String, String>>;

/// Parses supervisord's INI dialect (Python's RawConfigParser as
/// supervisor's `UnhosedConfigParser` sets it up): `[section]`, `key = value`
/// or `key: value`, full-line and inline comments (`;` or `#`, inline after
/// whitespace), indented continuation lines, a repeated section merged into
/// the first (`strict=False`).
fn parse(text: &str) -> Result<Sections, String> {
    let mut sections = Sections::new();
    let mut current: Option<String> = None;
    let mut last_key: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            // A continuation of the previous value.
            let (Some(section), Some(key)) = (&current, &last_key) else {
                return Err(format!("line {line_no}: continuation without a key"));
            };
            let value = sections.get_mut(section).unwrap().get_mut(key).unwrap();
            value.push('\n');
            value.push_str(strip_inline_comment(trimmed));
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[') {
            let name = name
                .strip_suffix(']')
                .ok_or_else(|| format!("line {line_no}: unterminated section {trimmed:?}"))?
                .trim()
                .to_string();
            sections.entry(name.clone()).or_default();
            current = Some(name);
            last_key = None;
            continue;
        }
        let Some(section) = &current else {
            return Err(format!("line {line_no}: a key before any section"));
        };
        let (key, value) = trimmed
            .split_once(['=', ':'])
            .ok_or_else(|| format!("line {line_no}: neither a section nor key=value: {raw:?}"))?;
        let key = key.trim().to_ascii_lowercase();
        sections
            .get_mut(section)
            .unwrap()
            .insert(key.clone(), strip_inline_comment(value.trim()).to_string());
        last_key = Some(key);
    }
    Ok(sections)
}

/// `inline_comment_prefixes=(';', '#')`: either after whitespace starts a comment.
fn strip_inline_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for i in 1..bytes.len() {
        if matches!(bytes[i], b';' | b'#') && bytes[i - 1].is_ascii_whitespace() {
            return value[..i].trim_end();
        }
    }
    value
}

/// One stop group: its name and its members' `stopwaitsecs`.
#[derive(Debug, PartialEq)]
struct StopGroup {
    name: String,
    stopwaitsecs: Vec<(String, u64)>,
}

impl StopGroup {
    fn worst(&self) -> u64 {
        self.stopwaitsecs.iter().map(|(_, s)| *s).max().unwrap_or(0)
    }
}

/// The stop groups of a supervisord configuration.
fn stop_groups(sections: &Sections) -> Result<Vec<StopGroup>, String> {
    if let Some(name) = sections.keys().find(|s| *s == "include") {
        return Err(format!(
            "[{name}] pulls in files this test cannot see; list the programs in this file"
        ));
    }
    let stopwaitsecs = |section: &str| -> Result<u64, String> {
        match sections[section].get("stopwaitsecs") {
            None => Ok(DEFAULT_STOPWAITSECS),
            Some(v) => v
                .parse()
                .map_err(|_| format!("[{section}] stopwaitsecs={v:?} is not a number of seconds")),
        }
    };
    let mut grouped = BTreeSet::new();
    let mut groups = Vec::new();
    for (section, keys) in sections {
        let Some(name) = section.strip_prefix("group:") else {
            continue;
        };
        let programs = keys
            .get("programs")
            .ok_or_else(|| format!("[{section}] has no programs="))?;
        let mut members = Vec::new();
        for program in programs.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let member = format!("program:{program}");
            if !sections.contains_key(&member) {
                return Err(format!(
                    "[{section}] lists {program}, which has no [{member}]"
                ));
            }
            if !grouped.insert(member.clone()) {
                return Err(format!("{program} is in two groups"));
            }
            members.push((program.to_string(), stopwaitsecs(&member)?));
        }
        groups.push(StopGroup {
            name: name.to_string(),
            stopwaitsecs: members,
        });
    }
    for section in sections.keys() {
        let Some((kind, name)) = section.split_once(':') else {
            continue;
        };
        if !matches!(kind, "program" | "eventlistener" | "fcgi-program")
            || grouped.contains(section)
        {
            continue;
        }
        groups.push(StopGroup {
            name: name.to_string(),
            stopwaitsecs: vec![(name.to_string(), stopwaitsecs(section)?)],
        });
    }
    Ok(groups)
}

/// The worst-case ordered stop of a supervisord configuration, in seconds.
fn worst_case_stop(text: &str) -> Result<(u64, Vec<StopGroup>), String> {
    let groups = stop_groups(&parse(text)?)?;
    Ok((groups.iter().map(StopGroup::worst).sum(), groups))
}

#[test]
fn grace_period_covers_the_images_ordered_stop() {
    let text = std::fs::read_to_string(root().join("image/supervisord.conf")).unwrap();
    let (worst, groups) =
        worst_case_stop(&text).unwrap_or_else(|e| panic!("image/supervisord.conf: {e}"));
    assert!(!groups.is_empty(), "no programs in image/supervisord.conf");
    let defaults = load::load_values(onechart::chart::VALUES_YAML).unwrap();
    let grace = u64::from(
        onechart::values::typed(defaults)
            .unwrap()
            .termination_grace_period_seconds,
    );
    let detail: Vec<String> = groups
        .iter()
        .map(|g| format!("{} {}s", g.name, g.worst()))
        .collect();
    assert!(
        worst + MARGIN <= grace,
        "the image's worst-case stop is {worst}s ({}) + {MARGIN}s margin, above the chart's \
         terminationGracePeriodSeconds {grace}s",
        detail.join(" + ")
    );
}

/// The same groups and worst cases as supervisor's own parser
/// (`ServerOptions.process_groups_from_parser`; user names are not looked up).
#[test]
#[ignore = "needs tools-python with supervisor: run .ci/install-tools, then cargo test -- --include-ignored"]
fn supervisors_own_parser_finds_the_same_stop_groups() {
    let python = support::tool("tools-python");
    let path = root().join("image/supervisord.conf");
    let script = "import sys\n\
                  import supervisor.options as so\n\
                  so.name_to_uid = lambda name: 0\n\
                  parser = so.UnhosedConfigParser()\n\
                  parser.read_string(open(sys.argv[1]).read())\n\
                  opts = so.ServerOptions()\n\
                  parser.expansions = opts.environ_expansions\n\
                  for g in opts.process_groups_from_parser(parser):\n\
                  \x20   print(g.name, max([p.stopwaitsecs for p in g.process_configs] or [0]))\n";
    let out = support::stdout_of(
        std::process::Command::new(python)
            // supervisord.conf's `%(ENV_ONECHART_ONEFORM)s` and
            // `%(ENV_ONECHART_METRICS)s` (the entrypoint sets them)
            .env("ONECHART_ONEFORM", "true")
            .env("ONECHART_METRICS", "true")
            .arg("-c")
            .arg(script)
            .arg(&path),
    );
    let theirs: BTreeMap<String, u64> = out
        .lines()
        .map(|l| {
            let (name, secs) = l.rsplit_once(' ').unwrap();
            (name.to_string(), secs.parse().unwrap())
        })
        .collect();
    let text = std::fs::read_to_string(&path).unwrap();
    let (_, groups) = worst_case_stop(&text).unwrap();
    let ours: BTreeMap<String, u64> = groups.iter().map(|g| (g.name.clone(), g.worst())).collect();
    assert_eq!(ours, theirs);
}

#[test]
fn ungrouped_programs_stop_one_after_the_other() {
    let text = "; comment\n[supervisord]\nnodaemon=true\n\n\
                [program:oned]\ncommand=oned -f\nstopwaitsecs=120\n\
                [program:guacd]\nstopwaitsecs = 10 ; inline\n\
                [program:fireedge]\nstopwaitsecs=30\n\
                [program:oneflow]\nstopwaitsecs=30\n\
                [program:onegate]\nstopwaitsecs=30\n\
                [program:hem]\nstopwaitsecs=30\n\
                [unix_http_server]\nfile=/run/supervisor.sock\n";
    // The layout before issue 11: six groups of one, 250 s.
    assert_eq!(worst_case_stop(text).unwrap().0, 250);
}

#[test]
fn a_group_stops_its_programs_together() {
    let text = "[program:oned]\nstopwaitsecs=120\n\
                [group:services]\nprograms=fireedge, oneflow,onegate\npriority=30\n\
                [program:fireedge]\nstopwaitsecs=30\n\
                [program:oneflow]\nstopwaitsecs=20\n\
                [program:onegate]\n\
                [eventlistener:watch]\nstopwaitsecs=5\n";
    let (worst, groups) = worst_case_stop(text).unwrap();
    // oned 120 + max(30, 20, default 10) + the event listener 5.
    assert_eq!(worst, 155);
    assert_eq!(groups.len(), 3);
    let services = groups.iter().find(|g| g.name == "services").unwrap();
    assert_eq!(services.worst(), 30);
}

#[test]
fn what_the_test_cannot_count_fails() {
    let cases = [
        (
            "[include]\nfiles=/etc/supervisor/conf.d/*.conf\n",
            "[include]",
        ),
        ("[program:a]\nstopwaitsecs=%(ENV_X)s\n", "not a number"),
        ("[group:g]\nprograms=missing\n", "no [program:missing]"),
        (
            "[group:g]\nprograms=a\n[group:h]\nprograms=a\n[program:a]\n",
            "two groups",
        ),
        ("stopwaitsecs=1\n", "before any section"),
        (
            "[program:a]\n  stopwaitsecs=1\n",
            "continuation without a key",
        ),
    ];
    for (text, wanted) in cases {
        let err = worst_case_stop(text).unwrap_err();
        assert!(err.contains(wanted), "{text:?}: {err}");
    }
}

#[test]
fn continuation_lines_and_comments() {
    let sections = parse(
        "[program:a]\nenvironment=A=\"1\",\n  B=\"2\" ; two\n# full comment\nstopwaitsecs=7\n",
    )
    .unwrap();
    assert_eq!(sections["program:a"]["environment"], "A=\"1\",\nB=\"2\"");
    assert_eq!(sections["program:a"]["stopwaitsecs"], "7");
}
