//! onechart: the OpenNebula control plane's Helm chart, rendered, packaged
//! and indexed by one binary that needs neither helm nor the chart's files.

pub mod chart;
pub mod chartfile;
pub mod cli;
pub mod index;
pub mod kube_version;
pub mod lookup;
pub mod package;
pub mod release;
pub mod render;
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
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(output.as_bytes())
                .context("writing to standard output")?;
            stdout.flush().context("writing to standard output")
        }
        cli::Command::Package(args) => {
            let path = package::package(&args.options())?;
            println!(
                "Successfully packaged chart and saved it to: {}",
                path.display()
            );
            Ok(())
        }
        cli::Command::Index(args) => index::index(&args.options()).map(drop),
    }
}
