//! What the profile over the exponents says about a fit: the surface for the heat map, the
//! optimum on it, rival basins within 1 % of the best objective, and in words how tightly the
//! runs pin each exponent (from the bootstrap).

use super::plan::TaskFit;
use crate::core::fit::bootstrap;
use crate::core::fit::profile::RIVAL;
use crate::core::units::format_sig;

/// The main law's profile, ready to draw and to read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProfileView {
    /// The profiled parameters' names in θ (`alpha`, `beta`).
    pub names: Vec<String>,
    /// Their positions in θ (to read them off bootstrap samples).
    #[serde(skip)]
    pub theta: Vec<usize>,
    /// Grid values of each.
    pub axes: Vec<Vec<f64>>,
    /// The profiled objective, row-major (first axis slowest); `null` where none is finite.
    pub values: Vec<Option<f64>>,
    /// The optimum's exponents.
    pub best: Vec<f64>,
    /// The objective there.
    pub objective: f64,
    /// Other optima within 1 % of the best objective.
    pub rivals: Vec<Rival>,
    /// How tightly the runs pin the exponents, in words.
    pub summary: String,
}

/// Another basin whose optimum comes close to the best.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Rival {
    /// Its exponents.
    pub at: Vec<f64>,
    /// Its objective.
    pub objective: f64,
    /// How much worse than the best, as a fraction (0.004 = 0.4 %).
    pub excess: f64,
}

/// Two optima whose exponents differ by less than this are one basin.
const SAME_BASIN: f64 = 0.02;

/// The view of a task searched by its profile; `samples` are the bootstrap's θ.
pub fn view(fit: &TaskFit, samples: &[Vec<f64>]) -> Option<ProfileView> {
    let surface = fit.surface.as_ref()?;
    let projection = fit.task.law.projection()?;
    let theta: Vec<usize> = projection.axes.iter().map(|a| a.theta).collect();
    let at = |t: &[f64]| -> Vec<f64> { theta.iter().map(|&i| t.get(i).copied().unwrap_or(f64::NAN)).collect() };
    let best = at(&fit.theta);
    let mut rivals: Vec<Rival> = Vec::new();
    for o in &fit.optima {
        let here = at(&o.theta);
        let excess = o.value / fit.value - 1.0;
        let distinct = here.iter().zip(&best).any(|(a, b)| (a - b).abs() > SAME_BASIN)
            && rivals.iter().all(|r| r.at.iter().zip(&here).any(|(a, b)| (a - b).abs() > SAME_BASIN));
        if distinct && excess <= RIVAL && excess.is_finite() {
            rivals.push(Rival { at: here, objective: o.value, excess: excess.max(0.0) });
        }
    }
    let labels: Vec<&str> = surface.names.iter().map(|n| greek(n)).collect();
    let summary = summary(&labels, &best, &rivals, &theta, samples);
    Some(ProfileView {
        names: surface.names.clone(),
        theta,
        axes: surface.axes.clone(),
        values: surface.values.clone(),
        best,
        objective: fit.value,
        rivals,
        summary,
    })
}

/// α for `alpha`, β for `beta`; other names as they are.
pub fn greek(name: &str) -> &str {
    match name {
        "alpha" => "α",
        "beta" => "β",
        other => other,
    }
}

/// "The runs pin α to ±0.028 and β to ±0.041 (half-widths of the 95 % bootstrap intervals). No
/// other basin …": the identification of each exponent and the uniqueness of the optimum.
fn summary(labels: &[&str], best: &[f64], rivals: &[Rival], theta: &[usize], samples: &[Vec<f64>]) -> String {
    /// Exponents pinned this tightly (half-width of the 95 % interval) count as identified.
    const PINNED: f64 = 0.05;
    let halves: Vec<Option<f64>> = theta
        .iter()
        .map(|&i| bootstrap::interval(samples.iter().filter_map(|t| t.get(i).copied())).map(|iv| (iv.hi - iv.lo) / 2.0))
        .collect();
    let mut text = if halves.iter().all(Option::is_some) {
        let half = |k: usize| format_sig(halves[k].unwrap_or(f64::NAN), 2);
        let (pinned, loose): (Vec<usize>, Vec<usize>) = (0..labels.len()).partition(|&k| halves[k].is_some_and(|h| h <= PINNED));
        let join = |ks: &[usize], f: &dyn Fn(usize) -> String| ks.iter().map(|&k| f(k)).collect::<Vec<_>>().join(" and ");
        let pin = |k: usize| format!("{} to ±{}", labels[k], half(k));
        let only = |k: usize| format!("{} only to ±{}", labels[k], half(k));
        let head = if loose.is_empty() {
            format!("The runs pin {}", join(&pinned, &pin))
        } else if pinned.is_empty() {
            format!("The runs pin the exponents only loosely: {}", join(&loose, &|k| format!("{} ±{}", labels[k], half(k))))
        } else {
            format!("The runs pin {} but {}", join(&pinned, &pin), join(&loose, &only))
        };
        format!("{head} (half-widths of the 95 % bootstrap intervals).")
    } else {
        format!("Run a bootstrap to see how tightly the runs pin {}.", labels.join(" and "))
    };
    let at = |v: &[f64]| labels.iter().zip(v).map(|(l, x)| format!("{l} = {}", format_sig(*x, 3))).collect::<Vec<_>>().join(", ");
    match rivals.first() {
        None => text.push_str(&format!(" No other basin of the profile comes within {} % of the best objective (at {}).", RIVAL * 100.0, at(best))),
        Some(r) => text.push_str(&format!(
            " Another basin, at {}, comes within {} % of the best objective: the runs do not single out one optimum.",
            at(&r.at),
            format_sig(r.excess * 100.0, 2)
        )),
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_follow_the_intervals_and_the_rivals() {
        let theta = [3, 4];
        let sample = |a: f64, b: f64| vec![0.0, 0.0, 0.0, a, b];
        // α spread ±0.02, β spread ±0.2.
        let samples: Vec<Vec<f64>> = (0..200).map(|i| sample(0.34 + 0.0002 * (i as f64 - 100.0), 0.3 + 0.002 * (i as f64 - 100.0))).collect();
        let text = summary(&["α", "β"], &[0.34, 0.3], &[], &theta, &samples);
        assert!(text.starts_with("The runs pin α to ±0.019 but β only to ±0.19"), "{text}");
        assert!(text.contains("No other basin"), "{text}");
        let tight: Vec<Vec<f64>> = (0..200).map(|i| sample(0.34 + 0.0001 * (i as f64 - 100.0), 0.3 + 0.0001 * (i as f64 - 100.0))).collect();
        let text = summary(&["α", "β"], &[0.34, 0.3], &[], &theta, &tight);
        assert!(text.starts_with("The runs pin α to ±0.0095 and β to ±0.0095"), "{text}");
        let rival = Rival { at: vec![0.8, 0.1], objective: 1.0, excess: 0.004 };
        let text = summary(&["α", "β"], &[0.34, 0.3], &[rival], &theta, &[]);
        assert!(text.starts_with("Run a bootstrap"), "{text}");
        assert!(text.contains("Another basin, at α = 0.8, β = 0.1, comes within 0.4 %"), "{text}");
    }
}
