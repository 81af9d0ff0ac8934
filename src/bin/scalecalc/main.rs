//! The `scalecalc` command-line tool: the page's calculator for scripts and notebooks.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// `!(x > 0.0)` is written on purpose: it is also true for NaN, which must be rejected too.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
// Built by fuzz/ as its "cli" target (cargo-fuzz sets `--cfg fuzzing`): no `main`, the parser
// fuzzed instead (see `fuzz_target!` at the end).
#![cfg_attr(fuzzing, no_main, allow(dead_code))]

mod cbs;
mod downstream;
mod fit;
mod moe;
mod out;
mod precision;
mod shape;

#[cfg(not(fuzzing))]
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use out::{say, Failure};
use scalecalc::core::allocate::{self, Allocation};
use scalecalc::core::convert::{self, ConvertError};
use scalecalc::core::hardware::{check_gpu_count, check_price, find_gpu, gpu_keys, parse_mfu, Cluster, HardwareError, DEFAULT_MFU};
use scalecalc::core::plot::{self, ChartState, ChartStyle, Theme};
use scalecalc::core::presets::Preset;
use scalecalc::core::units::{parse_number, parse_quantity, Unit, FLOP_PER_PF_DAY};

#[derive(Parser)]
#[command(name = "scalecalc", version, about = "Scaling-law calculator for planning LM pre-training runs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Hardware options shared by the subcommands.
#[derive(clap::Args, Clone, Default)]
struct HardwareArgs {
    /// GPU type: a100, h100, h200, b200, mi300x, mi325x, tpuv5p. Default h100.
    #[arg(long)]
    gpu: Option<String>,
    /// Number of GPUs (for wall time). Default 1.
    #[arg(long, allow_hyphen_values = true)]
    gpus: Option<String>,
    /// Model FLOPs utilisation: a fraction (0.4) or a percent (40%). Default 0.4.
    #[arg(long, allow_hyphen_values = true)]
    mfu: Option<String>,
    /// Price in dollars per GPU-hour (for cost).
    #[arg(long, allow_hyphen_values = true)]
    price: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Convert a quantity: `scalecalc convert "1 PF-day" --to flop`.
    Convert {
        /// The quantity with its unit: "5.76e23", "2000 PF-days", "1.2M GPU-hours", "30 days", "$1M".
        #[arg(allow_hyphen_values = true)]
        quantity: String,
        /// Target unit: flop, pf-day, gpu-hour, seconds, hours, days, usd.
        #[arg(long)]
        to: String,
        #[command(flatten)]
        hardware: HardwareArgs,
    },
    /// Compute-optimal N and D for a budget (or the least compute for a target loss).
    Allocate {
        /// The budget: "3e23", "2000 PF-days", or with --gpu "1.2M GPU-hours".
        #[arg(long, required_unless_present = "target_loss", allow_hyphen_values = true)]
        compute: Option<String>,
        /// Instead of a budget: the loss to reach with the least compute.
        #[arg(long, conflicts_with = "compute", allow_hyphen_values = true)]
        target_loss: Option<String>,
        /// The law: hoffmann, epoch, muennighoff or kaplan.
        #[arg(long, default_value = "epoch")]
        law: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        hardware: HardwareArgs,
    },
    /// Draw one of the page's charts to an SVG file.
    Chart {
        /// Which chart.
        kind: ChartKind,
        /// The budget.
        #[arg(long, default_value = "5.76e23")]
        compute: String,
        /// The law: hoffmann, epoch, muennighoff or kaplan.
        #[arg(long, default_value = "epoch")]
        law: String,
        /// Output file.
        #[arg(long, short)]
        output: std::path::PathBuf,
    },
    /// Sparse pre-training (Jin et al. 2025): prune N parameters to a final sparsity during
    /// training; the loss follows the average parameter count N̄ (the law's N replaced by N̄).
    /// `scalecalc sparse --n 7B --sparsity 0.5 --compute 1e23 --json`.
    Sparse {
        /// Parameters before pruning: "7B", "1.14e9".
        #[arg(long, allow_hyphen_values = true)]
        n: String,
        /// Final sparsity in [0, 1): the share of the weights removed by the end.
        #[arg(long, allow_hyphen_values = true)]
        sparsity: String,
        /// Where pruning starts, as a fraction of training (the paper's best: 0.25).
        #[arg(long, default_value = "0.25", allow_hyphen_values = true)]
        start: String,
        /// Where pruning ends (the paper's best: 0.75).
        #[arg(long, default_value = "0.75", allow_hyphen_values = true)]
        end: String,
        /// How the kept fraction falls: geometric (the authors' code) or linear.
        #[arg(long, default_value = "geometric")]
        ramp: String,
        /// Training compute; the tokens are then C/(6·N̄).
        #[arg(long, required_unless_present = "tokens", allow_hyphen_values = true)]
        compute: Option<String>,
        /// Instead of a compute: training tokens.
        #[arg(long, conflicts_with = "compute", allow_hyphen_values = true)]
        tokens: Option<String>,
        /// The law whose N is replaced by N̄: hoffmann, epoch, muennighoff or kaplan.
        #[arg(long, default_value = "epoch")]
        law: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// A transformer's exact parameters, training FLOPs per token and memory per GPU:
    /// `scalecalc shape --layers 32 --d-model 4096 --heads 32 --kv-heads 8 --ffn-hidden 14336 --json`.
    Shape(Box<shape::ShapeArgs>),
    /// A task's accuracy from loss in two steps (Bhagia et al. 2024): a sigmoid fitted to
    /// (loss, accuracy) pairs at the law's L*: `scalecalc downstream pairs.csv --compute 1e23 --json`.
    Downstream(Box<downstream::DownstreamArgs>),
    /// Training and serving in low precision (Kumar et al. 2024): effective parameters, the
    /// post-training quantization penalty: `scalecalc precision --n 7B --d 1T --w 8 --a 8 --kv 8 --post 4 --json`.
    Precision(Box<precision::PrecisionArgs>),
    /// Mixture of experts by the joint law of dense and top-1 MoE models (Ludziejewski et al.
    /// 2025): the compute-optimal run with E experts, every E, the best E under a memory cap:
    /// `scalecalc moe --law joint --experts 8 --compute 1e22 --gpus 8 --json`; or by the sparsity
    /// law (Abnar et al. 2025) fitted to your runs: `scalecalc moe --law sparsity --runs runs.csv
    /// --compute 1e21 --json`.
    Moe(Box<moe::MoeArgs>),
    /// Your critical batch sizes as a power law in D (and N), as Zhang et al. 2024 fit theirs:
    /// `scalecalc cbs measured.csv --d 2T --json`.
    Cbs(Box<cbs::CbsArgs>),
    /// Fit a scaling law to your runs: `scalecalc fit runs.csv --law chinchilla --json`.
    Fit(Box<fit::FitArgs>),
    /// Time the 4 500-start Chinchilla fit and a bootstrap on one core (used by `./build.sh bench`).
    BenchFit(fit::BenchArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum ChartKind {
    Allocation,
    Contours,
    Isoflop,
}

#[cfg(not(fuzzing))]
fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Message(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        // `scalecalc … | head`: the reader has what it wanted.
        Err(Failure::ReaderGone) => ExitCode::SUCCESS,
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Convert { quantity, to, hardware } => convert(&quantity, &to, &hardware),
        Command::Allocate { compute, target_loss, law, json, hardware } => {
            allocate_cmd(compute.as_deref(), target_loss.as_deref(), &law, json, &hardware)
        }
        Command::Chart { kind, compute, law, output } => chart(kind, &compute, &law, &output),
        Command::Sparse { n, sparsity, start, end, ramp, compute, tokens, law, json } => {
            sparse_cmd(&SparseArgs { n, sparsity, start, end, ramp, compute, tokens, law, json })
        }
        Command::Shape(args) => shape::shape_cmd(&args),
        Command::Downstream(args) => downstream::downstream_cmd(&args),
        Command::Cbs(args) => cbs::cbs_cmd(&args),
        Command::Precision(args) => precision::precision_cmd(&args),
        Command::Moe(args) => moe::moe_cmd(&args),
        Command::Fit(args) => fit::fit(&args),
        Command::BenchFit(args) => fit::bench(&args),
    }
}

fn law_arg(text: &str) -> Result<Preset, String> {
    Preset::from_key(text).ok_or_else(|| {
        let keys: Vec<_> = Preset::ALL.iter().map(|p| p.key()).collect();
        format!("--law: unknown law \"{text}\" (expected one of {})", keys.join(", "))
    })
}

impl HardwareArgs {
    fn any_given(&self) -> bool {
        self.gpu.is_some() || self.gpus.is_some() || self.mfu.is_some() || self.price.is_some()
    }
}

/// Reads the hardware flags (defaults: one H100 at 40 % MFU, no price).
fn cluster(args: &HardwareArgs) -> Result<Cluster, String> {
    let gpu_name = args.gpu.as_deref().unwrap_or("h100");
    let gpu = find_gpu(gpu_name)
        .ok_or_else(|| format!("--gpu: unknown GPU \"{gpu_name}\" (expected one of {})", gpu_keys()))?;
    let gpus_text = args.gpus.as_deref().unwrap_or("1");
    let count = check_gpu_count(positive(gpus_text, "--gpus")?)
        .map_err(|e| format!("--gpus: \"{gpus_text}\" {e}"))?;
    let mfu = match &args.mfu {
        None => DEFAULT_MFU,
        Some(text) => {
            let read = parse_mfu(text).map_err(|e| match e {
                HardwareError::Number(_) => format!("--mfu: {e}"),
                _ => format!("--mfu: \"{text}\" {e}"),
            })?;
            read.fraction
        }
    };
    let price = args
        .price
        .as_deref()
        .map(|p| check_price(positive(p.trim().trim_start_matches('$'), "--price")?).map_err(|e| format!("--price: \"{p}\" {e}")))
        .transpose()?;
    Ok(Cluster { gpu, count, mfu, usd_per_gpu_hour: price })
}

/// A plain positive number for `flag`.
/// A whole number in [lo, hi] for `flag` (`hi` = `UNBOUNDED`: no upper bound), or a message
/// that quotes what was typed.
fn whole(text: &str, flag: &str, lo: u64, hi: u64) -> Result<u64, String> {
    scalecalc::core::units::parse_whole(text, lo, hi).map_err(|e| match e {
        scalecalc::core::units::WholeError::Parse(p) => format!("{flag}: {p}"),
        outside => format!("{flag}: \"{text}\" must be {}", outside.bound()),
    })
}

fn positive(text: &str, flag: &str) -> Result<f64, String> {
    let v = parse_number(text).map_err(|e| format!("{flag}: {e}"))?;
    if !(v > 0.0) {
        return Err(format!("{flag}: \"{text}\" must be greater than 0"));
    }
    Ok(v)
}

fn to_flop(text: &str, flag: &str, hardware: &HardwareArgs) -> Result<f64, String> {
    let q = parse_quantity(text).map_err(|e| format!("{flag}: {e}"))?;
    let needs_hardware = matches!(q.unit, Some(Unit::GpuHour | Unit::Second | Unit::Usd));
    let cluster = if needs_hardware { Some(cluster(hardware)?) } else { None };
    convert::to_flop(q, cluster.as_ref()).map_err(|e| match e {
        ConvertError::NeedsPrice => format!("{flag}: a dollar amount needs --price"),
        other => format!("{flag}: \"{text}\" {other}"),
    })
}

fn convert(quantity: &str, to: &str, hardware: &HardwareArgs) -> Result<(), Failure> {
    let flop = to_flop(quantity, "QUANTITY", hardware)?;
    let (unit, scale) = Unit::from_key(to).ok_or_else(|| {
        format!("--to: unknown unit \"{to}\" (expected flop, pf-day, gpu-hour, seconds, hours, days or usd)")
    })?;
    let needs_hardware = matches!(unit, Unit::GpuHour | Unit::Second | Unit::Usd);
    let cluster = if needs_hardware { Some(cluster(hardware)?) } else { None };
    let value = convert::from_flop(flop, unit, cluster.as_ref()).map_err(|e| match e {
        ConvertError::NeedsPrice => "--to usd needs --price (dollars per GPU-hour)".to_string(),
        other => format!("--to: {other}"),
    })? / if unit == Unit::Second { scale } else { 1.0 };
    say!("{value:e}");
    Ok(())
}

fn allocate_cmd(
    compute: Option<&str>,
    target_loss: Option<&str>,
    law: &str,
    json: bool,
    hardware: &HardwareArgs,
) -> Result<(), Failure> {
    let preset = law_arg(law)?;
    let law = preset.law();
    let best: Allocation = match (compute, target_loss) {
        (Some(text), _) => {
            let c = allocate::check_budget(to_flop(text, "--compute", hardware)?).map_err(|e| format!("--compute: {e}"))?;
            allocate::optimum(law, c).map_err(|e| format!("--compute: {e}"))?
        }
        (None, Some(text)) => {
            let target = positive(text, "--target-loss")?;
            allocate::min_compute_for_loss(law, target).map_err(|e| format!("--target-loss: {e}"))?
        }
        (None, None) => return Err("give --compute or --target-loss".into()),
    };
    // Hardware results only when hardware was described; a bad flag is an error, not ignored.
    let cluster = if hardware.any_given() { Some(cluster(hardware)?) } else { None };
    if json {
        let mut object = serde_json::json!({
            "law": preset.key(),
            "citation": preset.citation(),
            "n_convention": preset.convention(),
            "compute_flops": best.compute,
            "compute_pf_days": best.compute / FLOP_PER_PF_DAY,
            "n_params": best.n,
            "n_tokens": best.d,
            "tokens_per_param": best.tokens_per_param(),
            "loss": best.loss,
            "overfit_min_tokens": scalecalc::core::laws::overfit::min_tokens(best.n),
            "overfit_bound": scalecalc::core::laws::overfit::CITATION,
        });
        if let Some(c) = cluster {
            object["gpu"] = c.gpu.key.into();
            object["gpu_hours"] = c.gpu_hours(best.compute).into();
            object["wall_seconds"] = c.wall_seconds(best.compute).into();
            if let Some(cost) = c.cost(best.compute) {
                object["cost_usd"] = cost.into();
            }
        }
        say!("{object}");
    } else {
        use scalecalc::core::units::{format_count, format_duration, format_flop, format_sig, format_usd};
        say!("law               {} ({})", preset.label(), preset.citation());
        say!("compute           {}", format_flop(best.compute));
        say!("N* parameters     {} ({})", format_count(best.n, 3), preset.convention().label());
        say!("D* tokens         {}", format_count(best.d, 3));
        say!("tokens/parameter  {}", format_sig(best.tokens_per_param(), 3));
        say!("loss L*           {}", format_sig(best.loss, 4));
        say!("overfit bound     {} ({})", scalecalc::core::laws::overfit::describe_with(best.n, best.d), scalecalc::core::laws::overfit::CITATION);
        if let Some(c) = cluster {
            say!("GPU-hours         {} ({})", format_count(c.gpu_hours(best.compute), 3), c.gpu.label);
            say!("wall time         {} on {} GPUs", format_duration(c.wall_seconds(best.compute)), c.count);
            if let Some(cost) = c.cost(best.compute) {
                say!("cost              {}", format_usd(cost));
            }
        }
    }
    Ok(())
}

fn chart(kind: ChartKind, compute: &str, law: &str, output: &std::path::Path) -> Result<(), Failure> {
    use plotters::prelude::*;
    let preset = law_arg(law)?;
    let c = to_flop(compute, "--compute", &HardwareArgs { gpu: None, gpus: None, mfu: None, price: None })?;
    let state = ChartState { law: scalecalc::core::choice::LawChoice::Preset(preset), compute: Some(c), model_size: None, gpu: None };
    let style = ChartStyle::new(Theme::Light, 1.0);
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        let drawn = match kind {
            ChartKind::Allocation => plot::draw_allocation(&area, &state, &style),
            ChartKind::Contours => plot::draw_contours(&area, &state, &style),
            ChartKind::Isoflop => plot::draw_isoflop(&area, &state, &style),
        };
        drawn.map_err(|e| e.to_string())?;
        area.present().map_err(|e| e.to_string())?;
    }
    std::fs::write(output, svg).map_err(|e| Failure::Message(format!("--output: cannot write {}: {e}", output.display())))
}

struct SparseArgs {
    n: String,
    sparsity: String,
    start: String,
    end: String,
    ramp: String,
    compute: Option<String>,
    tokens: Option<String>,
    law: String,
    json: bool,
}

fn sparse_cmd(a: &SparseArgs) -> Result<(), Failure> {
    use scalecalc::core::laws::sparse::{plan, plan_at_compute, Pruning, Ramp};
    use scalecalc::core::units::{format_count, format_sig};
    let preset = law_arg(&a.law)?;
    let law = preset.law();
    let n = positive(&a.n, "--n")?;
    let fraction = |text: &str, flag: &str| scalecalc::core::units::parse_fraction(text).map_err(|e| format!("{flag}: {e}"));
    let ramp = Ramp::parse(&a.ramp).ok_or_else(|| format!("--ramp: unknown ramp \"{}\" (geometric or linear)", a.ramp))?;
    let pruning = Pruning { sparsity: fraction(&a.sparsity, "--sparsity")?, start: fraction(&a.start, "--start")?, end: fraction(&a.end, "--end")?, ramp };
    pruning.check().map_err(|e| format!("{}: {e}", match e {
        scalecalc::core::laws::sparse::PruningError::Sparsity(_) => "--sparsity",
        scalecalc::core::laws::sparse::PruningError::Bounds("start", _) => "--start",
        _ => "--end",
    }))?;
    let sp = match (&a.compute, &a.tokens) {
        (Some(c), _) => {
            let c = allocate::check_budget(to_flop(c, "--compute", &HardwareArgs::default())?).map_err(|e| format!("--compute: {e}"))?;
            plan_at_compute(n, c, &pruning)
        }
        (None, Some(d)) => plan(n, positive(d, "--tokens")?, &pruning),
        (None, None) => return Err("give --compute or --tokens".into()),
    };
    let loss = law.loss(sp.n_avg, sp.d);
    if !loss.is_finite() {
        return Err(Failure::Message("the law gives no finite loss for this model and data".into()));
    }
    let dense_same_final = law.loss(sp.n_final, sp.compute / (6.0 * sp.n_final));
    if a.json {
        let object = serde_json::json!({
            "law": preset.key(),
            "citation": "Jin et al. 2025, arXiv:2501.12486: the law's N replaced by the average parameter count over pre-training",
            "n_params": n,
            "sparsity": pruning.sparsity,
            "prune_start": pruning.start,
            "prune_end": pruning.end,
            "ramp": pruning.ramp.key(),
            "average_density": pruning.average_density(),
            "n_params_average": sp.n_avg,
            "n_params_final": sp.n_final,
            "n_tokens": sp.d,
            "compute_flops": sp.compute,
            "loss": loss,
            "loss_dense_same_final_size": dense_same_final,
            "inference_saving_vs_equal_loss_dense": 1.0 - sp.n_final / sp.n_avg,
        });
        say!("{object}");
    } else {
        say!("law                    {} with N → N̄ (Jin et al. 2025, arXiv:2501.12486)", preset.label());
        say!("average density ρ̄      {}", format_sig(pruning.average_density(), 4));
        say!("average parameters N̄   {}", format_count(sp.n_avg, 3));
        say!("parameters at the end  {}", format_count(sp.n_final, 3));
        say!("tokens                 {}", format_count(sp.d, 3));
        say!("predicted loss         {}", format_sig(loss, 4));
        say!("dense, same final size {} at the same compute", format_sig(dense_same_final, 4));
    }
    Ok(())
}

// Fuzzing the command line: arbitrary arguments (one per line of the input) through the clap
// definitions above, and the message for whatever does not parse. Parsing only: running a
// command would read and write files.
#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|text: &str| {
    if let Err(e) = Cli::try_parse_from(std::iter::once("scalecalc").chain(text.split('\n'))) {
        let _ = e.render().to_string();
    }
});
