//! Colours, fonts and sizes shared by every chart, scaled for the screen's pixel ratio.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::core::presets::Preset;

/// Light or dark colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Dark text on white.
    Light,
    /// Light text on near-black.
    Dark,
}

/// How to draw: the theme and the device pixel ratio every size is multiplied by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartStyle {
    /// Colours.
    pub theme: Theme,
    /// Device pixels per CSS pixel (window.devicePixelRatio), clamped to [1, 4].
    pub scale: f64,
}

impl ChartStyle {
    /// A style for this theme and pixel ratio.
    pub fn new(theme: Theme, scale: f64) -> Self {
        let scale = if scale.is_finite() { scale.clamp(1.0, 4.0) } else { 1.0 };
        ChartStyle { theme, scale }
    }

    /// A length in device pixels for `css_px` CSS pixels.
    pub fn px(&self, css_px: f64) -> i32 {
        (css_px * self.scale).round() as i32
    }

    /// Background colour.
    pub fn background(&self) -> RGBColor {
        match self.theme {
            Theme::Light => RGBColor(255, 255, 255),
            Theme::Dark => RGBColor(22, 27, 34),
        }
    }

    /// Text and axis colour.
    pub fn foreground(&self) -> RGBColor {
        match self.theme {
            Theme::Light => RGBColor(31, 35, 40),
            Theme::Dark => RGBColor(230, 237, 243),
        }
    }

    /// Major grid colour.
    pub fn grid(&self) -> RGBColor {
        match self.theme {
            Theme::Light => RGBColor(208, 215, 222),
            Theme::Dark => RGBColor(61, 68, 77),
        }
    }

    /// Minor grid colour.
    pub fn grid_light(&self) -> RGBColor {
        match self.theme {
            Theme::Light => RGBColor(238, 241, 244),
            Theme::Dark => RGBColor(33, 38, 45),
        }
    }

    /// The colour of a law's lines: its preset's, or the accent for the user's fit.
    pub fn law_color(&self, law: &crate::core::choice::LawChoice) -> RGBColor {
        match law.preset() {
            Some(p) => self.preset_color(p),
            None => self.accent(),
        }
    }

    /// The colour of a preset's lines.
    pub fn preset_color(&self, preset: Preset) -> RGBColor {
        self.series_color(match preset {
            Preset::Epoch => 0,
            Preset::Hoffmann => 1,
            Preset::Muennighoff => 2,
            Preset::Kaplan => 3,
        })
    }

    /// The colour of the `i`-th line of a chart (Okabe–Ito, readable by colour-blind viewers,
    /// lighter in the dark theme); repeats after five.
    pub fn series_color(&self, i: usize) -> RGBColor {
        const PALETTE: [(RGBColor, RGBColor); 5] = [
            (RGBColor(0, 114, 178), RGBColor(86, 180, 233)),
            (RGBColor(213, 94, 0), RGBColor(240, 140, 60)),
            (RGBColor(0, 158, 115), RGBColor(60, 200, 150)),
            (RGBColor(204, 121, 167), RGBColor(225, 150, 200)),
            (RGBColor(120, 94, 240), RGBColor(170, 150, 255)),
        ];
        let (light, dark) = PALETTE[i % PALETTE.len()];
        if matches!(self.theme, Theme::Light) { light } else { dark }
    }

    /// Secondary text and guide lines: between foreground and background, readable on both.
    pub fn muted(&self) -> RGBColor {
        match self.theme {
            Theme::Light => RGBColor(101, 109, 118),
            Theme::Dark => RGBColor(145, 152, 161),
        }
    }

    /// Highlight colour for the user's budget and optimum.
    pub fn accent(&self) -> RGBColor {
        match self.theme {
            Theme::Light => RGBColor(207, 34, 46),
            Theme::Dark => RGBColor(255, 123, 114),
        }
    }

    /// A sans-serif font of `css_px` CSS pixels in the foreground colour.
    pub fn font(&self, css_px: f64) -> TextStyle<'static> {
        ("sans-serif", css_px * self.scale).into_font().color(&self.foreground())
    }

    /// Like [`font`](Self::font), anchored at a corner or side.
    pub fn anchored(&self, css_px: f64, h: HPos, v: VPos) -> TextStyle<'static> {
        self.font(css_px).pos(Pos::new(h, v))
    }

    /// A colour from a perceptually ordered ramp (viridis-like), t in [0, 1].
    pub fn ramp(&self, t: f64) -> RGBColor {
        const STOPS: [(f64, f64, f64); 5] =
            [(68.0, 1.0, 84.0), (59.0, 82.0, 139.0), (33.0, 145.0, 140.0), (94.0, 201.0, 98.0), (253.0, 231.0, 37.0)];
        let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 } * (STOPS.len() - 1) as f64;
        let i = (t.floor() as usize).min(STOPS.len() - 2);
        let f = t - i as f64;
        let mix = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
        let (a, b) = (STOPS[i], STOPS[i + 1]);
        RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}

/// The colour `t` of the way from `a` to `b` (t in [0, 1]), e.g. a band's fill over the background.
pub fn mix(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let m = |x: u8, y: u8| (f64::from(x) * (1.0 - t) + f64::from(y) * t).round() as u8;
    RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}
