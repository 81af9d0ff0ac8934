//! Quantities, numbers, fractions and MFU as typed in the Budget panel and on the command line:
//! never a panic, and whatever reads is finite and formats without NaN or infinity.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scalecalc::core::convert::{from_flop, to_flop};
use scalecalc::core::hardware::{parse_mfu, Cluster, GPUS};
use scalecalc::core::units::{format_count, format_duration, format_flop, format_sci, format_sig, format_usd, parse_fraction, parse_number, parse_quantity, truncate, Unit};

fn shown(text: &str) {
    assert!(!text.contains("NaN") && !text.contains("inf"), "shown: {text}");
}

fuzz_target!(|text: &str| {
    let _ = truncate(text);
    if let Ok(v) = parse_number(text) {
        assert!(v.is_finite(), "{text:?} read as {v}");
        for s in [format_sig(v, 3), format_sci(v, 3), format_count(v, 3), format_flop(v.abs()), format_usd(v.abs()), format_duration(v.abs())] {
            shown(&s);
        }
    }
    if let Ok(v) = parse_fraction(text) {
        assert!(v.is_finite(), "{text:?} read as {v}");
    }
    if let Ok(m) = parse_mfu(text) {
        assert!(m.fraction > 0.0 && m.fraction <= 1.0, "{text:?} read as MFU {}", m.fraction);
    }
    if let Ok(q) = parse_quantity(text) {
        assert!(q.value.is_finite(), "{text:?} read as {}", q.value);
        let cluster = Cluster { gpu: &GPUS[0], count: 8.0, mfu: 0.4, usd_per_gpu_hour: Some(2.0) };
        if let Ok(flop) = to_flop(q, Some(&cluster)) {
            assert!(flop.is_finite(), "{text:?} is {flop} FLOP");
            for unit in [Unit::Flop, Unit::PfDay, Unit::GpuHour, Unit::Second, Unit::Usd] {
                if let Ok(v) = from_flop(flop, unit, Some(&cluster)) {
                    assert!(v.is_finite(), "{text:?} in {unit:?} is {v}");
                }
            }
        }
    }
});
