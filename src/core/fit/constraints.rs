//! What a fit of runs may add to the plain robust objective: a weight per run, an asymmetric
//! Huber loss (over-predictions cost k times more, so the law tracks the best runs rather than
//! the mean, as OLMo's ladder and the `chinchilla` package fit), and parameters fixed to a value
//! or tied to another (α = β, Gadre et al. 2024's over-training form). The optimiser then moves
//! only the free parameters; [`Fitting::expand`] maps them back to the law's θ.

use super::grid::Grid;

/// The options of one fit beyond Huber δ. The default adds nothing.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Fitting {
    /// One weight (≥ 0) per run, in the runs' order; empty: every run weighs 1.
    pub weights: Vec<f64>,
    /// Over-predictions (ln L̂ > ln L) cost this many times more than under-predictions; 1 is
    /// the symmetric Huber loss.
    pub asymmetry: f64,
    /// Where each of the law's θ comes from; empty: every θ is free (θ itself).
    pub slots: Vec<Slot>,
}

impl Default for Fitting {
    fn default() -> Self {
        Fitting { weights: Vec::new(), asymmetry: 1.0, slots: Vec::new() }
    }
}

/// Where one parameter of θ comes from.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Slot {
    /// Free parameter `j` of the optimiser (two slots with the same `j` are tied).
    Free(usize),
    /// A fixed value of θ (in θ's units: ln E for E).
    Fixed(f64),
}

/// The asymmetric Huber loss on a log-loss residual r = ln L̂ − ln L and its derivative in r:
/// quadratic within δ, linear beyond, times `k` when the law over-predicts (r > 0).
pub fn asymmetric_huber(r: f64, delta: f64, k: f64) -> (f64, f64) {
    let side = if r > 0.0 { k } else { 1.0 };
    (side * super::model::huber(r, delta), side * r.clamp(-delta, delta))
}

impl Fitting {
    /// Whether the fit is the plain one (no weights, symmetric, every θ free).
    pub fn is_plain(&self) -> bool {
        self.weights.is_empty() && self.asymmetry == 1.0 && self.slots.is_empty()
    }

    /// Whether some parameter is fixed or tied.
    pub fn constrained(&self) -> bool {
        !self.slots.is_empty()
    }

    /// Number of free parameters for a law of `dim` parameters.
    pub fn free(&self, dim: usize) -> usize {
        if self.slots.is_empty() {
            return dim;
        }
        self.slots.iter().filter_map(|s| if let Slot::Free(j) = s { Some(j + 1) } else { None }).max().unwrap_or(0)
    }

    /// The law's θ (`full`, its length) from the free parameters.
    pub fn expand(&self, free: &[f64], full: &mut [f64]) {
        if self.slots.is_empty() {
            for (f, v) in full.iter_mut().zip(free) {
                *f = *v;
            }
            return;
        }
        for (f, slot) in full.iter_mut().zip(&self.slots) {
            *f = match *slot {
                Slot::Free(j) => free.get(j).copied().unwrap_or(f64::NAN),
                Slot::Fixed(v) => v,
            };
        }
    }

    /// The law's θ from the free parameters, as a vector of `dim` entries.
    pub fn expanded(&self, free: &[f64], dim: usize) -> Vec<f64> {
        let mut full = vec![0.0; dim];
        self.expand(free, &mut full);
        full
    }

    /// The gradient in the free parameters from the gradient in θ (a tied parameter's is the sum).
    pub fn reduce_gradient(&self, full: &[f64], free: &mut [f64]) {
        if self.slots.is_empty() {
            for (f, g) in free.iter_mut().zip(full) {
                *f = *g;
            }
            return;
        }
        free.iter_mut().for_each(|g| *g = 0.0);
        for (slot, g) in self.slots.iter().zip(full) {
            if let Slot::Free(j) = *slot {
                if let Some(f) = free.get_mut(j) {
                    *f += g;
                }
            }
        }
    }

    /// The free parameters of θ (the first slot of each free parameter gives its value).
    pub fn reduce(&self, full: &[f64]) -> Vec<f64> {
        if self.slots.is_empty() {
            return full.to_vec();
        }
        let mut free = vec![f64::NAN; self.free(full.len())];
        for (slot, v) in self.slots.iter().zip(full) {
            if let Slot::Free(j) = *slot {
                if free.get(j).is_some_and(|x: &f64| x.is_nan()) {
                    free[j] = *v;
                }
            }
        }
        free
    }

    /// The grid of starts over the free parameters: each free parameter takes the axis of the
    /// first θ it stands for.
    pub fn grid(&self, full: &Grid) -> Grid {
        if self.slots.is_empty() {
            return full.clone();
        }
        let mut axes: Vec<Vec<f64>> = vec![Vec::new(); self.free(full.axes.len())];
        for (slot, axis) in self.slots.iter().zip(&full.axes) {
            if let Slot::Free(j) = *slot {
                if axes.get(j).is_some_and(Vec::is_empty) {
                    axes[j] = axis.clone();
                }
            }
        }
        Grid { axes }
    }

    /// The weight of run `i` times `count` (a bootstrap's count, or 1).
    pub fn weight(&self, i: usize, count: f64) -> f64 {
        if self.weights.is_empty() {
            count
        } else {
            count * self.weights.get(i).copied().unwrap_or(0.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tied_and_fixed_parameters_expand_reduce_and_sum_their_gradients() {
        // θ = (a, b, e, α, β) with e fixed at 0.5 and β tied to α: free = (a, b, α).
        let f = Fitting { slots: vec![Slot::Free(0), Slot::Free(1), Slot::Fixed(0.5), Slot::Free(2), Slot::Free(2)], ..Fitting::default() };
        assert_eq!(f.free(5), 3);
        assert_eq!(f.expanded(&[6.0, 7.0, 0.3], 5), vec![6.0, 7.0, 0.5, 0.3, 0.3]);
        assert_eq!(f.reduce(&[6.0, 7.0, 0.5, 0.3, 0.3]), vec![6.0, 7.0, 0.3]);
        let mut g = [0.0; 3];
        f.reduce_gradient(&[1.0, 2.0, 3.0, 4.0, 5.0], &mut g);
        assert_eq!(g, [1.0, 2.0, 9.0]);
        let grid = Grid { axes: vec![vec![1.0], vec![2.0, 3.0], vec![4.0], vec![5.0, 6.0, 7.0], vec![8.0]] };
        assert_eq!(f.grid(&grid).axes, vec![vec![1.0], vec![2.0, 3.0], vec![5.0, 6.0, 7.0]]);
        assert!(Fitting::default().is_plain() && !f.is_plain());
    }

    #[test]
    fn asymmetric_huber_weighs_over_predictions_and_has_the_right_derivative() {
        for &(r, k) in &[(0.0005, 3.0), (-0.0005, 3.0), (0.01, 2.0), (-0.01, 2.0), (0.02, 1.0)] {
            let (v, d) = asymmetric_huber(r, 1e-3, k);
            let h = 1e-7;
            let numeric = (asymmetric_huber(r + h, 1e-3, k).0 - asymmetric_huber(r - h, 1e-3, k).0) / (2.0 * h);
            assert!((numeric - d).abs() < 1e-6, "{r} {k}: {numeric} vs {d}");
            let plain = super::super::model::huber(r, 1e-3);
            assert_eq!(v, if r > 0.0 { k * plain } else { plain });
        }
    }
}
