//! What `workshop trace` reports of a traced job: the messages (each send matched with its
//! receive), the summary printed after the program's output, and `trace.json` for
//! Perfetto and `chrome://tracing`.

use super::*;

/// A message: its send, and its receive if it was received.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub source: i32,
    pub dest: i32,
    pub tag: i32,
    pub bytes: u64,
    /// (rank, index into that rank's events) of the send.
    pub send: (usize, usize),
    pub recv: Option<(usize, usize)>,
}

/// Matches every send with its receive, by (source, destination, tag, order).
pub fn messages(job: &JobTrace) -> Vec<Message> {
    type Key = (i32, i32, i32, bool);
    let mut receives: HashMap<Key, Vec<(usize, usize)>> = HashMap::new();
    for (r, rank) in job.ranks.iter().enumerate() {
        for (i, e) in rank.events.iter().enumerate() {
            if e.is_recv() && e.peer >= 0 {
                let key = (e.peer, r as i32, e.tag, e.flags & WORLD != 0);
                receives.entry(key).or_default().push((r, i));
            }
        }
    }
    let mut taken: HashMap<Key, usize> = HashMap::new();
    let mut out = Vec::new();
    for (r, rank) in job.ranks.iter().enumerate() {
        for (i, e) in rank.events.iter().enumerate() {
            // A send that never returned is drawn as a wait, not as a message.
            if !e.is_send() || e.peer < 0 || e.never_returned() {
                continue;
            }
            let key = (r as i32, e.peer, e.tag, e.flags & WORLD != 0);
            let k = taken.entry(key).or_default();
            let recv = receives.get(&key).and_then(|list| list.get(*k)).copied();
            *k += 1;
            out.push(Message {
                source: r as i32,
                dest: e.peer,
                tag: e.tag,
                bytes: e.bytes,
                send: (r, i),
                recv,
            });
        }
    }
    out
}

/// The same collective call on every rank: the k-th collective on the world
/// communicator of each rank. For each rank's event index, the rank that
/// entered that collective last.
fn last_arrivals(job: &JobTrace) -> HashMap<(usize, usize), i32> {
    let lists: Vec<Vec<usize>> = job
        .ranks
        .iter()
        .map(|rank| {
            (rank.events.iter().enumerate())
                .filter(|(_, e)| e.kind() == Kind::Collective && e.flags & WORLD != 0)
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    let n = lists.iter().map(Vec::len).min().unwrap_or(0);
    let mut out = HashMap::new();
    for k in 0..n {
        let same_call = lists
            .iter()
            .enumerate()
            .all(|(r, l)| job.ranks[r].events[l[k]].call == job.ranks[0].events[lists[0][k]].call);
        if !same_call {
            break; // the ranks' collectives do not line up: say nothing rather than guess
        }
        let last = (0..lists.len())
            .max_by_key(|&r| job.ranks[r].events[lists[r][k]].start)
            .unwrap_or(0) as i32;
        for (r, l) in lists.iter().enumerate() {
            out.insert((r, l[k]), last);
        }
    }
    out
}

/// Times as people read them: `850 ns`, `12.3 µs`, `2.1 ms`, `1.25 s`.
pub fn human_time(secs: f64) -> String {
    if secs < 1e-6 {
        format!("{:.0} ns", secs * 1e9)
    } else if secs < 1e-3 {
        format!("{:.1} µs", secs * 1e6)
    } else if secs < 1.0 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{secs:.2} s")
    }
}

/// A count and its noun, singular for one: `1 message`, `3 messages`, `0 messages`.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b < 10_000 => format!("{b} B"),
        b if b < 10_000_000 => format!("{:.1} KB", b as f64 / 1e3),
        b => format!("{:.1} MB", b as f64 / 1e6),
    }
}

/// The summary printed after the job.
pub fn summary(job: &JobTrace, messages: &[Message], out_dir: &Path) -> String {
    let program = &job.ranks[0].program;
    let mut s = String::new();
    let total_bytes: u64 = messages.iter().map(|m| m.bytes).sum();
    let collectives = job
        .ranks
        .iter()
        .map(|r| r.calls().filter(|e| e.kind() == Kind::Collective).count())
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        s,
        "Trace of {program} on {}: {} ({}), {} per rank",
        counted(job.ranks.len(), "rank", "ranks"),
        counted(
            messages.len(),
            "point-to-point message",
            "point-to-point messages"
        ),
        human_bytes(total_bytes),
        counted(collectives, "collective call", "collective calls"),
    );
    if let Some(line) = thread_levels(job) {
        let _ = writeln!(s, "{line}");
    }
    let _ = writeln!(
        s,
        "| rank | computing | in MPI | MPI calls | messages sent | messages received | longest wait |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    let last = last_arrivals(job);
    let mut waits = Vec::new();
    for (r, rank) in job.ranks.iter().enumerate() {
        let span = (rank.finish() - rank.begin()).max(0) as f64 * 1e-9;
        let in_mpi: f64 = rank.calls().filter(|e| !e.is_part()).map(Event::secs).sum();
        let calls: u64 = rank
            .calls()
            .filter(|e| !e.is_part())
            .map(|e| u64::from(e.count))
            .sum();
        let sent: Vec<&Message> = messages.iter().filter(|m| m.source == r as i32).collect();
        let got: Vec<&Message> = messages
            .iter()
            .filter(|m| m.recv.is_some_and(|(d, _)| d == r))
            .collect();
        let longest = (rank.events.iter().enumerate())
            .filter(|(_, e)| e.kind() != Kind::Setup && !e.is_part())
            .max_by_key(|(_, e)| e.end - e.start);
        let wait = match longest {
            Some((i, e)) => {
                let whom = if e.kind() == Kind::Collective {
                    match last.get(&(r, i)) {
                        Some(&l) if l != r as i32 => format!(" for rank {l}"),
                        Some(_) => " (the last to arrive)".to_owned(),
                        None => String::new(),
                    }
                } else if e.peer >= 0 {
                    format!(" for rank {}", e.peer)
                } else if e.count > 1 {
                    format!(" (polling, {} calls)", e.count)
                } else {
                    String::new()
                };
                let line = format!(
                    "rank {r} waited {} in {}{whom}",
                    human_time(e.secs()),
                    e.call
                );
                let cell = format!("{} in {}{whom}", human_time(e.secs()), e.call);
                waits.push(line);
                cell
            }
            None => "-".to_owned(),
        };
        let share = |x: f64| {
            if span > 0.0 {
                format!("{} ({:.0} %)", human_time(x), 100.0 * x / span)
            } else {
                human_time(x)
            }
        };
        let _ = writeln!(
            s,
            "| {r} | {} | {} | {calls} | {}, {} | {}, {} | {wait} |",
            share((span - in_mpi).max(0.0)),
            share(in_mpi.min(span.max(in_mpi))),
            counted(sent.len(), "msg", "msgs"),
            human_bytes(sent.iter().map(|m| m.bytes).sum()),
            counted(got.len(), "msg", "msgs"),
            human_bytes(got.iter().map(|m| m.bytes).sum()),
        );
    }
    for line in waits {
        let _ = writeln!(s, "{line}");
    }
    let lost: Vec<&Message> = messages.iter().filter(|m| m.recv.is_none()).collect();
    if lost.is_empty() {
        let _ = writeln!(s, "Every message sent was received.");
    } else {
        let lost_ones = counted(lost.len(), "message", "messages");
        let _ = writeln!(s, "{lost_ones} sent but never received:");
        for m in lost {
            let e = &job.ranks[m.send.0].events[m.send.1];
            let _ = writeln!(
                s,
                "  rank {} -> rank {}, tag {}, {} ({})",
                m.source,
                m.dest,
                m.tag,
                human_bytes(m.bytes),
                e.call
            );
        }
    }
    for rank in &job.ranks {
        if rank.dropped > 0 {
            let _ = writeln!(
                s,
                "rank {}: the trace buffer was full, {} dropped (raise MPI_TRACE_EVENTS)",
                rank.rank,
                counted(rank.dropped as usize, "event", "events")
            );
        }
        if rank.untracked > 0 {
            let _ = writeln!(
                s,
                "rank {}: {} not followed, their receives are not matched",
                rank.rank,
                counted(rank.untracked as usize, "request was", "requests were")
            );
        }
        if rank.ended == "abort" {
            let _ = writeln!(s, "rank {} called MPI_Abort", rank.rank);
        }
        if let Some(stuck) = rank.stuck_in() {
            let _ = writeln!(
                s,
                "rank {} never returned from {}",
                rank.rank,
                stuck.described()
            );
        } else if rank.ended == "killed" {
            let _ = writeln!(s, "rank {} was stopped outside MPI", rank.rank);
        }
    }
    if messages.len() > MAX_ARROWS {
        let _ = writeln!(
            s,
            "{} messages: the timeline draws one arrow per sender, receiver and 1/100 of the time (trace.json has every message)",
            messages.len()
        );
    }
    // Shown relative to the current folder when inside it (the notes show this line).
    let cwd = std::env::current_dir().unwrap_or_default();
    let shown = out_dir.strip_prefix(&cwd).unwrap_or(out_dir);
    let _ = writeln!(
        s,
        "Timeline: {0}/timeline.png (and .svg); Perfetto or chrome://tracing: {0}/trace.json",
        shown.display()
    );
    s
}

/// The MPI thread levels asked for and granted, when a rank asked for more
/// than SINGLE (a program that runs threads): `MPI thread level: asked
/// FUNNELED, got FUNNELED (every rank)`, or per group of ranks when they differ.
fn thread_levels(job: &JobTrace) -> Option<String> {
    if job.ranks.iter().all(|r| r.thread_requested <= 0) {
        return None;
    }
    let mut groups: BTreeMap<(i32, i32), Vec<String>> = BTreeMap::new();
    for r in &job.ranks {
        let levels = (r.thread_requested, r.thread_level);
        groups.entry(levels).or_default().push(r.rank.to_string());
    }
    let one = groups.len() == 1;
    let parts: Vec<String> = groups
        .into_iter()
        .map(|((asked, got), ranks)| {
            let which = match ranks.len() {
                _ if one => "every rank".to_owned(),
                1 => format!("rank {}", ranks[0]),
                _ => format!("ranks {}", ranks.join(", ")),
            };
            format!(
                "asked {}, got {} ({which})",
                thread_level_name(asked),
                thread_level_name(got)
            )
        })
        .collect();
    Some(format!("MPI thread level: {}", parts.join("; ")))
}

/// JSON string contents (the names here are plain, but a program may be named anything).
fn json_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The job in the Chrome trace-event format: process 0 is the job, thread R
/// is rank R; an "X" (complete) event per call; an "s"/"f" flow pair per
/// message, from its send to its receive. Times in microseconds from the
/// first rank's return from MPI_Init.
pub fn chrome_json(job: &JobTrace, messages: &[Message]) -> String {
    let t0 = origin(job);
    let us = |t: i64| (t - t0) as f64 / 1000.0;
    let mut items: Vec<String> = Vec::new();
    let program = json_escape(&job.ranks[0].program);
    items.push(format!(
        r#"{{"name":"process_name","ph":"M","pid":0,"tid":0,"args":{{"name":"{program} ({} ranks)"}}}}"#,
        job.ranks.len()
    ));
    for (r, rank) in job.ranks.iter().enumerate() {
        items.push(format!(
            r#"{{"name":"thread_name","ph":"M","pid":0,"tid":{r},"args":{{"name":"rank {r}"}}}}"#
        ));
        items.push(format!(
            r#"{{"name":"thread_sort_index","ph":"M","pid":0,"tid":{r},"args":{{"sort_index":{r}}}}}"#
        ));
        for e in rank.calls().filter(|e| !e.is_part()) {
            let cat = match e.kind() {
                Kind::PointToPoint => "p2p",
                Kind::Collective => "collective",
                Kind::Waiting => "waiting",
                Kind::Setup => "setup",
            };
            items.push(format!(
                r#"{{"name":"{}","cat":"{cat}","ph":"X","pid":0,"tid":{r},"ts":{:.3},"dur":{:.3},"args":{{"peer":{},"tag":{},"bytes":{},"calls":{}}}}}"#,
                json_escape(&e.call),
                us(e.start),
                us(e.end) - us(e.start),
                e.peer,
                e.tag,
                e.bytes,
                e.count
            ));
        }
    }
    for (id, m) in messages.iter().enumerate() {
        let Some((dr, di)) = m.recv else { continue };
        let send = &job.ranks[m.send.0].events[m.send.1];
        let recv = &job.ranks[dr].events[di];
        // Flow ends bind to the slice that encloses them: just inside each call.
        let at_recv = if recv.end > recv.start {
            recv.end - 1
        } else {
            recv.end
        };
        items.push(format!(
            r#"{{"name":"message","cat":"message","ph":"s","id":{id},"pid":0,"tid":{},"ts":{:.3},"args":{{"tag":{},"bytes":{}}}}}"#,
            m.source,
            us(send.start),
            m.tag,
            m.bytes
        ));
        items.push(format!(
            r#"{{"name":"message","cat":"message","ph":"f","bp":"e","id":{id},"pid":0,"tid":{dr},"ts":{:.3}}}"#,
            us(at_recv)
        ));
    }
    format!(
        "{{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n{}\n]}}\n",
        items.join(",\n")
    )
}

/// Time zero of the pictures: the first rank's return from MPI_Init.
pub(super) fn origin(job: &JobTrace) -> i64 {
    job.ranks.iter().map(RankTrace::begin).min().unwrap_or(0)
}
