use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let result = match onechart::cli::Cli::try_parse() {
        Ok(cli) => onechart::run(cli),
        // --help and --version go to stdout like any output, so a failed
        // write is an error there too; usage errors are clap's (exit 2).
        Err(usage) if !usage.use_stderr() => onechart::print(&usage.render().to_string()),
        Err(usage) => {
            let _ = usage.print();
            return ExitCode::from(u8::try_from(usage.exit_code()).unwrap_or(2));
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line whatever the error holds; nothing to do if even
            // stderr cannot be written.
            let message = format!("{err:#}").replace(['\n', '\r'], " ");
            let _ = writeln!(std::io::stderr(), "error: {message}");
            ExitCode::FAILURE
        }
    }
}
