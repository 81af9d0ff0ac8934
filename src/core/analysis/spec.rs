//! A fitted law as the Budget panel and links carry it: the law, its parameters, its runs'
//! compute range and count, written as one short text
//! (`chinchilla;E=1.817;A=477.8;…;runs=240;c=1.2e18..1.3e22`) with the one parser that reads it
//! back. The text is generic: the law's key, then each published parameter by name.

use std::fmt;
use std::sync::Arc;

use crate::core::laws::{self, Implausible, LawRef, LossLaw};

/// A law of N and D with fitted parameters, usable wherever a preset is.
#[derive(Clone)]
pub struct FittedLaw {
    /// The law.
    pub law: LawRef,
    /// Its published parameters, in the order of its `param_names`.
    pub params: Vec<f64>,
    loss: Arc<dyn LossLaw + Send + Sync>,
}

impl FittedLaw {
    /// The law with these parameters, when they are finite and the law can drive the Budget
    /// panel (a law of both N and D).
    pub fn new(law: LawRef, params: Vec<f64>) -> Option<FittedLaw> {
        if params.len() != law.param_names().len() || !params.iter().all(|v| v.is_finite()) {
            return None;
        }
        let loss = law.law(&params)?;
        Some(FittedLaw { law, params, loss })
    }

    /// The law for θ (the optimiser's parameters).
    pub fn from_theta(law: LawRef, theta: &[f64]) -> Option<FittedLaw> {
        FittedLaw::new(law, law.params(theta))
    }

    /// The law as a trait object for the allocators.
    pub fn as_law(&self) -> &dyn LossLaw {
        &*self.loss
    }

    /// The parameters as a Chinchilla-form law, when the law is one.
    pub fn chinchilla(&self) -> Option<crate::core::laws::ChinchillaLaw> {
        self.law.chinchilla(&self.params)
    }
}

impl fmt::Debug for FittedLaw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FittedLaw").field("law", &self.law).field("params", &self.params).finish()
    }
}

impl PartialEq for FittedLaw {
    fn eq(&self, other: &Self) -> bool {
        self.law == other.law && self.params == other.params
    }
}

impl serde::Serialize for FittedLaw {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(1 + self.params.len()))?;
        map.serialize_entry("form", self.law.key())?;
        for (name, value) in self.law.param_names().iter().zip(&self.params) {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// A fitted law with what it was fitted on.
#[derive(Debug, Clone, PartialEq)]
pub struct FitSpec {
    /// The law.
    pub law: FittedLaw,
    /// Runs it was fitted on.
    pub runs: usize,
    /// Smallest and largest compute of those runs, FLOP.
    pub compute_range: (f64, f64),
}

/// Why a fitted-law text was not accepted.
#[derive(Debug, Clone, PartialEq)]
pub enum SpecError {
    /// The first part names no law that can drive the Budget panel.
    UnknownLaw(String),
    /// A part is not `name=value`.
    NotNameValue(String),
    /// `runs=` is not a count.
    NotACount(String),
    /// A value is not a number (the number parser's message).
    NotANumber {
        /// The parameter.
        name: String,
        /// Why.
        why: crate::core::units::ParseError,
    },
    /// A value is infinite or NaN.
    NotFinite(String),
    /// A parameter of the law is missing.
    Missing(&'static str),
    /// The parameters make no usable law.
    Implausible(Implausible),
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::core::units::truncate;
        f.write_str("fitted law: ")?;
        match self {
            SpecError::UnknownLaw(k) => {
                let usable: Vec<&str> = laws::RUN_LAWS.iter().filter(|l| l.law(&l.params(&l.sample_theta())).is_some()).map(|l| l.key()).collect();
                write!(f, "unknown form \"{}\" ({})", truncate(k), usable.join(", "))
            }
            SpecError::NotNameValue(p) => write!(f, "\"{}\" is not name=value", truncate(p)),
            SpecError::NotACount(v) => write!(f, "runs=\"{}\" is not a count", truncate(v)),
            SpecError::NotANumber { name, why } => write!(f, "{} {why}", truncate(name)),
            SpecError::NotFinite(name) => write!(f, "{} is not finite", truncate(name)),
            SpecError::Missing(name) => write!(f, "{name} is missing"),
            SpecError::Implausible(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for SpecError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpecError::NotANumber { why, .. } => Some(why),
            SpecError::Implausible(why) => Some(why),
            _ => None,
        }
    }
}

/// `x` to `digits` significant digits, without thousands separators.
fn num(x: f64, digits: usize) -> String {
    crate::core::units::format_sig(x, digits).replace(',', "")
}

impl FitSpec {
    /// The text form.
    pub fn to_text(&self) -> String {
        let law = self.law.law;
        let params: Vec<String> = law.param_names().iter().zip(&self.law.params).map(|(k, v)| format!("{k}={}", num(*v, law.digits()))).collect();
        let mut text = format!("{};{};runs={}", law.key(), params.join(";"), self.runs);
        // An unknown range (NaN) is left out: it reads back as unknown.
        if self.compute_range.0.is_finite() && self.compute_range.1.is_finite() {
            let (lo, hi) = self.compute_range;
            text += &format!(";c={}..{}", crate::core::units::format_sci(lo, 3), crate::core::units::format_sci(hi, 3));
        }
        text
    }

    /// Reads the text form.
    ///
    /// # Errors
    /// Unknown law, missing or unreadable values, values that make no law (≤ 0 where a positive
    /// number is needed, non-finite, no plausible loss).
    pub fn parse(text: &str) -> Result<FitSpec, SpecError> {
        let mut parts = text.split(';').map(str::trim);
        let kind = parts.next().unwrap_or_default().to_ascii_lowercase();
        let mut values = std::collections::BTreeMap::new();
        let mut runs = 0usize;
        let mut range = (f64::NAN, f64::NAN);
        for part in parts.filter(|p| !p.is_empty()) {
            let Some((key, value)) = part.split_once('=') else {
                return Err(SpecError::NotNameValue(part.to_string()));
            };
            match key {
                "runs" => runs = value.parse().map_err(|_| SpecError::NotACount(value.to_string()))?,
                "c" => {
                    let (lo, hi) = value.split_once("..").unwrap_or((value, value));
                    range = (read(key, lo)?, read(key, hi)?);
                }
                _ => {
                    values.insert(key.to_string(), read(key, value)?);
                }
            }
        }
        let law = laws::run_law(&kind).filter(|l| l.law(&l.params(&l.sample_theta())).is_some()).ok_or(SpecError::UnknownLaw(kind))?;
        let params = law.param_names().iter().map(|name| values.get(*name).copied().ok_or(SpecError::Missing(name))).collect::<Result<Vec<f64>, _>>()?;
        law.check(&params, range).map_err(SpecError::Implausible)?;
        if !(range.0 > 0.0 && range.1 >= range.0) {
            range = (f64::NAN, f64::NAN);
        }
        let law = FittedLaw::new(LawRef(law), params).ok_or(SpecError::Implausible(Implausible::NotPositive))?;
        Ok(FitSpec { law, runs, compute_range: range })
    }
}

fn read(key: &str, value: &str) -> Result<f64, SpecError> {
    let v = crate::core::units::parse_number(value).map_err(|why| SpecError::NotANumber { name: key.to_string(), why })?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(SpecError::NotFinite(key.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::laws::{chinchilla::CHINCHILLA, farseer::FARSEER, kaplan::KAPLAN, RunLaw};

    fn spec(law: &'static dyn RunLaw, params: &[f64], runs: usize, range: (f64, f64)) -> FitSpec {
        FitSpec { law: FittedLaw::new(LawRef(law), params.to_vec()).unwrap(), runs, compute_range: range }
    }

    #[test]
    fn round_trips_to_seven_digits() {
        let chinchilla = spec(&CHINCHILLA, &[1.8172181, 477.8253579, 2143.4248, 0.34731043, 0.36717260], 240, (1.2e18, 1.3e22));
        let text = chinchilla.to_text();
        assert_eq!(text, "chinchilla;E=1.817218;A=477.8254;B=2143.425;alpha=0.3473104;beta=0.3671726;runs=240;c=1.2e18..1.3e22");
        let back = FitSpec::parse(&text).unwrap();
        assert_eq!(back.runs, 240);
        assert_eq!(back.to_text(), text);
        let kaplan = spec(&KAPLAN, &[6.4e13, 1.8e13, 0.076, 0.103], 9, (1e18, 1e20));
        assert_eq!(FitSpec::parse(&kaplan.to_text()).unwrap(), kaplan);
        let farseer = spec(&FARSEER, &[0.1, -1.0, -0.2, 0.3, 0.1, -0.3, 0.2, 0.6, -0.35], 40, (1e18, 1e21));
        let text = farseer.to_text();
        assert!(text.starts_with("farseer;a1=0.1;b1=-1;alpha=-0.2;"), "{text}");
        assert_eq!(FitSpec::parse(&text).unwrap(), farseer);
    }

    /// Every law that can drive the Budget panel travels in a link and comes back the same.
    #[test]
    fn every_usable_law_round_trips() {
        for law in crate::core::laws::RUN_LAWS {
            let params = law.params(&law.sample_theta());
            let Some(fitted) = FittedLaw::new(LawRef(*law), params) else { continue };
            let spec = FitSpec { law: fitted, runs: 12, compute_range: (1e18, 1e21) };
            let back = FitSpec::parse(&spec.to_text()).unwrap_or_else(|e| panic!("{}: {e}", law.key()));
            assert_eq!(back.to_text(), spec.to_text(), "{}", law.key());
        }
    }

    #[test]
    fn bad_texts_are_refused_clearly() {
        for (text, want) in [
            ("gpt;E=1", "unknown form \"gpt\""),
            ("power-c;A=1;alpha=0.1", "unknown form \"power-c\""),
            ("chinchilla;E=1.8;A=400;B=400;alpha=0.3", "beta is missing"),
            ("chinchilla;E=x;A=400;B=400;alpha=0.3;beta=0.3", "E \"x\" is not a number"),
            ("chinchilla;E=-1;A=400;B=400;alpha=0.3;beta=0.3", "greater than 0"),
            ("chinchilla;E", "not name=value"),
            ("chinchilla;E=1e400;A=400;B=400;alpha=0.3;beta=0.3", "too large"),
            ("farseer;a1=0.1;b1=-1;alpha=-0.2;a2=0.3;b2=0.1;beta=-0.3;a3=0.2;b3=0.6", "gamma is missing"),
            ("farseer;a1=0.1;b1=-1;alpha=-0.2;a2=0.3;b2=0.1;beta=-0.3;a3=0.2;b3=900;gamma=1", "no plausible loss"),
        ] {
            let err = FitSpec::parse(text).unwrap_err().to_string();
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    /// Found by fuzzing (fuzz/, target fit_options): a spec whose compute range does not read
    /// (here "-.00e18..1e22") wrote "c=—..—", which did not read back.
    #[test]
    fn a_spec_without_a_usable_range_reads_back() {
        let spec = FitSpec::parse("chinchilla;E=1.82;A=482;B=2085;alpha=0.3478;beta=0.3658;runs=240;c=-.00e18..1.00e22").unwrap();
        assert!(spec.compute_range.0.is_nan());
        let text = spec.to_text();
        assert!(!text.contains("c="), "{text}");
        let again = FitSpec::parse(&text).unwrap();
        assert_eq!(again.to_text(), text);
        assert_eq!(again.law, spec.law);
    }
}
