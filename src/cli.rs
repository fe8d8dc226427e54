//! The command line: `onechart render` with helm template's flags, `lint`,
//! `schema`, `show values`, `package`, `index`, `completions` and `man`.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

use crate::lookup::Objects;
use crate::render::Options;
use crate::values::Sources;

/// What `onechart --version` prints after the name: the crate version and the
/// commit it was built from (build.rs: git, else `ONECHART_COMMIT`, else "unknown").
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("ONECHART_COMMIT"),
    ")"
);

/// Render, package and index the OpenNebula Helm chart without helm.
#[derive(Debug, Parser)]
#[command(name = "onechart", version = VERSION, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the chart's manifests, byte for byte what `helm template` prints.
    Render(RenderArgs),
    /// Print the JSON Schema of the chart's values (chart/values.schema.json), or with
    /// --markdown the values reference table of chart/README.md.
    Schema(SchemaArgs),
    /// Show the chart's information, as `helm show` does.
    Show {
        #[command(subcommand)]
        what: Show,
    },
    /// Render with these values and check the manifests; exit 1 with the findings, one per line.
    Lint(LintArgs),
    /// Write the chart archive `helm package` writes, byte-reproducible.
    Package(PackageArgs),
    /// Write a chart repository's index.yaml, as `helm repo index` does.
    Index(IndexArgs),
    /// Print a shell completion script (`onechart completions bash`).
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell.
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the manual page, roff for man(1) (`onechart man > onechart.1; man -l onechart.1`).
    Man,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Print the values reference instead: a Markdown table of every key (path, type,
    /// default, description), from the same types and doc comments as the schema.
    #[arg(long = "markdown")]
    pub markdown: bool,

    /// With --markdown: replace the table between the `values-reference` begin and end
    /// comments of this file (chart/README.md) instead of printing it.
    #[arg(long = "update", value_name = "FILE", requires = "markdown")]
    pub update: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Show {
    /// Print the chart's default values (its values.yaml), as `helm show values` does.
    Values,
}

/// What a render starts from: the release, its values and the cluster objects
/// the chart's `lookup` calls see (shared by `render` and `lint`).
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// The release name (as `helm template RELEASE`).
    #[arg(default_value = "release-name")]
    pub release: String,

    /// A values file (`-` for standard input); repeat to merge several, later ones win.
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,

    /// Set a value: `key=value`, `a.b=c`, `list[0]=x`, `list={x,y}` (Helm's grammar).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,

    /// Set a value that stays a string (`--set-string tag=7.2`).
    #[arg(long = "set-string", value_name = "KEY=VALUE")]
    pub set_string: Vec<String>,

    /// The release namespace (empty: `default`, as in Helm).
    #[arg(short = 'n', long = "namespace", default_value = "default")]
    pub namespace: String,

    /// The Kubernetes version checked against the chart's kubeVersion (empty: the default).
    #[arg(long = "kube-version", value_name = "VERSION")]
    pub kube_version: Option<String>,

    /// Answer the chart's `lookup` calls from what `kubectl get ... -o json` printed (`-` for
    /// standard input); repeat to give several.
    #[arg(long = "lookup-file", value_name = "FILE")]
    pub lookup_files: Vec<PathBuf>,
}

impl ReleaseArgs {
    /// The render options these arguments describe, printing every template.
    pub fn options(&self) -> Result<Options> {
        let stdin = |paths: &[PathBuf]| paths.iter().filter(|p| p.as_os_str() == "-").count();
        let lookup_stdin = stdin(&self.lookup_files);
        if lookup_stdin > 0 && lookup_stdin + stdin(&self.values) > 1 {
            anyhow::bail!("standard input (`-`) can be read only once");
        }
        // Helm treats an empty namespace as `default` and an empty
        // --kube-version as none.
        let namespace = match self.namespace.as_str() {
            "" => "default".to_string(),
            namespace => namespace.to_string(),
        };
        Ok(Options {
            release_name: self.release.clone(),
            namespace,
            kube_version: self.kube_version.clone().filter(|v| !v.is_empty()),
            sources: Sources {
                files: self.values.clone(),
                set: self.set.clone(),
                set_string: self.set_string.clone(),
            },
            show_only: Vec::new(),
            objects: Objects::read_files(&self.lookup_files)?,
        })
    }
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub release: ReleaseArgs,

    /// Only print the manifests of these templates (`templates/service.yaml`, globs allowed).
    #[arg(short = 's', long = "show-only", value_name = "TEMPLATE")]
    pub show_only: Vec<String>,

    /// Answer the chart's `lookup` calls by running `kubectl get` for the objects it looks up,
    /// in the release namespace.
    #[arg(long = "kubectl", conflicts_with = "lookup_files")]
    pub kubectl: bool,

    /// The kubeconfig context kubectl uses (with --kubectl).
    #[arg(long = "kube-context", value_name = "CONTEXT", requires = "kubectl")]
    pub kube_context: Option<String>,

    /// How long each kubectl may run before it is stopped, with the processes it started
    /// (`30s`, `2m`; `0`: no limit).
    #[arg(
        long = "kubectl-timeout",
        value_name = "DURATION",
        default_value = crate::lookup::kubectl::DEFAULT_TIMEOUT,
        value_parser = crate::lookup::kubectl::parse_timeout,
        requires = "kubectl"
    )]
    pub kubectl_timeout: std::time::Duration,
}

impl RenderArgs {
    /// The render options these arguments describe.
    pub fn options(&self) -> Result<Options> {
        let options = Options {
            show_only: self.show_only.clone(),
            ..self.release.options()?
        };
        if self.kubectl {
            let kubectl = crate::lookup::kubectl::Kubectl {
                context: self.kube_context.clone(),
                timeout: Some(self.kubectl_timeout),
            };
            let objects = kubectl.fetch(&options)?;
            return Ok(Options { objects, ..options });
        }
        Ok(options)
    }
}

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub release: ReleaseArgs,
}

impl LintArgs {
    /// The render options these arguments describe.
    pub fn options(&self) -> Result<Options> {
        self.release.options()
    }
}

#[derive(Debug, Args)]
pub struct PackageArgs {
    /// The chart directory (default: the chart compiled into onechart).
    #[arg(value_name = "CHART_DIR")]
    pub chart_dir: Option<PathBuf>,

    /// Where to write `<name>-<version>.tgz` (created if missing).
    #[arg(
        short = 'd',
        long = "destination",
        value_name = "DIR",
        default_value = "."
    )]
    pub destination: PathBuf,

    /// Set the chart's version (as `helm package --version`).
    #[arg(long = "version", value_name = "VERSION")]
    pub version: Option<String>,

    /// Set the chart's appVersion (as `helm package --app-version`).
    #[arg(long = "app-version", value_name = "VERSION")]
    pub app_version: Option<String>,
}

impl PackageArgs {
    /// The package options these arguments describe.
    pub fn options(&self) -> crate::package::Options {
        // Helm ignores an empty --version or --app-version.
        crate::package::Options {
            chart_dir: self.chart_dir.clone(),
            destination: self.destination.clone(),
            version: self.version.clone().filter(|v| !v.is_empty()),
            app_version: self.app_version.clone().filter(|v| !v.is_empty()),
        }
    }
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// The repository directory: its `*.tgz` and `*/*.tgz` are indexed into `DIR/index.yaml`.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// The repository's URL (the charts' `urls` are relative without it).
    #[arg(long = "url", value_name = "URL")]
    pub url: Option<String>,

    /// Keep every entry of this index (and the `created` date of unchanged charts).
    #[arg(long = "merge", value_name = "FILE")]
    pub merge: Option<PathBuf>,
}

impl IndexArgs {
    /// The index options these arguments describe.
    pub fn options(&self) -> crate::index::Options {
        crate::index::Options {
            dir: self.dir.clone(),
            url: self.url.clone(),
            merge: self.merge.clone(),
        }
    }
}
