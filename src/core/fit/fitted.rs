//! A fitted law as the Budget panel and links carry it: the law, its runs' compute range and
//! count, written as one short text (`chinchilla;E=1.817;A=477.8;…;runs=240;c=1.2e18..1.3e22`)
//! with the one parser that reads it back.

use std::fmt;

use super::forms::FittedLaw;
use crate::core::laws::farseer::{FarseerLaw, NAMES};
use crate::core::laws::{ChinchillaLaw, KaplanLaw};

/// A fitted law with what it was fitted on.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
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
pub struct SpecError(pub String);

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpecError {}

/// `x` to `digits` significant digits, without thousands separators.
fn num(x: f64, digits: usize) -> String {
    crate::core::units::format_sig(x, digits).replace(',', "")
}

impl FitSpec {
    /// The text form.
    pub fn to_text(&self) -> String {
        let params = match self.law {
            FittedLaw::Chinchilla(l) => format!(
                "chinchilla;E={};A={};B={};alpha={};beta={}",
                num(l.e, 7),
                num(l.a, 7),
                num(l.b, 7),
                num(l.alpha, 7),
                num(l.beta, 7)
            ),
            FittedLaw::Kaplan(l) => format!(
                "kaplan;N_c={};D_c={};alpha_N={};alpha_D={}",
                num(l.n_c, 7),
                num(l.d_c, 7),
                num(l.alpha_n, 7),
                num(l.alpha_d, 7)
            ),
            // Ten digits: these parameters sit inside exponentials of exponentials.
            FittedLaw::Farseer(l) => std::iter::once("farseer".to_string())
                .chain(NAMES.iter().zip(l.theta).map(|(k, v)| format!("{k}={}", num(v, 10))))
                .collect::<Vec<_>>()
                .join(";"),
        };
        format!(
            "{params};runs={};c={}..{}",
            self.runs,
            crate::core::units::format_sci(self.compute_range.0, 3),
            crate::core::units::format_sci(self.compute_range.1, 3)
        )
    }

    /// Reads the text form.
    ///
    /// # Errors
    /// Unknown law, missing or unreadable values, values that make no law (≤ 0 where a positive
    /// number is needed, non-finite).
    pub fn parse(text: &str) -> Result<FitSpec, SpecError> {
        let mut parts = text.split(';').map(str::trim);
        let kind = parts.next().unwrap_or_default().to_ascii_lowercase();
        let mut values = std::collections::BTreeMap::new();
        let mut runs = 0usize;
        let mut range = (f64::NAN, f64::NAN);
        for part in parts.filter(|p| !p.is_empty()) {
            let Some((key, value)) = part.split_once('=') else {
                return Err(SpecError(format!("fitted law: \"{}\" is not name=value", crate::core::units::truncate(part))));
            };
            match key {
                "runs" => {
                    runs = value.parse().map_err(|_| SpecError(format!("fitted law: runs=\"{}\" is not a count", crate::core::units::truncate(value))))?;
                }
                "c" => {
                    let (lo, hi) = value.split_once("..").unwrap_or((value, value));
                    range = (read(key, lo)?, read(key, hi)?);
                }
                _ => {
                    values.insert(key.to_string(), read(key, value)?);
                }
            }
        }
        let get = |k: &str| values.get(k).copied().ok_or_else(|| SpecError(format!("fitted law: {} is missing", crate::core::units::truncate(k))));
        let law = match kind.as_str() {
            "chinchilla" => FittedLaw::Chinchilla(ChinchillaLaw {
                e: get("E")?,
                a: get("A")?,
                b: get("B")?,
                alpha: get("alpha")?,
                beta: get("beta")?,
            }),
            "kaplan" => FittedLaw::Kaplan(KaplanLaw {
                n_c: get("N_c")?,
                d_c: get("D_c")?,
                alpha_n: get("alpha_N")?,
                alpha_d: get("alpha_D")?,
            }),
            "farseer" => {
                let mut theta = [0.0; NAMES.len()];
                for (slot, name) in theta.iter_mut().zip(NAMES) {
                    *slot = get(name)?;
                }
                FittedLaw::Farseer(FarseerLaw { theta })
            }
            other => {
                return Err(SpecError(format!(
                    "fitted law: unknown form \"{}\" (chinchilla, kaplan or farseer)",
                    crate::core::units::truncate(other)
                )))
            }
        };
        let positive = match law {
            FittedLaw::Chinchilla(l) => [l.e, l.a, l.b, l.alpha, l.beta].iter().all(|v| *v > 0.0),
            FittedLaw::Kaplan(l) => [l.n_c, l.d_c, l.alpha_n, l.alpha_d].iter().all(|v| *v > 0.0),
            // Farseer's coefficients may have either sign, and a fit to few runs can extrapolate
            // wildly; at the middle of its runs' compute (20 tokens per parameter) it must still
            // predict something that reads as a loss in nats per token.
            FittedLaw::Farseer(l) => {
                let c = if range.0 > 0.0 && range.1 >= range.0 { (range.0 * range.1).sqrt() } else { 2.4e20 };
                let n = (c / 120.0).sqrt();
                let loss = crate::core::laws::LossLaw::loss(&l, n, 20.0 * n);
                loss > 0.0 && loss < 100.0
            }
        };
        if !positive {
            return Err(SpecError(match law {
                FittedLaw::Farseer(_) => "fitted law: these Farseer parameters give no plausible loss (between 0 and 100 nats) within their runs' compute".into(),
                _ => "fitted law: every parameter must be greater than 0".into(),
            }));
        }
        if !(range.0 > 0.0 && range.1 >= range.0) {
            range = (f64::NAN, f64::NAN);
        }
        Ok(FitSpec { law, runs, compute_range: range })
    }
}

fn read(key: &str, value: &str) -> Result<f64, SpecError> {
    crate::core::units::parse_number(value)
        .map_err(|e| SpecError(format!("fitted law: {} {e}", crate::core::units::truncate(key))))
        .and_then(|v| if v.is_finite() { Ok(v) } else { Err(SpecError(format!("fitted law: {} is not finite", crate::core::units::truncate(key)))) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_to_seven_digits() {
        let spec = FitSpec {
            law: FittedLaw::Chinchilla(ChinchillaLaw { e: 1.8172181, a: 477.8253579, b: 2143.4248, alpha: 0.34731043, beta: 0.36717260 }),
            runs: 240,
            compute_range: (1.2e18, 1.3e22),
        };
        let text = spec.to_text();
        assert_eq!(text, "chinchilla;E=1.817218;A=477.8254;B=2143.425;alpha=0.3473104;beta=0.3671726;runs=240;c=1.2e18..1.3e22");
        let back = FitSpec::parse(&text).unwrap();
        assert_eq!(back.runs, 240);
        assert_eq!(back.to_text(), text);
        let kaplan = FitSpec { law: FittedLaw::Kaplan(KaplanLaw { n_c: 6.4e13, d_c: 1.8e13, alpha_n: 0.076, alpha_d: 0.103 }), runs: 9, compute_range: (1e18, 1e20) };
        assert_eq!(FitSpec::parse(&kaplan.to_text()).unwrap(), kaplan);
        let theta = [0.1, -1.0, -0.2, 0.3, 0.1, -0.3, 0.2, 0.6, -0.35];
        let farseer = FitSpec { law: FittedLaw::Farseer(FarseerLaw { theta }), runs: 40, compute_range: (1e18, 1e21) };
        let text = farseer.to_text();
        assert!(text.starts_with("farseer;a1=0.1;b1=-1;alpha=-0.2;"), "{text}");
        assert_eq!(FitSpec::parse(&text).unwrap(), farseer);
    }

    #[test]
    fn bad_texts_are_refused_clearly() {
        for (text, want) in [
            ("gpt;E=1", "unknown form \"gpt\""),
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
}
