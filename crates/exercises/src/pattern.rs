//! What the ranks did, not only what they printed: every checked run goes
//! through the tracing library (crates/mpi-trace), and each exercise's entry
//! in `info.toml` says which communication its step teaches (`pattern`). A
//! run whose lines are right but whose calls are not FAILs, in the learner's
//! terms: "no rank called MPI_Reduce; rank 0 received 3 messages".
//!
//! The checker's own calls at the end of `main` (a barrier, then probes for
//! messages nobody received, see [`crate::session`]) are left out.

use serde::Deserialize;
use trace_format::{Event, JobTrace, Kind};

/// The communication a step teaches: an entry's `pattern` in `info.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    /// Collective calls every rank makes (MPI names, e.g. `MPI_Reduce`), with
    /// rank 0 as the root where the call has one. Other collectives than
    /// these and `MPI_Barrier` are wrong, unless `messages` is `any`.
    #[serde(default)]
    pub collectives: Vec<String>,
    /// The point-to-point messages the step sends.
    pub messages: Messages,
    /// Every other rank reports to rank 0 before it prints a total: through a
    /// barrier, any collective, or a message to rank 0 (whichever you like).
    #[serde(default)]
    pub all_report_to_root: bool,
    /// What the step is about, said after a wrong pattern: "this step is about …".
    pub about: String,
}

/// Which point-to-point messages a step sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Messages {
    /// None at all: the step is about a collective call.
    None,
    /// Rank 0 sends to every other rank; nobody else sends.
    FromRoot,
    /// Every other rank sends to rank 0; rank 0 sends nothing.
    ToRoot,
    /// Ranks 2k and 2k+1 exchange: each sends to and receives from its partner alone.
    Pairs,
    /// Any messages, and any collectives: the step does not teach a pattern.
    Any,
}

/// A rank's calls, as the pattern sees them.
struct Ranks<'a> {
    calls: Vec<Vec<&'a Event>>,
}

impl<'a> Ranks<'a> {
    /// The program's own calls: without Init/Finalize and without what the
    /// checker does at the end of `main` (from its barrier on).
    fn of(job: &'a JobTrace) -> Ranks<'a> {
        let calls = job
            .ranks
            .iter()
            .map(|rank| {
                let mut calls: Vec<&Event> = rank.calls().collect();
                if let Some(last) = calls
                    .iter()
                    .rposition(|e| e.call == "MPI_Barrier" && e.on_world())
                {
                    calls.truncate(last);
                }
                calls
            })
            .collect();
        Ranks { calls }
    }

    fn size(&self) -> usize {
        self.calls.len()
    }

    /// Rank r's sends: (destination, call).
    fn sends(&self, r: usize) -> Vec<(i32, &str)> {
        self.calls[r]
            .iter()
            .filter(|e| e.is_send() && !e.is_part())
            .map(|e| (e.peer, e.call.as_str()))
            .collect()
    }

    /// Rank r's completed receives: (source, call).
    fn receives(&self, r: usize) -> Vec<(i32, &str)> {
        self.calls[r]
            .iter()
            .filter(|e| e.is_recv())
            .map(|e| (e.peer, e.call.as_str()))
            .collect()
    }

    /// Rank r's collective calls (not polls of non-blocking ones).
    fn collectives(&self, r: usize) -> impl Iterator<Item = &&'a Event> {
        self.calls[r]
            .iter()
            .filter(|e| e.kind() == Kind::Collective)
    }

    /// "rank 0 received 3 messages (MPI_Mrecv)" / "rank 2 sent 1 message (MPI_Send)".
    fn traffic(&self, r: usize) -> Option<String> {
        let describe = |verb: &str, list: &[(i32, &str)]| {
            let mut calls: Vec<&str> = list.iter().map(|&(_, c)| c).collect();
            calls.sort_unstable();
            calls.dedup();
            let n = list.len();
            format!(
                "{verb} {n} message{} ({})",
                if n == 1 { "" } else { "s" },
                calls.join(", ")
            )
        };
        let (sent, got) = (self.sends(r), self.receives(r));
        let mut parts = Vec::new();
        if !sent.is_empty() {
            parts.push(describe("sent", &sent));
        }
        if !got.is_empty() {
            parts.push(describe("received", &got));
        }
        (!parts.is_empty()).then(|| format!("rank {r} {}", parts.join(" and ")))
    }
}

/// "ranks 1, 2" / "rank 3".
fn ranks_named(ranks: &[usize]) -> String {
    let names: Vec<String> = ranks.iter().map(usize::to_string).collect();
    let noun = if ranks.len() == 1 { "rank" } else { "ranks" };
    format!("{noun} {}", names.join(", "))
}

impl Pattern {
    /// `Err(what is wrong)` when the job's calls do not follow the pattern.
    pub fn check(&self, job: &JobTrace) -> Result<(), String> {
        let ranks = Ranks::of(job);
        let mut wrong = self.collectives_wrong(&ranks);
        wrong.extend(self.messages_wrong(&ranks));
        if self.all_report_to_root {
            let silent: Vec<usize> = (1..ranks.size())
                .filter(|&r| {
                    ranks.collectives(r).next().is_none()
                        && !ranks.sends(r).iter().any(|&(to, _)| to == 0)
                })
                .collect();
            if !silent.is_empty() {
                wrong.push(format!(
                    "rank 0 never heard from {} (no barrier, no collective call, no message to \
                     rank 0), so its total time may come before their photos are done",
                    ranks_named(&silent)
                ));
            }
        }
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{}: this step is about {}",
                wrong.join("; "),
                self.about
            ))
        }
    }

    fn collectives_wrong(&self, ranks: &Ranks) -> Vec<String> {
        let mut wrong = Vec::new();
        for name in &self.collectives {
            let missing: Vec<usize> = (0..ranks.size())
                .filter(|&r| !ranks.collectives(r).any(|e| &e.call == name))
                .collect();
            if missing.len() == ranks.size() {
                wrong.push(format!("no rank called {name}"));
            } else if !missing.is_empty() {
                wrong.push(format!(
                    "{} never called {name} (a collective call: every rank makes it)",
                    ranks_named(&missing)
                ));
            }
            let rooted: Vec<(usize, i32)> = (0..ranks.size())
                .flat_map(|r| {
                    ranks
                        .collectives(r)
                        .filter(|e| &e.call == name && e.peer > 0)
                        .map(move |e| (r, e.peer))
                })
                .collect();
            if let Some(&(r, root)) = rooted.first() {
                wrong.push(format!(
                    "rank {r} called {name} with root {root}: the root here is rank 0"
                ));
            }
        }
        if self.messages != Messages::Any && !self.all_report_to_root {
            let mut others: Vec<(usize, &str)> = (0..ranks.size())
                .flat_map(|r| {
                    ranks
                        .collectives(r)
                        .filter(|e| e.call != "MPI_Barrier" && !self.collectives.contains(&e.call))
                        .map(move |e| (r, e.call.as_str()))
                })
                .collect();
            others.dedup_by_key(|(_, call)| *call);
            for (r, call) in others {
                wrong.push(format!("rank {r} called {call}"));
            }
        }
        wrong
    }

    fn messages_wrong(&self, ranks: &Ranks) -> Vec<String> {
        let n = ranks.size();
        let traffic = |list: &[usize]| -> Vec<String> {
            list.iter().filter_map(|&r| ranks.traffic(r)).collect()
        };
        match self.messages {
            Messages::Any => Vec::new(),
            Messages::None => {
                let busy: Vec<usize> = (0..n)
                    .filter(|&r| !ranks.sends(r).is_empty() || !ranks.receives(r).is_empty())
                    .collect();
                // The busiest rank says enough (rank 0 of a receive loop).
                let mut busy = traffic(&busy);
                busy.truncate(1);
                busy
            }
            Messages::FromRoot => {
                let mut wrong = traffic(
                    &(1..n)
                        .filter(|&r| !ranks.sends(r).is_empty())
                        .collect::<Vec<_>>(),
                )
                .into_iter()
                .map(|t| format!("{t}: only rank 0 sends here"))
                .collect::<Vec<_>>();
                let unreached: Vec<usize> = (1..n)
                    .filter(|&r| !ranks.sends(0).iter().any(|&(to, _)| to == r as i32))
                    .collect();
                if !unreached.is_empty() {
                    wrong.push(format!(
                        "rank 0 sent no message to {}",
                        ranks_named(&unreached)
                    ));
                }
                wrong
            }
            Messages::ToRoot => {
                let mut wrong = Vec::new();
                if !ranks.sends(0).is_empty() {
                    wrong.push(format!(
                        "{}: rank 0 only receives here",
                        ranks.traffic(0).unwrap_or_default()
                    ));
                }
                let silent: Vec<usize> = (1..n)
                    .filter(|&r| !ranks.sends(r).iter().any(|&(to, _)| to == 0))
                    .collect();
                if !silent.is_empty() {
                    wrong.push(format!("{} sent rank 0 no message", ranks_named(&silent)));
                }
                let got = ranks.receives(0).len();
                if silent.is_empty() && got < n - 1 {
                    wrong.push(format!("rank 0 received {got} messages, not {}", n - 1));
                }
                wrong
            }
            Messages::Pairs => {
                let mut wrong = Vec::new();
                for r in 0..n {
                    let partner = r ^ 1;
                    let others: Vec<i32> = ranks
                        .sends(r)
                        .iter()
                        .chain(ranks.receives(r).iter())
                        .map(|&(p, _)| p)
                        .filter(|&p| p != partner as i32)
                        .collect();
                    if let Some(p) = others.first() {
                        wrong.push(format!(
                            "rank {r} exchanged a message with rank {p}, not only with its partner"
                        ));
                    } else if partner < n
                        && (ranks.sends(r).is_empty() || ranks.receives(r).is_empty())
                    {
                        wrong.push(format!(
                            "rank {r} did not both send to and receive from rank {partner}"
                        ));
                    }
                }
                wrong.truncate(2);
                wrong
            }
        }
    }
}
