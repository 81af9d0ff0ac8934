//! Sparse pre-training (Jin et al. 2025, "The Journey Matters: Average Parameter Count over
//! Pre-training Unifies Sparse and Dense Scaling Laws", arXiv:2501.12486): pruning during
//! pre-training, and the loss predicted from the *average* parameter count over training.
//!
//! The paper's claims this module relies on, from its abstract: "we propose a new scaling law
//! that modifies the Chinchilla scaling law to use the average parameter count over
//! pre-training"; "initiating pruning at 25% of total training compute and concluding at 75%
//! achieves near-optimal final evaluation loss"; "sparse pre-training achieves the same final
//! model quality as dense pre-training for equivalent compute budgets". Its fitted constants
//! could not be verified from a primary source here, so the law carries none of its own: a
//! prediction uses the Chinchilla-form law the caller supplies (the Budget panel's, or one
//! fitted to the user's sparse and dense runs), evaluated at the average parameter count N̄.
//!
//! The pruning ramp: the authors' code (github.com/tjingrant/sparse-llm-code, MaxText
//! `global_gradual`) prunes at regular steps between a start and an end, each time removing the
//! same fraction p = 1 − (1 − s_f)^(1/n) of the remaining weights — geometric in the kept
//! fraction. Its continuous form, density ρ(u) = (1 − s_f)^u over the ramp's share u, gives the
//! average densities their released 1B models report (see the tests). A linear ramp of the
//! density is offered beside it.

use crate::core::units::format_sig;

/// How the kept fraction falls from 1 to 1 − s between the start and the end of pruning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Ramp {
    /// The same fraction of the remaining weights at each pruning step (the authors' code).
    Geometric,
    /// The kept fraction falls linearly.
    Linear,
}

impl Ramp {
    /// Reads "geometric" or "linear".
    pub fn parse(text: &str) -> Option<Ramp> {
        match text.trim().to_ascii_lowercase().as_str() {
            "geometric" => Some(Ramp::Geometric),
            "linear" => Some(Ramp::Linear),
            _ => None,
        }
    }
    /// Its key.
    pub fn key(self) -> &'static str {
        match self {
            Ramp::Geometric => "geometric",
            Ramp::Linear => "linear",
        }
    }
}

/// A pruning schedule over training: final sparsity and where pruning starts and ends, as
/// fractions of training.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Pruning {
    /// Final sparsity s, in [0, 1): the share of the pruned weights gone at the end.
    pub sparsity: f64,
    /// Where pruning starts, as a fraction of training.
    pub start: f64,
    /// Where it ends.
    pub end: f64,
    /// How the kept fraction falls in between.
    pub ramp: Ramp,
}

/// What is wrong with a pruning schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PruningError {
    /// Sparsity outside [0, 1).
    Sparsity(f64),
    /// A start or end outside [0, 1] (which, and its value).
    Bounds(&'static str, f64),
    /// The end before the start.
    EndBeforeStart {
        /// The start.
        start: f64,
        /// The end.
        end: f64,
    },
}

impl std::fmt::Display for PruningError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::Sparsity(s) => write!(f, "sparsity {} is outside [0, 1): 0 is dense, 0.9 keeps a tenth of the weights", format_sig(s, 3)),
            Self::Bounds(which, v) => write!(f, "the pruning {which} {} is outside [0, 1] (a fraction of training)", format_sig(v, 3)),
            Self::EndBeforeStart { start, end } => {
                write!(f, "pruning ends at {} of training, before it starts ({})", format_sig(end, 3), format_sig(start, 3))
            }
        }
    }
}

impl std::error::Error for PruningError {}

impl Pruning {
    /// The paper's best schedule: start at 25 % and end at 75 % of training (abstract), with the
    /// authors' geometric ramp.
    pub fn best(sparsity: f64) -> Pruning {
        Pruning { sparsity, start: 0.25, end: 0.75, ramp: Ramp::Geometric }
    }

    /// Checks the schedule.
    ///
    /// # Errors
    /// Sparsity outside [0, 1), start or end outside [0, 1], or the end before the start.
    pub fn check(&self) -> Result<(), PruningError> {
        if !(0.0..1.0).contains(&self.sparsity) {
            return Err(PruningError::Sparsity(self.sparsity));
        }
        for (which, v) in [("start", self.start), ("end", self.end)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(PruningError::Bounds(which, v));
            }
        }
        if self.end < self.start {
            return Err(PruningError::EndBeforeStart { start: self.start, end: self.end });
        }
        Ok(())
    }

    /// The kept fraction ρ(t) at fraction `t` of training.
    pub fn density(&self, t: f64) -> f64 {
        let kept = 1.0 - self.sparsity;
        if t <= self.start {
            return 1.0;
        }
        if t >= self.end {
            return kept;
        }
        let u = (t - self.start) / (self.end - self.start);
        match self.ramp {
            Ramp::Geometric => kept.powf(u),
            Ramp::Linear => 1.0 - self.sparsity * u,
        }
    }

    /// The average kept fraction over training, ρ̄ = ∫₀¹ ρ(t) dt, in closed form.
    pub fn average_density(&self) -> f64 {
        let kept = 1.0 - self.sparsity;
        let ramp = self.end - self.start;
        let during = match self.ramp {
            // ∫₀¹ k^u du = (1 − k)/(−ln k), → 1 as k → 1.
            Ramp::Geometric if self.sparsity > 1e-12 => self.sparsity / -kept.ln(),
            Ramp::Geometric => 1.0,
            Ramp::Linear => 1.0 - self.sparsity / 2.0,
        };
        self.start + ramp * during + (1.0 - self.end) * kept
    }
}

/// A model of `n` prunable parameters under a pruning schedule, next to dense training at the
/// same compute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SparsePlan {
    /// Average parameter count over training N̄ = ρ̄·N.
    pub n_avg: f64,
    /// Parameters left at the end (what inference runs), N·(1 − s).
    pub n_final: f64,
    /// Training tokens.
    pub d: f64,
    /// Training compute C = 6·N̄·D (the forward and backward passes touch the weights present).
    pub compute: f64,
}

/// The plan for `n` parameters pruned by `pruning` and trained on `d` tokens.
pub fn plan(n: f64, d: f64, pruning: &Pruning) -> SparsePlan {
    let n_avg = n * pruning.average_density();
    SparsePlan { n_avg, n_final: n * (1.0 - pruning.sparsity), d, compute: 6.0 * n_avg * d }
}

/// The plan at a compute budget: D = C/(6·N̄).
pub fn plan_at_compute(n: f64, compute: f64, pruning: &Pruning) -> SparsePlan {
    let n_avg = n * pruning.average_density();
    plan(n, compute / (6.0 * n_avg), pruning)
}

/// What is wrong with a pasted table of sparse (and dense) runs.
#[derive(Debug, Clone, PartialEq)]
pub enum SparseRunsError {
    /// The table could not be read.
    Table(crate::core::runs::TableError),
    /// A required column is missing; the headers found.
    Columns(Vec<String>),
    /// Rows that are not usable (each with its row and column).
    BadRows {
        /// The first few problems.
        rows: Vec<crate::core::runs::RowError>,
        /// How many rows are bad.
        count: usize,
    },
    /// A sparsity outside [0, 1) (its source line and value).
    Sparsity {
        /// 1-based line.
        line: usize,
        /// The value.
        value: f64,
    },
}

impl std::fmt::Display for SparseRunsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Table(e) => write!(f, "{e}"),
            Self::Columns(headers) => write!(
                f,
                "the runs need columns N (parameters before pruning), D (tokens) or C (FLOP), sparsity and loss; the headers are {}",
                crate::core::runs::list_names(headers)
            ),
            Self::BadRows { rows, count } => f.write_str(&crate::core::runs::summarize_bad_rows(rows, *count, 3)),
            Self::Sparsity { line, value } => write!(f, "row {line}, column \"sparsity\": {} is outside [0, 1)", format_sig(*value, 3)),
        }
    }
}

impl std::error::Error for SparseRunsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Table(e) => Some(e),
            _ => None,
        }
    }
}

/// One run read from a table: its average parameter count under `pruning` (with the run's own
/// sparsity), tokens and loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SparseRun {
    /// Parameters before pruning.
    pub n: f64,
    /// Final sparsity (0 for dense runs).
    pub sparsity: f64,
    /// Average parameter count over training.
    pub n_avg: f64,
    /// Training tokens.
    pub d: f64,
    /// Final loss.
    pub loss: f64,
}

/// Reads sparse and dense runs: columns N, D (or C, then D = C/(6·N̄)), sparsity and loss; each
/// run pruned on `pruning`'s schedule to its own sparsity.
///
/// # Errors
/// An unreadable table, a missing column, bad rows (with row and column), a sparsity outside
/// [0, 1).
pub fn read_runs(text: &str, pruning: &Pruning) -> Result<Vec<SparseRun>, SparseRunsError> {
    use crate::core::runs::{parse_table, pick_column, read_numeric, Rule};
    let table = parse_table(text).map_err(SparseRunsError::Table)?;
    let col = |aliases: &[&str]| pick_column(&table.headers, "", aliases).map_err(SparseRunsError::Table);
    let n = col(&["N", "params", "parameters", "model size", "n_params", "dense params"])?;
    let d = col(&["D", "tokens", "data", "training tokens"])?;
    let c = col(&["C", "compute", "FLOPs", "flop"])?;
    let s = col(&["sparsity", "s", "final sparsity"])?;
    let loss = col(&["loss", "val_loss", "eval loss", "validation loss"])?;
    let (Some(n), Some(x), Some(s), Some(loss)) = (n, d.or(c), s, loss) else {
        return Err(SparseRunsError::Columns(table.headers.clone()));
    };
    let uses_d = d.is_some();
    let rows = read_numeric(&table, &[(n, Rule::Positive), (x, Rule::Positive), (s, Rule::NonNegative), (loss, Rule::Positive)], None);
    if rows.bad_row_count > 0 {
        return Err(SparseRunsError::BadRows { rows: rows.bad_rows, count: rows.bad_row_count });
    }
    let mut out = Vec::with_capacity(rows.rows.len());
    for row in &rows.rows {
        let &[n, x, sparsity, loss] = row.values.as_slice() else { continue };
        if !(0.0..1.0).contains(&sparsity) {
            return Err(SparseRunsError::Sparsity { line: row.line, value: sparsity });
        }
        let n_avg = n * Pruning { sparsity, ..*pruning }.average_density();
        let d = if uses_d { x } else { x / (6.0 * n_avg) };
        out.push(SparseRun { n, sparsity, n_avg, d, loss });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The authors' released 1B models (LLaMA-2 1B shape, 1.14B linear parameters), model cards
    /// huggingface.co/tjingrant/sparsellm-1b-40p and -20p: 40 % sparsity, 13 050 steps, pruning
    /// from step 2 500 to 8 875, "average density" 0.7651 (0.87B average linear parameters); 20 %
    /// sparsity, 11 200 steps, steps 2 500–8 100, average density 0.8919. The continuous
    /// geometric ramp gives both within 0.1 %; a linear ramp would not.
    #[test]
    fn the_geometric_ramp_gives_the_released_models_average_density() {
        let p40 = Pruning { sparsity: 0.4, start: 2500.0 / 13050.0, end: 8875.0 / 13050.0, ramp: Ramp::Geometric };
        let p20 = Pruning { sparsity: 0.2, start: 2500.0 / 11200.0, end: 8100.0 / 11200.0, ramp: Ramp::Geometric };
        assert!((p40.average_density() - 0.7651).abs() < 0.0015, "{}", p40.average_density());
        assert!((p20.average_density() - 0.8919).abs() < 0.0015, "{}", p20.average_density());
        let n_avg = plan(1.14e9, 1e11, &p40).n_avg;
        assert!((n_avg / 0.87e9 - 1.0).abs() < 0.01, "{n_avg:e}");
        let linear = Pruning { ramp: Ramp::Linear, ..p40 };
        assert!((linear.average_density() - 0.7651).abs() > 0.003);
    }

    /// The closed form against a midpoint sum of ρ(t).
    #[test]
    fn the_average_is_the_integral_of_the_density() {
        for ramp in [Ramp::Geometric, Ramp::Linear] {
            for (s, a, b) in [(0.5, 0.25, 0.75), (0.9, 0.0, 1.0), (0.3, 0.1, 0.1), (0.0, 0.2, 0.8), (0.75, 0.5, 0.9)] {
                let p = Pruning { sparsity: s, start: a, end: b, ramp };
                let steps = 200_000;
                let sum: f64 = (0..steps).map(|i| p.density((i as f64 + 0.5) / steps as f64)).sum::<f64>() / steps as f64;
                assert!((sum - p.average_density()).abs() < 1e-5, "{p:?}: {sum} vs {}", p.average_density());
            }
        }
    }

    #[test]
    fn schedules_are_checked() {
        assert!(Pruning::best(0.5).check().is_ok());
        assert_eq!(Pruning::best(1.0).check(), Err(PruningError::Sparsity(1.0)));
        assert_eq!(Pruning::best(-0.1).check(), Err(PruningError::Sparsity(-0.1)));
        let backwards = Pruning { start: 0.8, end: 0.2, ..Pruning::best(0.5) };
        assert!(backwards.check().unwrap_err().to_string().contains("before it starts"));
        let outside = Pruning { end: 1.5, ..Pruning::best(0.5) };
        assert_eq!(outside.check(), Err(PruningError::Bounds("end", 1.5)));
        // Dense training is the limit of no sparsity.
        assert!((Pruning::best(0.0).average_density() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn runs_are_read_with_their_own_sparsity_and_checked() {
        let p = Pruning::best(0.0);
        let runs = read_runs("N,D,sparsity,loss\n1B,20B,0,2.5\n1B,20B,0.5,2.6\n2B,C=,0.5,2.4", &p);
        assert!(matches!(runs, Err(SparseRunsError::BadRows { count: 1, .. })), "{runs:?}");
        let runs = read_runs("N,D,sparsity,loss\n1B,20B,0,2.5\n1B,20B,0.5,2.6", &p).unwrap();
        assert_eq!(runs[0].n_avg, 1e9);
        assert!((runs[1].n_avg / 1e9 - Pruning::best(0.5).average_density()).abs() < 1e-12);
        // With C instead of D, D = C/(6·N̄).
        let by_c = read_runs("params,compute,sparsity,val_loss\n1B,1.2e20,0.5,2.6", &p).unwrap();
        assert!((6.0 * by_c[0].n_avg * by_c[0].d / 1.2e20 - 1.0).abs() < 1e-12);
        let bad = read_runs("N,D,sparsity,loss\n1B,20B,0,2.5\n1B,20B,1.2,2.6", &p).unwrap_err();
        assert_eq!(bad.to_string(), "row 3, column \"sparsity\": 1.2 is outside [0, 1)");
        assert!(read_runs("N,D,loss\n1B,20B,2.5", &p).unwrap_err().to_string().contains("sparsity"));
    }

    #[test]
    fn at_a_budget_the_tokens_follow_the_average_count() {
        let p = Pruning::best(0.5);
        let sp = plan_at_compute(1e9, 6e20, &p);
        assert!((sp.compute / 6e20 - 1.0).abs() < 1e-12);
        assert!((sp.n_final - 5e8).abs() < 1.0);
        assert!(sp.n_avg > sp.n_final && sp.n_avg < 1e9);
    }
}
