//! The Budget panel's law: a published preset or the user's own fit, with what the page says
//! about each (label, formula, source, caveat, the compute range it was fitted on).

use crate::core::fit::fitted::FitSpec;
use crate::core::fit::forms::FittedLaw;
use crate::core::laws::{ChinchillaLaw, LossLaw, ParamConvention};
use crate::core::presets::Preset;
use crate::core::units::{format_count, format_sig};

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
