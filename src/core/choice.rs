//! The Budget panel's law: a published preset or the user's own fit, with what the page says
//! about each (label, formula, source, caveat, the compute range it was fitted on).

use crate::core::analysis::spec::FitSpec;
use crate::core::laws::{ChinchillaLaw, LossLaw, ParamConvention};
use crate::core::presets::Preset;
use crate::core::units::format_count;

/// A law the Budget panel can use.
#[derive(Debug, Clone, PartialEq)]
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
            LawChoice::Fit(spec) => format!("Your fit ({} form, {} runs)", spec.law.law.form_name(), spec.runs),
        }
    }

    /// The formula with its constants.
    pub fn formula(&self) -> String {
        match self {
            LawChoice::Preset(p) => p.formula(),
            LawChoice::Fit(spec) => spec.law.law.formula_with(&spec.law.params),
        }
    }

    /// Where the constants come from.
    pub fn citation(&self) -> String {
        match self {
            LawChoice::Preset(p) => p.citation().to_string(),
            LawChoice::Fit(spec) => format!(
                "Fitted on this page to your {} runs (robust multistart L-BFGS, Huber loss on log L; Hoffmann et al. 2022 Approach 3 as made precise by Besiroglu et al. 2024){}",
                spec.runs,
                spec.law.law.fit_note().map_or(String::new(), |note| format!("; {note}"))
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
            LawChoice::Fit(spec) => spec.law.chinchilla(),
        }
    }
}
