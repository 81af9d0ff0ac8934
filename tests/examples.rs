//! The page's examples (`www/examples/`, fetched when a user picks one, never inside the wasm).
//! The synthetic ones are exactly what the generators here draw from published laws — run with
//! `SCALECALC_WRITE_EXAMPLES=1` to write them — and the datablations one is exactly the licensed
//! source's rows (`../shared/data/datablations`), with its notice. Every file the catalogue
//! (`www/examples/index.json`) names exists and reads as the panel it is for expects.

use std::path::{Path, PathBuf};

use scalecalc::core::laws::tissue::TissueParams;
use scalecalc::core::presets::EPOCH;
use scalecalc::core::schedule::{areas, Spec, Warmup};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("www/examples")
}

/// Compares `text` with the committed file, or writes it when asked to.
fn check(name: &str, text: &str) {
    let path = examples().join(name);
    if std::env::var_os("SCALECALC_WRITE_EXAMPLES").is_some() {
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    assert!(committed == text, "{} is not what its generator draws (SCALECALC_WRITE_EXAMPLES=1 rewrites it)", path.display());
}

/// A small seeded generator (SplitMix64) and standard normal draws (Box–Muller).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

/// 72 runs in the layout of Chinchilla's IsoFLOP sweeps: 9 model sizes from ¼× to 4× the
/// compute-optimal N at each of 8 budgets (1e18 to 3e21 FLOP), D = C/(6N), the loss of Epoch
/// 2024's law with 1 % log-normal noise.
pub fn chinchilla_synthetic() -> String {
    let law = EPOCH;
    let mut rng = Rng(2024);
    let mut out = String::from(
        "# Synthetic example for scalecalc's Fit panel: NOT real training runs.\n\
         # 72 runs drawn from Epoch 2024's law L = 1.82 + 482.01/N^0.3478 + 2085.43/D^0.3658\n\
         # (Besiroglu et al., Chinchilla Scaling: A replication attempt, arXiv:2404.10102) with 1% log-normal noise:\n\
         # 9 model sizes from 1/4 to 4 times the compute-optimal N at each of 8 budgets from 1e18 to 3e21 FLOP, D = C/(6N).\n\
         # The real runs (Hoffmann et al. 2022, digitised by Epoch AI): https://github.com/epoch-research/analyzing-chinchilla\n\
         N,D,loss\n",
    );
    let (a, b) = (law.alpha, law.beta);
    let g = (a * law.a / (b * law.b)).powf(1.0 / (a + b));
    for c in [1e18, 3e18, 1e19, 3e19, 1e20, 3e20, 1e21, 3e21] {
        let n_star = g * (c / 6.0_f64).powf(b / (a + b));
        for k in 0..9 {
            let n = n_star * 4f64.powf((k as f64 - 4.0) / 4.0);
            let d = c / (6.0 * n);
            let loss = (law.e + law.a / n.powf(a) + law.b / d.powf(b)) * (0.01 * rng.normal()).exp();
            out.push_str(&format!("{:.4e},{:.4e},{:.4}\n", n, d, loss));
        }
    }
    out
}

/// Three runs of the setting of Tissue et al.'s Fig. 2 (20 000 steps, η_max 2e-4, 500 warmup
/// steps): cosine to 0, constant, and warmup-stable-decay (the last 20 %, 1−sqrt), the loss of
/// their Fig. 2 law every 500 steps with noise of 0.003.
pub fn schedule_synthetic() -> (String, String) {
    let specs = "cosine: cosine:steps=20000,peak=2e-4,warmup=500,min=0\n\
                 constant: constant:steps=20000,peak=2e-4,warmup=500\n\
                 wsd: wsd:steps=20000,peak=2e-4,warmup=500,decay=0.2,shape=1-sqrt,min=0";
    let law = TissueParams::FIG2;
    let mut rng = Rng(2408);
    let mut out = String::from(
        "# Synthetic example for scalecalc's schedule tool: NOT real training runs.\n\
         # Validation loss every 500 steps of three learning-rate schedules, drawn from Tissue et al.'s Fig. 2 law\n\
         # L = 2.628 + 0.429*S1^(-0.550) - 0.411*S2 (Tissue, Wang & Wang, arXiv:2408.11029; lambda 0.999, warmup at peak)\n\
         # with Gaussian noise of 0.003. The paper's real Fig. 2 curves: https://arxiv.org/abs/2408.11029\n\
         schedule,step,val_loss\n",
    );
    for line in specs.lines() {
        let (name, spec) = line.split_once(": ").expect("name: spec");
        let spec = Spec::parse(spec).expect("a valid spec");
        let ar = areas(&spec.rates(Warmup::Peak), 0.999);
        for step in (500..=20_000).step_by(500) {
            let loss = law.loss(ar.s1[step], ar.s2[step]) + 0.003 * rng.normal();
            out.push_str(&format!("{name},{step},{loss:.4}\n"));
        }
    }
    (out, specs.to_string())
}

/// The 182 runs of Muennighoff et al.'s R_D*/R_N* fit (the `in_paper_Rstar_fit_subset` rows of
/// the shared derived table), as N, D, U, loss, with the Apache-2.0 notice.
fn datablations() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/datablations/datablations_final_losses.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (n, d, u, loss, subset) = (col("N_params"), col("D_tokens"), col("U_unique_tokens"), col("loss_c4_val"), col("in_paper_Rstar_fit_subset"));
    let mut out = String::from(
        "# Muennighoff et al. 2023, Scaling Data-Constrained Language Models (arXiv:2305.16264): final C4 validation\n\
         # losses of the 182 runs of the paper's R_D*/R_N* fit, from the authors' utils/parametric_fit.ipynb at\n\
         # https://github.com/huggingface/datablations (commit 13701315). Copyright the datablations authors;\n\
         # licensed under the Apache License 2.0 (examples/LICENSE-datablations.txt). Changed: run names decoded\n\
         # into N, D (tokens seen), U (unique tokens) with the notebook's maps; only the fit subset kept.\n\
         N,D,U,loss\n",
    );
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        if cells.get(subset) == Some(&"1") {
            out.push_str(&format!("{},{},{},{}\n", cells[n], cells[d], cells[u], cells[loss]));
        }
    }
    out
}

/// 24 (loss, accuracy) pairs of a model ladder on one task: losses from 2.1 to 3.6, accuracy on
/// the sigmoid acc = 0.25 + (0.80 − 0.25)/(1 + exp(5·(L − 2.7))) (the shape of Bhagia et al.'s
/// step 2, with made-up constants: a four-way multiple-choice task's 25 % chance level) plus
/// 1.2 points of normal noise.
pub fn downstream_synthetic() -> String {
    let mut rng = Rng(4403);
    let mut out = String::from(
        "# Synthetic example for scalecalc's downstream-accuracy panel: NOT real evaluations.\n\
         # 24 (loss, accuracy) pairs drawn from acc = 0.25 + (0.80 - 0.25)/(1 + exp(5*(L - 2.7))) with 1.2 points of noise:\n\
         # the form of step 2 of Bhagia et al. 2024 (arXiv:2412.04403) with made-up constants (chance level 25%).\n\
         loss,accuracy\n",
    );
    for i in 0..24 {
        let l = 2.1 + 1.5 * f64::from(i) / 23.0;
        let acc = 0.25 + 0.55 / (1.0 + (5.0 * (l - 2.7)).exp()) + 0.012 * rng.normal();
        out.push_str(&format!("{l:.4},{acc:.4}\n"));
    }
    out
}

/// 90 MoE runs in the layout of Krajewski et al.'s Table 3 (E = 64; 64×3M to 64×85M active
/// parameters, d_model = 64·n_blocks; 16B, 33B and 66B tokens; granularity 1 to 16), the loss of
/// their eq. 9 with Table 1's MoE constants and 0.5 % log-normal noise. N is the law's N, the total
/// non-embedding parameters d_model²·(8E + 4)·n_blocks.
pub fn moe_synthetic() -> String {
    use scalecalc::core::laws::krajewski::{shape, TABLE_1_MOE};
    let mut rng = Rng(7871);
    let mut out = String::from(
        "# Synthetic example for scalecalc's mixture-of-experts panel: NOT real runs.\n\
         # 90 runs drawn from L = 0.47 + (2.1/G^0.58 + 18.1)/N^0.115 + 30.8/D^0.147 (Krajewski et al. 2024, arXiv:2402.07871,\n\
         # eq. 9 with Table 1) with 0.5% noise, in the layout of their Table 3 (expansion rate E = 64).\n\
         # N: total non-embedding parameters; D: tokens; G: granularity.\n\
         N,D,G,loss\n",
    );
    for n_act in [3e6, 7e6, 13e6, 25e6, 49e6, 85e6] {
        let n = shape(n_act, 64.0).n_total;
        for d in [16e9, 33e9, 66e9] {
            for g in [1.0, 2.0, 4.0, 8.0, 16.0] {
                let loss = TABLE_1_MOE.loss(n, d, g) * (0.005 * rng.normal()).exp();
                out.push_str(&format!("{n:.4e},{d:.1e},{g},{loss:.4}\n"));
            }
        }
    }
    out
}

#[test]
fn the_synthetic_moe_example_is_drawn_from_table_1() {
    check("moe-synthetic.csv", &moe_synthetic());
}

#[test]
fn the_synthetic_downstream_example_is_drawn_from_a_sigmoid() {
    check("downstream-synthetic.csv", &downstream_synthetic());
}

#[test]
fn the_synthetic_fit_example_is_drawn_from_the_epoch_law() {
    check("chinchilla-synthetic.csv", &chinchilla_synthetic());
}

#[test]
fn the_synthetic_schedule_example_is_drawn_from_the_fig2_law() {
    let (curves, specs) = schedule_synthetic();
    check("schedules-synthetic.csv", &curves);
    check("schedules-synthetic.specs.txt", &format!("{specs}\n"));
}

#[test]
fn the_datablations_example_is_the_papers_fit_subset_with_its_licence() {
    let text = datablations();
    assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 183, "182 runs and a header");
    check("datablations-rstar.csv", &text);
    let licence = std::fs::read_to_string(examples().join("LICENSE-datablations.txt")).expect("the licence travels with the data");
    assert!(licence.contains("Apache License") && licence.contains("Version 2.0"));
}

/// Every file the catalogue names exists, and every example file is in the catalogue.
#[test]
fn the_catalogue_names_every_example_file() {
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(examples().join("index.json")).expect("index.json")).expect("valid JSON");
    let mut named = std::collections::BTreeSet::new();
    for example in index.as_array().expect("a list") {
        for key in ["key", "panel", "title", "source", "link", "url", "licence", "expect"] {
            assert!(example[key].as_str().is_some_and(|s| !s.is_empty()), "{example}: no {key}");
        }
        for (field, file) in example["fields"].as_object().expect("fields") {
            let file = file.as_str().expect("a file name");
            assert!(examples().join(file).is_file(), "{field}: {file} is missing");
            assert!(scalecalc::page::fields::by_name(field).is_some(), "{field} is not a field");
            named.insert(file.to_string());
        }
        for (field, value) in example.get("values").and_then(|v| v.as_object()).into_iter().flatten() {
            assert!(value.is_string(), "{field}: a value is text");
            assert!(scalecalc::page::fields::by_name(field).is_some(), "{field} is not a field");
        }
    }
    for entry in std::fs::read_dir(examples()).expect("examples/") {
        let name = entry.expect("entry").file_name().into_string().expect("utf-8");
        if name != "index.json" && !name.starts_with("LICENSE") {
            assert!(named.contains(&name), "{name} is in www/examples but no example uses it");
        }
    }
}
