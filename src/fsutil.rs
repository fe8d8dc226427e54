//! Reading input with a size limit. Every file onechart reads from the user
//! (values files, lookup files, index.yaml and `--merge`, kubectl's output)
//! goes through [`read`], so `-f /dev/zero` or a runaway pipe fails with a
//! clear error instead of eating memory; chart files keep Helm's own 5 MiB
//! per-file limit.

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

/// The most onechart reads of one input file or stream: 32 MiB, about a
/// hundred times a large values file and more than `kubectl get secrets -o
/// json` prints for 40,000 Secrets.
pub const INPUT_LIMIT: u64 = 32 * 1024 * 1024;

/// Reads all of `reader`, failing when it holds more than `limit` bytes
/// (after reading `limit + 1` of them, never more).
pub fn read(reader: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut data = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut data)?;
    if data.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(data)
}

/// [`read`] of UTF-8 text.
pub fn read_to_string(reader: impl Read, limit: u64) -> io::Result<String> {
    String::from_utf8(read(reader, limit)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "the text is not UTF-8"))
}

/// [`read`] of a file.
pub fn read_file(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read(std::fs::File::open(path)?, limit)
}

/// [`read_to_string`] of a file.
pub fn read_file_to_string(path: &Path, limit: u64) -> io::Result<String> {
    read_to_string(std::fs::File::open(path)?, limit)
}

/// The error of input over its limit ("larger than the limit of 32 MiB").
pub fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("larger than the limit of {}", Size(limit)),
    )
}

/// A size in bytes as people read it: `32 MiB`, `5 MiB`, `1000 bytes`.
#[derive(Debug, Clone, Copy)]
pub struct Size(pub u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MIB: u64 = 1024 * 1024;
        match self.0 {
            n if n >= MIB && n % MIB == 0 => write!(f, "{} MiB", n / MIB),
            n if n >= 1024 && n % 1024 == 0 => write!(f, "{} KiB", n / 1024),
            n => write!(f, "{n} bytes"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_limit_and_not_beyond() {
        assert_eq!(read(&b"abcd"[..], 4).unwrap(), b"abcd");
        let err = read(&b"abcde"[..], 4).unwrap_err();
        assert_eq!(err.to_string(), "larger than the limit of 4 bytes");
        // An endless stream stops one byte past the limit.
        let err = read(io::repeat(0), 2 * 1024 * 1024).unwrap_err();
        assert_eq!(err.to_string(), "larger than the limit of 2 MiB");
        assert_eq!(
            read_to_string(&b"\xff"[..], 4).unwrap_err().to_string(),
            "the text is not UTF-8"
        );
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(Size(INPUT_LIMIT).to_string(), "32 MiB");
        assert_eq!(Size(1536).to_string(), "1536 bytes");
        assert_eq!(Size(2048).to_string(), "2 KiB");
        assert_eq!(Size(7).to_string(), "7 bytes");
    }
}
