//! The filter's parameters: which flavour, the sigmas, the window and the
//! colour table's bins, and the checks that refuse a bad value before any work.

use crate::DenoiseError;

/// Which bilateral filter to compute (see the crate docs for the difference).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Flavour {
    /// scikit-image 0.26's `denoise_bilateral`, quirks included, bit-compatible.
    #[default]
    Skimage,
    /// The textbook filter: centred Gaussians, true colour distance, no black border.
    Exact,
}

impl std::str::FromStr for Flavour {
    type Err = String;
    fn from_str(s: &str) -> Result<Flavour, String> {
        match s {
            "skimage" => Ok(Flavour::Skimage),
            "exact" => Ok(Flavour::Exact),
            _ => Err(format!("unknown flavour '{s}' (use skimage or exact)")),
        }
    }
}

/// The filter's parameters, named as in scikit-image's `denoise_bilateral`.
#[derive(Clone, Debug, PartialEq)]
pub struct BilateralParams {
    /// Standard deviation of the colour weights, in the image's units (0..1 for
    /// photos). `None` uses the image's standard deviation, as scikit-image does.
    pub sigma_color: Option<f64>,
    /// Standard deviation of the spatial weights, in pixels.
    pub sigma_spatial: f64,
    /// Window size (odd). `None`: `max(5, 2 * ceil(3 * sigma_spatial) + 1)`.
    pub win_size: Option<usize>,
    /// Bins of scikit-image's colour table (Skimage flavour only).
    pub bins: usize,
    pub flavour: Flavour,
}

impl Default for BilateralParams {
    /// scikit-image's defaults: `sigma_color=None, sigma_spatial=1, bins=10000`.
    fn default() -> BilateralParams {
        BilateralParams {
            sigma_color: None,
            sigma_spatial: 1.0,
            win_size: None,
            bins: 10_000,
            flavour: Flavour::Skimage,
        }
    }
}

impl BilateralParams {
    /// The workshop's call: `denoise_bilateral(img, sigma_range=0.1, sigma_spatial=3)`.
    pub fn workshop(flavour: Flavour) -> BilateralParams {
        BilateralParams {
            sigma_color: Some(0.1),
            sigma_spatial: 3.0,
            flavour,
            ..BilateralParams::default()
        }
    }

    /// The window size used: the given one, or scikit-image's rule.
    pub fn window(&self) -> usize {
        // `as usize` saturates, and the sum saturates too: a huge sigma gives
        // usize::MAX, which `check` refuses, never a wrapped small window.
        self.win_size.unwrap_or_else(|| {
            5.max(
                ((3.0 * self.sigma_spatial).ceil() as usize)
                    .saturating_mul(2)
                    .saturating_add(1),
            )
        })
    }

    /// Checks every parameter; the error names the one that is wrong.
    pub fn check(&self) -> Result<(), DenoiseError> {
        let bad = |m: String| Err(DenoiseError::Parameter(m));
        if !(self.sigma_spatial.is_finite() && self.sigma_spatial > 0.0) {
            return bad(format!(
                "sigma_spatial must be a positive number, not {}",
                self.sigma_spatial
            ));
        }
        if let Some(s) = self.sigma_color
            && !(s.is_finite() && s > 0.0)
        {
            return bad(format!("sigma_color must be a positive number, not {s}"));
        }
        if let Some(w) = self.win_size
            && w.is_multiple_of(2)
        {
            return bad(format!(
                "win_size must be odd (the window is centred on the pixel), not {w}"
            ));
        }
        if self.window() > MAX_WINDOW {
            return bad(match self.win_size {
                Some(w) => format!("win_size {w} is too large (at most {MAX_WINDOW} pixels)"),
                None => format!(
                    "sigma_spatial {:?} is too large: its window would be over {MAX_WINDOW} pixels wide (sigma_spatial at most {})",
                    self.sigma_spatial,
                    (MAX_WINDOW - 1) / 6
                ),
            });
        }
        if self.bins == 0 || self.bins > MAX_BINS {
            return bad(format!(
                "bins must be between 1 and {MAX_BINS}, not {}",
                self.bins
            ));
        }
        Ok(())
    }
}

/// Largest window accepted (sigma_spatial up to ~166 pixels).
const MAX_WINDOW: usize = 1001;
/// Largest colour table accepted (its index must fit an `i32` for the SIMD gather).
const MAX_BINS: usize = 1 << 30;
