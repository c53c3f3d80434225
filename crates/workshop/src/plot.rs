//! Speedup-versus-workers charts, written as PNG and SVG with plotters.
//!
//! Text in the PNG is drawn with plotters' `ab_glyph` renderer from DejaVu Sans,
//! shipped in `assets/` and compiled into the program, so drawing needs no
//! system fonts (no fontconfig, no freetype). The SVG names the font family
//! and lets the viewer draw the text.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

/// One measured line of the chart: a label and its (workers, speedup) points.
#[derive(Clone, Debug)]
pub struct Line {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// What a chart shows.
#[derive(Clone, Debug)]
pub struct Chart {
    pub title: String,
    pub x_desc: String,
    pub lines: Vec<Line>,
    /// A model's curve (Amdahl's law fitted to the first line), dotted, without markers.
    pub model: Option<Line>,
    /// The machine's core count, marked by a vertical line.
    pub cores: usize,
}

/// Size of both pictures, in pixels.
const SIZE: (u32, u32) = (960, 640);
/// Colours of the measured lines, in order.
const COLOURS: [RGBColor; 5] = [
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];
pub(crate) const FONT: &str = "sans-serif";

/// Writes `STEM.png` and `STEM.svg` and returns their paths.
pub fn write_speedup_chart(stem: &Path, chart: &Chart) -> Result<(PathBuf, PathBuf), String> {
    write_png_and_svg(stem, |area| draw(area, chart), |area| draw(area, chart))
}

/// Draws one picture twice, into `STEM.png` and `STEM.svg` (plotters' backends are
/// separate types, hence the two calls of the same drawing function).
fn write_png_and_svg(
    stem: &Path,
    draw_png: impl FnOnce(DrawingArea<BitMapBackend, Shift>) -> Result<(), String>,
    draw_svg: impl FnOnce(DrawingArea<SVGBackend, Shift>) -> Result<(), String>,
) -> Result<(PathBuf, PathBuf), String> {
    register_font();
    let png = stem.with_extension("png");
    let svg = stem.with_extension("svg");

    // PNG: draw into an RGB buffer, then encode it with the `image` crate.
    let (width, height) = SIZE;
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    draw_png(BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area())?;
    image::save_buffer(&png, &pixels, width, height, image::ExtendedColorType::Rgb8)
        .map_err(|err| format!("cannot write {}: {err}", png.display()))?;

    draw_svg(SVGBackend::new(&svg, SIZE).into_drawing_area())
        .map_err(|err| format!("cannot write {}: {err}", svg.display()))?;
    Ok((png, svg))
}

/// Makes the shipped font plotters' "sans-serif" (once per process).
pub(crate) fn register_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../assets/DejaVuSans.ttf");
        plotters::style::register_font(FONT, FontStyle::Normal, bytes)
            .unwrap_or_else(|_| panic!("assets/DejaVuSans.ttf is not a usable font"));
    });
}

/// Draws the chart: the ideal line (speedup = workers), a vertical line at the
/// core count, and each measured line with its points.
fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, chart: &Chart) -> Result<(), String> {
    let fail = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    let finite = |(x, y): &(f64, f64)| x.is_finite() && y.is_finite();
    let max_x = chart
        .lines
        .iter()
        .flat_map(|line| line.points.iter().filter(|p| finite(p)).map(|p| p.0))
        .fold(chart.cores as f64, f64::max);
    let max_y = chart
        .lines
        .iter()
        .flat_map(|line| line.points.iter().filter(|p| finite(p)).map(|p| p.1))
        .fold(max_x, f64::max);
    let (x_end, y_end) = (max_x * 1.05 + 0.5, max_y * 1.05 + 0.5);

    root.fill(&WHITE).map_err(fail)?;
    let mut plot = ChartBuilder::on(&root)
        .caption(&chart.title, (FONT, 26))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..x_end, 0.0..y_end)
        .map_err(fail)?;
    plot.configure_mesh()
        .x_desc(chart.x_desc.as_str())
        .y_desc("speedup over 1 worker")
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 15))
        .light_line_style(WHITE.mix(0.0))
        // About one label per whole number, at most ten: worker counts are whole.
        .x_labels((x_end.ceil() as usize).min(10))
        .y_labels((y_end.ceil() as usize).min(10))
        .x_label_formatter(&|x| whole_or_decimal(*x))
        .y_label_formatter(&|y| whole_or_decimal(*y))
        .draw()
        .map_err(fail)?;

    let grey = RGBColor(120, 120, 120);
    plot.draw_series(DashedLineSeries::new(
        [(0.0, 0.0), (x_end, x_end)],
        10,
        6,
        grey.stroke_width(2),
    ))
    .map_err(fail)?
    .label("ideal (speedup = workers)")
    .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], grey.stroke_width(2)));

    let cores = chart.cores as f64;
    let red = RGBColor(214, 39, 40);
    plot.draw_series(LineSeries::new(
        [(cores, 0.0), (cores, y_end)],
        red.stroke_width(2),
    ))
    .map_err(fail)?
    .label(format!("{} cores on this machine", chart.cores))
    .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], red.stroke_width(2)));
    if max_x > cores {
        // Past the marker, workers outnumber cores and have to take turns.
        plot.draw_series([Text::new(
            "more workers than cores →",
            (cores + 0.2, y_end * 0.55),
            (FONT, 16).into_font().color(&red),
        )])
        .map_err(fail)?;
    }

    for (i, line) in chart.lines.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let points: Vec<(f64, f64)> = line.points.iter().copied().filter(finite).collect();
        plot.draw_series(LineSeries::new(points.clone(), colour.stroke_width(3)))
            .map_err(fail)?
            .label(line.label.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(3)));
        plot.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 5, colour.filled())),
        )
        .map_err(fail)?;
    }

    if let Some(model) = &chart.model {
        let points: Vec<(f64, f64)> = model.points.iter().copied().filter(finite).collect();
        plot.draw_series(DashedLineSeries::new(points, 3, 5, BLACK.stroke_width(2)))
            .map_err(fail)?
            .label(model.label.as_str())
            .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], BLACK.stroke_width(2)));
    }

    plot.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FONT, 16))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(fail)?;
    root.present().map_err(fail)
}

/// An axis label: `4` for whole numbers, `0.5` otherwise.
fn whole_or_decimal(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// How a line of a [`LogChart`] is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// A solid line through its points, each marked.
    LineAndMarkers,
    /// The points only (measured runs beside a model).
    Markers,
    /// A dashed line without markers (the ideal).
    Dashed,
}

/// A chart on log-log axes, for values from 1 to thousands of ranks: each
/// factor of ten takes the same room, and a line of slope 1 is linear growth.
#[derive(Clone, Debug)]
pub struct LogChart {
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    pub lines: Vec<(Line, Style)>,
}

/// Writes `STEM.png` and `STEM.svg` of a log-log chart and returns their paths.
pub fn write_log_chart(stem: &Path, chart: &LogChart) -> Result<(PathBuf, PathBuf), String> {
    write_png_and_svg(
        stem,
        |area| draw_log(area, chart),
        |area| draw_log(area, chart),
    )
}

fn draw_log<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    chart: &LogChart,
) -> Result<(), String> {
    let fail = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    // Only positive values have a logarithm.
    let usable = |(x, y): &(f64, f64)| x.is_finite() && y.is_finite() && *x > 0.0 && *y > 0.0;
    let all: Vec<(f64, f64)> = chart
        .lines
        .iter()
        .flat_map(|(line, _)| line.points.iter().copied().filter(usable))
        .collect();
    let range = |values: Vec<f64>| {
        let (low, high) = values
            .iter()
            .fold((f64::INFINITY, 0.0_f64), |(l, h), &v| (l.min(v), h.max(v)));
        if low.is_finite() {
            (low / 1.5, high * 1.5)
        } else {
            (0.1, 10.0)
        }
    };
    let (x0, x1) = range(all.iter().map(|p| p.0).collect());
    let (y0, y1) = range(all.iter().map(|p| p.1).collect());

    root.fill(&WHITE).map_err(fail)?;
    let mut plot = ChartBuilder::on(&root)
        .caption(&chart.title, (FONT, 24))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(75)
        .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
        .map_err(fail)?;
    plot.configure_mesh()
        .x_desc(chart.x_desc.as_str())
        .y_desc(chart.y_desc.as_str())
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 15))
        .light_line_style(WHITE.mix(0.0))
        .x_label_formatter(&|x| short_number(*x))
        .y_label_formatter(&|y| short_number(*y))
        .draw()
        .map_err(fail)?;

    let grey = RGBColor(120, 120, 120);
    for (i, (line, style)) in chart.lines.iter().enumerate() {
        let colour = if *style == Style::Dashed {
            grey
        } else {
            COLOURS[i % COLOURS.len()]
        };
        let points: Vec<(f64, f64)> = line.points.iter().copied().filter(usable).collect();
        let legend = move |(x, y): (i32, i32)| {
            PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(3))
        };
        match style {
            Style::Dashed => plot
                .draw_series(DashedLineSeries::new(points, 10, 6, colour.stroke_width(2)))
                .map_err(fail)?,
            Style::LineAndMarkers => {
                plot.draw_series(points.iter().map(|&p| Circle::new(p, 5, colour.filled())))
                    .map_err(fail)?;
                plot.draw_series(LineSeries::new(points, colour.stroke_width(3)))
                    .map_err(fail)?
            }
            Style::Markers => plot
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Cross::new(p, 9, colour.stroke_width(3))),
                )
                .map_err(fail)?,
        }
        .label(line.label.as_str())
        .legend(legend);
    }
    plot.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FONT, 16))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(fail)?;
    root.present().map_err(fail)
}

/// A log axis label: `1000`, `2.5`, `0.001`, without trailing zeros.
fn short_number(value: f64) -> String {
    let text = if value >= 1.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    };
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}
