//! Why a run went wrong, in one line: a job the checker stopped (which ranks
//! had not finished, the MPI call each waited in, what each printed last, and
//! why they wait), a panic (a `todo!()` still there, rsmpi's own checks in a
//! learner's words), a message sent and never received.

use trace_format::Event;

use super::{RunOutput, mpi_warning};

/// A warning that means a message was sent and never received.
fn never_received(warning: &str) -> bool {
    warning.contains("unexpected tag-receive descriptor") || warning.contains("was not matched")
}

fn ranks_list(ranks: &[usize]) -> String {
    let names: Vec<String> = ranks.iter().map(usize::to_string).collect();
    let noun = if ranks.len() == 1 { "rank" } else { "ranks" };
    format!("{noun} {}", names.join(", "))
}

/// Why a run went wrong, or `None` when every rank ran to the end and nothing
/// is left over.
pub fn explain(out: &RunOutput, timeout: u32) -> Option<String> {
    let stderr = out.all_stderr();
    if out.timed_out() {
        return Some(timeout_reason(out, timeout));
    }
    let code = out.status.and_then(|s| s.code());
    if out.status.is_some_and(|s| !s.success()) {
        return Some(failure_reason(&stderr, code, false, timeout));
    }
    if out.ranks.is_empty() {
        return Some(
            "the checker cannot see which rank printed what: start MPI with \
             `let universe = exercises::init();` (not mpi_basics::init() or mpi::initialize())"
                .to_string(),
        );
    }
    if let Some(line) = out
        .stdout
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !mpi_warning(l))
    {
        return Some(format!(
            "`{line}` was printed before exercises::init(): print only after MPI has started"
        ));
    }
    for (rank, r) in out.ranks.iter().enumerate() {
        if let Some(m) = r.unreceived.first() {
            let more = match r.unreceived.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            return Some(if m.source == rank {
                format!(
                    "rank {rank} sent a message to itself (tag {}) and never received it{more}: \
                     a rank does not send to itself here",
                    m.tag
                )
            } else {
                format!(
                    "rank {} sent rank {rank} a message (tag {}, {} bytes) that rank {rank} never \
                     received{more}: every send needs a matching receive",
                    m.source, m.tag, m.bytes
                )
            });
        }
    }
    if let Some((rank, w)) = out.warnings.iter().find(|(_, w)| never_received(w)) {
        return Some(format!(
            "MPI warns: a message was never received (rank {rank}: `{w}`): every rank must make \
             the same collective calls (the root with `_root`, the others without), and every \
             send needs a matching receive"
        ));
    }
    None
}

/// A job the checker had to stop: who had not finished, where each waited,
/// and the last thing each printed.
fn timeout_reason(out: &RunOutput, timeout: u32) -> String {
    if out.ranks.is_empty() {
        return format!(
            "no result after {timeout} s, so the checker stopped the job (and it cannot say \
             which rank: start MPI with `exercises::init()`)"
        );
    }
    let stuck: Vec<usize> = (0..out.ranks.len())
        .filter(|&r| !out.ranks[r].finished)
        .collect();
    let done: Vec<usize> = (0..out.ranks.len())
        .filter(|&r| out.ranks[r].finished)
        .collect();
    let mut text = format!(
        "no result after {timeout} s, so the checker stopped the job: {} had not finished",
        ranks_list(&stuck)
    );
    let details: Vec<String> = stuck
        .iter()
        .map(|&r| {
            let rank = &out.ranks[r];
            let place = rank.waiting_in.as_ref().map_or(String::new(), |call| {
                format!(" waiting in {}", call.described())
            });
            let last = rank
                .lines
                .last()
                .map_or("printed nothing".to_string(), |l| {
                    format!("last printed `{l}`")
                });
            format!("rank {r}{place}, {last}")
        })
        .collect();
    text += &format!(" ({})", details.join("; "));
    if !done.is_empty() {
        text += &format!("; {} reached the end and waited there", ranks_list(&done));
    }
    format!("{text}: {}", why_stuck(out, &stuck))
}

/// Why ranks `stuck` wait, from the calls they are in.
fn why_stuck(out: &RunOutput, stuck: &[usize]) -> &'static str {
    let waits: Vec<&Event> = stuck
        .iter()
        .filter_map(|&r| out.ranks[r].waiting_in.as_ref())
        .collect();
    let all = !waits.is_empty() && waits.len() == stuck.len();
    let receiving = |e: &&Event| {
        e.call.contains("Recv") || e.call.contains("robe") || e.call.starts_with("MPI_Wait")
    };
    // Each stuck sender sends to a rank that is itself stuck sending.
    let sending_to_senders = all
        && stuck.len() > 1
        && waits.iter().all(|e| {
            e.is_send()
                && e.call != "MPI_Sendrecv"
                && stuck.iter().any(|&r| {
                    r as i32 == e.peer
                        && out.ranks[r]
                            .waiting_in
                            .as_ref()
                            .is_some_and(|theirs| theirs.is_send())
                })
        });
    if sending_to_senders {
        "each of them waits in MPI_Send for its partner to receive, and the partner is sending \
         too: both send first. A standard send may wait until its receive has started; this \
         order works only while MPI buffers small messages (its eager protocol), and hangs \
         with larger messages or another MPI. The checker sends without buffering to show \
         it (`workshop trace --ssend` draws it): let one side of each pair receive first, \
         or use MPI_Sendrecv"
    } else if all && stuck.len() > 1 && waits.iter().all(receiving) {
        "each of them waits to receive, so none of them gets to its send: a deadlock \
         (let one side send first, or send and receive in one call, MPI_Sendrecv)"
    } else if all && waits.iter().all(receiving) {
        "it waits for a message that is never sent (or sent to another rank, or with another tag)"
    } else if waits.iter().any(|e| e.is_send()) {
        "a send waits until its receiver receives (the checker sends without buffering): \
         is the receive missing, or are two ranks both sending first?"
    } else if waits
        .iter()
        .any(|e| e.kind() == trace_format::Kind::Collective)
    {
        "a rank waits in a collective call that not every rank makes (every rank makes the \
         same collective calls, in the same order)"
    } else {
        "a rank waits for a message that is never sent, or in a collective call that not \
         every rank makes"
    }
}

/// Explains a failed run from its stderr: a `todo!()` reached, another panic
/// (with the rank that panicked, and a hint when rsmpi's own checks fired), a
/// job stopped by the timeout, or else the exit status and the last thing
/// printed on stderr.
pub fn failure_reason(stderr: &str, code: Option<i32>, timed_out: bool, timeout: u32) -> String {
    if timed_out {
        return format!(
            "no result after {timeout} s, so the job was stopped: a rank is probably \
             waiting for a message that is never sent, or in a collective call that not \
             every rank makes"
        );
    }
    let lines: Vec<&str> = stderr.lines().collect();
    // The standard panic message: "thread 'main' (123) panicked at FILE:LINE:COL:" then the message.
    if let Some(i) = lines.iter().position(|l| l.contains(" panicked at ")) {
        let at = lines[i]
            .split_once(" panicked at ")
            .map_or("", |(_, at)| at.trim_end_matches(':'));
        let message = lines.get(i + 1).copied().unwrap_or("").trim();
        // mpi_basics::init's hook says which rank: "rank R of S panicked: aborting ...".
        let rank = lines[..i]
            .iter()
            .rev()
            .find_map(|l| l.strip_prefix("rank ")?.split_once(" of ").map(|(r, _)| r));
        let who = rank.map_or(String::new(), |r| format!("rank {r}: "));
        if message.starts_with("not yet implemented") {
            return format!("{who}a todo!() is still there ({at}): {message}");
        }
        if let Some(hint) = rsmpi_hint(at, message) {
            // The registry's path is long: from the crate's folder on is enough.
            let short = at.find("/mpi-").map_or(at, |i| &at[i + 1..]);
            return format!("{who}{hint} (rsmpi's check at {short})");
        }
        return format!("{who}panicked at {at}: {message}");
    }
    if let Some(line) = lines.iter().find(|l| l.contains("Fatal error in")) {
        let hint = if line.contains("truncated") {
            ": a message was larger than the buffer it was received into"
        } else {
            ""
        };
        return format!("MPI stopped the job: {}{hint}", line.trim());
    }
    let last = lines
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| !l.is_empty() && !mpi_warning(l));
    let status = code.map_or("killed by a signal".to_string(), |c| {
        format!("exit status {c}")
    });
    match last {
        Some(last) => format!("{status}: {last}"),
        None => status,
    }
}

/// rsmpi's own assertions, in a learner's words. Its collective calls check
/// (in `collective.rs`) that `…_root` methods are called on the root only,
/// the others on the other ranks only, and that buffers fit.
fn rsmpi_hint(at: &str, message: &str) -> Option<String> {
    if !at.contains("/src/collective.rs:") {
        return None;
    }
    Some(
        if message.contains("left == right") && (at.contains(":238:") || at.contains(":563:")) {
            "the buffers do not fit: the send buffer must hold one block per rank".to_string()
        } else if message.contains("left == right") {
            "a rank that is not the root called a `…_root` method (such as scatter_into_root): \
         only the root calls `…_into_root`; the other ranks call `…_into`"
                .to_string()
        } else if message.contains("left != right") {
            "the root called a method meant for the other ranks (such as scatter_into): the root \
         calls `…_into_root`, the other ranks `…_into`"
                .to_string()
        } else {
            format!("a collective call was used wrongly: {message}")
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_todo_names_the_rank_the_place_and_the_hint() {
        let stderr = "rank 2 of 4 panicked: aborting the whole MPI job\n\n\
            thread 'main' (13184) panicked at crates/exercises/exercises/03_pi_reduce.rs:48:5:\n\
            not yet implemented: return the steps\n\
            note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\
            Abort(101) on node 2 (rank 2 in comm 0): application called MPI_Abort\n";
        assert_eq!(
            failure_reason(stderr, Some(101), false, 20),
            "rank 2: a todo!() is still there (crates/exercises/exercises/03_pi_reduce.rs:48:5): \
             not yet implemented: return the steps"
        );
        let other = stderr.replace(
            "not yet implemented: return the steps",
            "index out of bounds",
        );
        assert_eq!(
            failure_reason(&other, Some(101), false, 20),
            "rank 2: panicked at crates/exercises/exercises/03_pi_reduce.rs:48:5: index out of bounds"
        );
    }

    #[test]
    fn rsmpi_assertions_get_a_hint_in_the_learners_terms() {
        let stderr = "rank 1 of 2 panicked: aborting the whole MPI job\n\
            thread 'main' (1) panicked at /r/mpi-0.8.2/src/collective.rs:911:9:\n\
            assertion `left == right` failed\n  left: 1\n right: 0\n";
        let why = failure_reason(stderr, Some(101), false, 20);
        assert!(
            why.starts_with("rank 1: a rank that is not the root called a `…_root` method"),
            "{why}"
        );
        let root = stderr.replace("left == right", "left != right");
        let why = failure_reason(&root, Some(101), false, 20);
        assert!(
            why.contains("the root called a method meant for the other ranks"),
            "{why}"
        );
    }

    #[test]
    fn timeouts_and_plain_failures_say_what_happened() {
        assert!(failure_reason("", None, true, 20).starts_with("no result after 20 s"));
        assert_eq!(
            failure_reason(
                "error: bad\nyaksa: 3 leaked handle pool objects\n",
                Some(2),
                false,
                20
            ),
            "exit status 2: error: bad"
        );
        assert_eq!(failure_reason("", None, false, 20), "killed by a signal");
    }
}
