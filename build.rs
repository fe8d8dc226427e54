//! Embeds every file of `chart/` into the binary (the released binary renders
//! and packages the chart without any file beside it).

use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chart = root.join("chart");
    let mut files = Vec::new();
    collect(&chart, &chart, &mut files);
    files.sort();
    let mut out = String::from(
        "/// Every file of `chart/`: its path relative to the chart, and its bytes.\n",
    );
    out.push_str("pub static FILES: &[(&str, &[u8])] = &[\n");
    for rel in &files {
        let abs = chart.join(rel);
        out.push_str(&format!(
            "    ({rel:?}, include_bytes!({:?})),\n",
            abs.display().to_string()
        ));
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out_dir.join("chart_files.rs"), out).unwrap();
    // What renders parse: values.yaml is four fifths comments, and the YAML
    // scanner reads them character by character. A unit test in src/chart.rs
    // checks that both files load to the same values.
    let values = fs::read_to_string(chart.join("values.yaml")).unwrap();
    let data: String = values
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .map(|line| format!("{line}\n"))
        .collect();
    fs::write(out_dir.join("values_data.yaml"), data).unwrap();
    println!("cargo:rerun-if-changed=chart");
    for rel in &files {
        println!("cargo:rerun-if-changed=chart/{rel}");
    }
}

fn collect(base: &Path, dir: &Path, files: &mut Vec<String>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(base, &path, files);
        } else {
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            files.push(rel);
        }
    }
}
