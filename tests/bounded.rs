//! Every reader of user input uses memory in proportion to its input: a
//! property per reader (tar archives, `-s` globs, `.helmignore`,
//! Chart.yaml, index.yaml, `--kube-version`, `--set`, lookup JSON, values
//! YAML) that the peak memory it allocates stays under a linear bound of
//! the input's size, and the inputs that broke that bound before (a tar
//! header claiming gigabytes, 30,000 `--set` flags, a 1 MB key).
//!
//! A counting global allocator measures what the current thread allocates;
//! each property runs 64 cases in `cargo test` (more with PROPTEST_CASES).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Read;

use proptest::prelude::*;

struct Counting;

thread_local! {
    /// Bytes this thread holds, its peak, and all it ever allocated.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
}

fn note(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
        if delta > 0 {
            let _ = TOTAL.try_with(|total| total.set(total.get() + delta as usize));
        }
    });
}

// SAFETY: every call is passed to the system allocator unchanged; the
// counters are thread-local cells without destructors.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            note(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            note(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        note(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            note(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What running `f` cost this thread: (the peak of memory held beyond what
/// it held before, all bytes allocated).
fn measure<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(start));
    let total = TOTAL.with(Cell::get);
    let out = f();
    let peak = PEAK.with(Cell::get) - start;
    (out, peak.max(0) as usize, TOTAL.with(Cell::get) - total)
}

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

/// Fails unless `f` holds at most `per_byte` x `input` + `fixed` bytes.
#[track_caller]
fn within<T>(input: usize, per_byte: usize, fixed: usize, f: impl FnOnce() -> T) -> T {
    let (out, peak, _) = measure(f);
    let bound = per_byte * input + fixed;
    if std::env::var_os("BOUNDED_REPORT").is_some() {
        eprintln!("peak {peak} bytes for {input} bytes of input");
    }
    assert!(
        peak <= bound,
        "{peak} bytes for {input} bytes of input (bound {bound})"
    );
    out
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(64),
        ..ProptestConfig::default()
    }
}

/// A tar header block (checksummed) of this kind claiming this size.
fn header(kind: u8, size: u64, name: &str) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    let name = &name.as_bytes()[..name.len().min(100)];
    h[..name.len()].copy_from_slice(name);
    h[100..108].copy_from_slice(b"0000644\0");
    if size < 1 << 33 {
        h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    } else {
        // GNU base-256.
        h[124] = 0x80;
        h[128..136].copy_from_slice(&size.to_be_bytes());
    }
    h[156] = kind;
    h[257..265].copy_from_slice(b"ustar\x0000");
    h[148..156].fill(b' ');
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

/// Tar streams of headers of every kind claiming any size up to 2^40, each
/// followed by some data, then random bytes.
fn tar_stream() -> impl Strategy<Value = Vec<u8>> {
    let block = (
        prop::sample::select(vec![b'0', b'5', b'2', b'x', b'g', b'L', b'K', 0, b'7']),
        prop_oneof![0u64..2048, 0u64..(1 << 40)],
        "[a-z/]{0,20}",
        prop::collection::vec(any::<u8>(), 0..1500),
    )
        .prop_map(|(kind, size, name, data)| {
            let mut bytes = header(kind, size, &name);
            bytes.extend(data);
            bytes
        });
    (
        prop::collection::vec(block, 0..6),
        prop::collection::vec(any::<u8>(), 0..600),
    )
        .prop_map(|(blocks, tail)| blocks.concat().into_iter().chain(tail).collect())
}

fn read_tar(data: &[u8]) {
    let _ = onechart::index::chart_yaml(&mut &data[..]);
    let mut reader = onechart::tar::Reader::new(data);
    while let Ok(Some(entry)) = reader.next_file() {
        if entry.size <= 5 * MIB as u64 && reader.read_to_vec().is_err() {
            break;
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn tar_reader_memory_is_bounded(data in tar_stream()) {
        // The extended-header cap (1 MiB) plus the input.
        within(data.len(), 4, 2 * MIB, || read_tar(&data));
    }

    #[test]
    fn glob_memory_is_bounded(pattern in "[a-c*?\\[\\]\\\\^/-]{0,200}", name in "[a-c/é]{0,200}") {
        within(0, 0, 0, || onechart::glob::glob_match(&pattern, &name));
    }

    #[test]
    fn helmignore_memory_is_bounded(text in "([a-z*?!/.#\\[\\] ]{0,30}\n){0,50}") {
        within(text.len(), 64, 16 * KIB, || {
            if let Ok(rules) = onechart::package::ignore::Rules::parse(&text) {
                for line in text.lines() {
                    rules.ignores(line, false);
                    rules.ignores(line, true);
                }
            }
        });
    }

    #[test]
    fn chart_yaml_memory_is_bounded(text in yaml_text()) {
        within(text.len(), 64, 64 * KIB, || {
            if let Ok(mut chart) = onechart::chartfile::Chartfile::parse(&text) {
                let _ = chart.validate();
                chart.to_yaml()
            } else {
                String::new()
            }
        });
    }

    #[test]
    fn index_yaml_memory_is_bounded(text in yaml_text()) {
        within(text.len(), 64, 64 * KIB, || {
            onechart::index::file::IndexFile::parse(&text).map(|i| i.to_yaml()).ok()
        });
    }

    #[test]
    fn values_yaml_memory_is_bounded(text in yaml_text()) {
        within(text.len(), 64, 64 * KIB, || onechart::yaml::load::load_values(&text).ok());
    }

    #[test]
    fn kube_version_memory_is_bounded(flag in "[v0-9.+a-z-]{0,64}", constraint in "[<>=!|, 0-9.x-]{0,64}") {
        within(flag.len() + constraint.len(), 16, 16 * KIB, || {
            if let Ok(version) = onechart::kube_version::parse_flag(&flag) {
                let _ = onechart::kube_version::satisfies(&constraint, &version);
            }
        });
    }

    #[test]
    fn set_memory_is_bounded(args in prop::collection::vec("[a-c.=,\\[\\]0-9{}\\\\]{0,40}", 0..50)) {
        let len: usize = args.iter().map(String::len).sum();
        within(len, 64, 64 * KIB, || {
            let mut values = onechart::yaml::Map::new();
            for arg in &args {
                let _ = onechart::values::set::parse_into(arg, &mut values, false);
            }
            values
        });
    }

    #[test]
    fn lookup_json_memory_is_bounded(objects in prop::collection::vec(("[a-z]{1,8}", "[a-z]{1,8}", "[A-Za-z0-9+/]{0,40}"), 0..50)) {
        let items: Vec<String> = objects
            .iter()
            .map(|(name, ns, data)| format!(
                r#"{{"apiVersion": "v1", "kind": "Secret", "metadata": {{"name": "{name}", "namespace": "{ns}"}}, "data": {{"k": "{data}"}}}}"#
            ))
            .collect();
        let text = format!(r#"{{"apiVersion": "v1", "kind": "List", "items": [{}]}}"#, items.join(","));
        within(text.len(), 64, 64 * KIB, || {
            onechart::lookup::input::parse("f", &text).map(onechart::lookup::Objects::from_objects).ok()
        });
    }
}

/// YAML-ish text: structure characters, words, numbers, anchors, tags.
fn yaml_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(vec![
            "\n", "  ", ": ", "- ", "[", "]", "{", "}", ", ", "---\n", "...\n", "&a ", "*a", "<<: ",
            "!!str ", "!!int ", "!foo ", "%YAML 1.1\n", "'", "\"", "|\n", "# c\n",
            "apiVersion: v1\n", "entries:\n", "name: ", "version: ", "urls: ", "created: ",
        ])
        .prop_map(String::from),
        3 => "[a-z]{1,6}",
        1 => "[0-9.]{1,5}",
    ];
    prop::collection::vec(piece, 0..120).prop_map(|p| p.concat())
}

/// A PAX header claiming 64 MiB, the 64 MiB there: refused unread (the
/// reader read it all, a 1 MB .tgz claiming 3 GiB cost 3 GB).
#[test]
fn a_tar_header_claiming_gigabytes_is_not_read() {
    for kind in [b'x', b'g', b'L', b'K'] {
        let size = 64 * MIB as u64;
        let head = header(kind, size, "a");
        let stream = head
            .as_slice()
            .chain(std::io::repeat(b'9').take(size))
            .chain(std::io::repeat(0).take(1024));
        let (result, peak, total) = measure(|| {
            let mut reader = onechart::tar::Reader::new(stream);
            reader.next_file().map(|e| e.map(|e| e.path))
        });
        assert!(result.is_err(), "{}", kind as char);
        assert!(
            peak < 64 * KIB && total < 64 * KIB,
            "{peak} bytes held, {total} allocated"
        );
    }
}

/// `--set` edits the values in place: 4,000 arguments allocate about twice
/// what 2,000 do. Cloning the map each one edits, they allocated four
/// times as much (30,000 flags took 81 s, helm 1.6 s).
#[test]
fn set_arguments_cost_their_own_length() {
    let allocated = |n: usize| {
        let args: Vec<String> = (0..n).map(|i| format!("podAnnotations.k{i}=v")).collect();
        let (_, _, total) = measure(|| {
            let mut values = onechart::yaml::Map::new();
            for arg in &args {
                onechart::values::set::parse_into(arg, &mut values, false).unwrap();
            }
            values
        });
        total
    };
    let (small, large) = (allocated(2000), allocated(4000));
    assert!(
        large <= small * 5 / 2,
        "2,000 arguments allocate {small} bytes, 4,000 allocate {large}"
    );
}

/// A 1 MB unknown key is compared with no candidate (the edit distances
/// took 4 s and copied the key for each).
#[test]
fn a_huge_key_is_compared_with_nothing() {
    let key = "k".repeat(MIB);
    let (near, _, total) =
        measure(|| onechart::values::closest(&key, &["enabled", "image", "auth", "primary"]));
    assert_eq!(near, None);
    assert!(total < 64 * KIB, "{total} bytes allocated");
}

/// 200,000 lookup objects are indexed, not searched one by one (40,000
/// took 30 s, 200,000 never finished): this finishes in a few seconds even
/// in a debug build.
#[test]
fn many_lookup_objects_are_indexed() {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let objects: Vec<onechart::lookup::Object> = (0..200_000)
            .map(|i| {
                let json = format!(
                    r#"{{"apiVersion": "v1", "kind": "Secret", "metadata": {{"name": "s{i}", "namespace": "n{}"}}}}"#,
                    i % 7
                );
                onechart::lookup::input::parse("f", &json).unwrap().remove(0)
            })
            .collect();
        let objects = onechart::lookup::Objects::from_objects(objects);
        let _ = send.send(objects.items().len());
    });
    // A watchdog, not a timing: the quadratic search needed hours here.
    let count = receive
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("200,000 objects not indexed within 120 s");
    assert_eq!(count, 200_000);
}
