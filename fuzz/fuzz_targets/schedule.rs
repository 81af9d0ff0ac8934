//! Learning-rate schedule specs, named spec lists, warmup conventions, pruning ramps and pasted
//! loss curves with lr columns (the Schedule panel, `scalecalc schedule`, `--predict`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scalecalc::core::laws::sparse::Ramp;
use scalecalc::core::schedule::{parse_named, read_curves, CurveOptions, Spec, Warmup};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the entry point, the rest is the text.
    let Some((&which, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    match which % 5 {
        0 => {
            if let Ok(spec) = Spec::parse(text) {
                // A spec that reads has a finite, non-negative lr at every step it names.
                for i in 0..=16 {
                    let step = spec.steps / 16 * i + if i == 16 { spec.steps % 16 } else { 0 };
                    for warmup in [Warmup::Peak, Warmup::Ramp] {
                        let lr = spec.lr(step, warmup);
                        assert!(lr.is_finite() && lr >= 0.0, "{text:?}: lr {lr} at step {step}");
                    }
                }
                // Its text (six significant digits) reads back, to the same text.
                let again = Spec::parse(&spec.to_text()).map(|s| s.to_text());
                assert_eq!(again.as_deref(), Ok(spec.to_text().as_str()), "{text:?}");
            }
        }
        1 => {
            let _ = parse_named(text);
        }
        2 => {
            let _ = Warmup::parse(text);
        }
        3 => {
            let _ = Ramp::parse(text);
        }
        _ => {
            let opts = CurveOptions {
                convention: if which & 0x20 != 0 { Warmup::Ramp } else { Warmup::Peak },
                skip_bad_rows: which & 0x80 != 0,
                extra_specs: which & 0x40 != 0,
                ..CurveOptions::default()
            };
            if let Ok((curves, _notes)) = read_curves(text, &opts) {
                for c in &curves {
                    assert!(c.points.iter().all(|(_, l)| l.is_finite()), "a curve's loss is not finite");
                    assert!(c.rates.iter().all(|r| r.is_finite() && *r >= 0.0), "a curve's lr is not finite");
                }
            }
        }
    }
});
