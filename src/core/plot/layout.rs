//! Layout helpers the fit charts share: ranges that hold the data and the lines, and places
//! for legends and labels that keep clear of what is drawn.

use plotters::coord::ranged1d::Ranged;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{decades, ChartError, ChartStyle};
use super::legend::{draw_legend, Corner, Mark};

/// Whether a compute (or any log-axis value) can be drawn.
pub(super) fn usable(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// Smallest and largest of the usable values.
pub(super) fn min_max(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    min_max_finite(values.into_iter().filter(|v| usable(*v)))
}

/// Smallest and largest of the finite values.
pub(super) fn min_max_finite(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| Some(acc.map_or((v, v), |(lo, hi): (f64, f64)| (lo.min(v), hi.max(v)))))
}

/// The compute span a fitted line covers: from the smallest run (or below the budget) to
/// half again beyond the largest run or the budget.
pub(super) fn line_span(c_min: f64, c_max: f64, budget: Option<f64>) -> (f64, f64) {
    let lo = budget.map_or(c_min, |b| c_min.min(b / 1.5));
    let hi = c_max.max(budget.unwrap_or(0.0)) * 1.5;
    (lo, hi)
}

/// A log axis range of whole decades around `lo..hi`, at least one decade wide.
pub(super) fn log_range(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = decades(lo, hi);
    if hi / lo < 9.99 {
        (lo, lo * 10.0)
    } else {
        (lo, hi)
    }
}

/// A rectangle in backend pixels: [(left, top), (right, bottom)].
pub(super) type Rect = [(i32, i32); 2];
/// What a legend should not cover: data points, samples along lines and text labels.
#[derive(Default)]
pub(super) struct Obstacles {
    /// Points in backend pixels, with a weight each.
    pub points: Vec<(i32, i32, u32)>,
    /// Labels in backend pixels.
    pub rects: Vec<Rect>,
}

impl Obstacles {
    /// Adds data points (each weighs 3).
    pub fn add_points<DB: DrawingBackend, X, Y>(
        &mut self,
        chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
        points: impl Iterator<Item = (f64, f64)>,
    ) where
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        self.points.extend(points.map(|p| {
            let (x, y) = chart.backend_coord(&p);
            (x, y, 3)
        }));
    }

    /// Adds the samples of a line (each weighs 1).
    pub fn add_line<DB: DrawingBackend, X, Y>(&mut self, chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>, line: &[(f64, f64)])
    where
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        self.points.extend(line.iter().map(|p| {
            let (x, y) = chart.backend_coord(p);
            (x, y, 1)
        }));
    }

    pub(super) fn cost(&self, r: Rect) -> u32 {
        let [(x0, y0), (x1, y1)] = r;
        let points: u32 = self.points.iter().filter(|&&(x, y, _)| x >= x0 && x <= x1 && y >= y0 && y <= y1).map(|p| p.2).sum();
        let labels = self.rects.iter().filter(|q| q[0].0 < x1 && q[1].0 > x0 && q[0].1 < y1 && q[1].1 > y0).count() as u32;
        points + 1000 * labels
    }
}

/// Draws the legend where it covers the least of `obstacles`: a corner of the plotting area
/// `plot`, or the middle of its top or bottom edge.
pub(super) fn place_legend<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    entries: &[(String, Mark)],
    obstacles: &Obstacles,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    if entries.is_empty() {
        return Ok(());
    }
    // The box draw_legend draws (same sizes).
    let font = style.font(11.0);
    let (pad, sample, gap) = (style.px(6.0), style.px(22.0), style.px(6.0));
    let (mut text_w, mut text_h) = (0, 0);
    for (label, _) in entries {
        let (w, h) = plot.estimate_text_size(label, &font)?;
        text_w = text_w.max(w as i32);
        text_h = text_h.max(h as i32);
    }
    let box_w = pad * 2 + sample + gap + text_w;
    let box_h = pad * 2 + (text_h + style.px(4.0)) * entries.len() as i32;
    let margin = style.px(8.0);
    let (bx, by) = plot.get_base_pixel();
    let (w, h) = plot.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let (left, centre, right) = (bx + margin, bx + (w - box_w) / 2, bx + w - box_w - margin);
    let (top, bottom) = (by + margin, by + h - box_h - margin);
    // In order of preference when they tie.
    let candidates =
        [(right, top), (left, top), (right, bottom), (left, bottom), (centre, top), (centre, bottom)];
    let slack = style.px(4.0);
    let mut best = candidates[0];
    let mut best_cost = u32::MAX;
    for (x, y) in candidates {
        let cost = obstacles.cost([(x - slack, y - slack), (x + box_w + slack, y + box_h + slack)]);
        if cost < best_cost {
            best = (x, y);
            best_cost = cost;
        }
    }
    // draw_legend puts the box `margin` in from the upper right of the area it is given: give
    // it the area whose upper right is there.
    let (x, y) = best;
    let top_cut = (y - by - margin).max(0);
    let right_cut = (bx + w - (x + box_w) - margin).max(0);
    draw_legend(&plot.margin(top_cut, 0, 0, right_cut), entries, Corner::UpperRight, style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_keep_usable_values_and_whole_decades() {
        assert_eq!(min_max([3.0, f64::NAN, -1.0, 0.0, 7.0, f64::INFINITY]), Some((3.0, 7.0)));
        assert_eq!(min_max_finite([3.0, -1.0, f64::NAN]), Some((-1.0, 3.0)));
        assert_eq!(min_max([f64::NAN, 0.0]), None);
        assert_eq!(log_range(2e18, 3e18), (1e18, 1e19));
        assert_eq!(log_range(2e18, 3e21), (1e18, 1e22));
        assert!(!usable(0.0) && !usable(f64::NAN) && usable(1e-300));
    }

    #[test]
    fn a_line_reaches_past_the_runs_and_the_budget() {
        assert_eq!(line_span(1e18, 1e21, None), (1e18, 1.5e21));
        let (lo, hi) = line_span(1e18, 1e21, Some(1e24));
        assert_eq!((lo, hi), (1e18, 1.5e24));
        assert_eq!(line_span(1e18, 1e21, Some(1e17)).0, 1e17 / 1.5);
    }

    /// A rectangle costs the weight of the points inside it, and a lot for every label it covers.
    #[test]
    fn covering_labels_costs_more_than_covering_points() {
        let obstacles = Obstacles { points: vec![(10, 10, 3), (50, 50, 1), (500, 500, 3)], rects: vec![[(200, 200), (260, 220)]] };
        assert_eq!(obstacles.cost([(0, 0), (100, 100)]), 4);
        assert_eq!(obstacles.cost([(150, 150), (250, 250)]), 1000);
        assert_eq!(obstacles.cost([(600, 0), (700, 100)]), 0);
    }
}
