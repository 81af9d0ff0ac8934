//! Multistart fitting of any [`Model`]: L-BFGS from every point of a grid, resumable in slices
//! so that workers can share the starts and report progress between them; distinct optima are
//! kept for warnings.

use super::grid::Grid;
use super::lbfgs::{self, Outcome, Settings};
use super::model::Model;

/// Which L-BFGS implementation runs the starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Optimizer {
    /// The hand-written solver in [`lbfgs::minimize`] (the default: see `scalecalc bench-fit`).
    #[default]
    Own,
    /// argmin's L-BFGS with Moré–Thuente line search.
    Argmin,
}

/// A local optimum and how many starts ended there.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Optimum {
    /// θ at the optimum.
    pub theta: Vec<f64>,
    /// The objective there.
    pub value: f64,
    /// Starts that ended in this optimum.
    pub starts: usize,
}

/// How many distinct optima are remembered (the lowest ones).
const KEPT_OPTIMA: usize = 16;

/// Optima whose θ agree to this relative tolerance in every coordinate are one optimum.
const SAME_OPTIMUM: f64 = 0.01;

/// A multistart fit in progress.
#[derive(Debug, Clone)]
pub struct Multistart<'m, M: Model + ?Sized> {
    model: &'m M,
    delta: f64,
    grid: Grid,
    settings: Settings,
    optimizer: Optimizer,
    begin: usize,
    next: usize,
    end: usize,
    absorbed: usize,
    evaluations: usize,
    failed: usize,
    optima: Vec<Optimum>,
}

/// What one share of a multistart found.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Slice {
    /// Its distinct optima, lowest first.
    pub optima: Vec<Optimum>,
    /// Objective evaluations.
    pub evaluations: usize,
    /// Starts that gave no usable optimum (objective not finite, or an optimum the model
    /// does not accept).
    pub failed: usize,
    /// Starts run.
    pub starts: usize,
}

/// The result of a finished multistart fit.
#[derive(Debug, Clone, PartialEq)]
pub struct MultistartResult {
    /// The best optimum, polished with tight tolerances.
    pub best: Outcome,
    /// The lowest distinct optima found, best first (the first is the best before polishing).
    pub optima: Vec<Optimum>,
    /// Starts run.
    pub starts: usize,
    /// Starts that gave no usable optimum.
    pub failed: usize,
    /// Objective evaluations over all starts and the polish.
    pub evaluations: usize,
}

impl<'m, M: Model + ?Sized> Multistart<'m, M> {
    /// Prepares a fit of `model` from every start of `grid`.
    pub fn new(model: &'m M, delta: f64, grid: Grid) -> Self {
        let end = grid.len();
        Multistart {
            model,
            delta,
            grid,
            settings: Settings::default(),
            optimizer: Optimizer::Own,
            begin: 0,
            next: 0,
            end,
            absorbed: 0,
            evaluations: 0,
            failed: 0,
            optima: Vec::new(),
        }
    }

    /// Restricts the run to starts `from..to` of the grid (one worker's share).
    pub fn with_range(mut self, from: usize, to: usize) -> Self {
        self.next = from.min(self.grid.len());
        self.begin = self.next;
        self.end = to.min(self.grid.len()).max(self.next);
        self
    }

    /// Uses another optimiser (for benchmarks).
    pub fn with_optimizer(mut self, optimizer: Optimizer) -> Self {
        self.optimizer = optimizer;
        self
    }

    /// What this share found, to be merged with the other shares by [`Multistart::absorb`].
    pub fn slice(&self) -> Slice {
        Slice { optima: self.optima.clone(), evaluations: self.evaluations, failed: self.failed, starts: self.next - self.begin }
    }

    /// Merges the optima another share found.
    pub fn absorb(&mut self, slice: Slice) {
        self.evaluations += slice.evaluations;
        self.failed += slice.failed;
        self.absorbed += slice.starts;
        for o in slice.optima {
            let starts = o.starts;
            self.record(Outcome { theta: o.theta, value: o.value, iterations: 0, evaluations: 0, stop: lbfgs::Stop::Objective }, starts);
        }
    }

    /// Starts done and total in this share.
    pub fn progress(&self) -> (usize, usize) {
        (self.next - self.begin, self.end - self.begin)
    }

    /// Whether every start of this share has run.
    pub fn is_done(&self) -> bool {
        self.next >= self.end
    }

    /// Runs up to `count` more starts; returns whether all are done.
    pub fn run(&mut self, count: usize) -> bool {
        let mut start = vec![0.0; self.model.dim()];
        let end = self.next.saturating_add(count).min(self.end);
        while self.next < end {
            self.grid.start(self.next, &mut start);
            self.next += 1;
            let out = minimize(self.model, self.delta, &start, &self.settings, self.optimizer);
            self.evaluations += out.evaluations;
            if !out.value.is_finite() || !self.model.accept(&out.theta) {
                self.failed += 1;
                continue;
            }
            self.record(out, 1);
        }
        self.is_done()
    }

    fn record(&mut self, out: Outcome, starts: usize) {
        let same = |o: &Optimum| {
            o.theta.iter().zip(&out.theta).all(|(a, b)| (a - b).abs() <= SAME_OPTIMUM * (1.0 + a.abs().max(b.abs())))
        };
        if let Some(o) = self.optima.iter_mut().find(|o| same(o)) {
            o.starts += starts;
            if out.value < o.value {
                o.value = out.value;
                o.theta = out.theta;
            }
        } else {
            self.optima.push(Optimum { theta: out.theta, value: out.value, starts });
        }
        crate::core::order::sort_by_f64(&mut self.optima, |o| o.value);
        self.optima.truncate(KEPT_OPTIMA);
    }

    /// Polishes the best optimum and returns the result; `None` if no start gave a usable one.
    pub fn finish(mut self) -> Option<MultistartResult> {
        self.run(usize::MAX);
        let best = self.optima.first()?;
        let polished = minimize(self.model, self.delta, &best.theta, &Settings::polish(), Optimizer::Own);
        let best = if polished.value <= best.value && self.model.accept(&polished.theta) {
            polished
        } else {
            Outcome { theta: best.theta.clone(), value: best.value, iterations: 0, evaluations: 0, stop: lbfgs::Stop::Objective }
        };
        Some(MultistartResult {
            evaluations: self.evaluations + best.evaluations,
            best,
            optima: self.optima,
            starts: self.next - self.begin + self.absorbed,
            failed: self.failed,
        })
    }
}

/// L-BFGS (warm settings) from each of `starts`: the usable optima as a share's [`Slice`] (one
/// optimum per start, lowest first; [`Multistart::absorb`] merges those that coincide). For
/// starts already near an optimum: a profile's basins, or another fit's optima.
pub fn from_starts<M: Model + ?Sized>(model: &M, delta: f64, starts: &[Vec<f64>]) -> Slice {
    let mut slice = Slice { optima: Vec::new(), evaluations: 0, failed: 0, starts: 0 };
    for start in starts {
        let out = minimize(model, delta, start, &Settings::warm(), Optimizer::Own);
        slice.evaluations += out.evaluations;
        slice.starts += 1;
        if out.value.is_finite() && model.accept(&out.theta) {
            slice.optima.push(Optimum { theta: out.theta, value: out.value, starts: 1 });
        } else {
            slice.failed += 1;
        }
    }
    crate::core::order::sort_by_f64(&mut slice.optima, |o| o.value);
    slice
}

/// A whole multistart fit in this thread: every start of `grid`, then the polish.
pub fn fit<M: Model + ?Sized>(model: &M, grid: &Grid, delta: f64) -> Option<MultistartResult> {
    Multistart::new(model, delta, grid.clone()).finish()
}

/// One local minimisation of the model's objective from `start`.
pub fn minimize<M: Model + ?Sized>(model: &M, delta: f64, start: &[f64], settings: &Settings, optimizer: Optimizer) -> Outcome {
    let mut objective = |theta: &[f64], grad: &mut [f64]| model.objective(theta, delta, None, grad);
    match optimizer {
        Optimizer::Own => lbfgs::minimize(&mut objective, start, settings),
        #[cfg(not(target_arch = "wasm32"))]
        Optimizer::Argmin => lbfgs::argmin_lbfgs(objective, start, settings),
        #[cfg(target_arch = "wasm32")]
        Optimizer::Argmin => lbfgs::minimize(&mut objective, start, settings),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::fit::points::Point;
    use crate::core::laws::{self, RunsModel};
    use crate::core::runs::Run;

    /// The Epoch digitisation of Hoffmann et al.'s runs with the 5 highest losses dropped, D = C/(6N).
    pub(crate) fn epoch_points() -> Vec<Point> {
        let text = crate::test_support::epoch_csv();
        let mut runs: Vec<Run> = text
            .lines()
            .skip(1)
            .map(|line| {
                let cells: Vec<&str> = line.split(',').collect();
                let n: f64 = cells[3].parse().unwrap();
                let c: f64 = cells[4].parse().unwrap();
                let loss: f64 = cells[6].parse().unwrap();
                Run { n, d: c / (6.0 * n), c, loss, run_id: None, line: 0, weight: 1.0, group: None }
            })
            .collect();
        runs.sort_by(|a, b| a.loss.total_cmp(&b.loss));
        runs.truncate(runs.len() - 5);
        runs.iter().map(Point::from_run).collect()
    }

    #[test]
    fn reaches_the_epoch_reference_optimum_from_the_full_grid() {
        let points = epoch_points();
        assert_eq!(points.len(), 240);
        let law = laws::chinchilla::CHINCHILLA;
        let model = RunsModel::new(&law, &points);
        let mut fit = Multistart::new(&model, 1e-3, law_grid(&law));
        while !fit.run(500) {}
        let result = fit.finish().unwrap();
        assert_eq!(result.starts, 4500);
        let p = laws::RunLaw::params(&law, &result.best.theta);
        let [e, a, b, alpha, beta] = p[..] else { unreachable!() };
        assert!(result.best.value <= 0.001_018_274_02, "objective {}", result.best.value);
        assert!((a - 477.8).abs() < 1.0, "A {a}");
        assert!((b - 2143.0).abs() < 5.0, "B {b}");
        assert!((e - 1.8172).abs() < 1e-3, "E {e}");
        assert!((alpha - 0.3473).abs() < 1e-3, "alpha {alpha}");
        assert!((beta - 0.3672).abs() < 1e-3, "beta {beta}");
    }

    fn law_grid(law: &dyn laws::RunLaw) -> Grid {
        law.default_grid()
    }

    #[test]
    fn shares_merge_into_the_same_result() {
        let points = epoch_points();
        let law = laws::chinchilla::CHINCHILLA;
        let model = RunsModel::new(&law, &points);
        let grid = Grid::parse("a=0:20:10, b=0:20:10, e=-1:1:1, alpha=0:1:0.5, beta=0:1:0.5", laws::RunLaw::theta_names(&law), laws::RunLaw::default_grid(&law)).unwrap();
        let whole = Multistart::new(&model, 1e-3, grid.clone()).finish().unwrap();
        let mut first = Multistart::new(&model, 1e-3, grid.clone()).with_range(0, 100);
        first.run(usize::MAX);
        let mut second = Multistart::new(&model, 1e-3, grid.clone()).with_range(100, 243);
        second.run(usize::MAX);
        assert_eq!(second.progress(), (143, 143));
        let mut merged = Multistart::new(&model, 1e-3, grid).with_range(243, 243);
        merged.absorb(first.slice());
        merged.absorb(second.slice());
        let merged = merged.finish().unwrap();
        assert_eq!(merged.starts, 243);
        assert_eq!(merged.evaluations, whole.evaluations);
        assert!((merged.best.value - whole.best.value).abs() < 1e-15);
    }
}
