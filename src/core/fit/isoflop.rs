//! IsoFLOP profiles (Hoffmann et al. 2022, "Approach 2"): group runs by compute budget, fit a
//! parabola of loss against ln N per budget, then N_opt ∝ C^a and D_opt ∝ C^b to the vertices.

use std::fmt;

use crate::core::fit::regression::{fit_parabola, fit_power_law, Parabola, PowerLaw};
use crate::core::runs::Run;
use crate::core::units::{format_count, format_sci, format_sig};

/// How runs are grouped into budgets and when a budget is usable.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IsoflopOptions {
    /// Runs whose log10 C differ by at most this from the group's first (smallest-C) run form one
    /// budget; finite and in [0, 1]. Default 0.05 (about ±12% in C).
    pub tolerance_log10: f64,
    /// Fewest runs a budget needs for its parabola (default 3; a parabola always needs 3
    /// distinct model sizes, whatever this says).
    pub min_runs: usize,
}

impl Default for IsoflopOptions {
    fn default() -> Self {
        IsoflopOptions { tolerance_log10: 0.05, min_runs: 3 }
    }
}

/// Whether a budget's parabola gave a usable optimum, and if not, why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum GroupStatus {
    /// The parabola has a minimum inside the sampled sizes; the budget enters the power-law fits.
    Ok,
    /// Fewer runs than [`IsoflopOptions::min_runs`].
    TooFewRuns {
        /// Runs in the budget.
        runs: usize,
        /// Runs required.
        needed: usize,
    },
    /// Fewer than 3 distinct model sizes: no parabola through them.
    TooFewSizes {
        /// Distinct N in the budget.
        sizes: usize,
    },
    /// The fitted parabola opens downward (or is flat): it has no minimum.
    OpensDownward,
    /// The parabola's minimum lies outside the sampled model sizes.
    VertexOutside {
        /// The fitted optimum; `None` when it is too far out to be a finite number.
        n_opt: Option<f64>,
        /// Smallest sampled N.
        n_min: f64,
        /// Largest sampled N.
        n_max: f64,
    },
    /// The least-squares parabola could not be computed (sizes nearly equal, or extreme values).
    Degenerate,
}

impl GroupStatus {
    /// Why the budget was left out, as a clause ("the parabola opens downward (no minimum)");
    /// `None` for [`GroupStatus::Ok`].
    pub fn message(&self) -> Option<String> {
        let text = match self {
            GroupStatus::Ok => return None,
            GroupStatus::TooFewRuns { runs, needed } => {
                format!("only {runs} run{}, at least {needed} needed", plural(*runs))
            }
            GroupStatus::TooFewSizes { sizes } => {
                format!("only {sizes} distinct model size{}, a parabola needs 3", plural(*sizes))
            }
            GroupStatus::OpensDownward => "the parabola opens downward (no minimum)".to_string(),
            GroupStatus::VertexOutside { n_opt, n_min, n_max } => {
                let range = format!("{}–{}", format_count(*n_min, 3), format_count(*n_max, 3));
                match n_opt {
                    Some(n) => format!(
                        "the fitted optimum {} lies outside the sampled {range}",
                        format_count(*n, 3)
                    ),
                    None => format!("the fitted optimum lies far outside the sampled {range}"),
                }
            }
            GroupStatus::Degenerate => {
                "no parabola could be fitted (model sizes too close together or values too extreme)"
                    .to_string()
            }
        };
        Some(text)
    }
}

fn plural(k: usize) -> &'static str {
    if k == 1 {
        ""
    } else {
        "s"
    }
}

/// One compute budget: its runs, parabola and (when usable) optimum.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BudgetGroup {
    /// Geometric mean C of the group's runs, FLOP.
    pub compute: f64,
    /// The runs in this budget, as indices into the input slice, by increasing N.
    pub runs: Vec<usize>,
    /// Loss against ln N, when one could be fitted (also for budgets left out for their vertex).
    pub parabola: Option<Parabola>,
    /// Compute-optimal N (the vertex), for usable budgets.
    pub n_opt: Option<f64>,
    /// Compute-optimal D = C/(6·N_opt), for usable budgets.
    pub d_opt: Option<f64>,
    /// The parabola's loss at its vertex, for usable budgets.
    pub loss_opt: Option<f64>,
    /// Usable, or why not.
    pub status: GroupStatus,
}

impl BudgetGroup {
    /// "budget 1e19 FLOP: the parabola opens downward (no minimum); left out", or `None` when
    /// the budget is usable.
    pub fn message(&self) -> Option<String> {
        self.reason().map(|r| format!("{r}; left out"))
    }

    fn reason(&self) -> Option<String> {
        let why = self.status.message()?;
        Some(format!("budget {} FLOP: {why}", format_sci(self.compute, 3)))
    }
}

/// The result of [`fit_isoflop`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IsoflopFit {
    /// Every budget, by increasing compute, usable or not.
    pub groups: Vec<BudgetGroup>,
    /// N_opt = k·C^a over the usable budgets (`None` only if the fit failed numerically).
    pub n_law: Option<PowerLaw>,
    /// D_opt = k·C^b over the usable budgets (b = 1 − a, since D_opt = C/(6·N_opt)).
    pub d_law: Option<PowerLaw>,
    /// Budgets that entered the power-law fits.
    pub used_groups: usize,
    /// Notes for the user, including each left-out budget's [`BudgetGroup::message`].
    pub warnings: Vec<String>,
}

/// Why no IsoFLOP fit could be made.
#[derive(Debug, Clone, PartialEq)]
pub enum IsoflopError {
    /// No run with a positive, finite N and C and a finite loss.
    NoRuns,
    /// The grouping tolerance is not a number in [0, 1].
    BadTolerance(f64),
    /// Fewer than 2 budgets gave a usable parabola.
    TooFewBudgets {
        /// Budgets with a usable parabola.
        usable: usize,
        /// Budgets found.
        groups: usize,
        /// Why each other budget was left out ("budget 1e19 FLOP: only 2 runs, at least 3 needed").
        reasons: Vec<String>,
    },
}

impl fmt::Display for IsoflopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IsoflopError::NoRuns => write!(
                f,
                "IsoFLOP profiles need runs with a positive N and C and a loss; none were given"
            ),
            IsoflopError::BadTolerance(t) => write!(
                f,
                "the budget tolerance must be between 0 and 1 (in log10 C); got {}",
                format_sig(*t, 4)
            ),
            IsoflopError::TooFewBudgets { usable, groups, reasons } => {
                write!(
                    f,
                    "IsoFLOP profiles need at least 2 budgets with a usable parabola; \
                     found {usable} of {groups}"
                )?;
                if *groups == 1 {
                    write!(f, " (all runs share one compute budget)")?;
                }
                if !reasons.is_empty() {
                    write!(f, ": {}", reasons.join("; "))?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for IsoflopError {}

fn usable_run(r: &Run) -> bool {
    r.n > 0.0 && r.n.is_finite() && r.c > 0.0 && r.c.is_finite() && r.loss.is_finite()
}

/// Groups `(index, log10 C)` pairs, sorted by log10 C, into budgets: a run joins the current
/// budget while its log10 C is within `tol` of that budget's first run.
fn group_by_budget(sorted: &[(usize, f64)], tol: f64) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut anchor = f64::NEG_INFINITY;
    for &(i, lc) in sorted {
        match groups.last_mut() {
            Some(group) if lc - anchor <= tol => group.push(i),
            _ => {
                groups.push(vec![i]);
                anchor = lc;
            }
        }
    }
    groups
}

/// Fits one budget's parabola and classifies it.
fn analyse(runs: &[Run], mut idx: Vec<usize>, min_runs: usize) -> BudgetGroup {
    let members: Vec<&Run> = idx.iter().filter_map(|&i| runs.get(i)).collect();
    let count = members.len().max(1) as f64;
    let compute = members.iter().map(|r| r.c.ln() / count).sum::<f64>().exp();
    crate::core::order::sort_by(&mut idx, |&a, &b| {
        let na = runs.get(a).map_or(0.0, |r| r.n);
        let nb = runs.get(b).map_or(0.0, |r| r.n);
        na.total_cmp(&nb).then(a.cmp(&b))
    });
    let mut group = BudgetGroup {
        compute,
        runs: idx,
        parabola: None,
        n_opt: None,
        d_opt: None,
        loss_opt: None,
        status: GroupStatus::Ok,
    };
    if members.len() < min_runs {
        group.status = GroupStatus::TooFewRuns { runs: members.len(), needed: min_runs };
        return group;
    }
    let mut sizes: Vec<f64> = members.iter().map(|r| r.n).collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    let (Some(&n_min), Some(&n_max)) = (sizes.first(), sizes.last()) else {
        group.status = GroupStatus::TooFewSizes { sizes: 0 };
        return group;
    };
    if sizes.len() < 3 {
        group.status = GroupStatus::TooFewSizes { sizes: sizes.len() };
        return group;
    }
    let x: Vec<f64> = members.iter().map(|r| r.n.ln()).collect();
    let y: Vec<f64> = members.iter().map(|r| r.loss).collect();
    let Some(parabola) = fit_parabola(&x, &y) else {
        group.status = GroupStatus::Degenerate;
        return group;
    };
    group.parabola = Some(parabola);
    if !(parabola.c2 > 0.0) {
        group.status = GroupStatus::OpensDownward;
        return group;
    }
    let Some(vertex) = parabola.vertex() else {
        group.status = GroupStatus::Degenerate;
        return group;
    };
    if vertex < n_min.ln() || vertex > n_max.ln() {
        let n_opt = Some(vertex.exp()).filter(|n| n.is_finite() && *n > 0.0);
        group.status = GroupStatus::VertexOutside { n_opt, n_min, n_max };
        return group;
    }
    // exp(ln N) may round just outside the sampled range; keep it inside.
    let n_opt = vertex.exp().clamp(n_min, n_max);
    let d_opt = compute / (6.0 * n_opt);
    let loss_opt = parabola.eval(vertex);
    if !(d_opt > 0.0 && d_opt.is_finite() && loss_opt.is_finite() && compute.is_finite()) {
        group.status = GroupStatus::Degenerate;
        return group;
    }
    group.n_opt = Some(n_opt);
    group.d_opt = Some(d_opt);
    group.loss_opt = Some(loss_opt);
    group
}

/// IsoFLOP profiles: groups `runs` into compute budgets (by `c`), fits loss against ln N per
/// budget, and fits N_opt = k·C^a and D_opt = k·C^b on the budgets whose parabola has a minimum
/// inside their sampled sizes. `n` and `c` are used; `d` is ignored (D_opt = C/(6·N_opt)).
///
/// Rows with a non-positive or non-finite N or C, or a non-finite loss, are left out with a
/// warning.
///
/// # Errors
/// [`IsoflopError::BadTolerance`] for a tolerance outside [0, 1]; [`IsoflopError::NoRuns`]
/// without usable rows; [`IsoflopError::TooFewBudgets`] when fewer than 2 budgets are usable.
pub fn fit_isoflop(runs: &[Run], opts: &IsoflopOptions) -> Result<IsoflopFit, IsoflopError> {
    let tol = opts.tolerance_log10;
    if !(tol.is_finite() && (0.0..=1.0).contains(&tol)) {
        return Err(IsoflopError::BadTolerance(tol));
    }
    let mut sorted: Vec<(usize, f64)> = runs
        .iter()
        .enumerate()
        .filter(|(_, r)| usable_run(r))
        .map(|(i, r)| (i, r.c.log10()))
        .collect();
    if sorted.is_empty() {
        return Err(IsoflopError::NoRuns);
    }
    let mut warnings = Vec::new();
    let skipped = runs.len() - sorted.len();
    if skipped > 0 {
        warnings.push(format!(
            "{skipped} row{} with a non-positive or non-finite N, C or loss left out",
            plural(skipped)
        ));
    }
    crate::core::order::sort_by(&mut sorted, |a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let groups: Vec<BudgetGroup> = group_by_budget(&sorted, tol)
        .into_iter()
        .map(|idx| analyse(runs, idx, opts.min_runs))
        .collect();

    let mut cs = Vec::new();
    let mut ns = Vec::new();
    let mut ds = Vec::new();
    let mut reasons = Vec::new();
    for g in &groups {
        match (g.n_opt, g.d_opt) {
            (Some(n), Some(d)) if g.status == GroupStatus::Ok => {
                cs.push(g.compute);
                ns.push(n);
                ds.push(d);
            }
            _ => reasons.extend(g.reason()),
        }
    }
    let usable = cs.len();
    if usable < 2 {
        return Err(IsoflopError::TooFewBudgets { usable, groups: groups.len(), reasons });
    }
    warnings.extend(groups.iter().filter_map(BudgetGroup::message));
    if usable == 2 {
        warnings.push("only 2 budgets: the exponent has no error estimate".to_string());
    }
    let n_law = fit_power_law(&cs, &ns);
    let d_law = fit_power_law(&cs, &ds);
    if n_law.is_none() || d_law.is_none() {
        warnings.push(
            "the power laws N_opt ∝ C^a and D_opt ∝ C^b could not be fitted to the budgets' \
             optima"
                .to_string(),
        );
    }
    Ok(IsoflopFit { groups, n_law, d_law, used_groups: usable, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    const E: f64 = 1.69;
    const A: f64 = 406.4;
    const B: f64 = 410.7;
    const ALPHA: f64 = 0.34;
    const BETA: f64 = 0.28;

    fn law(n: f64, d: f64) -> f64 {
        E + A / n.powf(ALPHA) + B / d.powf(BETA)
    }

    /// The closed-form optimum N of the law at compute C (C = 6ND).
    fn n_opt_true(c: f64) -> f64 {
        let g = (ALPHA * A / (BETA * B)).powf(1.0 / (ALPHA + BETA));
        g * (c / 6.0).powf(BETA / (ALPHA + BETA))
    }

    fn run(n: f64, c: f64, loss: f64) -> Run {
        Run { n, d: c / (6.0 * n), c, loss, run_id: None, line: 0, weight: 1.0, group: None }
    }

    /// 9 sizes spanning ±1 decade around the optimum (times `shift`); C jittered by ±5% if asked.
    fn budget(c: f64, shift: f64, jitter: bool) -> Vec<Run> {
        (0..9)
            .map(|i| {
                let n = n_opt_true(c) * shift * 10f64.powf((i as f64 - 4.0) / 4.0);
                let f = if jitter { 1.0 + 0.05 * (((i * 7) % 9) as f64 / 4.0 - 1.0) } else { 1.0 };
                let cj = c * f;
                run(n, cj, law(n, cj / (6.0 * n)))
            })
            .collect()
    }

    fn budgets(jitter: bool) -> Vec<Run> {
        [1e18, 1e19, 1e20, 1e21, 1e22].iter().flat_map(|&c| budget(c, 1.0, jitter)).collect()
    }

    const A_TRUE: f64 = BETA / (ALPHA + BETA);

    #[test]
    fn recovers_chinchilla_exponent() {
        let fit = fit_isoflop(&budgets(false), &IsoflopOptions::default()).unwrap();
        assert_eq!(fit.groups.len(), 5);
        assert_eq!(fit.used_groups, 5);
        let a = fit.n_law.unwrap().exponent;
        assert!((a - A_TRUE).abs() < 0.02, "a = {a}");
        let b = fit.d_law.unwrap().exponent;
        assert!((a + b - 1.0).abs() < 1e-9, "b = {b}");
        assert!(fit.n_law.unwrap().exponent_se.is_some());
        for g in &fit.groups {
            assert_eq!(g.status, GroupStatus::Ok);
            assert_eq!(g.runs.len(), 9);
            let truth = n_opt_true(g.compute);
            let n = g.n_opt.unwrap();
            assert!((n / truth - 1.0).abs() < 0.15, "{n:e} vs {truth:e}");
            assert!((g.d_opt.unwrap() - g.compute / (6.0 * n)).abs() <= 1e-9 * g.d_opt.unwrap());
            let best = law(truth, g.compute / (6.0 * truth));
            assert!((g.loss_opt.unwrap() - best).abs() < 0.02);
            assert_eq!(g.message(), None);
        }
        assert!(fit.warnings.is_empty(), "{:?}", fit.warnings);
    }

    #[test]
    fn jittered_budgets_still_group() {
        let runs = budgets(true);
        let fit = fit_isoflop(&runs, &IsoflopOptions::default()).unwrap();
        assert_eq!(fit.groups.len(), 5);
        assert_eq!(fit.used_groups, 5);
        let a = fit.n_law.unwrap().exponent;
        assert!((a - A_TRUE).abs() < 0.02, "a = {a}");
        // Every run is in exactly one group.
        let mut all: Vec<usize> = fit.groups.iter().flat_map(|g| g.runs.clone()).collect();
        all.sort_unstable();
        assert_eq!(all, (0..runs.len()).collect::<Vec<_>>());
        // Runs within a group are listed by increasing N.
        for g in &fit.groups {
            assert!(g.runs.windows(2).all(|w| runs[w[0]].n <= runs[w[1]].n));
        }
    }

    #[test]
    fn grouping_anchors_on_the_first_run() {
        // Single linkage would chain these four into one budget.
        let sorted: Vec<(usize, f64)> = (0..4).map(|i| (i, 19.0 + 0.03 * i as f64)).collect();
        assert_eq!(group_by_budget(&sorted, 0.05), vec![vec![0, 1], vec![2, 3]]);
        assert_eq!(group_by_budget(&sorted, 0.0), vec![vec![0], vec![1], vec![2], vec![3]]);
        assert_eq!(group_by_budget(&sorted, 1.0), vec![vec![0, 1, 2, 3]]);
        assert!(group_by_budget(&[], 0.05).is_empty());
    }

    #[test]
    fn one_sided_budget_is_left_out() {
        let mut runs = budgets(false);
        // Every size 3×–300× above the optimum: the loss only rises across the sampled range.
        runs.extend(budget(1e23, 30.0, false));
        let fit = fit_isoflop(&runs, &IsoflopOptions::default()).unwrap();
        assert_eq!(fit.groups.len(), 6);
        let last = fit.groups.last().unwrap();
        assert_eq!(fit.used_groups, 5);
        assert!(matches!(last.status, GroupStatus::VertexOutside { .. }), "{:?}", last.status);
        let msg = last.message().unwrap();
        assert!(msg.starts_with("budget 1e23 FLOP: "), "{msg}");
        assert!(msg.ends_with("; left out"), "{msg}");
        assert!(fit.warnings.contains(&msg));
        if let GroupStatus::VertexOutside { n_opt, n_min, n_max } = last.status {
            assert!(n_opt.unwrap() < n_min && n_min < n_max);
        }
        assert!(msg.contains("lies outside the sampled"), "{msg}");
        assert!(last.parabola.is_some() && last.n_opt.is_none());
        let a = fit.n_law.unwrap().exponent;
        assert!((a - A_TRUE).abs() < 0.02);
    }

    #[test]
    fn vertex_outside_message() {
        let g = BudgetGroup {
            compute: 3e20,
            runs: vec![],
            parabola: None,
            n_opt: None,
            d_opt: None,
            loss_opt: None,
            status: GroupStatus::VertexOutside { n_opt: Some(9.1e9), n_min: 4e8, n_max: 5e9 },
        };
        assert_eq!(
            g.message().unwrap(),
            "budget 3e20 FLOP: the fitted optimum 9.1B lies outside the sampled 400M–5B; left out"
        );
    }

    #[test]
    fn downward_parabola_is_detected() {
        let mut runs = budgets(false);
        for i in 0..5 {
            let ln_n = 20.0 + i as f64 * 0.5;
            runs.push(run(ln_n.exp(), 1e24, 3.0 - 0.1 * (ln_n - 21.0).powi(2)));
        }
        let fit = fit_isoflop(&runs, &IsoflopOptions::default()).unwrap();
        let last = fit.groups.last().unwrap();
        assert_eq!(last.status, GroupStatus::OpensDownward);
        assert!(last.parabola.unwrap().c2 < 0.0);
        assert_eq!(last.n_opt, None);
        assert_eq!(
            last.message().unwrap(),
            "budget 1e24 FLOP: the parabola opens downward (no minimum); left out"
        );
        assert_eq!(fit.used_groups, 5);
    }

    #[test]
    fn small_and_same_size_budgets_are_left_out() {
        let mut runs = budgets(false);
        runs.push(run(1e9, 1e24, 2.0));
        runs.push(run(2e9, 1e24, 1.9));
        for loss in [2.0, 2.1, 2.2] {
            runs.push(run(1e9, 1e25, loss));
        }
        let fit = fit_isoflop(&runs, &IsoflopOptions::default()).unwrap();
        assert_eq!(fit.groups.len(), 7);
        assert_eq!(fit.groups[5].status, GroupStatus::TooFewRuns { runs: 2, needed: 3 });
        assert_eq!(fit.groups[6].status, GroupStatus::TooFewSizes { sizes: 1 });
        assert!(fit.warnings.iter().any(|w| w.contains("only 2 runs, at least 3 needed")));
        assert!(fit.warnings.iter().any(|w| w.contains("only 1 distinct model size,")));
        assert_eq!(fit.used_groups, 5);
    }

    #[test]
    fn two_budgets_warn_about_the_error_estimate() {
        let runs: Vec<Run> = [1e19, 1e21].iter().flat_map(|&c| budget(c, 1.0, false)).collect();
        let fit = fit_isoflop(&runs, &IsoflopOptions::default()).unwrap();
        assert_eq!(fit.used_groups, 2);
        assert_eq!(fit.n_law.unwrap().exponent_se, None);
        assert!(fit
            .warnings
            .iter()
            .any(|w| w == "only 2 budgets: the exponent has no error estimate"));
    }

    #[test]
    fn errors() {
        let opts = IsoflopOptions::default();
        assert_eq!(fit_isoflop(&[], &opts), Err(IsoflopError::NoRuns));
        let bad = [run(f64::NAN, 1e20, 2.0), run(1e9, -1.0, 2.0), run(1e9, 1e20, f64::INFINITY)];
        assert_eq!(fit_isoflop(&bad, &opts), Err(IsoflopError::NoRuns));
        for t in [-0.1, 1.5, f64::INFINITY] {
            let o = IsoflopOptions { tolerance_log10: t, ..opts };
            assert_eq!(fit_isoflop(&budgets(false), &o), Err(IsoflopError::BadTolerance(t)));
        }
        let o = IsoflopOptions { tolerance_log10: f64::NAN, ..opts };
        assert!(matches!(fit_isoflop(&budgets(false), &o), Err(IsoflopError::BadTolerance(_))));
        let e = fit_isoflop(&budget(1e20, 1.0, false), &opts).unwrap_err();
        assert_eq!(e, IsoflopError::TooFewBudgets { usable: 1, groups: 1, reasons: vec![] });
        assert!(e.to_string().contains("found 1 of 1 (all runs share one compute budget)"), "{e}");
        // A single run.
        let e = fit_isoflop(&[run(1e9, 1e20, 2.0)], &opts).unwrap_err();
        assert!(matches!(e, IsoflopError::TooFewBudgets { usable: 0, groups: 1, .. }));
        assert!(e.to_string().contains("budget 1e20 FLOP: only 1 run, at least 3 needed"), "{e}");
        // Identical points.
        let same = vec![run(1e9, 1e20, 2.0); 5];
        assert!(matches!(
            fit_isoflop(&same, &opts),
            Err(IsoflopError::TooFewBudgets { usable: 0, groups: 1, .. })
        ));
        assert!(IsoflopError::NoRuns.to_string().starts_with("IsoFLOP profiles need runs"));
        assert!(IsoflopError::BadTolerance(2.0).to_string().contains("got 2"));
    }

    #[test]
    fn invalid_rows_are_skipped_with_a_warning() {
        let mut runs = budgets(false);
        runs.push(run(f64::NAN, 1e20, 2.0));
        runs.push(run(1e9, 0.0, 2.0));
        let fit = fit_isoflop(&runs, &IsoflopOptions::default()).unwrap();
        assert_eq!(fit.used_groups, 5);
        assert!(fit.warnings.iter().any(|w| w.starts_with("2 rows with a non-positive")));
    }

    #[test]
    fn serializes_with_kebab_case_tags() {
        let s = serde_json::to_value(GroupStatus::TooFewRuns { runs: 2, needed: 3 }).unwrap();
        assert_eq!(s, serde_json::json!({"kind": "too-few-runs", "runs": 2, "needed": 3}));
        let s = serde_json::to_value(GroupStatus::Ok).unwrap();
        assert_eq!(s, serde_json::json!({"kind": "ok"}));
        let fit = fit_isoflop(&budgets(false), &IsoflopOptions::default()).unwrap();
        let v = serde_json::to_value(&fit).unwrap();
        assert_eq!(v["groups"].as_array().unwrap().len(), 5);
        assert!(v["n_law"]["exponent"].is_f64());
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn finite(x: f64) -> bool {
        x.is_finite()
    }

    fn law_ok(p: &Option<PowerLaw>) -> bool {
        p.is_none_or(|p| {
            finite(p.coef)
                && finite(p.exponent)
                && finite(p.r2)
                && p.exponent_se.is_none_or(finite)
        })
    }

    fn fit_is_finite(fit: &IsoflopFit) -> bool {
        law_ok(&fit.n_law)
            && law_ok(&fit.d_law)
            && fit.groups.iter().all(|g| {
                finite(g.compute)
                    && g.parabola.is_none_or(|p| finite(p.c0) && finite(p.c1) && finite(p.c2))
                    && [g.n_opt, g.d_opt, g.loss_opt].iter().all(|v| v.is_none_or(finite))
                    && match g.status {
                        GroupStatus::VertexOutside { n_opt, n_min, n_max } => {
                            n_opt.is_none_or(finite) && finite(n_min) && finite(n_max)
                        }
                        _ => true,
                    }
            })
    }

    fn check(runs: &[Run], tol: f64) -> Result<(), TestCaseError> {
        let opts = IsoflopOptions { tolerance_log10: tol, min_runs: 3 };
        match fit_isoflop(runs, &opts) {
            Ok(fit) => {
                prop_assert!(fit_is_finite(&fit), "{fit:?}");
                prop_assert!(fit.used_groups >= 2);
                for g in &fit.groups {
                    let _ = g.message();
                }
            }
            Err(e) => {
                prop_assert!(!e.to_string().is_empty());
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn arbitrary_runs_never_panic(
            rows in prop::collection::vec((-50.0f64..60.0, -50.0f64..120.0, -5.0f64..20.0), 0..40),
            tol in 0.0f64..1.0,
        ) {
            let runs: Vec<Run> = rows
                .iter()
                .map(|&(ln_n, ln_c, loss)| {
                    let (n, c) = (ln_n.exp(), ln_c.exp());
                    Run { n, d: c / (6.0 * n), c, loss, run_id: None, line: 1, weight: 1.0, group: None }
                })
                .collect();
            check(&runs, tol)?;
        }

        #[test]
        fn budget_shaped_runs_never_panic(
            budgets in prop::collection::vec(
                (1.0f64..1e3, prop::collection::vec((15.0f64..25.0, 0.5f64..5.0), 0..8)),
                1..6,
            ),
            scale in 1e-200f64..1e200,
            tol in 0.0f64..0.5,
        ) {
            let mut runs = Vec::new();
            for (k, (jitter, sizes)) in budgets.iter().enumerate() {
                let c = scale * 10f64.powi(k as i32) * (1.0 + jitter * 1e-4);
                for &(ln_n, loss) in sizes {
                    let n = ln_n.exp();
                    runs.push(Run { n, d: c / (6.0 * n), c, loss, run_id: None, line: 1, weight: 1.0, group: None });
                }
            }
            check(&runs, tol)?;
        }
    }
}
