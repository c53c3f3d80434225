//! The check of a file split (`file-split`, and `denoise-parallel`'s photos):
//! every file exactly once, in contiguous blocks in rank order, block sizes
//! differing by at most one.

use super::backticked;

/// The file names Exercise 1's program makes for `--files N`.
pub fn file_names(files: u64) -> Vec<String> {
    (0..files).map(|i| format!("noisy_{i:03}.jpg")).collect()
}

/// Exercise 1: every file exactly once, in contiguous blocks in rank order,
/// block sizes differing by at most one.
pub(super) fn check_file_split(
    ranks: usize,
    files: u64,
    by_rank: &[Vec<&str>],
) -> Result<(), String> {
    let names = file_names(files);
    let mut owners: Vec<Vec<usize>> = vec![Vec::new(); names.len()]; // ranks per file
    let mut blocks: Vec<Vec<usize>> = vec![Vec::new(); ranks]; // files per rank
    for (printer, line) in (0..)
        .zip(by_rank)
        .flat_map(|(r, ls)| ls.iter().map(move |l| (r, l)))
    {
        let (rank, name) = line
            .strip_prefix("Process ")
            .and_then(|rest| rest.split_once(": "))
            .ok_or_else(|| format!("unexpected line `{line}`: expected `Process R: FILE`"))?;
        let rank: usize = rank.parse().ok().filter(|&r| r < ranks).ok_or_else(|| {
            format!(
                "`{line}`: R must be this process's rank, 0 to {}",
                ranks - 1
            )
        })?;
        if rank != printer {
            return Err(format!(
                "rank {printer} printed `{line}`: each rank prints its own rank, {printer}"
            ));
        }
        let file = names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| format!("`{line}`: {name} is not one of the {files} files"))?;
        owners[file].push(rank);
        blocks[rank].push(file);
    }

    let missing: Vec<&String> = (0..names.len())
        .filter(|&f| owners[f].is_empty())
        .map(|f| &names[f])
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{files} files at {ranks} ranks: no rank handled {} (what about the files \
             left over when {ranks} does not divide {files}?)",
            backticked(&missing)
        ));
    }
    if let Some(f) = (0..names.len()).find(|&f| owners[f].len() > 1) {
        let by: Vec<String> = owners[f].iter().map(usize::to_string).collect();
        return Err(format!(
            "{} was handled {} times (by ranks {}): each file goes to one rank",
            names[f],
            owners[f].len(),
            by.join(", ")
        ));
    }
    for (rank, block) in blocks.iter_mut().enumerate() {
        block.sort_unstable();
        if let (Some(&first), Some(&last)) = (block.first(), block.last())
            && last - first + 1 != block.len()
        {
            return Err(format!(
                "rank {rank} handles {} to {} but not every file between: a rank's files \
                 must be one contiguous block",
                names[first], names[last]
            ));
        }
    }
    let starts: Vec<usize> = blocks.iter().filter_map(|b| b.first().copied()).collect();
    if starts.windows(2).any(|w| w[0] > w[1]) {
        return Err(format!(
            "the blocks are not in rank order (rank 0 first): {}",
            describe_blocks(&blocks)
        ));
    }
    let sizes: Vec<usize> = blocks.iter().map(Vec::len).collect();
    let (min, max) = (sizes.iter().min(), sizes.iter().max());
    if let (Some(min), Some(max)) = (min, max)
        && max - min > 1
    {
        return Err(format!(
            "files per rank {sizes:?}: the sizes must differ by at most one \
             (give the left-over files to the first ranks, one each)"
        ));
    }
    Ok(())
}

fn describe_blocks(blocks: &[Vec<usize>]) -> String {
    let parts: Vec<String> = blocks
        .iter()
        .enumerate()
        .map(|(r, b)| match (b.first(), b.last()) {
            (Some(first), Some(last)) => format!("rank {r} has files {first}..={last}"),
            _ => format!("rank {r} has none"),
        })
        .collect();
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::info::Expect;
    use crate::verify::tests::{check, check_text};

    /// Each rank prints "Process r: FILE" for its block.
    fn split(files: u64, blocks: &[std::ops::Range<u64>]) -> Vec<String> {
        let names = file_names(files);
        blocks
            .iter()
            .enumerate()
            .map(|(rank, block)| {
                block
                    .clone()
                    .map(|f| format!("Process {rank}: {}\n", names[f as usize]))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn file_split_accepts_balanced_blocks_and_rejects_the_usual_mistakes() {
        let ten = ["--files", "10"];
        let fs = |blocks: &[std::ops::Range<u64>]| {
            check_text(Expect::FileSplit, &ten, &split(10, blocks))
        };
        assert_eq!(fs(&[0..3, 3..6, 6..8, 8..10]), Ok(()));
        assert_eq!(
            fs(&[0..2, 2..4, 4..7, 7..10]),
            Ok(()),
            "extra at the end is fine"
        );
        // The workshop's len/size per rank: files 8 and 9 are lost.
        let err = fs(&[0..2, 2..4, 4..6, 6..8]).unwrap_err();
        assert!(
            err.contains("no rank handled `noisy_008.jpg`, `noisy_009.jpg`"),
            "{err}"
        );
        let err = fs(&[0..4, 3..6, 6..8, 8..10]).unwrap_err();
        assert!(
            err.contains("noisy_003.jpg was handled 2 times (by ranks 0, 1)"),
            "{err}"
        );
        let err = fs(&[0..2, 2..4, 4..6, 6..10]).unwrap_err();
        assert!(err.contains("[2, 2, 2, 4]"), "{err}");
        let err = fs(&[3..6, 0..3, 6..8, 8..10]).unwrap_err();
        assert!(err.contains("rank order"), "{err}");
        // Round robin: every file once, balanced, but not contiguous.
        let rr: Vec<String> = (0..4)
            .map(|r| {
                (0..10)
                    .filter(|f| f % 4 == r)
                    .map(|f| format!("Process {r}: noisy_{f:03}.jpg\n"))
                    .collect()
            })
            .collect();
        let err = check_text(Expect::FileSplit, &ten, &rr).unwrap_err();
        assert!(err.contains("contiguous"), "{err}");
        // More ranks than files.
        let three = ["--files", "3"];
        assert_eq!(
            check_text(
                Expect::FileSplit,
                &three,
                &split(3, &[0..1, 1..2, 2..3, 3..3])
            ),
            Ok(())
        );
        let err = check(
            Expect::FileSplit,
            &three,
            &[&[], &[], &[], &["Process 4: noisy_000.jpg"]],
        )
        .unwrap_err();
        assert!(err.contains("0 to 3"), "{err}");
        let err = check(Expect::FileSplit, &three, &[&["hello"]]).unwrap_err();
        assert!(err.contains("unexpected line `hello`"), "{err}");
        // Rank 1 printing rank 0's line is caught, whatever the text says.
        let err = check(
            Expect::FileSplit,
            &three,
            &[&[], &["Process 0: noisy_000.jpg"]],
        )
        .unwrap_err();
        assert!(err.starts_with("rank 1 printed `Process 0"), "{err}");
    }
}
