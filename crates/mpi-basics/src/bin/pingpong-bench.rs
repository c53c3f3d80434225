//! Benchmark: typed buffers (rsmpi `Equivalence`) versus object messaging
//! (`mpi_basics::obj`, serde + postcard).
//!
//! - At 2 ranks: ping-pong between rank 0 and rank 1 with a `Vec<f64>` of
//!   8 B, 1 KiB and 1 MiB, four ways:
//!   - *typed*: `send(&buf[..])` / `receive_into(&mut buf[..])`, one buffer
//!     reused (MPI's best case, mpi4py's `Send`/`Recv` on a numpy array);
//!   - *C*: the same loop in C (`c/pingpong.c`, built with the MPI's `mpicc`),
//!     the baseline a C programmer would measure;
//!   - *typed, new Vec*: `receive_vec`, a new vector per message (what rsmpi
//!     code does when the receiver does not know the length);
//!   - *object*: `send_obj` / `recv_obj::<Vec<f64>>` (mpi4py's `send`/`recv`).
//!
//!   Latency is half a round trip; bandwidth is the payload over that latency.
//! - At any rank count: `bcast` and `reduce` of one `f64`, typed and object
//!   (`reduce_obj` is a tree of object messages, `MPI_Reduce` the MPI's own).
//!
//! The machine may be shared, so the variants run in alternating short
//! batches and each figure is the best batch: load hits every variant alike.
//! Build with `--release`, then run:
//! `mpiexec -n 2 target/release/pingpong-bench` and `mpiexec -n 4 target/release/pingpong-bench`

use std::time::Instant;

use clap::Parser;
use mpi::collective::SystemOperation;
use mpi::point_to_point::MatchedReceiveVec;
use mpi::topology::{Process, SimpleCommunicator};
use mpi::traits::*;
use mpi_basics::obj::{bcast_obj, recv_obj, reduce_obj, send_obj};

#[derive(Parser)]
#[command(about = "Ping-pong, bcast and reduce timings: typed buffers versus object messaging")]
struct Args {
    /// Scale every repetition count by this factor (0.1 for a quick look)
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    scale: f64,
}

unsafe extern "C" {
    /// `reps` round trips of `n` doubles in `buf` with `partner`, in C (c/pingpong.c).
    fn pingpong_c(partner: i32, first: i32, buf: *mut f64, n: i32, reps: i64);
}

/// Alternating rounds: each runs every variant once, for a short batch.
const ROUNDS: usize = 200;

/// A variant: runs its operation `n` times.
type Variant<'a> = Box<dyn FnMut(usize) + 'a>;

/// Runs the variants in ROUNDS alternating batches of `iterations / ROUNDS`
/// (after a warm-up), and returns each one's best seconds per iteration on this rank.
fn best_of(world: &SimpleCommunicator, iterations: usize, variants: &mut [Variant]) -> Vec<f64> {
    let batch = iterations.div_ceil(ROUNDS);
    let mut best = vec![f64::INFINITY; variants.len()];
    for v in variants.iter_mut() {
        v(batch); // warm up: caches, allocator, MPI connections
    }
    for _ in 0..ROUNDS {
        for (v, best) in variants.iter_mut().zip(&mut best) {
            world.barrier();
            let start = Instant::now();
            v(batch);
            *best = best.min(start.elapsed().as_secs_f64() / batch as f64);
        }
    }
    best
}

/// Round-trip seconds of the four ping-pongs of `n` f64 with `partner`:
/// typed, C, typed into a new Vec, object.
fn pingpongs(world: &SimpleCommunicator, partner: &Process, n: usize, reps: usize) -> Vec<f64> {
    let first = world.rank() == 0;
    let mut buf = vec![1.0f64; n];
    let mut c_buf = vec![1.0f64; n];
    let c: Variant = Box::new(|reps| {
        // SAFETY: `c_buf` holds `n` doubles and outlives the call; the C loop
        // only sends and receives `n` doubles in it, on MPI_COMM_WORLD, which
        // is `world` (the partner's rank is the same in both).
        unsafe {
            pingpong_c(
                partner.rank(),
                i32::from(first),
                c_buf.as_mut_ptr(),
                n as i32,
                reps as i64,
            )
        }
    });
    let mut vec = vec![1.0f64; n];
    let mut data = vec![1.0f64; n];
    let typed: Variant = Box::new(|reps| {
        for _ in 0..reps {
            if first {
                partner.send(&buf[..]);
                partner.receive_into(&mut buf[..]);
            } else {
                partner.receive_into(&mut buf[..]);
                partner.send(&buf[..]);
            }
        }
    });
    let typed_new_vec: Variant = Box::new(|reps| {
        for _ in 0..reps {
            if first {
                partner.send(&vec[..]);
                vec = partner.matched_probe().matched_receive_vec().0;
            } else {
                vec = partner.matched_probe().matched_receive_vec().0;
                partner.send(&vec[..]);
            }
        }
    });
    let object: Variant = Box::new(|reps| {
        for _ in 0..reps {
            if first {
                send_obj(partner, &data, 0).expect("send");
                data = recv_obj::<Vec<f64>>(partner, 0).expect("recv").0;
            } else {
                data = recv_obj::<Vec<f64>>(partner, 0).expect("recv").0;
                send_obj(partner, &data, 0).expect("send");
            }
        }
    });
    best_of(world, reps, &mut [typed, c, typed_new_vec, object])
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    if !(args.scale > 0.0 && args.scale.is_finite()) {
        lesson_cli::exit_usage("--scale must be a positive number");
    }
    let universe = mpi_basics::init();
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    let reps = |n: usize| ((n as f64 * args.scale).ceil() as usize).max(ROUNDS);
    let us = |secs: f64| format!("{:.2} µs", secs * 1e6);

    if size == 2 {
        let partner = world.process_at_rank(1 - rank);
        if rank == 0 {
            println!(
                "Ping-pong, 2 ranks, Vec<f64> payload (latency = half a round trip; MB/s = 10^6 B/s)"
            );
            println!(
                "| payload | typed | C | typed, new Vec | object | object MB/s | object/C | object/typed | object/typed new Vec |"
            );
            println!("|---|---|---|---|---|---|---|---|---|");
        }
        for (label, n, count) in [
            ("8 B", 1, 40_000),
            ("1 KiB", 128, 40_000),
            ("1 MiB", 131_072, 1_000),
        ] {
            let t = pingpongs(&world, &partner, n, reps(count));
            let [typed, c, new_vec, object] = [t[0], t[1], t[2], t[3]].map(|x| x / 2.0);
            if rank == 0 {
                let bytes = (n * 8) as f64;
                println!(
                    "| {label} | {} | {} | {} | {} | {:.0} | {:.2}× | {:.2}× | {:.2}× |",
                    us(typed),
                    us(c),
                    us(new_vec),
                    us(object),
                    bytes / object / 1e6,
                    object / c,
                    object / typed,
                    object / new_vec
                );
            }
        }
    } else if rank == 0 {
        println!("(ping-pong runs at exactly 2 ranks; this run has {size})");
    }

    // Collectives of one f64: typed versus object.
    let root = world.process_at_rank(0);
    let expected_sum = f64::from(size * (size + 1) / 2);
    let bcast_typed: Variant = Box::new(|reps| {
        for _ in 0..reps {
            let mut x = if rank == 0 { 3.25f64 } else { 0.0 };
            root.broadcast_into(&mut x);
            assert_eq!(x, 3.25);
        }
    });
    let bcast_object: Variant = Box::new(|reps| {
        for _ in 0..reps {
            let x = bcast_obj(&root, (rank == 0).then_some(3.25f64)).expect("bcast");
            assert_eq!(x, 3.25);
        }
    });
    let reduce_typed: Variant = Box::new(|reps| {
        for _ in 0..reps {
            let x = f64::from(rank + 1);
            if rank == 0 {
                let mut sum = 0.0;
                root.reduce_into_root(&x, &mut sum, SystemOperation::sum());
                assert_eq!(sum, expected_sum);
            } else {
                root.reduce_into(&x, SystemOperation::sum());
            }
        }
    });
    let reduce_object: Variant = Box::new(|reps| {
        for _ in 0..reps {
            let sum = reduce_obj(&root, f64::from(rank + 1), |a, b| a + b).expect("reduce");
            if let Some(sum) = sum {
                assert_eq!(sum, expected_sum);
            }
        }
    });
    let t = best_of(
        &world,
        reps(40_000),
        &mut [bcast_typed, bcast_object, reduce_typed, reduce_object],
    );
    if rank == 0 {
        println!();
        println!("Collectives of one f64, {size} ranks (time per call on rank 0)");
        println!("| operation | typed | object | object/typed |");
        println!("|---|---|---|---|");
        for (name, typed, object) in [("bcast", t[0], t[1]), ("reduce", t[2], t[3])] {
            println!(
                "| {name} | {} | {} | {:.2}× |",
                us(typed),
                us(object),
                object / typed
            );
        }
    }
}
