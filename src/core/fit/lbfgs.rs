//! Limited-memory BFGS with a strong-Wolfe line search, for small, cheap problems (2–5
//! parameters, thousands of starts). The solver itself lives in the `scalecalc-kernel` crate
//! (`src/kernel/lbfgs.rs`), compiled at opt-level 3 even when the rest of the wasm is built for
//! size; it is re-exported here so that every `crate::core::fit::lbfgs::…` path works.
//! `argmin_lbfgs` runs the same problem through argmin for comparison
//! (`scalecalc bench-fit --optimizer argmin`).

pub use scalecalc_kernel::lbfgs::{minimize, Outcome, Settings, Stop, MAX_DIM};

/// The same minimisation through argmin's L-BFGS with its Moré–Thuente line search, kept to
/// benchmark the hand-written solver against (native only).
#[cfg(not(target_arch = "wasm32"))]
pub fn argmin_lbfgs<F>(f: F, start: &[f64], settings: &Settings) -> Outcome
where
    F: Fn(&[f64], &mut [f64]) -> f64,
{
    use argmin::core::{CostFunction, Error, Executor, Gradient, State};
    use argmin::solver::linesearch::MoreThuenteLineSearch;
    use argmin::solver::quasinewton::LBFGS;
    use std::cell::Cell;

    struct Problem<F> {
        f: F,
        evaluations: Cell<usize>,
    }
    impl<F: Fn(&[f64], &mut [f64]) -> f64> CostFunction for Problem<F> {
        type Param = Vec<f64>;
        type Output = f64;
        fn cost(&self, p: &Vec<f64>) -> Result<f64, Error> {
            self.evaluations.set(self.evaluations.get() + 1);
            let mut g = vec![0.0; p.len()];
            Ok((self.f)(p, &mut g))
        }
    }
    impl<F: Fn(&[f64], &mut [f64]) -> f64> Gradient for Problem<F> {
        type Param = Vec<f64>;
        type Gradient = Vec<f64>;
        fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, Error> {
            self.evaluations.set(self.evaluations.get() + 1);
            let mut g = vec![0.0; p.len()];
            (self.f)(p, &mut g);
            Ok(g)
        }
    }
    let problem = Problem { f, evaluations: Cell::new(0) };
    let fail = |evaluations| Outcome {
        theta: start.to_vec(),
        value: f64::INFINITY,
        iterations: 0,
        evaluations,
        stop: Stop::NotFinite,
    };
    let Ok(solver) = LBFGS::new(MoreThuenteLineSearch::new(), settings.memory)
        .with_tolerance_grad(settings.gtol)
        .and_then(|s| s.with_tolerance_cost(settings.ftol))
    else {
        return fail(0);
    };
    let result = Executor::new(problem, solver)
        .configure(|state| state.param(start.to_vec()).max_iters(settings.max_iter as u64))
        .run();
    match result {
        Ok(res) => {
            let evals = res.problem.problem.as_ref().map_or(0, |p| p.evaluations.get());
            let state = res.state();
            let theta = state.get_best_param().cloned().unwrap_or_else(|| start.to_vec());
            Outcome {
                theta,
                value: state.get_best_cost(),
                iterations: state.get_iter() as usize,
                evaluations: evals,
                stop: Stop::Objective,
            }
        }
        Err(_) => fail(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
        let (a, b) = (x[0], x[1]);
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[1] = 200.0 * (b - a * a);
        (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
    }

    #[test]
    fn argmin_finds_it_too() {
        let out = argmin_lbfgs(rosenbrock, &[-1.2, 1.0], &Settings { gtol: 1e-10, ..Settings::default() });
        assert!((out.theta[0] - 1.0).abs() < 1e-5 && (out.theta[1] - 1.0).abs() < 1e-5, "{out:?}");
    }

    /// The re-exported solver is the kernel's, reachable by the old path.
    #[test]
    fn the_own_solver_is_reachable_here() {
        let out = minimize(&mut rosenbrock, &[-1.2, 1.0], &Settings { gtol: 1e-10, ..Settings::default() });
        assert!(out.converged() && (out.theta[0] - 1.0).abs() < 1e-6, "{out:?}");
    }
}
