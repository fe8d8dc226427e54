//! Shared by the benchmarks: timing commands, finding helm, printing the
//! comparison.

#[path = "../../tests/support/helm_env.rs"]
mod helm_env;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A number from the environment (`RUNS=51`), else `default`.
pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(default)
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// One command being timed.
struct Contender<'a> {
    label: String,
    make: Box<dyn Fn() -> Command + 'a>,
    samples: Vec<Duration>,
}

/// Times `onechart <ours_what>` (the command `ours` builds) against helm3 and
/// helm4 (both must be on PATH; `theirs(path, helm_home)` builds their command) and
/// prints each median and the ratios. After one warm-up run each (which
/// fills the page cache), the commands run in `runs` interleaved rounds, so
/// a slower or faster spell of the machine weighs on all of them alike.
/// `before` runs ahead of every run and `after(label)` after it, untimed;
/// every run must succeed.
pub fn compare_with_helm(
    runs: usize,
    ours_what: &str,
    helm_what: &str,
    ours: impl Fn() -> Command,
    theirs: impl Fn(&Path, &Path) -> Command,
    mut before: impl FnMut(),
    mut after: impl FnMut(&str),
) {
    let theirs = &theirs;
    let mut contenders = vec![Contender {
        label: format!("onechart {ours_what}"),
        make: Box::new(ours),
        samples: Vec::new(),
    }];
    let home = tempfile::tempdir().expect("temporary directory");
    for helm in ["helm3", "helm4"] {
        let path = on_path(helm).unwrap_or_else(|| {
            panic!(
                "{helm} not found on PATH: install the test tools with .ci/install-tools \
                 and put the bin folder it prints on PATH"
            )
        });
        let home = home.path().join(helm);
        contenders.push(Contender {
            label: format!("{helm} {helm_what}"),
            make: Box::new(move || theirs(&path, &home)),
            samples: Vec::new(),
        });
    }
    for round in 0..=runs {
        for contender in &mut contenders {
            before();
            let mut cmd = (contender.make)();
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
            let start = Instant::now();
            let status = cmd.status().expect("run");
            let elapsed = start.elapsed();
            assert!(status.success(), "{:?} failed", (contender.make)());
            after(&contender.label);
            if round > 0 {
                contender.samples.push(elapsed);
            }
        }
    }
    let medians: Vec<Duration> = contenders
        .iter_mut()
        .map(|c| {
            c.samples.sort();
            c.samples[c.samples.len() / 2]
        })
        .collect();
    for (contender, median) in contenders.iter().zip(&medians) {
        print!("  {:<22} {:>9.2} ms", contender.label, ms(*median));
        if contender.label.starts_with("helm") {
            print!(
                "   onechart is {:.1}x faster",
                median.as_secs_f64() / medians[0].as_secs_f64()
            );
        }
        println!();
    }
}

/// A helm command with its cache, config and data under `home`
/// (`tests/support/helm_env.rs`).
pub fn helm(path: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(path);
    helm_env::helm_env(&mut cmd, home);
    cmd
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
