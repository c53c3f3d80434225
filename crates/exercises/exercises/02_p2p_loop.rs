//! Workshop example 2 (`hello_p2p.py`): point-to-point messages, `send` and `receive`.
//!
//! Rank 0 sends the text `Hello, Rank i` to every other rank i; each of them
//! waits for its message and prints it. With 4 ranks the output is
//!
//! ```text
//! Hello, Rank 1
//! Hello, Rank 2
//! Hello, Rank 3
//! ```
//!
//! (in any order: the ranks print at the same time).
//!
//! Your task: complete `send_greetings` below, then run `ci/check p2p-loop`.

use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

fn main() {
    let universe = mpi_basics::init();
    let world = universe.world();

    if world.rank() == 0 {
        send_greetings(&world);
    } else {
        // Wait until rank 0's message arrives. MPI moves bytes: we sent the
        // text's UTF-8 bytes, so we read them back as text.
        let (bytes, _status) = world.process_at_rank(0).receive_vec::<u8>();
        println!("{}", String::from_utf8_lossy(&bytes));
    }
}

/// Rank 0's part: send the text `Hello, Rank i` to every other rank i.
fn send_greetings(world: &SimpleCommunicator) {
    todo!(
        "loop over the ranks i = 1, 2, ... below {} and send each the bytes of \"Hello, Rank i\"",
        world.size()
    )
}
