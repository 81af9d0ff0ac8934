//! Every size a user controls, at its bound and just past it (README, "Bounds"): at the bound
//! the page takes it without a message at the field, past it the field says what the bound is.
//! Slow work stays deferred (as on the page), so these tests measure nothing and run fast; the
//! work at each bound is measured in the README.

use scalecalc::core::analysis::compare::{MAX_RESAMPLES, MAX_RUNS as COMPARE_MAX_RUNS};
use scalecalc::core::analysis::request::MAX_BOOTSTRAP;
use scalecalc::core::analysis::sweep::plan::{MAX_BUDGETS, MAX_RUNS as SWEEP_MAX_RUNS, MAX_SIZES};
use scalecalc::core::fit::grid::MAX_STARTS;
use scalecalc::core::schedule::{Spec, MAX_STEPS, MAX_TOTAL_STEPS};
use scalecalc::core::units::MAX_INPUT_CHARS;
use scalecalc::page::budget::{evaluate, Inputs, View};
use scalecalc::page::session::Session;
use scalecalc::page::share::{from_fragment, MAX_FRAGMENT_CHARS};
use scalecalc::page::tools::sweep::MAX_REPLICATES;

/// The page's view of the defaults with `field` set to `value`, slow work deferred.
fn view_with(pairs: &[(&str, &str)]) -> View {
    let mut session = Session::new();
    session.set_deferred(true);
    let mut inputs = Inputs::default();
    for (field, value) in pairs {
        inputs = inputs.with(field, *value);
    }
    evaluate(&inputs, &mut session)
}

/// `at` is taken without a message at `field`; `past` gets one that contains `says`.
fn bound(field: &str, at: &[(&str, &str)], past: &[(&str, &str)], says: &str) {
    let ok = view_with(at);
    assert!(!ok.errors.contains_key(field), "at the bound, {field}: {:?}", ok.errors.get(field));
    let over = view_with(past);
    let message = over.errors.get(field).unwrap_or_else(|| panic!("past the bound, {field} has no message: {:?}", over.errors));
    assert!(message.contains(says), "{field}: {message:?} lacks {says:?}");
}

fn table(rows: usize) -> String {
    let mut t = String::from("N,D,loss\n");
    for i in 0..rows {
        let n = 1e7 * (1.0 + i as f64 * 0.37);
        let d = n * (2.0 + (i % 40) as f64 * 3.0);
        t += &format!("{n},{d},{}\n", 1.7 + 400.0 / n.powf(0.34) + 410.0 / d.powf(0.28));
    }
    t
}

#[test]
fn a_typed_field_up_to_its_length() {
    let at = format!("{}3e23", "0".repeat(MAX_INPUT_CHARS - 4));
    let past = format!("{}3e23", "0".repeat(MAX_INPUT_CHARS - 3));
    bound("compute", &[("compute", &at)], &[("compute", &past)], &format!("at most {MAX_INPUT_CHARS}"));
}

#[test]
fn a_link_up_to_its_length() {
    let mut session = Session::new();
    let base = "v=1&c=3e22";
    let at = format!("{base}{}", "&".repeat(MAX_FRAGMENT_CHARS - base.len()));
    let (inputs, messages) = from_fragment(&at, &mut session);
    assert!(messages.is_empty(), "{messages:?}");
    assert_eq!(inputs.text("compute"), "3e22");
    let (inputs, messages) = from_fragment(&format!("{at}&"), &mut session);
    assert!(messages.iter().any(|m| m.contains("too long")), "{messages:?}");
    assert_eq!(inputs, Inputs::default());
}

#[test]
fn fit_panel_resamples() {
    let (at, past) = (MAX_BOOTSTRAP.to_string(), (MAX_BOOTSTRAP + 1).to_string());
    bound("fit_boot", &[("fit_boot", &at)], &[("fit_boot", &past)], &MAX_BOOTSTRAP.to_string());
}

#[test]
fn fit_panel_starting_grid() {
    // 10 000 × 10 values is the bound; 9 091 × 11 just past it.
    let axis = |n: usize| format!("0:{}:1", n - 1);
    let at = format!("a={}, b={}, e=0, alpha=0.5, beta=0.5", axis(10_000), axis(10));
    let past = format!("a={}, b={}, e=0, alpha=0.5, beta=0.5", axis(9_091), axis(11));
    bound("fit_grid", &[("fit_grid", &at)], &[("fit_grid", &past)], &MAX_STARTS.to_string());
}

#[test]
fn sweep_repetitions_budgets_sizes_and_runs() {
    let (at, past) = (MAX_REPLICATES.to_string(), (MAX_REPLICATES + 1).to_string());
    bound("sw_reps", &[("sw_reps", &at)], &[("sw_reps", &past)], &MAX_REPLICATES.to_string());
    let budgets = |n: usize| (0..n).map(|i| format!("{:e}", 1e18 * 2f64.powi(i as i32))).collect::<Vec<_>>().join(", ");
    let (at, past) = (budgets(MAX_BUDGETS), budgets(MAX_BUDGETS + 1));
    bound("sw_budgets", &[("sw_budgets", &at), ("sw_sizes", "3")], &[("sw_budgets", &past), ("sw_sizes", "3")], &MAX_BUDGETS.to_string());
    let (at, past) = (MAX_SIZES.to_string(), (MAX_SIZES + 1).to_string());
    bound("sw_sizes", &[("sw_sizes", &at), ("sw_budgets", "1e18, 1e19")], &[("sw_sizes", &past), ("sw_budgets", "1e18, 1e19")], &MAX_SIZES.to_string());
    // Budgets × sizes: 8 × 15 = 120 is the bound, 9 × 15 past it.
    assert_eq!(SWEEP_MAX_RUNS, 8 * MAX_SIZES);
    let sizes = MAX_SIZES.to_string();
    bound("sw_budgets", &[("sw_budgets", &budgets(8)), ("sw_sizes", &sizes)], &[("sw_budgets", &budgets(9)), ("sw_sizes", &sizes)], &format!("at most {SWEEP_MAX_RUNS}"));
}

#[test]
fn compare_resamples_and_runs() {
    let (at, past) = (MAX_RESAMPLES.to_string(), (MAX_RESAMPLES + 1).to_string());
    bound("cmp_boot", &[("cmp_boot", &at)], &[("cmp_boot", &past)], &MAX_RESAMPLES.to_string());
    let (at, past) = (table(COMPARE_MAX_RUNS), table(COMPARE_MAX_RUNS + 1));
    bound("cmp_a", &[("cmp_a", &at)], &[("cmp_a", &past)], &format!("at most {COMPARE_MAX_RUNS}"));
}

#[test]
fn schedules_up_to_their_steps() {
    assert!(Spec::parse(&format!("cosine:steps={MAX_STEPS},peak=1e-3")).is_ok());
    assert!(Spec::parse(&format!("cosine:steps={},peak=1e-3", MAX_STEPS + 1)).unwrap_err().to_string().contains(&MAX_STEPS.to_string()));
    // Four curves: 4 × (999 999 + 1) steps is the bound, one step more past it.
    let curves = |last: usize| {
        let (mut data, mut specs) = (String::from("step,loss,curve\n"), String::new());
        for c in 0..4 {
            let steps = if c == 3 { last } else { MAX_TOTAL_STEPS / 4 - 1 };
            specs += &format!("c{c}: cosine:steps={steps},peak={},warmup=1000,min=0\n", 3e-4 * (1.0 + f64::from(c) * 0.3));
            for k in 1..=20 {
                let s = steps / 20 * k;
                data += &format!("{s},{},c{c}\n", 3.0 - 0.1 * (s as f64).ln() / 14.0 - 0.01 * f64::from(c));
            }
        }
        (data, specs)
    };
    let (data_at, specs_at) = curves(MAX_TOTAL_STEPS / 4 - 1);
    let (data_past, specs_past) = curves(MAX_TOTAL_STEPS / 4);
    bound(
        "sched_specs",
        &[("sched_data", &data_at), ("sched_specs", &specs_at)],
        &[("sched_data", &data_past), ("sched_specs", &specs_past)],
        &MAX_TOTAL_STEPS.to_string(),
    );
}

/// (loss, accuracy) pairs on a sigmoid, `n` of them.
fn accuracy_pairs(n: usize) -> String {
    let mut t = String::from("loss,accuracy\n");
    for i in 0..n {
        let l = 2.0 + 1.5 * i as f64 / n as f64;
        t.push_str(&format!("{l:.6},{:.6}\n", 0.25 + 0.55 / (1.0 + (5.0 * (l - 2.7)).exp()) + 0.01 * ((i * 7) as f64).sin()));
    }
    t
}

#[test]
fn downstream_pairs_and_resamples() {
    use scalecalc::core::laws::bhagia::MAX_PAIRS;
    use scalecalc::page::tools::downstream::MAX_BOOT;
    let pairs = accuracy_pairs(40);
    bound("acc_boot", &[("acc_pairs", &pairs), ("acc_boot", &MAX_BOOT.to_string())], &[("acc_pairs", &pairs), ("acc_boot", &(MAX_BOOT + 1).to_string())], "between 0 and 1000");
    let at = accuracy_pairs(MAX_PAIRS);
    let past = accuracy_pairs(MAX_PAIRS + 1);
    bound("acc_pairs", &[("acc_pairs", &at)], &[("acc_pairs", &past)], "at most 500 (loss, accuracy) pairs");
}

#[test]
fn model_shape_parallel_degrees_and_micro_batch() {
    let max = (1u64 << 20).to_string();
    let past = ((1u64 << 20) + 1).to_string();
    for field in ["sh_tp", "sh_pp", "sh_dp"] {
        bound(field, &[(field, &max)], &[(field, &past)], "is outside 1 – 1048576");
    }
    bound("sh_micro_batch", &[("sh_micro_batch", "65536")], &[("sh_micro_batch", "65537")], "outside 1 – 65536");
    bound("sh_vocab", &[("sh_vocab", "10000000")], &[("sh_vocab", "10000001")], "outside 1 – 10000000");
    bound("sh_layers", &[("sh_layers", "1000")], &[("sh_layers", "1001")], "outside 1 – 1000");
}

#[test]
fn critical_batch_measurements() {
    use scalecalc::core::laws::cbs::MAX_POINTS;
    let rows = |n: usize| {
        let mut t = String::from("D,batch\n");
        for i in 0..n {
            let d = 1e9 * (1.0 + i as f64);
            t.push_str(&format!("{d},{}\n", 0.5 * d.sqrt()));
        }
        t
    };
    let (at, past) = (rows(MAX_POINTS), rows(MAX_POINTS + 1));
    bound("hp_cbs", &[("hp_cbs", &at)], &[("hp_cbs", &past)], "at most 10000 are fitted");
}

/// The Mixture-of-experts panel's sparsity law fits at most 200 pasted runs (README, Bounds).
#[test]
fn sparsity_law_runs() {
    use scalecalc::core::laws::abnar::MAX_RUNS as SPARSITY_MAX_RUNS;
    let runs = |count: usize| {
        let mut t = String::from("N,D,S,loss\n");
        for i in 0..count {
            let (n, s) = (1e8 * (1.0 + i as f64 * 0.01), [0.0, 0.5, 0.75, 0.875][i % 4]);
            t += &format!("{n},{},{s},{}\n", 20.0 * n, 2.0 + 300.0 / n.powf(0.3));
        }
        t
    };
    let (at, past) = (runs(SPARSITY_MAX_RUNS), runs(SPARSITY_MAX_RUNS + 1));
    bound("moe_runs", &[("moe_form", "sparsity"), ("moe_runs", &at)], &[("moe_form", "sparsity"), ("moe_runs", &past)], &format!("at most {SPARSITY_MAX_RUNS}"));
}
