//! The weight tables: scikit-image's colour table and spatial weights (the
//! latter as its loop reads them, off-centre), and the textbook spatial weights.

/// scikit-image's colour table: `exp(-0.5 * (v² / sigma²))` for
/// `v = linspace(0, max_value, bins, endpoint=False)`.
pub fn skimage_colour_lut(bins: usize, sigma_color: f64, max_value: f64) -> Vec<f64> {
    let step = max_value / bins as f64;
    let sigma2 = sigma_color * sigma_color;
    (0..bins)
        .map(|i| {
            let v = i as f64 * step;
            (-0.5 * (v * v / sigma2)).exp()
        })
        .collect()
}

/// scikit-image's spatial weights *as its loop reads them*: the table is built
/// on the grid `-win/2 - 1 ..= win/2` (`np.arange(-win // 2, win // 2 + 1)`,
/// `win + 1` points because Python's `//` rounds down), then read at
/// `kr * win + kc`. We return those `win × win` values in reading order.
pub fn skimage_spatial_lut(win: usize, sigma_spatial: f64) -> Vec<f64> {
    let grid: Vec<f64> = (-(win as i64 + 1) / 2..=win as i64 / 2)
        .map(|g| g as f64)
        .collect();
    let n = grid.len();
    let sigma2 = sigma_spatial * sigma_spatial;
    let table: Vec<f64> = (0..n * n)
        .map(|i| {
            let d = grid[i / n].hypot(grid[i % n]);
            (-0.5 * (d * d / sigma2)).exp()
        })
        .collect();
    table[..win * win].to_vec()
}

/// The textbook spatial weights: `exp(-(dr² + dc²) / (2 sigma²))`, centred.
pub fn exact_spatial_lut(win: usize, sigma_spatial: f64) -> Vec<f64> {
    let ext = (win - 1) as f64 / 2.0;
    (0..win * win)
        .map(|i| {
            let (dr, dc) = ((i / win) as f64 - ext, (i % win) as f64 - ext);
            (-(dr * dr + dc * dc) / (2.0 * sigma_spatial * sigma_spatial)).exp()
        })
        .collect()
}
