//! The tar format of chart archives. The writer produces what Go's
//! `archive/tar` writes for `helm package` (regular files only, mode 0644,
//! uid/gid 0, empty user and group names, USTAR whenever the name fits,
//! else a PAX `path` record, two zero blocks at the end); the reader walks
//! the entries of any POSIX tar (USTAR, PAX, GNU long names).

use std::io::Read;

use anyhow::{bail, Context, Result};

const BLOCK: usize = 512;

/// Writes a tar stream into memory.
#[derive(Default)]
pub struct Writer {
    out: Vec<u8>,
}

impl Writer {
    /// Appends a regular file with mode 0644 and the given mtime (seconds).
    pub fn file(&mut self, path: &str, data: &[u8], mtime: u64) {
        let ustar = if path.len() <= 100 && path.is_ascii() {
            Some(("", path))
        } else {
            split_ustar_path(path)
        };
        let (prefix, name) = match ustar {
            Some(split) => split,
            None => {
                self.pax_path(path);
                ("", path)
            }
        };
        let header = header(name, prefix, 0o644, data.len() as u64, mtime, b'0');
        self.out.extend_from_slice(&header);
        self.out.extend_from_slice(data);
        self.pad();
    }

    /// The archive: the entries and the two zero blocks that end it.
    pub fn finish(mut self) -> Vec<u8> {
        self.out.resize(self.out.len() + 2 * BLOCK, 0);
        self.out
    }

    /// A PAX extended header giving the real path, as Go writes it
    /// (`dir/PaxHeaders.0/file`, mode and mtime 0).
    fn pax_path(&mut self, path: &str) {
        let body = pax_record("path", path);
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

/// Zero-padded octal digits filling the field but its last byte (NUL).
fn octal(field: &mut [u8], value: u64) {
    let digits = format!("{value:0width$o}", width = field.len() - 1);
    field[..digits.len()].copy_from_slice(digits.as_bytes());
    field[field.len() - 1] = 0;
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
    /// headers (their paths applied); `None` at the end of the archive.
    pub fn next_file(&mut self) -> Result<Option<Entry>> {
        self.skip_rest()?;
        let mut long_name: Option<String> = None;
        loop {
            let mut h = [0u8; BLOCK];
            if !read_block(&mut self.inner, &mut h)? || h.iter().all(|b| *b == 0) {
                return Ok(None);
            }
            verify_checksum(&h)?;
            let size = parse_number(&h[124..136]).context("invalid size in a tar header")?;
            let kind = h[156];
            match kind {
                b'x' | b'L' => {
                    let data = self.read_data(size)?;
                    if kind == b'L' {
                        let name = data.split(|b| *b == 0).next().unwrap_or_default();
                        long_name = Some(String::from_utf8_lossy(name).into_owned());
                    } else if let Some(path) = pax_path(&data)? {
                        long_name = Some(path);
                    }
                    continue;
                }
                b'g' | b'K' => {
                    self.read_data(size)?;
                    continue;
                }
                _ => {}
            }
            let path = match long_name.take() {
                Some(path) => path,
                None => header_path(&h),
            };
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

    /// The data of the current entry.
    pub fn read_to_vec(&mut self) -> Result<Vec<u8>> {
        let data = self.read_exact(self.remaining)?;
        self.remaining = 0;
        Ok(data)
    }

    /// The data of an extended header, with its padding.
    fn read_data(&mut self, size: u64) -> Result<Vec<u8>> {
        let data = self.read_exact(size)?;
        let pad = (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64;
        skip(&mut self.inner, pad)?;
        Ok(data)
    }

    fn read_exact(&mut self, size: u64) -> Result<Vec<u8>> {
        let mut data = Vec::with_capacity(size.min(1 << 20) as usize);
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

/// An octal field (spaces and NULs around it allowed) or GNU base-256.
fn parse_number(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        let mut value: u64 = u64::from(field[0] & 0x7f);
        for b in &field[1..] {
            value = value.checked_mul(256)?.checked_add(u64::from(*b))?;
        }
        return Some(value);
    }
    let text = std::str::from_utf8(field).ok()?;
    let text = text.trim_matches(|c| c == ' ' || c == '\0');
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
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

/// The `path` record of a PAX extended header, if any.
fn pax_path(data: &[u8]) -> Result<Option<String>> {
    let mut rest = data;
    let mut path = None;
    while !rest.is_empty() {
        let space = rest
            .iter()
            .position(|b| *b == b' ')
            .context("invalid PAX header")?;
        let len: usize = std::str::from_utf8(&rest[..space])
            .ok()
            .and_then(|s| s.parse().ok())
            .filter(|l| *l > space && *l <= rest.len())
            .context("invalid PAX header")?;
        let record = &rest[space + 1..len - 1];
        if let Some(value) = record.strip_prefix(b"path=") {
            path = Some(String::from_utf8_lossy(value).into_owned());
        }
        rest = &rest[len..];
    }
    Ok(path)
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
