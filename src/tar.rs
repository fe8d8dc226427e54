//! The tar format of chart archives. The writer produces what Go's
//! `archive/tar` writes for `helm package` (regular files only, mode 0644,
//! uid/gid 0, empty user and group names, USTAR whenever the name and the
//! mtime fit, else a PAX extended header with `mtime` and `path` records,
//! two zero blocks at the end); the reader walks the entries of any POSIX
//! tar (USTAR, PAX, GNU long names) with Go's limits: an extended header
//! (PAX or GNU long name) of more than 1 MiB is an error, never read into
//! memory, and malformed PAX records are errors, as in Go's `archive/tar`.

use std::io::Read;

use anyhow::{bail, Context, Result};

const BLOCK: usize = 512;

/// Go's `maxSpecialFileSize`: the largest PAX or GNU long-name header read.
pub const MAX_EXTENDED_HEADER: u64 = 1024 * 1024;

/// mtimes from here on need 12 octal digits, more than USTAR's field holds.
const USTAR_MTIME_LIMIT: u64 = 1 << 33;

/// Writes a tar stream into memory.
#[derive(Default)]
pub struct Writer {
    out: Vec<u8>,
}

impl Writer {
    /// Appends a regular file with mode 0644 and the given mtime (seconds).
    /// As Go's writer: USTAR when the path fits (split into prefix and name
    /// if need be) and the mtime fits its 11 octal digits; else a PAX header
    /// with the `mtime` (the USTAR field then holds 0) and, for a path over
    /// 100 bytes or not ASCII, the `path`, keys sorted.
    pub fn file(&mut self, path: &str, data: &[u8], mtime: u64) {
        let long = path.len() > 100 || !path.is_ascii();
        let big_mtime = mtime >= USTAR_MTIME_LIMIT;
        let split = if long { split_ustar_path(path) } else { None };
        let (prefix, name, mtime_field) = if big_mtime || (long && split.is_none()) {
            let mut records = Vec::new();
            if big_mtime {
                records.push(("mtime", mtime.to_string()));
            }
            if long {
                records.push(("path", path.to_string()));
            }
            self.pax(path, &records);
            ("", path, if big_mtime { 0 } else { mtime })
        } else {
            let (prefix, name) = split.unwrap_or(("", path));
            (prefix, name, mtime)
        };
        let header = header(name, prefix, 0o644, data.len() as u64, mtime_field, b'0');
        self.out.extend_from_slice(&header);
        self.out.extend_from_slice(data);
        self.pad();
    }

    /// The archive: the entries and the two zero blocks that end it.
    pub fn finish(mut self) -> Vec<u8> {
        self.out.resize(self.out.len() + 2 * BLOCK, 0);
        self.out
    }

    /// A PAX extended header with these records, as Go writes it
    /// (`dir/PaxHeaders.0/file`, mode and mtime 0).
    fn pax(&mut self, path: &str, records: &[(&str, String)]) {
        let body: String = records
            .iter()
            .map(|(key, value)| pax_record(key, value))
            .collect();
        let (dir, file) = match path.rsplit_once('/') {
            Some((dir, file)) => (format!("{dir}/"), file),
            None => (String::new(), path),
        };
        let name = format!("{dir}PaxHeaders.0/{file}");
        let header = header(&name, "", 0, body.len() as u64, 0, b'x');
        self.out.extend_from_slice(&header);
        self.out.extend_from_slice(body.as_bytes());
        self.pad();
    }

    fn pad(&mut self) {
        let rem = self.out.len() % BLOCK;
        if rem != 0 {
            self.out.resize(self.out.len() + BLOCK - rem, 0);
        }
    }
}

/// `"%d key=value\n"` where the length counts itself.
fn pax_record(key: &str, value: &str) -> String {
    let base = key.len() + value.len() + 3;
    let mut len = base + base.to_string().len();
    if len.to_string().len() != base.to_string().len() {
        len = base + len.to_string().len();
    }
    format!("{len} {key}={value}\n")
}

/// Go's `splitUSTARPath`: a name over 100 bytes split at a `/` into a
/// prefix of at most 155 bytes and a name of at most 100.
fn split_ustar_path(path: &str) -> Option<(&str, &str)> {
    if path.len() <= 100 || !path.is_ascii() {
        return None;
    }
    let mut length = path.len().min(156);
    if length == path.len() && path.ends_with('/') {
        length -= 1;
    }
    let i = path[..length].rfind('/')?;
    let (prefix, name) = (&path[..i], &path[i + 1..]);
    if i == 0 || name.is_empty() || name.len() > 100 || prefix.len() > 155 {
        return None;
    }
    Some((prefix, name))
}

fn header(name: &str, prefix: &str, mode: u32, size: u64, mtime: u64, kind: u8) -> [u8; BLOCK] {
    let mut h = [0u8; BLOCK];
    // Go's best effort for names that do not fit: ASCII only, cut at 100.
    let ascii: Vec<u8> = name.bytes().filter(u8::is_ascii).take(100).collect();
    let name_len = ascii.len();
    h[..name_len].copy_from_slice(&ascii);
    octal(&mut h[100..108], u64::from(mode));
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], mtime);
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    if kind != b'x' {
        octal(&mut h[329..337], 0);
        octal(&mut h[337..345], 0);
    }
    h[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
    let sum: u32 = h
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(*b)
            }
        })
        .sum();
    octal(&mut h[148..155], u64::from(sum));
    h[155] = b' ';
    h
}

/// Zero-padded octal digits filling the field but its last byte (NUL); 0
/// when the value does not fit (Go's last resort: callers put such values
/// in PAX records).
fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let mut digits = format!("{value:0width$o}");
    if digits.len() > width {
        digits = "0".repeat(width);
    }
    field[..width].copy_from_slice(digits.as_bytes());
    field[width] = 0;
}

/// One regular file read from a tar stream.
pub struct Entry {
    pub path: String,
    pub size: u64,
}

/// Reads the entries of a tar stream one by one.
pub struct Reader<R> {
    inner: R,
    /// Bytes of the current entry not read yet, and its padding.
    remaining: u64,
    padding: u64,
}

impl<R: Read> Reader<R> {
    pub fn new(inner: R) -> Reader<R> {
        Reader {
            inner,
            remaining: 0,
            padding: 0,
        }
    }

    /// The next regular file, skipping directories, links and extended
    /// headers (their `path` and `size` applied); `None` at the end of the
    /// archive.
    pub fn next_file(&mut self) -> Result<Option<Entry>> {
        self.skip_rest()?;
        let mut long_name: Option<String> = None;
        let mut pax: Option<Pax> = None;
        loop {
            let mut h = [0u8; BLOCK];
            if !read_block(&mut self.inner, &mut h)? || h.iter().all(|b| *b == 0) {
                return Ok(None);
            }
            verify_checksum(&h)?;
            let size = parse_number(&h[124..136]).context("invalid size in a tar header")?;
            let kind = h[156];
            match kind {
                b'x' | b'g' | b'L' | b'K' => {
                    let data = self.read_extended(size)?;
                    match kind {
                        b'x' => pax = Some(Pax::parse(&data)?),
                        b'L' => {
                            let name = data.split(|b| *b == 0).next().unwrap_or_default();
                            long_name = Some(String::from_utf8_lossy(name).into_owned());
                        }
                        // Global PAX headers and GNU long link names say
                        // nothing a chart's regular files need, but they
                        // are checked as Go checks them.
                        b'g' => drop(Pax::parse(&data)?),
                        _ => {}
                    }
                    continue;
                }
                _ => {}
            }
            let pax = pax.take().unwrap_or_default();
            let path = match (long_name.take(), pax.path) {
                (Some(path), _) | (None, Some(path)) => path,
                (None, None) => header_path(&h),
            };
            let size = pax.size.unwrap_or(size);
            self.remaining = size;
            self.padding = (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64;
            let regular = kind == b'0' || kind == b'7' || (kind == 0 && !path.ends_with('/'));
            if regular {
                return Ok(Some(Entry { path, size }));
            }
            // Directories, links and devices carry no file data for a chart.
            self.skip_rest()?;
        }
    }

    /// The data of the current entry; the caller checks its size first.
    pub fn read_to_vec(&mut self) -> Result<Vec<u8>> {
        let data = self.read_exact(self.remaining)?;
        self.remaining = 0;
        Ok(data)
    }

    /// The data of an extended header, with its padding: at most
    /// [`MAX_EXTENDED_HEADER`] bytes, as in Go's `readSpecialFile`.
    fn read_extended(&mut self, size: u64) -> Result<Vec<u8>> {
        if size > MAX_EXTENDED_HEADER {
            bail!(
                "a tar extended header of {size} bytes, more than the {} Go's archive/tar reads",
                crate::fsutil::Size(MAX_EXTENDED_HEADER)
            );
        }
        let data = self.read_exact(size)?;
        let pad = (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64;
        skip(&mut self.inner, pad)?;
        Ok(data)
    }

    fn read_exact(&mut self, size: u64) -> Result<Vec<u8>> {
        let mut data = Vec::with_capacity(size.min(64 * 1024) as usize);
        (&mut self.inner)
            .take(size)
            .read_to_end(&mut data)
            .context("reading the archive")?;
        if (data.len() as u64) < size {
            bail!("unexpected end of the archive");
        }
        Ok(data)
    }

    fn skip_rest(&mut self) -> Result<()> {
        skip(&mut self.inner, self.remaining + self.padding)?;
        self.remaining = 0;
        self.padding = 0;
        Ok(())
    }
}

fn skip(reader: &mut impl Read, n: u64) -> Result<()> {
    let copied =
        std::io::copy(&mut reader.take(n), &mut std::io::sink()).context("reading the archive")?;
    if copied < n {
        bail!("unexpected end of the archive");
    }
    Ok(())
}

/// Fills a block; `false` at a clean end of the stream.
fn read_block(reader: &mut impl Read, block: &mut [u8; BLOCK]) -> Result<bool> {
    let mut filled = 0;
    while filled < BLOCK {
        let n = reader
            .read(&mut block[filled..])
            .context("reading the archive")?;
        if n == 0 {
            if filled == 0 {
                return Ok(false);
            }
            bail!("unexpected end of the archive");
        }
        filled += n;
    }
    Ok(true)
}

fn verify_checksum(h: &[u8; BLOCK]) -> Result<()> {
    let stored = parse_number(&h[148..156]).context("invalid tar header")?;
    let unsigned: u64 = h
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(*b)
            }
        })
        .sum();
    let signed: i64 = h
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                i64::from(*b as i8)
            }
        })
        .sum();
    if stored != unsigned && stored as i64 != signed {
        bail!("invalid tar header (bad checksum)");
    }
    Ok(())
}

/// Go's `parseNumeric`: an octal field (spaces and NULs around it allowed)
/// or GNU base-256; `None` for a malformed, negative or too large number.
fn parse_number(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        if field[0] & 0x40 != 0 {
            return None;
        }
        let mut value: u64 = u64::from(field[0] & 0x7f);
        for b in &field[1..] {
            value = value.checked_mul(256)?.checked_add(u64::from(*b))?;
        }
        return (value >> 63 == 0).then_some(value);
    }
    let text = std::str::from_utf8(field).ok()?;
    let text = text.trim_matches(|c| c == ' ' || c == '\0');
    if text.is_empty() {
        return Some(0);
    }
    let text = text.split('\0').next().unwrap_or_default();
    u64::from_str_radix(text, 8).ok().filter(|v| v >> 63 == 0)
}

fn header_path(h: &[u8; BLOCK]) -> String {
    let field = |range: std::ops::Range<usize>| {
        let bytes = &h[range];
        let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
        String::from_utf8_lossy(&bytes[..end]).into_owned()
    };
    let name = field(0..100);
    if &h[257..262] == b"ustar" {
        let prefix = field(345..500);
        if !prefix.is_empty() {
            return format!("{prefix}/{name}");
        }
    }
    name
}

/// What the reader takes from a PAX extended header.
#[derive(Debug, Default, PartialEq)]
struct Pax {
    path: Option<String>,
    size: Option<u64>,
}

impl Pax {
    /// Go's `parsePAX`: every record must be well formed.
    fn parse(data: &[u8]) -> Result<Pax> {
        let mut pax = Pax::default();
        let mut rest = data;
        while !rest.is_empty() {
            let (key, value, next) = pax_record_parts(rest).context("invalid PAX header")?;
            match key {
                b"path" => pax.path = Some(String::from_utf8_lossy(value).into_owned()),
                b"size" => {
                    let size = std::str::from_utf8(value)
                        .ok()
                        .and_then(|v| v.parse::<i64>().ok())
                        .filter(|v| *v >= 0)
                        .context("invalid PAX header: bad size")?;
                    pax.size = Some(size as u64);
                }
                _ => {}
            }
            rest = next;
        }
        Ok(pax)
    }
}

/// Go's `parsePAXRecord`: `"%d %s=%s\n"`, the length counting the whole
/// record; (key, value, the records after it), `None` when malformed.
fn pax_record_parts(s: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let space = s.iter().position(|b| *b == b' ')?;
    let digits = &s[..space];
    // strconv.ParseInt: an optional sign, then decimal digits.
    let unsigned = digits.strip_prefix(b"+").unwrap_or(digits);
    if unsigned.is_empty() || !unsigned.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n: usize = std::str::from_utf8(unsigned).ok()?.parse().ok()?;
    if n < 5 || n > s.len() || n <= space + 1 {
        return None;
    }
    let record = &s[space + 1..n - 1];
    if s[n - 1] != b'\n' {
        return None;
    }
    let eq = record.iter().position(|b| *b == b'=')?;
    let (key, value) = (&record[..eq], &record[eq + 1..]);
    let nul = |b: &[u8]| b.contains(&0);
    let valid = !key.is_empty()
        && match key {
            b"path" | b"linkpath" | b"uname" | b"gname" => !nul(value),
            _ => !nul(key),
        };
    valid.then_some((key, value, &s[n..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_bytes_match_go() {
        let mut w = Writer::default();
        w.file("demo/Chart.yaml", b"name: demo\n", 0);
        let out = w.finish();
        assert_eq!(out.len(), 4 * BLOCK);
        assert_eq!(&out[100..108], b"0000644\0");
        assert_eq!(&out[108..124], b"0000000\x000000000\0");
        assert_eq!(&out[124..136], b"00000000013\0");
        assert_eq!(&out[257..265], b"ustar\x0000");
        assert_eq!(&out[329..345], b"0000000\x000000000\0");
        assert_eq!(&out[154..156], b"\0 ");
    }

    #[test]
    fn pax_record_counts_its_own_length() {
        assert_eq!(pax_record("path", "a"), "9 path=a\n");
        let long = "x".repeat(92);
        let record = pax_record("path", &long);
        assert_eq!(record.len().to_string(), record.split(' ').next().unwrap());
    }

    #[test]
    fn long_and_unicode_names_read_back() {
        let long = format!("demo/{}/file.yaml", "d".repeat(120));
        let longer = format!("demo/{}", "f".repeat(130));
        let names = [
            "demo/Chart.yaml",
            long.as_str(),
            longer.as_str(),
            "demo/files/é.txt",
        ];
        let mut w = Writer::default();
        for (i, name) in names.iter().enumerate() {
            w.file(name, format!("data {i}").as_bytes(), 1_700_000_000);
        }
        let archive = w.finish();
        let mut r = Reader::new(archive.as_slice());
        for (i, name) in names.iter().enumerate() {
            let entry = r.next_file().unwrap().unwrap();
            assert_eq!(entry.path, *name);
            assert_eq!(r.read_to_vec().unwrap(), format!("data {i}").as_bytes());
        }
        assert!(r.next_file().unwrap().is_none());
    }

    #[test]
    fn directories_and_links_are_passed_over() {
        let mut archive = Vec::new();
        archive.extend_from_slice(&header("demo/", "", 0o755, 0, 0, b'5'));
        archive.extend_from_slice(&header("demo/link", "", 0o777, 0, 0, b'2'));
        let mut w = Writer::default();
        w.file("demo/Chart.yaml", b"name: demo\n", 0);
        archive.extend(w.finish());
        let mut r = Reader::new(archive.as_slice());
        assert_eq!(r.next_file().unwrap().unwrap().path, "demo/Chart.yaml");
        assert_eq!(r.read_to_vec().unwrap(), b"name: demo\n");
        assert!(r.next_file().unwrap().is_none());
    }

    /// An archive of one extended header (`kind`, these bytes) and a file.
    fn with_extended(kind: u8, data: &[u8]) -> Vec<u8> {
        let mut archive = header("PaxHeaders.0/a", "", 0, data.len() as u64, 0, kind).to_vec();
        archive.extend_from_slice(data);
        archive.resize(archive.len().div_ceil(BLOCK) * BLOCK, 0);
        let mut w = Writer::default();
        w.file("demo/a", b"data", 0);
        archive.extend(w.finish());
        archive
    }

    fn first_path(archive: &[u8]) -> Result<String> {
        Ok(Reader::new(archive).next_file()?.expect("an entry").path)
    }

    #[test]
    fn malformed_pax_records_are_errors_not_panics() {
        // Each was a slice-index panic or silently accepted; Go's
        // parsePAXRecord refuses them all.
        for record in [
            &b"2 "[..],
            b"5 ",
            b"7 a=b\n",
            b"4 a=\n",
            b"x path=a\n",
            b"-9 path=ab\n",
            b"10 path=a\n\n",
            b"9 path=ab",
            b"7 =abc\n",
            b"9 pathab\n",
            b"12 path=a\0b\n",
            b"99999999999999999999999 a=b\n",
        ] {
            let err = first_path(&with_extended(b'x', record)).unwrap_err();
            assert!(
                err.to_string().starts_with("invalid PAX header"),
                "{:?}: {err}",
                String::from_utf8_lossy(record)
            );
        }
        assert_eq!(
            first_path(&with_extended(b'x', b"13 path=a/bc\n")).unwrap(),
            "a/bc"
        );
        assert_eq!(
            first_path(&with_extended(b'x', b"+13 path=a/b\n")).unwrap(),
            "a/b"
        );
        // A global header is checked too, and does not rename the file.
        assert!(first_path(&with_extended(b'g', b"2 ")).is_err());
        assert_eq!(
            first_path(&with_extended(b'g', b"13 path=a/bc\n")).unwrap(),
            "demo/a"
        );
    }

    #[test]
    fn pax_size_overrides_the_header() {
        let mut archive = header("PaxHeaders.0/a", "", 0, 10, 0, b'x').to_vec();
        archive.extend_from_slice(b"10 size=3\n");
        archive.resize(2 * BLOCK, 0);
        archive.extend_from_slice(&header("demo/a", "", 0o644, 0, 0, b'0'));
        archive.extend_from_slice(b"abc");
        archive.resize(4 * BLOCK, 0);
        let mut w = Writer::default();
        w.file("demo/b", b"data", 0);
        archive.extend(w.finish());
        let mut r = Reader::new(archive.as_slice());
        let entry = r.next_file().unwrap().unwrap();
        assert_eq!((entry.path.as_str(), entry.size), ("demo/a", 3));
        assert_eq!(r.read_to_vec().unwrap(), b"abc");
        assert_eq!(r.next_file().unwrap().unwrap().path, "demo/b");
    }

    #[test]
    fn extended_headers_over_1_mib_are_refused_unread() {
        for kind in [b'x', b'g', b'L', b'K'] {
            // The header claims 3 GiB; the stream has none of it.
            let archive = header("././@LongLink", "", 0, 3 << 30, 0, kind);
            let err = first_path(&archive).unwrap_err().to_string();
            assert_eq!(
                err,
                "a tar extended header of 3221225472 bytes, more than the 1 MiB Go's archive/tar reads"
            );
        }
        let name = "n".repeat(MAX_EXTENDED_HEADER as usize);
        assert_eq!(
            first_path(&with_extended(b'L', name.as_bytes())).unwrap(),
            name
        );
    }

    #[test]
    fn numbers_are_read_as_go_reads_them() {
        assert_eq!(parse_number(b"00000000013\0"), Some(11));
        assert_eq!(parse_number(b" 13 \0"), Some(11));
        assert_eq!(parse_number(b"\0\0\0"), Some(0));
        assert_eq!(parse_number(b"\x80\0\0\0\0\0\0\0\0\0\x01\x00"), Some(256));
        // Negative base-256 and overflowing numbers are invalid.
        assert_eq!(
            parse_number(b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"),
            None
        );
        assert_eq!(
            parse_number(b"\x80\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"),
            None
        );
        assert_eq!(parse_number(b"9"), None);
    }

    #[test]
    fn mtimes_past_11_octal_digits_go_in_a_pax_record() {
        // SOURCE_DATE_EPOCH=9999999999 (2286) needs 12 octal digits: Go's
        // writer switches to PAX, with 0 in the USTAR field.
        let mut w = Writer::default();
        w.file("demo/Chart.yaml", b"name: demo\n", 9_999_999_999);
        let out = w.finish();
        assert_eq!(out.len(), 6 * BLOCK);
        assert_eq!(&out[..27], b"demo/PaxHeaders.0/Chart.yaml"[..27].as_ref());
        assert_eq!(out[156], b'x');
        assert_eq!(&out[124..136], b"00000000024\0");
        assert_eq!(&out[BLOCK..BLOCK + 20], b"20 mtime=9999999999\n");
        let main = &out[2 * BLOCK..3 * BLOCK];
        assert_eq!(&main[..16], b"demo/Chart.yaml\0");
        assert_eq!(&main[136..148], b"00000000000\0");
        assert_eq!(main[156], b'0');
        // With a long name too: both records, keys sorted.
        let long = format!("demo/{}/file.yaml", "d".repeat(120));
        let mut w = Writer::default();
        w.file(&long, b"x", 1 << 33);
        let out = w.finish();
        let body = String::from_utf8_lossy(&out[BLOCK..2 * BLOCK]);
        let body = body.trim_end_matches('\0');
        assert_eq!(
            body,
            format!("20 mtime=8589934592\n{}", pax_record("path", &long))
        );
        let mut r = Reader::new(out.as_slice());
        assert_eq!(r.next_file().unwrap().unwrap().path, long);
        // The last mtime that fits stays USTAR.
        let mut w = Writer::default();
        w.file("demo/a", b"", (1 << 33) - 1);
        let out = w.finish();
        assert_eq!(&out[136..148], b"77777777777\0");
        assert_eq!(out[156], b'0');
    }

    #[test]
    fn truncated_archives_fail() {
        let mut w = Writer::default();
        w.file("demo/a", &[7; 600], 0);
        let archive = w.finish();
        let mut r = Reader::new(&archive[..700]);
        r.next_file().unwrap().unwrap();
        assert!(r.read_to_vec().is_err());
    }
}
