//! Self-test of object messaging (`mpi_basics::obj`) under real MPI.
//!
//! Not a lesson: the test suite runs it at 1 to 4 ranks. Every rank checks
//! what it receives (a failed check panics, which aborts the whole job);
//! rank 0 prints `ok <check>` for each check, so the test compares the list.
//! Point-to-point checks need a partner, so they run from 2 ranks on.
//!
//! Two options run one call alone instead, so that the tests can count its
//! MPI calls with the tracer (crates/mpi-trace): `--small-message` (rank 0
//! sends one small object to rank 1) and `--reduce-to ROOT` (a `reduce_obj`
//! of strings, whose result shows the order the ranks were combined in).
//!
//! Run: `mpiexec -n 3 target/release/obj-selftest`

use std::collections::BTreeMap;
use std::fmt::Debug;

use clap::Parser;
use mpi::topology::{Rank, SimpleCommunicator};
use mpi::traits::*;
use mpi_basics::obj::{
    ObjError, allgather_obj, bcast_obj, gather_obj, recv_obj, reduce_obj, scatter_obj, send_obj,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Parser)]
#[command(
    about = "Checks object messaging at any number of ranks; rank 0 prints one line per check"
)]
struct Args {
    /// Only send one small object from rank 0 to rank 1 (rank 1 prints it)
    #[arg(long, conflicts_with = "reduce_to")]
    small_message: bool,
    /// Only join every rank's number with reduce_obj at ROOT: "0+1+2…" (ROOT prints it)
    #[arg(long, value_name = "ROOT")]
    reduce_to: Option<Rank>,
}

/// A struct with variable-size fields, as a learner might send.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Photo {
    name: String,
    size: (u32, u32),
    tags: Vec<String>,
    exposure: Option<f64>,
    histogram: BTreeMap<String, Vec<u16>>,
    kind: Kind,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Kind {
    Noisy,
    Denoised { sigma: f32 },
}

/// A fixed-size struct the wrong-type checks decode into.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Point {
    x: f64,
    y: f64,
}

/// A value that rank 2 cannot encode (its serialisation fails there).
#[derive(Deserialize, Debug)]
struct Picky(Rank);

impl Serialize for Picky {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 == 2 {
            Err(serde::ser::Error::custom("rank 2 refuses"))
        } else {
            s.serialize_i32(self.0)
        }
    }
}

fn photo(rank: Rank) -> Photo {
    Photo {
        name: format!("photo_{rank:03}.jpg"),
        size: (640 + rank as u32, 480),
        tags: vec!["secret agent".into(), "1936".into(), "ünïcödé ✓".into()],
        exposure: (rank % 2 == 0).then_some(1.0 / 60.0),
        histogram: BTreeMap::from([("red".into(), vec![1, 2, 3]), ("blue".into(), vec![])]),
        kind: if rank == 0 {
            Kind::Noisy
        } else {
            Kind::Denoised { sigma: 0.1 }
        },
    }
}

/// 10 MB of numbers: 1.25 million f64 (the fast path).
fn big_floats() -> Vec<f64> {
    (0..1_250_000).map(|i| f64::from(i) * 0.5 - 7.0).collect()
}

/// 1 MB of u32 through serde's path (one number at a time: slow in debug builds).
fn big_ints() -> Vec<u32> {
    (0..250_000u32)
        .map(|i| i.wrapping_mul(2_654_435_761))
        .collect()
}

fn ok(world: &SimpleCommunicator, check: &str) {
    if world.rank() == 0 {
        println!("ok {check}");
    }
}

/// Rank 0 sends `value` to every other rank, which sends it back; both sides compare.
fn round_trip<T>(world: &SimpleCommunicator, name: &str, value: T)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug + 'static,
{
    let rank = world.rank();
    let tag = 11;
    if rank == 0 {
        for r in 1..world.size() {
            let partner = world.process_at_rank(r);
            send_obj(&partner, &value, tag).unwrap();
            let (back, status) = recv_obj::<T>(&partner, tag).unwrap();
            assert!(back == value, "{name}: rank {r} sent back something else");
            assert_eq!((status.source, status.tag), (r, tag));
        }
    } else {
        let zero = world.process_at_rank(0);
        let (got, status) = recv_obj::<T>(&zero, tag).unwrap();
        assert!(got == value, "{name}: rank {rank} received {got:?}");
        assert_eq!((status.source, status.tag), (0, tag));
        send_obj(&zero, &got, tag).unwrap();
    }
    ok(world, &format!("round trip {name}"));
}

/// `--small-message`: one small object, which must travel as one MPI message.
fn small_message(world: &SimpleCommunicator) {
    let point = Point { x: 1.5, y: -2.0 };
    match world.rank() {
        0 => send_obj(&world.process_at_rank(1), &point, 3).unwrap(),
        1 => {
            let (got, status) = recv_obj::<Point>(&world.process_at_rank(0), 3).unwrap();
            assert_eq!(got, point);
            println!("rank 1 received {got:?} in {} bytes", status.bytes);
        }
        _ => {}
    }
}

/// `--reduce-to ROOT`: string concatenation is associative but not
/// commutative, so the result shows that the ranks were combined in order.
fn reduce_strings(world: &SimpleCommunicator, root: Rank) {
    let (rank, size) = (world.rank(), world.size());
    if !(0..size).contains(&root) {
        lesson_cli::exit_usage(format!("--reduce-to {root}: there are {size} ranks"));
    }
    let joined = reduce_obj(&world.process_at_rank(root), rank.to_string(), |a, b| {
        format!("{a}+{b}")
    })
    .unwrap();
    if rank == root {
        let order: Vec<String> = (0..size).map(|r| r.to_string()).collect();
        assert_eq!(joined.as_deref(), Some(order.join("+").as_str()));
        println!("reduce_obj to rank {root}: {}", joined.unwrap());
    } else {
        assert_eq!(joined, None);
    }
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    let universe = mpi_basics::init();
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    let root = world.process_at_rank(0);
    if args.small_message {
        if size < 2 {
            lesson_cli::exit_usage("--small-message needs 2 ranks or more");
        }
        return small_message(&world);
    }
    if let Some(root) = args.reduce_to {
        return reduce_strings(&world, root);
    }

    if size >= 2 {
        round_trip(&world, "String", "héllo wörld ✓".to_string());
        round_trip(&world, "nested Vec", vec![vec![1, 2], vec![], vec![-3; 5]]);
        round_trip(&world, "struct", photo(3));
        round_trip(&world, "empty Vec", Vec::<u8>::new());
        round_trip(&world, "10 MB Vec<f64>", big_floats());
        round_trip(&world, "1 MB Vec<u32>", big_ints());
        round_trip(&world, "Vec<f32>", vec![1.5f32, -0.0, f32::MAX]);
        round_trip(&world, "40 KB Vec<f32>", vec![0.25f32; 10_000]);

        // Receive from any source with any tag: the status says who and which tag.
        if rank == 0 {
            let mut seen = Vec::new();
            for _ in 1..size {
                let (name, st) =
                    recv_obj::<String>(&world.any_process(), mpi_basics::obj::ANY_TAG).unwrap();
                assert_eq!(name, format!("rank {}", st.source));
                assert_eq!(st.tag, 100 + st.source);
                assert_eq!(st.bytes, 1 + name.len());
                seen.push(st.source);
            }
            seen.sort();
            assert_eq!(seen, (1..size).collect::<Vec<_>>());
        } else {
            send_obj(&root, &format!("rank {rank}"), 100 + rank).unwrap();
        }
        ok(&world, "any source, any tag, status");

        // Wrong type: rank 0 sends a String, the others expect a Point.
        let tag = 5;
        if rank == 0 {
            for r in 1..size {
                send_obj(&world.process_at_rank(r), &"not a point".to_string(), tag).unwrap();
            }
        } else {
            let err = recv_obj::<Point>(&root, tag).unwrap_err();
            let text = err.to_string();
            assert!(
                text.starts_with("recv: the message from rank 0 with tag 5 is not a Point ("),
                "{text}"
            );
            assert!(matches!(
                err,
                ObjError::Decode {
                    source: 0,
                    tag: Some(5),
                    ..
                }
            ));
        }
        ok(&world, "recv into the wrong type is an error");

        // Wrong type, large: 16 KB of f64 (sent as two messages) read as f32s.
        if rank == 0 {
            for r in 1..size {
                send_obj(&world.process_at_rank(r), &vec![1.0f64; 2000], tag).unwrap();
                send_obj(&world.process_at_rank(r), &"next".to_string(), tag).unwrap();
            }
        } else {
            let err = recv_obj::<Vec<f32>>(&root, tag).unwrap_err().to_string();
            assert!(
                err.starts_with("recv: the message from rank 0 with tag 5 is not a Vec<f32> (")
                    && err.contains("got 16000"),
                "{err}"
            );
            // Both parts were taken: the next message is the next one sent.
            assert_eq!(recv_obj::<String>(&root, tag).unwrap().0, "next");
        }
        ok(
            &world,
            "recv of a large message into the wrong type is an error",
        );

        // Wrong type in a collective: the root broadcasts a Vec<f64>, the others expect a String.
        if rank == 0 {
            bcast_obj(&root, Some(vec![1.0f64, 2.0])).unwrap();
        } else {
            let err = bcast_obj::<String>(&root, None).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("bcast: the message from rank 0 is not a String"),
                "{err}"
            );
        }
        ok(&world, "bcast into the wrong type is an error");
    }

    // Collectives, at every rank count.
    let mine = (rank == 0).then(|| photo(0));
    assert_eq!(bcast_obj(&root, mine).unwrap(), photo(0));
    let big = bcast_obj(&root, (rank == 0).then(big_floats)).unwrap();
    assert!(big == big_floats());
    ok(&world, "bcast struct and 10 MB");

    let items = (rank == 0).then(|| (0..size).map(|r| vec![r; r as usize]).collect());
    let item: Vec<Rank> = scatter_obj(&root, items).unwrap();
    assert_eq!(item, vec![rank; rank as usize]);
    ok(&world, "scatter nested Vec (one empty)");

    let gathered = gather_obj(&root, &photo(rank)).unwrap();
    if rank == 0 {
        assert_eq!(gathered, Some((0..size).map(photo).collect()));
    } else {
        assert_eq!(gathered, None);
    }
    ok(&world, "gather struct");

    let all = allgather_obj(&world, &format!("r{rank}")).unwrap();
    assert_eq!(all, (0..size).map(|r| format!("r{r}")).collect::<Vec<_>>());
    ok(&world, "allgather String");

    // Any rank can be the root: here the last one.
    let last = world.process_at_rank(size - 1);
    let is_last = rank == size - 1;
    let items = is_last.then(|| (0..size).map(|r| format!("item {r}")).collect());
    assert_eq!(scatter_obj(&last, items).unwrap(), format!("item {rank}"));
    let gathered = gather_obj(&last, &(rank * 2)).unwrap();
    assert_eq!(
        gathered,
        is_last.then(|| (0..size).map(|r| r * 2).collect())
    );
    assert_eq!(
        bcast_obj(&last, is_last.then(|| photo(9))).unwrap(),
        photo(9)
    );
    let joined = reduce_obj(&last, vec![rank], |mut a, b| {
        a.extend(b);
        a
    });
    assert_eq!(joined.unwrap(), is_last.then(|| (0..size).collect()));
    ok(&world, "collectives with the last rank as root");

    // Short and long values together: 0, 50, 100, 150 bytes.
    let text = |r: Rank| "x".repeat(50 * r as usize);
    let all = allgather_obj(&world, &text(rank)).unwrap();
    assert_eq!(all, (0..size).map(text).collect::<Vec<_>>());
    let gathered = gather_obj(&root, &text(rank)).unwrap();
    assert_eq!(gathered, (rank == 0).then(|| (0..size).map(text).collect()));
    ok(&world, "gather and allgather short and long values");

    // Not commutative: the result shows the order, rank 0's value first.
    let joined = reduce_obj(&root, format!("{rank}"), |a, b| format!("{a}+{b}")).unwrap();
    let total = reduce_obj(&root, vec![rank; 3], |a, b| {
        a.iter().zip(&b).map(|(x, y)| x + y).collect()
    })
    .unwrap();
    if rank == 0 {
        let order: Vec<String> = (0..size).map(|r| r.to_string()).collect();
        assert_eq!(joined, Some(order.join("+")));
        assert_eq!(total, Some(vec![size * (size - 1) / 2; 3]));
    } else {
        assert_eq!((joined, total), (None, None));
    }
    ok(&world, "reduce with closures, in rank order");

    // Rank 2 cannot encode its value: it passes that on up the tree instead,
    // so the root reports it and no rank waits for a value that never comes.
    if size >= 3 {
        let result = reduce_obj(&root, Picky(rank), |a, _| a);
        match rank {
            0 | 2 => {
                let err = result.unwrap_err();
                assert!(
                    matches!(
                        err,
                        ObjError::Encode {
                            op: "reduce",
                            rank: 2,
                            ..
                        }
                    ),
                    "{err:?}"
                );
            }
            _ => assert!(matches!(result, Ok(None)), "{result:?}"),
        }
        ok(
            &world,
            "reduce of a value one rank cannot encode is an error at the root",
        );
    }

    // Scatter with one item too many: every rank gets an error, none hangs.
    let items = (rank == 0).then(|| vec![0u8; size as usize + 1]);
    let err = scatter_obj(&root, items).unwrap_err();
    if rank == 0 {
        let want = ObjError::ScatterCount {
            root: 0,
            items: size as usize + 1,
            size,
        };
        assert_eq!(err, want);
        assert!(err.to_string().contains(&format!(
            "root rank 0 has {} items but there are {size} ranks",
            size + 1
        )));
    } else {
        assert_eq!(
            err,
            ObjError::RootFailed {
                op: "scatter",
                root: 0
            }
        );
    }
    ok(
        &world,
        "scatter with the wrong count is an error on every rank",
    );

    // The root forgets its value: every rank gets an error.
    let err = bcast_obj::<i32>(&root, None).unwrap_err();
    if rank == 0 {
        assert_eq!(
            err,
            ObjError::MissingRootValue {
                op: "bcast",
                root: 0
            }
        );
    } else {
        assert_eq!(
            err,
            ObjError::RootFailed {
                op: "bcast",
                root: 0
            }
        );
    }
    ok(
        &world,
        "bcast without a root value is an error on every rank",
    );

    // Still in step after the errors: one more collective.
    assert_eq!(bcast_obj(&root, (rank == 0).then_some(42u8)).unwrap(), 42);
    ok(&world, "still in step after the errors");
}
