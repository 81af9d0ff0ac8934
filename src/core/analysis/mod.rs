//! A user's runs analysed: the fit request and its validation, the plan of tasks that workers
//! share, the report (parameters with intervals, validation, the comparison of laws, Approaches
//! 1 and 2, warnings) and the fitted law as links carry it. Built on the laws' registry and the
//! fitting machinery.

pub mod compare;
pub mod export;
pub mod identify;
pub mod joint;
pub mod plan;
pub mod report;
pub mod request;
pub mod run;
pub mod schedules;
pub mod spec;
pub mod sweep;
pub mod warnings;

use crate::core::allocate;
use crate::core::fit::bootstrap::{interval, Interval};
use crate::core::laws::{LawRef, RunLaw};
use spec::FittedLaw;

/// Intervals for each published parameter of a law, from resampled θ.
pub fn parameter_intervals(law: &dyn RunLaw, samples: &[Vec<f64>]) -> Vec<(String, Option<Interval>)> {
    let params: Vec<Vec<f64>> = samples.iter().map(|t| law.params(t)).collect();
    law.param_names()
        .iter()
        .enumerate()
        .map(|(i, name)| (name.to_string(), interval(params.iter().filter_map(|p| p.get(i).copied()))))
        .collect()
}

/// N*, D*, L* at one compute budget with their intervals over the resamples.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BudgetIntervals {
    /// The compute, FLOP.
    pub compute: f64,
    /// N* interval.
    pub n: Option<Interval>,
    /// D* interval.
    pub d: Option<Interval>,
    /// L* interval.
    pub loss: Option<Interval>,
}

/// Intervals on the compute-optimal N*, D*, L* at `compute` under the resampled laws.
pub fn budget_intervals(law: LawRef, samples: &[Vec<f64>], compute: f64) -> BudgetIntervals {
    intervals_of_optima(compute, &resample_optima(law, samples, compute))
}

/// The compute-optimal allocation at `compute` under each resample's parameters θ (those that
/// make a law with an optimum): what [`budget_intervals`] summarises, and what a tool chaining a
/// second step onto L* draws from.
pub fn resample_optima(law: LawRef, samples: &[Vec<f64>], compute: f64) -> Vec<allocate::Allocation> {
    samples
        .iter()
        .filter_map(|t| FittedLaw::from_theta(law, t))
        .filter_map(|fitted| allocate::optimum(fitted.as_law(), compute).ok())
        .collect()
}

/// 95 % intervals of N*, D*, L* over resampled optima at `compute`.
pub fn intervals_of_optima(compute: f64, optima: &[allocate::Allocation]) -> BudgetIntervals {
    BudgetIntervals {
        compute,
        n: interval(optima.iter().map(|a| a.n)),
        d: interval(optima.iter().map(|a| a.d)),
        loss: interval(optima.iter().map(|a| a.loss)),
    }
}
