//! Appendix 6.1: tags and status.
//!
//! Every message carries a *tag*, a number the sender chooses to say what
//! kind of message it is; a receive can ask for one tag, or for any. A
//! receive from `any_process()` takes messages in arrival order, so the
//! receiver reads the *status* to learn who sent it, with which tag, and
//! how many elements arrived.
//!
//! The workshop also prints the status's error field (`st.Get_error()`).
//! This program does not: `MPI_Recv` never sets that field (only the calls
//! that complete several requests at once do, when they return
//! `MPI_ERR_IN_STATUS`), and with MPI's default error handler a failed
//! receive ends the job instead of returning.
//!
//! Here every rank r > 0 sends rank 0 two messages: first the list
//! `[1, ..., r]` with tag 1 (typed: a slice of `i32`), then a greeting with
//! tag 2 (an object: a `String`). Rank 0 first receives all tag-1 messages
//! from any source, then all tag-2 messages: the tag, not the order of
//! sending, decides which message a receive takes.
//!
//! Run: `mpiexec -n 4 target/release/send-recv-status`

use std::collections::BTreeSet;

use clap::Parser;
use mpi::traits::*;
use mpi_basics::obj::{recv_obj, send_obj};

#[derive(Parser)]
#[command(
    about = "Ranks send tagged messages to rank 0, which receives from any source and prints each status"
)]
struct Args {}

// ANCHOR: tags
const LIST_TAG: i32 = 1;
const GREETING_TAG: i32 = 2;
// ANCHOR_END: tags

fn main() {
    let _: Args = lesson_cli::parse_args();
    // ANCHOR: status
    let universe = mpi_basics::require_ranks(
        mpi_basics::init(),
        2,
        "rank 0 receives from the other ranks",
    );
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());

    if rank == 0 {
        let mut senders = BTreeSet::new();
        for _ in 1..size {
            // Any source, but only tag 1: the element count comes from the status.
            let (list, status) = world.any_process().receive_vec_with_tag::<i32>(LIST_TAG);
            let (source, tag) = (status.source_rank(), status.tag());
            let count = status.count(i32::equivalent_datatype());
            assert_eq!(
                list,
                (1..=source).collect::<Vec<i32>>(),
                "rank {source}'s list"
            );
            assert_eq!((tag, count as usize), (LIST_TAG, list.len()));
            senders.insert(source);
            println!("Rank 0 received {list:?} from rank {source}, tag {tag}, count {count}");
        }
        assert_eq!(
            senders,
            (1..size).collect(),
            "one list from every other rank"
        );
        for _ in 1..size {
            // Any source, any tag: only the greetings are left.
            let (greeting, st) = recv_obj::<String>(&world.any_process(), mpi_basics::obj::ANY_TAG)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(greeting, format!("Greetings from rank {}", st.source));
            assert_eq!(st.tag, GREETING_TAG);
            println!(
                "Rank 0 received {greeting:?} from rank {}, tag {}, {} bytes",
                st.source, st.tag, st.bytes
            );
        }
    } else {
        let dest = world.process_at_rank(0);
        let list: Vec<i32> = (1..=rank).collect();
        dest.send_with_tag(&list[..], LIST_TAG);
        let greeting = format!("Greetings from rank {rank}");
        send_obj(&dest, &greeting, GREETING_TAG).unwrap_or_else(|e| panic!("{e}"));
    }
    // ANCHOR_END: status
}
