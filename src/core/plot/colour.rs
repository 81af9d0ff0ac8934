//! Colours the fit charts share: blends, tones that work in both themes, the runs' and
//! bands' colours.

use plotters::prelude::*;

use super::{ChartStyle, Theme};

/// `a` mixed into `b` with weight `t` (an opaque colour, for legend samples).
pub(super) fn blend(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let mix = |x: u8, y: u8| (f64::from(x) * t + f64::from(y) * (1.0 - t)).round().clamp(0.0, 255.0) as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A ramp colour that reads on the theme's background.
pub(super) fn tone(style: &ChartStyle, light: f64, dark: f64) -> RGBColor {
    style.ramp(match style.theme {
        Theme::Light => light,
        Theme::Dark => dark,
    })
}

/// The colour of the runs that went into the fit.
pub(super) fn run_color(style: &ChartStyle) -> RGBColor {
    tone(style, 0.27, 0.55)
}

/// The opaque look of a bootstrap band (its legend sample).
pub(super) fn band_color(style: &ChartStyle) -> RGBColor {
    blend(style.foreground(), style.background(), band_alpha(style))
}

/// Opacity of a bootstrap band over the background.
pub(super) fn band_alpha(style: &ChartStyle) -> f64 {
    match style.theme {
        Theme::Light => 0.16,
        Theme::Dark => 0.24,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn luminance(c: RGBColor) -> f64 {
        0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2)
    }

    #[test]
    fn blends_run_from_one_colour_to_the_other() {
        let (a, b) = (RGBColor(200, 40, 0), RGBColor(0, 40, 200));
        assert_eq!(blend(a, b, 1.0), a);
        assert_eq!(blend(a, b, 0.0), b);
        assert_eq!(blend(a, b, 0.5), RGBColor(100, 40, 100));
    }

    /// Runs and bands stand out from the background in both themes, and the band is lighter than
    /// the foreground lines drawn over it.
    #[test]
    fn runs_and_bands_read_in_both_themes() {
        for theme in [Theme::Light, Theme::Dark] {
            let style = ChartStyle::new(theme, 1.0);
            let back = luminance(style.background());
            assert!((luminance(run_color(&style)) - back).abs() > 60.0, "{theme:?}: runs too close to the background");
            let band = luminance(band_color(&style));
            assert!((band - back).abs() > 10.0, "{theme:?}: the band vanishes");
            assert!((band - back).abs() < (luminance(style.foreground()) - back).abs(), "{theme:?}: the band is as strong as a line");
        }
    }
}
