//! How file names and counts are written in the programs' lines.

/// A file name as printed on one line: control characters (a newline in a
/// name would split its `Took` line) are shown escaped, as `\n`.
pub fn shown(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `1 photo`, `2 photos`: a count and its noun, singular or plural.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
