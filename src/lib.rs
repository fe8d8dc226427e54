//! onechart: the OpenNebula control plane's Helm chart, rendered, packaged
//! and indexed by one binary that needs neither helm nor the chart's files.

pub mod chart;
pub mod chartfile;
pub mod cli;
pub mod fsutil;
pub mod glob;
pub mod index;
pub mod kube_version;
pub mod lint;
pub mod lookup;
pub mod manual;
pub mod package;
pub mod reference;
pub mod release;
pub mod render;
pub mod schema;
pub mod tar;
pub mod timestamp;
pub mod values;
pub mod version;
pub mod yaml;

use std::io::Write;

use anyhow::{Context, Result};

/// Runs one command; output goes to stdout only when the command succeeded.
pub fn run(cli: cli::Cli) -> Result<()> {
    match cli.command {
        cli::Command::Render(args) => {
            let output = render::render(&args.options()?)?;
            print(&output)
        }
        cli::Command::Schema(args) => match (args.markdown, &args.update) {
            (true, Some(path)) => reference::update(path),
            (true, None) => print(&reference::table()),
            (false, _) => print(&schema::to_json_text()),
        },
        cli::Command::Show {
            what: cli::Show::Values,
        } => print(&format!("{}\n", chart::VALUES_YAML)),
        cli::Command::Lint(args) => {
            let report = lint::lint(&args.options()?);
            print(&report.text())?;
            match report.findings.len() {
                0 => Ok(()),
                1 => anyhow::bail!("lint: 1 finding"),
                n => anyhow::bail!("lint: {n} findings"),
            }
        }
        cli::Command::Package(args) => {
            let path = package::package(&args.options())?;
            print(&format!(
                "Successfully packaged chart and saved it to: {}\n",
                path.display()
            ))
        }
        cli::Command::Index(args) => index::index(&args.options()).map(drop),
        cli::Command::Completions { shell } => print(&manual::completions(shell)),
        cli::Command::Man => print(&manual::man_page()?),
    }
}

/// Writes a command's whole output to stdout; a failed write (a full disk,
/// a closed pipe) is an error, never a panic. Every write to stdout goes
/// through here.
pub fn print(output: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(output.as_bytes())
        .context("writing to standard output")?;
    stdout.flush().context("writing to standard output")
}
