//! Files speclint keeps between runs whose contents it writes out as they are: the drawings of
//! the full output (`render::drawings`) and the output of the last run (`check::kept_output`).
//!
//! Such a file is a head and a body, each with its own checksum:
//! `[magic][head checksum][body checksum][head length][head][body]`, the three numbers as
//! 64-bit little-endian words and the checksums xxh3-64. Opening a file reads and checks the
//! head only; the body is checked a piece at a time through one small buffer
//! ([`CheckedFile::body_checks_out`]) and then copied to the output by the system
//! ([`CheckedFile::copy_body_to`]), so that a body of tens of megabytes is never held in
//! memory. A file that does not start with its magic, whose lengths do not add up, or whose
//! checksums do not match is not used: nothing in a cache is trusted.

use std::io::{Read, Seek, Write};
use std::path::Path;

/// The bytes after the magic: the checksums of the head and of the body, and the head's length.
const HEADER_BYTES: usize = 24;

/// How much of a body is read at a time when it is checked.
const CHUNK_BYTES: usize = 1 << 16;

/// An open file whose head was read and checked (see the module documentation).
pub struct CheckedFile {
    file: std::fs::File,
    head: Vec<u8>,
    body_start: u64,
    body_length: u64,
    head_checksum: u64,
    body_checksum: u64,
}

/// Why [`CheckedFile::copy_body_to`] stopped.
#[derive(Debug)]
pub enum CopyError {
    /// The output was closed (a broken pipe): a reader that went away wants no more.
    OutputClosed(std::io::Error),
    /// Anything else: the file could not be read (or ended before its checked length), or
    /// the output failed otherwise (a full disk), so the output stops short.
    CopyFailed(std::io::Error),
}

impl CheckedFile {
    /// The file at `path` when it starts with `magic`, is no longer than `max_length` and its
    /// head checks out; its body is not read.
    pub fn open_head(path: &Path, magic: &[u8], max_length: u64) -> Option<CheckedFile> {
        let mut file = std::fs::File::open(path).ok()?;
        let file_length = file.metadata().ok()?.len();
        if file_length > max_length {
            return None;
        }
        let mut start = vec![0u8; magic.len() + HEADER_BYTES];
        file.read_exact(&mut start).ok()?;
        let header = start.strip_prefix(magic)?;
        let (head_checksum, header) = header.split_first_chunk::<8>()?;
        let (body_checksum, header) = header.split_first_chunk::<8>()?;
        let (head_length, _) = header.split_first_chunk::<8>()?;
        let head_length = u64::from_le_bytes(*head_length);
        let body_start = (start.len() as u64).checked_add(head_length)?;
        let body_length = file_length.checked_sub(body_start)?;
        let mut head = vec![0; usize::try_from(head_length).ok()?];
        file.read_exact(&mut head).ok()?;
        let head_checksum = u64::from_le_bytes(*head_checksum);
        if xxhash_rust::xxh3::xxh3_64(&head) != head_checksum {
            return None;
        }
        Some(CheckedFile {
            file,
            head,
            body_start,
            body_length,
            head_checksum,
            body_checksum: u64::from_le_bytes(*body_checksum),
        })
    }

    /// The head, checked.
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// How long the body is.
    pub fn body_length(&self) -> u64 {
        self.body_length
    }

    /// The checksums of the head and of the body, as one number: what tells this file's
    /// contents from another's without reading them.
    pub fn identity(&self) -> u128 {
        identity(self.head_checksum, self.body_checksum)
    }

    /// Whether the body is as long as the file said and matches its checksum, read a piece at
    /// a time and never held whole.
    pub fn body_checks_out(&self) -> bool {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let mut file = &self.file;
        if file
            .seek(std::io::SeekFrom::Start(self.body_start))
            .is_err()
        {
            return false;
        }
        read_in_pieces(file, self.body_length, |piece| hasher.update(piece)).is_ok()
            && hasher.digest() == self.body_checksum
    }

    /// The body, read whole and checked again.
    pub fn read_body(&self) -> Option<Vec<u8>> {
        let mut file = &self.file;
        file.seek(std::io::SeekFrom::Start(self.body_start)).ok()?;
        let mut body = vec![0; usize::try_from(self.body_length).ok()?];
        file.read_exact(&mut body).ok()?;
        (xxhash_rust::xxh3::xxh3_64(&body) == self.body_checksum).then_some(body)
    }

    /// Writes the body to `out`.
    ///
    /// The copy is `std::io::copy`'s: on Linux, from the file to standard output (or to a
    /// file) it moves the bytes inside the system (`sendfile`, `splice`, `copy_file_range`)
    /// instead of reading them into the process and writing them out again, which for tens
    /// of megabytes was several milliseconds of a run that changed nothing. It says only that
    /// the copy failed, not on which side, so a closed output (a broken pipe, as when a pager
    /// quits) is told apart by its kind.
    pub fn copy_body_to(&self, out: &mut impl Write) -> Result<(), CopyError> {
        let mut file = &self.file;
        file.seek(std::io::SeekFrom::Start(self.body_start))
            .map_err(CopyError::CopyFailed)?;
        let mut body = file.take(self.body_length);
        // What `out` buffers goes out first: the system copy writes to the file descriptor
        // under it, past any buffer in between.
        match out.flush().and_then(|()| std::io::copy(&mut body, out)) {
            Ok(copied) if copied == self.body_length => Ok(()),
            Ok(_) => Err(CopyError::CopyFailed(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the file is shorter than when it was checked",
            ))),
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {
                Err(CopyError::OutputClosed(error))
            }
            Err(error) => Err(CopyError::CopyFailed(error)),
        }
    }
}

/// The identity of a file with these checksums (see [`CheckedFile::identity`]).
fn identity(head_checksum: u64, body_checksum: u64) -> u128 {
    (u128::from(head_checksum) << 64) | u128::from(body_checksum)
}

/// Writes a file of `head` and the pieces of `body` after `magic`, atomically and without a
/// flush to disk (a reader throws away a torn file); the identity of what was written, or
/// `None` when it could not be written. A file that cannot be written only costs the next run
/// its speed.
pub fn write_checked(path: &Path, magic: &[u8], head: &[u8], body: &[&[u8]]) -> Option<u128> {
    let head_checksum = xxhash_rust::xxh3::xxh3_64(head);
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for piece in body {
        hasher.update(piece);
    }
    let body_checksum = hasher.digest();
    let mut header = Vec::with_capacity(magic.len() + HEADER_BYTES);
    header.extend_from_slice(magic);
    header.extend_from_slice(&head_checksum.to_le_bytes());
    header.extend_from_slice(&body_checksum.to_le_bytes());
    header.extend_from_slice(&(head.len() as u64).to_le_bytes());
    crate::atomic_write::write_atomically_with(
        path,
        crate::atomic_write::Durability::Unsynced,
        |file| {
            let mut out = std::io::BufWriter::with_capacity(CHUNK_BYTES, file);
            out.write_all(&header)?;
            out.write_all(head)?;
            for piece in body {
                out.write_all(piece)?;
            }
            out.flush()
        },
    )
    .ok()?;
    Some(identity(head_checksum, body_checksum))
}

/// Reads the next `length` bytes of `file` in pieces of [`CHUNK_BYTES`] through one buffer,
/// handing each piece to `each`.
fn read_in_pieces(
    mut file: &std::fs::File,
    length: u64,
    mut each: impl FnMut(&[u8]),
) -> std::io::Result<()> {
    let mut chunk = vec![0; CHUNK_BYTES.min(usize::try_from(length).unwrap_or(CHUNK_BYTES))];
    let mut left = length;
    while left > 0 {
        let wanted = usize::try_from(left).map_or(CHUNK_BYTES, |left| left.min(CHUNK_BYTES));
        let piece = chunk.get_mut(..wanted).unwrap_or_default();
        file.read_exact(piece)?;
        each(piece);
        left -= wanted as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAGIC: &[u8] = b"speclint-test\x001\n";

    fn written(folder: &Path, head: &[u8], body: &[&[u8]]) -> std::path::PathBuf {
        let path = folder.join("kept.bin");
        let identity = write_checked(&path, MAGIC, head, body).unwrap();
        let file = CheckedFile::open_head(&path, MAGIC, u64::MAX).unwrap();
        assert_eq!(file.identity(), identity);
        path
    }

    #[test]
    fn a_written_file_reads_back_with_its_head_and_body() {
        let folder = tempfile::tempdir().unwrap();
        let path = written(folder.path(), b"head", &[b"first ", b"second"]);
        let file = CheckedFile::open_head(&path, MAGIC, u64::MAX).unwrap();
        assert_eq!(file.head(), b"head");
        assert_eq!(file.body_length(), 12);
        assert!(file.body_checks_out());
        assert_eq!(file.read_body().unwrap(), b"first second");
        let mut out = Vec::new();
        file.copy_body_to(&mut out).unwrap();
        assert_eq!(out, b"first second");
    }

    #[test]
    fn files_with_other_heads_or_bodies_have_other_identities() {
        let folder = tempfile::tempdir().unwrap();
        let identity_of = |name: &str, head: &[u8], body: &[u8]| {
            write_checked(&folder.path().join(name), MAGIC, head, &[body]).unwrap()
        };
        let first = identity_of("a.bin", b"head", b"body");
        assert_eq!(identity_of("b.bin", b"head", b"body"), first);
        assert_ne!(identity_of("c.bin", b"head", b"other body"), first);
        assert_ne!(identity_of("d.bin", b"other head", b"body"), first);
    }

    #[test]
    fn a_file_that_does_not_check_out_is_not_used() {
        let folder = tempfile::tempdir().unwrap();
        let path = written(folder.path(), b"head", &[b"body"]);
        let whole = std::fs::read(&path).unwrap();
        let head_start = MAGIC.len() + HEADER_BYTES;
        let mut in_head = whole.clone();
        in_head[head_start] ^= 1;
        std::fs::write(&path, &in_head).unwrap();
        assert!(CheckedFile::open_head(&path, MAGIC, u64::MAX).is_none());
        for (what, length) in [("empty", 0), ("header only", head_start - 3)] {
            std::fs::write(&path, &whole[..length]).unwrap();
            assert!(
                CheckedFile::open_head(&path, MAGIC, u64::MAX).is_none(),
                "{what}"
            );
        }
        let mut foreign = whole.clone();
        foreign[MAGIC.len() - 2] = b'2';
        std::fs::write(&path, &foreign).unwrap();
        assert!(CheckedFile::open_head(&path, MAGIC, u64::MAX).is_none());
        std::fs::write(&path, &whole).unwrap();
        assert!(CheckedFile::open_head(&path, MAGIC, whole.len() as u64 - 1).is_none());
        // A body changed or cut short opens (the head is fine) but does not check out.
        let mut in_body = whole.clone();
        *in_body.last_mut().unwrap() ^= 1;
        std::fs::write(&path, &in_body).unwrap();
        let file = CheckedFile::open_head(&path, MAGIC, u64::MAX).unwrap();
        assert!(!file.body_checks_out());
        assert!(file.read_body().is_none());
        std::fs::write(&path, &whole[..whole.len() - 1]).unwrap();
        let file = CheckedFile::open_head(&path, MAGIC, u64::MAX).unwrap();
        assert!(!file.body_checks_out());
    }
}
