//! The Fit panel's and `scalecalc fit`'s small languages: starting grids, fitted-law specs,
//! `--fix`, excluded runs, `--at` points, the search, and the sweep planner's budgets and
//! extra runs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scalecalc::core::analysis::request::{constraints, parse_at, parse_exclude, parse_fix, Search};
use scalecalc::core::analysis::spec::FitSpec;
use scalecalc::core::analysis::sweep::plan::{parse_budgets, parse_extra};
use scalecalc::core::fit::grid::{Grid, MAX_STARTS};
use scalecalc::core::laws::RUN_LAWS;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let law = RUN_LAWS[usize::from(which >> 3) % RUN_LAWS.len()];
    match which % 8 {
        0 => {
            if let Ok(grid) = Grid::parse(text, law.theta_names(), law.default_grid()) {
                assert!(grid.len() <= MAX_STARTS, "{text:?}: {} starts", grid.len());
            }
        }
        1 => {
            if let Ok(spec) = FitSpec::parse(text) {
                // A spec's own text reads back.
                let again = FitSpec::parse(&spec.to_text());
                assert!(again.is_ok(), "{text:?} → {}", spec.to_text());
            }
        }
        2 => {
            if let Ok(fix) = parse_fix(text) {
                let _ = constraints(law, &fix, which & 0x80 != 0);
            }
        }
        3 => {
            let _ = parse_exclude(text);
        }
        4 => {
            if let Ok(points) = parse_at(text) {
                assert!(points.iter().all(|(n, d)| n.is_finite() && d.is_finite()), "{text:?}");
            }
        }
        5 => {
            let _ = Search::parse(text);
        }
        6 => {
            if let Ok(budgets) = parse_budgets(text) {
                assert!(budgets.iter().all(|c| c.is_finite() && *c > 0.0), "{text:?}");
            }
        }
        _ => {
            let _ = parse_extra(text);
        }
    }
});
