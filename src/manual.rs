//! The command line's own documentation, generated from the clap definition
//! the binary parses (so neither can drift from the flags): shell completions
//! (clap_complete) and the manual page (clap_mangen). `onechart completions
//! SHELL` and `onechart man` print them; the release workflow puts both in
//! its archives.
//!
//! Why a subcommand and not build.rs: build.rs cannot use the crate, and the
//! clap definitions in `src/cli.rs` sit beside their conversion into render
//! options (which need the crate's types). Generating from the built binary
//! uses exactly the `Command` that parses the arguments.

use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::Shell;
use clap_mangen::Man;

use crate::cli::Cli;

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> String {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "onechart", &mut out);
    String::from_utf8(out).expect("clap_complete writes UTF-8")
}

/// onechart(1): one page with the top-level synopsis and options, then a
/// COMMANDS section with every command's synopsis, description and options
/// (clap_mangen alone would refer to onechart-render(1) and so on, pages
/// nobody installs).
pub fn man_page() -> Result<String> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let man = Man::new(command.clone()).manual("onechart manual");
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    page.extend_from_slice(b".SH COMMANDS\n");
    for sub in visible(&command) {
        commands(&mut page, sub)?;
    }
    man.render_version_section(&mut page)?;
    let page = String::from_utf8(page).context("the manual page is not UTF-8")?;
    // Each render starts with the same two lines defining the apostrophe
    // string; once, at the top, is enough.
    let mut out = String::new();
    for (i, line) in page.lines().enumerate() {
        if i >= PREAMBLE.len() && PREAMBLE.contains(&line) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// What roff's writer puts before every render.
const PREAMBLE: [&str; 2] = [".ie \\n(.g .ds Aq \\(aq", ".el .ds Aq '"];

fn visible(command: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    command.get_subcommands().filter(|s| !s.is_hide_set())
}

/// One command's part of COMMANDS (and its own subcommands' after it): a
/// `.SS` heading, then its synopsis, description and options with their
/// `.SH` headings turned into paragraph breaks (options get a plain
/// "Options:" line).
fn commands(page: &mut Vec<u8>, command: &clap::Command) -> Result<()> {
    let name = command.get_bin_name().unwrap_or_else(|| command.get_name());
    page.extend_from_slice(format!(".SS \"{}\"\n", name.replace('"', "")).as_bytes());
    let man = Man::new(command.clone());
    let mut part = Vec::new();
    man.render_synopsis_section(&mut part)?;
    man.render_description_section(&mut part)?;
    let has_options = command
        .get_arguments()
        .any(|a| !a.is_hide_set() && a.get_id() != "help");
    if has_options {
        man.render_options_section(&mut part)?;
    }
    let part = String::from_utf8(part).context("the manual page is not UTF-8")?;
    for line in part.lines() {
        match line {
            ".SH OPTIONS" => page.extend_from_slice(b".PP\nOptions:\n"),
            _ if line.starts_with(".SH ") => page.extend_from_slice(b".PP\n"),
            _ => {
                page.extend_from_slice(line.as_bytes());
                page.push(b'\n');
            }
        }
    }
    for sub in visible(command) {
        commands(page, sub)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_name_every_command() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = completions(shell);
            for command in [
                "render",
                "schema",
                "show",
                "lint",
                "package",
                "index",
                "completions",
                "man",
            ] {
                assert!(script.contains(command), "{shell}: no {command}");
            }
        }
    }

    #[test]
    fn the_page_has_every_command_and_no_separate_pages() {
        let page = man_page().unwrap();
        let lines: Vec<&str> = page.lines().collect();
        assert_eq!(lines[..2], PREAMBLE);
        assert!(lines[2].starts_with(".TH onechart 1 "), "{page}");
        assert_eq!(lines.iter().filter(|l| PREAMBLE.contains(l)).count(), 2);
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "COMMANDS",
            "VERSION",
        ] {
            assert_eq!(
                page.lines()
                    .filter(|l| *l == format!(".SH {section}"))
                    .count(),
                1,
                "{section}"
            );
        }
        for command in [
            "render",
            "schema",
            "show",
            "show values",
            "lint",
            "package",
            "index",
        ] {
            assert!(
                page.contains(&format!(".SS \"onechart {command}\"\n")),
                "{command}"
            );
        }
        assert!(
            !page.contains("onechart\\-render(1)"),
            "refers to a page nobody has"
        );
    }
}
