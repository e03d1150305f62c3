//! A hash for fingerprints that are committed to files or read by other tools.

/// A 64-bit FNV-1a hash as 16 hex digits: tiny, fully specified and stable across releases and
/// platforms, which is what fingerprints in committed files (lock, baseline) and CI reports need.
pub fn stable_hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}
