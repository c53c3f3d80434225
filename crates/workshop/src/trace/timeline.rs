//! The timeline picture of a traced job: one lane per rank, time across, a
//! box for each MPI call coloured by kind, an arrow from each send to its
//! receive (PNG and SVG, drawn with plotters).

use super::*;

/// Above this many messages, arrows are aggregated (and the picture says so).
pub const MAX_ARROWS: usize = 2000;
const P2P: RGBColor = RGBColor(31, 119, 180);
const COLLECTIVE: RGBColor = RGBColor(255, 127, 14);
const WAITING: RGBColor = RGBColor(214, 39, 40);
const LANE: RGBColor = RGBColor(232, 232, 232);
const ARROW: RGBColor = RGBColor(40, 40, 40);
const WIDTH: u32 = 1200;

/// An arrow: from (time, lane centre), to (time, lane centre), how many messages.
type Arrow = ((f64, f64), (f64, f64), usize);

/// The picture's size for a job of `ranks` ranks: lanes of 24 to 60 pixels.
pub fn timeline_size(ranks: usize) -> (u32, u32) {
    let lane = (480 / ranks.max(1) as u32).clamp(24, 60);
    (WIDTH, 150 + lane * ranks.max(1) as u32)
}

fn colour(kind: Kind) -> RGBColor {
    match kind {
        Kind::PointToPoint => P2P,
        Kind::Collective => COLLECTIVE,
        Kind::Waiting | Kind::Setup => WAITING,
    }
}

/// Writes `timeline.png` and `timeline.svg` into `dir`. `simulated`: the
/// platform of a simulated run, whose times the picture says are simulated.
pub fn write_timeline(
    dir: &Path,
    job: &JobTrace,
    messages: &[Message],
    simulated: Option<&str>,
) -> Result<(), String> {
    register_font();
    let size = timeline_size(job.ranks.len());
    let png = dir.join("timeline.png");
    let svg = dir.join("timeline.svg");
    let mut pixels = vec![0u8; size.0 as usize * size.1 as usize * 3];
    draw_timeline(
        BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area(),
        job,
        messages,
        simulated,
    )?;
    image::save_buffer(
        &png,
        &pixels,
        size.0,
        size.1,
        image::ExtendedColorType::Rgb8,
    )
    .map_err(|err| format!("cannot write {}: {err}", png.display()))?;
    draw_timeline(
        SVGBackend::new(&svg, size).into_drawing_area(),
        job,
        messages,
        simulated,
    )
    .map_err(|err| format!("cannot write {}: {err}", svg.display()))
}

fn draw_timeline<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    job: &JobTrace,
    messages: &[Message],
    simulated: Option<&str>,
) -> Result<(), String> {
    let fail = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    let n = job.ranks.len();
    let t0 = origin(job);
    let t_end = job.ranks.iter().map(RankTrace::finish).max().unwrap_or(t0);
    // The time axis in milliseconds, or in seconds for jobs longer than 2 s,
    // or in microseconds for jobs shorter than 0.2 ms (a simulated sum).
    let (unit, per_ns) = match t_end - t0 {
        d if d > 2_000_000_000 => ("s", 1e-9),
        d if d < 200_000 => ("µs", 1e-3),
        _ => ("ms", 1e-6),
    };
    // A moment (nanoseconds) as a position on the time axis.
    let x_at = |t: i64| (t - t0) as f64 * per_ns;
    let x_end = x_at(t_end).max(1_000.0 * per_ns) * 1.02; // at least 1 µs
    let program = &job.ranks[0].program;
    let aggregated = messages.len() > MAX_ARROWS;

    root.fill(&WHITE).map_err(fail)?;
    let (title, clock) = match simulated {
        None => (format!("{program} on {n} ranks"), "time"),
        Some(platform) => (
            format!("{program} on {n} simulated ranks ({platform})"),
            "simulated time",
        ),
    };
    let title = format!("{title}: MPI calls (boxes) and messages (arrows)");
    root.draw(&Text::new(title, (18, 10), (FONT, 22).into_font()))
        .map_err(fail)?;
    let mut chart = ChartBuilder::on(&root)
        .margin(15)
        .margin_top(70)
        .x_label_area_size(45)
        .y_label_area_size(75)
        .build_cartesian_2d(0.0..x_end, 0.0..n as f64)
        .map_err(fail)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_x_mesh()
        .y_labels(0)
        .x_desc(format!("{clock} since MPI_Init returned ({unit})"))
        .axis_desc_style((FONT, 16))
        .label_style((FONT, 14))
        .draw()
        .map_err(fail)?;

    // Lane r is the band [n-1-r, n-r] of the y axis: rank 0 on top. It starts
    // when the rank's MPI_Init returned and ends when it called MPI_Finalize.
    let lane = |r: usize| (n - 1 - r) as f64;
    let (plot_w, _) = chart.plotting_area().dim_in_pixel();
    let min_w = x_end / plot_w.max(1) as f64; // one pixel, in time units
    chart
        .draw_series((0..n).map(|r| {
            Rectangle::new(
                [
                    (x_at(job.ranks[r].begin()), lane(r) + 0.2),
                    (x_at(job.ranks[r].finish()), lane(r) + 0.8),
                ],
                LANE.filled(),
            )
        }))
        .map_err(fail)?;
    for (r, rank) in job.ranks.iter().enumerate() {
        chart
            .draw_series(rank.calls().filter(|e| !e.is_part()).map(|e| {
                let (a, b) = (x_at(e.start), x_at(e.end).max(x_at(e.start) + min_w));
                Rectangle::new(
                    [(a, lane(r) + 0.12), (b, lane(r) + 0.88)],
                    colour(e.kind()).filled(),
                )
            }))
            .map_err(fail)?;
    }
    // Arrows, drawn in pixels so the heads keep their shape.
    let centre = |r: usize| lane(r) + 0.5;
    let mut arrows: Vec<Arrow> = Vec::new();
    let matched = messages.iter().filter_map(|m| {
        let (dr, di) = m.recv?;
        let send = &job.ranks[m.send.0].events[m.send.1];
        let recv = &job.ranks[dr].events[di];
        Some(((x_at(send.start), m.send.0), (x_at(recv.end), dr)))
    });
    if aggregated {
        // One arrow per (sender, receiver, 1/100 of the time): mean send and receive times.
        let mut bins: BTreeMap<(usize, usize, usize), (f64, f64, usize)> = BTreeMap::new();
        for ((ts, s), (tr, d)) in matched {
            let bin = ((ts / x_end) * 100.0) as usize;
            let b = bins.entry((s, d, bin)).or_insert((0.0, 0.0, 0));
            *b = (b.0 + ts, b.1 + tr, b.2 + 1);
        }
        for ((s, d, _), (ts, tr, k)) in bins {
            let k_f = k as f64;
            arrows.push(((ts / k_f, centre(s)), (tr / k_f, centre(d)), k));
        }
    } else {
        arrows.extend(matched.map(|((ts, s), (tr, d))| ((ts, centre(s)), (tr, centre(d)), 1)));
    }
    for (from, to, k) in arrows {
        let (a, b) = (chart.backend_coord(&from), chart.backend_coord(&to));
        let width = if k > 1 { 2 } else { 1 };
        root.draw(&PathElement::new([a, b], ARROW.stroke_width(width)))
            .map_err(fail)?;
        let (dx, dy) = ((b.0 - a.0) as f64, (b.1 - a.1) as f64);
        let len = (dx * dx + dy * dy).sqrt();
        if len >= 4.0 {
            let (ux, uy) = (dx / len, dy / len);
            let head = |side: f64| {
                (
                    (b.0 as f64 - 9.0 * ux + side * 4.0 * uy).round() as i32,
                    (b.1 as f64 - 9.0 * uy - side * 4.0 * ux).round() as i32,
                )
            };
            root.draw(&Polygon::new(
                vec![b, head(1.0), head(-1.0)],
                ARROW.filled(),
            ))
            .map_err(fail)?;
        }
    }
    // Rank labels, left of the lanes.
    let font = (FONT, 15).into_font();
    for r in 0..n {
        let (_, y) = chart.backend_coord(&(0.0, centre(r)));
        root.draw(&Text::new(format!("rank {r}"), (18, y - 8), font.clone()))
            .map_err(fail)?;
    }
    // Legend, under the title.
    let legend: [(&str, RGBColor); 4] = [
        ("point-to-point", P2P),
        ("collective", COLLECTIVE),
        ("waiting (wait, test, probe)", WAITING),
        ("computing", LANE),
    ];
    let mut x = 18;
    for (label, c) in legend {
        root.draw(&Rectangle::new([(x, 46), (x + 16, 60)], c.filled()))
            .map_err(fail)?;
        root.draw(&Text::new(label, (x + 22, 45), font.clone()))
            .map_err(fail)?;
        x += 32 + 8 * label.len() as i32;
    }
    let note = if aggregated {
        format!(
            "{} messages: arrows aggregated, one per sender, receiver and 1/100 of the time",
            messages.len()
        )
    } else {
        "arrow: from a send to its receive".to_owned()
    };
    root.draw(&Text::new(note, (x + 10, 45), font.color(&ARROW)))
        .map_err(fail)?;
    root.present().map_err(fail)
}
