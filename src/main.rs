use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = onechart::cli::Cli::parse();
    match onechart::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
