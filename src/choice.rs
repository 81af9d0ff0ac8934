//! The Budget panel's law: a published preset or the user's own fit, with what the page says
//! about each (label, formula, source, caveat, the compute range it was fitted on).

use crate::fit::fitted::FitSpec;
use crate::fit::forms::FittedLaw;
use crate::laws::{ChinchillaLaw, LossLaw, ParamConvention};
use crate::presets::Preset;
use crate::units::{format_count, format_sig};

/// A law the Budget panel can use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LawChoice {
    /// A published law.
    Preset(Preset),
    /// A law fitted on this page ("Use this fit").
    Fit(FitSpec),
}

impl LawChoice {
    /// The law itself.
    pub fn law(&self) -> &dyn LossLaw {
        match self {
            LawChoice::Preset(p) => p.law(),
            LawChoice::Fit(spec) => spec.law.as_law(),
        }
    }

    /// The preset, if it is one.
    pub fn preset(&self) -> Option<Preset> {
        match self {
            LawChoice::Preset(p) => Some(*p),
            LawChoice::Fit(_) => None,
        }
    }

    /// The name shown in the UI.
    pub fn label(&self) -> String {
        match self {
            LawChoice::Preset(p) => p.label().to_string(),
            LawChoice::Fit(spec) => format!("Your fit ({} form, {} runs)", form_name(spec), spec.runs),
        }
    }

    /// The formula with its constants.
    pub fn formula(&self) -> String {
        match self {
            LawChoice::Preset(p) => p.formula(),
            LawChoice::Fit(spec) => match spec.law {
                FittedLaw::Chinchilla(l) => format!(
                    "L = {} + {}/N^{} + {}/D^{}",
                    format_sig(l.e, 5),
                    format_sig(l.a, 5),
                    format_sig(l.alpha, 4),
                    format_sig(l.b, 5),
                    format_sig(l.beta, 4)
                ),
                FittedLaw::Kaplan(l) => format!(
                    "L = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D, N_c = {:.3e}, D_c = {:.3e}, α_N = {}, α_D = {}",
                    l.n_c,
                    l.d_c,
                    format_sig(l.alpha_n, 4),
                    format_sig(l.alpha_d, 4)
                ),
                FittedLaw::Farseer(l) => {
                    let [a1, b1, alpha, a2, b2, beta, a3, b3, gamma] = l.theta.map(|v| format_sig(v, 4));
                    format!("L = exp({a3}·n^{gamma} + {b3}) + exp({a2}·n^{beta} + {b2})·d^(−exp({a1}·n^{alpha} + {b1})), n = N/10⁹, d = D/10⁹")
                }
            },
        }
    }

    /// Where the constants come from.
    pub fn citation(&self) -> String {
        match self {
            LawChoice::Preset(p) => p.citation().to_string(),
            LawChoice::Fit(spec) => format!(
                "Fitted on this page to your {} runs (robust multistart L-BFGS, Huber loss on log L; Hoffmann et al. 2022 Approach 3 as made precise by Besiroglu et al. 2024){}",
                spec.runs,
                match spec.law {
                    FittedLaw::Farseer(_) => "; the form is Farseer's (Li et al. 2025, arXiv:2506.10972), with N and D in billions",
                    _ => "",
                }
            ),
        }
    }

    /// A caveat shown with the law, if any.
    pub fn caveat(&self) -> Option<String> {
        match self {
            LawChoice::Preset(p) => p.caveat().map(str::to_string),
            LawChoice::Fit(_) => Some("N means whatever your runs' parameter column counts (with or without embeddings).".into()),
        }
    }

    /// The compute range of the runs behind the law, and what they were.
    pub fn fitted_range(&self) -> Option<(f64, f64, String)> {
        match self {
            LawChoice::Preset(p) => {
                let (lo, hi, what) = p.fitted_range();
                Some((lo, hi, what.to_string()))
            }
            LawChoice::Fit(spec) => {
                let (lo, hi) = spec.compute_range;
                (lo > 0.0 && hi >= lo).then(|| (lo, hi, format!("your {} runs", format_count(spec.runs as f64, 3))))
            }
        }
    }

    /// Which N the law means, for axis titles and notes.
    pub fn convention_label(&self) -> String {
        match self {
            LawChoice::Preset(p) => p.convention().label().to_string(),
            LawChoice::Fit(_) => "parameters as counted in your runs".to_string(),
        }
    }

    /// Whether N excludes embeddings.
    pub fn non_embedding(&self) -> bool {
        matches!(self, LawChoice::Preset(p) if p.convention() == ParamConvention::NonEmbedding)
    }

    /// The law's constants when it has the Chinchilla form L = E + A/N^α + B/D^β.
    pub fn chinchilla(&self) -> Option<ChinchillaLaw> {
        match self {
            LawChoice::Preset(p) => p.chinchilla(),
            LawChoice::Fit(spec) => match spec.law {
                FittedLaw::Chinchilla(l) => Some(l),
                FittedLaw::Kaplan(_) | FittedLaw::Farseer(_) => None,
            },
        }
    }
}

fn form_name(spec: &FitSpec) -> &'static str {
    match spec.law {
        FittedLaw::Chinchilla(_) => "Chinchilla",
        FittedLaw::Kaplan(_) => "Kaplan",
        FittedLaw::Farseer(_) => "Farseer",
    }
}

#[cfg(test)]
mod tests {
    use crate::app::{evaluate, Inputs};

    /// Farseer fitted to the Epoch runs (5 highest losses dropped) by `scalecalc fit --law farseer`.
    const EPOCH_FARSEER: &str = "farseer;a1=1.098284153;b1=-2.034182536;alpha=-0.1364267948;a2=0.02550154474;b2=0.01952615071;beta=0.7949598526;a3=0.6201694135;b3=0.1702375754;gamma=-0.1407019825;runs=240;c=6.3e17..3.8e21";

    #[test]
    fn a_fitted_farseer_law_drives_the_budget_panel() {
        let inputs = Inputs { law: "fit".into(), fit: EPOCH_FARSEER.into(), ..Inputs::default() };
        let view = evaluate(&inputs);
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        assert!(view.outputs["law_label"].starts_with("Your fit (Farseer form, 240 runs)"));
        assert!(view.outputs["law_citation"].contains("arXiv:2506.10972"));
        // At Chinchilla's compute the fitted Farseer law wants tens of billions of parameters,
        // like every other fit to these runs.
        let n = crate::units::parse_number(&view.outputs["n_star"]).unwrap();
        assert!((1e10..3e11).contains(&n), "N* = {}", view.outputs["n_star"]);
        let loss: f64 = view.outputs["loss_star"].parse().unwrap();
        assert!((1.8..2.3).contains(&loss), "L* = {loss}");
    }
}
