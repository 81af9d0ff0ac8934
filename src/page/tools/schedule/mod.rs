//! Schedule panel: learning-rate schedules, loss curves under them (Tissue et al. 2024, Multi-Power Law).
//!
//! The user pastes loss curves (step, loss, curve) and types one schedule per curve; both laws
//! are fitted live, predict the curve of another schedule, and scan the decay fraction of a
//! warmup-stable-decay schedule for the lowest final loss. The defaults are the paper's own
//! Fig. 2 example (its 40 real validation losses), fitted on every load.

mod chart;

use std::rc::Rc;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::page::jobs::serve;
use crate::page::session::Session;
use super::{key_of, text, Field, Fields, Table, ToolView};
use crate::core::plot::ChartState;
use crate::core::analysis::schedules::{self, best, scan_base, Fits, Prediction};
use crate::core::plot::{ChartError, ChartStyle};
use crate::core::schedule::{self, areas, Curve, CurveOptions, CurvePrediction, Input, Spec, Warmup};
use crate::core::units::{format_sci, format_sig, parse_number};

/// The default curves: synthetic ones drawn from Tissue et al.'s Fig. 2 law in that figure's
/// setting (`tests/examples.rs` draws them; the paper's own 40 losses carry no licence to copy,
/// so the page does not ship them — the tests read them from `../shared/data`). Also the
/// schedule panel's example (`www/examples/`).
pub const DEFAULT_DATA: &str = include_str!("../../../../www/examples/schedules-synthetic.csv");

/// The schedules of the default curves.
pub const DEFAULT_SPECS: &str = include_str!("../../../../www/examples/schedules-synthetic.specs.txt");

/// The schedules of the paper's Fig. 2 curves (its 20 000 steps, peak 2e-4, 500 warmup steps).
#[cfg(test)]
const FIG2_SPECS: &str = "cosine: cosine:steps=20000,peak=2e-4,warmup=500,min=0\nconstant: constant:steps=20000,peak=2e-4,warmup=500";

/// This tool's inputs.
pub const FIELDS: &[Field] = &[
    Field { name: "sched_data", url: "sd", default: DEFAULT_DATA, kind: crate::page::fields::Kind::Data },
    Field::new("sched_step", "sst", ""),
    Field::new("sched_loss", "slo", ""),
    Field::new("sched_curve", "scu", ""),
    Field::new("sched_lr", "slr", ""),
    Field::new("sched_specs", "ssp", DEFAULT_SPECS),
    Field::new("sched_lambda", "sla", "0.999"),
    Field::new("sched_warmup", "swc", "peak"),
    Field::new("sched_predict", "spr", "wsd:steps=20000,peak=2e-4,warmup=500,decay=0.2,shape=1-sqrt,min=0"),
    // Other loss curves (the same columns) that the fitted laws predict.
    Field::data("sched_other", "sot"),
];

/// This tool's outputs (element ids `out-KEY`).
pub const OUTPUTS: &[&str] = &["sched_convention", "sched_lambda_used", "sched_tissue", "sched_tissue_r2", "sched_mpl", "sched_mpl_r2", "sched_predict_areas", "sched_pred_tissue", "sched_pred_mpl", "sched_wsd_best", "sched_wsd_base"];

/// This tool's tables (element ids `tbl-KEY`).
pub const TABLES: &[&str] = &["sched_curves", "sched_scan", "sched_other"];

/// This tool's lists (element ids `list-KEY`).
pub const LISTS: &[&str] = &["sched_notes"];

/// This tool's charts.
pub const CHARTS: &[&str] = &["sched-loss", "sched-lr", "sched-scan", "sched-other"];

/// What an output shows while its result is computed in the background.
const BUSY: &str = "fitting…";

/// The parsed settings (or the message for each bad field).
#[derive(Debug, Clone)]
struct Settings {
    lambda: Option<f64>,
    convention: Warmup,
    specs: Option<Vec<(String, Spec)>>,
    predict: Option<Spec>,
    errors: Vec<(&'static str, String)>,
}

fn settings(fields: &Fields) -> Settings {
    let mut errors = Vec::new();
    let lambda = match parse_number(text(fields, "sched_lambda")) {
        Ok(v) => match schedule::check_lambda(v) {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(("sched_lambda", e.to_string()));
                None
            }
        },
        Err(e) => {
            errors.push(("sched_lambda", format!("λ: {e}")));
            None
        }
    };
    let convention = match Warmup::parse(text(fields, "sched_warmup")) {
        Ok(w) => w,
        Err(e) => {
            errors.push(("sched_warmup", e.to_string()));
            Warmup::Peak
        }
    };
    let specs = match schedule::parse_named(text(fields, "sched_specs")) {
        Ok(s) => Some(s),
        Err(e) => {
            errors.push(("sched_specs", e.to_string()));
            None
        }
    };
    let predict = match Spec::parse(text(fields, "sched_predict")) {
        Ok(s) => Some(s),
        Err(e) => {
            errors.push(("sched_predict", e.to_string()));
            None
        }
    };
    Settings { lambda, convention, specs, predict, errors }
}

/// The pasted curves, read once per input change.
#[derive(Debug)]
struct Parsed {
    curves: Vec<Curve>,
    notes: Vec<String>,
}

/// Everything the panel and its charts show.
#[derive(Debug)]
struct Analysis {
    parsed: Rc<Parsed>,
    lambda: f64,
    /// `None` while the fits are computed in the background.
    fits: Option<Rc<Fits>>,
}

fn field_of(input: Input) -> &'static str {
    match input {
        Input::Data => "sched_data",
        Input::Step => "sched_step",
        Input::Loss => "sched_loss",
        Input::Lr => "sched_lr",
        Input::Curve => "sched_curve",
        Input::Specs => "sched_specs",
    }
}

const DELTA: f64 = 1e-3;

/// The fields the fits depend on.
const FIT_FIELDS: [&str; 8] = ["sched_data", "sched_step", "sched_loss", "sched_curve", "sched_lr", "sched_specs", "sched_lambda", "sched_warmup"];

fn analysis(fields: &Fields, session: &mut Session, s: &Settings) -> Result<Analysis, (&'static str, String)> {
    let lambda = s.lambda.unwrap_or(schedule::DEFAULT_LAMBDA);
    let Some(specs) = s.specs.clone() else {
        return Err(("", String::new()));
    };
    let convention = s.convention;
    let key = key_of(fields, &FIT_FIELDS, &lambda.to_string());
    let args = FitArgs::of(fields, lambda);
    let parsed = session.memo("sched", key.clone(), || {
        if args.data.trim().is_empty() {
            return Err(("sched_data", "paste loss curves: columns step, loss and (for several curves) curve".to_string()));
        }
        let (curves, notes) = args.read(specs, convention).map_err(|e| (field_of(e.input), e.message))?;
        Ok(Rc::new(Parsed { curves, notes }))
    })?;
    let fits = session.job("sched", "sched_fits", key, "sched.fits", &args, FitArgs::fit).done();
    Ok(Analysis { parsed, lambda, fits })
}

/// What the fits depend on: the fields' text and λ, so that a worker reads the curves as the
/// page does.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct FitArgs {
    data: String,
    step: String,
    loss: String,
    lr: String,
    curve: String,
    specs: String,
    warmup: String,
    lambda: f64,
}

impl FitArgs {
    fn of(fields: &Fields, lambda: f64) -> FitArgs {
        let t = |name: &str| text(fields, name).to_string();
        FitArgs {
            data: t("sched_data"),
            step: t("sched_step"),
            loss: t("sched_loss"),
            lr: t("sched_lr"),
            curve: t("sched_curve"),
            specs: t("sched_specs"),
            warmup: t("sched_warmup"),
            lambda,
        }
    }

    fn read(&self, specs: Vec<(String, Spec)>, convention: Warmup) -> Result<(Vec<Curve>, Vec<String>), schedule::CurveError> {
        self.read_with(specs, convention, false)
    }

    /// [`FitArgs::read`]; `extra_specs`: schedules may name curves the table lacks.
    fn read_with(&self, specs: Vec<(String, Spec)>, convention: Warmup, extra_specs: bool) -> Result<(Vec<Curve>, Vec<String>), schedule::CurveError> {
        let opts = CurveOptions {
            step: self.step.clone(),
            loss: self.loss.clone(),
            lr: self.lr.clone(),
            curve: self.curve.clone(),
            specs,
            convention,
            warmup: 0,
            skip_bad_rows: false,
            extra_specs,
        };
        schedule::read_curves(&self.data, &opts)
    }

    /// Both laws fitted to the curves (in a worker on the page).
    fn fit(&self) -> Fits {
        let specs = schedule::parse_named(&self.specs).map_err(|e| e.to_string());
        let convention = Warmup::parse(&self.warmup).map_err(|e| e.to_string());
        let curves = match (specs, convention) {
            (Ok(specs), Ok(convention)) => self.read(specs, convention).map(|(c, _)| c).map_err(|e| e.message),
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        match curves {
            Ok(curves) => Fits::fit(&curves, self.lambda, DELTA),
            Err(e) => Fits { tissue: Err(e.clone()), mpl: Err(e) },
        }
    }
}

/// The prediction of a schedule (written as text) from the fits: on the page, in a worker.
fn predict_from(fits: &Fits, lambda: f64, spec: &str, warmup: &str) -> Prediction {
    match (Spec::parse(spec), Warmup::parse(warmup)) {
        (Ok(spec), Ok(convention)) => schedules::predict(fits, lambda, &spec, convention),
        _ => ((None, None), Vec::new()),
    }
}

/// Both laws' predictions of other curves: (Tissue's, the Multi-Power Law's), each `None` when
/// that law has no fit; or why the curves do not read.
type OtherPrediction = Result<(Option<CurvePrediction>, Option<CurvePrediction>), String>;

/// The pasted curves to predict, read with the fitted curves' columns and schedules, scored by
/// both fitted laws (in a worker on the page).
fn predict_other(fits: &Fits, args: &FitArgs) -> OtherPrediction {
    let specs = schedule::parse_named(&args.specs).map_err(|e| e.to_string())?;
    let convention = Warmup::parse(&args.warmup).map_err(|e| e.to_string())?;
    let (curves, _) = args.read_with(specs, convention, true).map_err(|e| e.message)?;
    let tissue = fits.tissue.as_ref().ok().map(|f| {
        schedule::score(&curves, |c| {
            let losses = f.params.curve(&c.rates, args.lambda);
            c.points.iter().map(|&(s, _)| losses.get(s).copied().unwrap_or(f64::NAN)).collect()
        })
    });
    let mpl = fits.mpl.as_ref().ok().map(|f| {
        schedule::score(&curves, |c| {
            let steps: Vec<usize> = c.points.iter().map(|p| p.0).collect();
            f.params.predict(&c.rates, c.warmup, &steps, false)
        })
    });
    Ok((tissue, mpl))
}

/// The other curves' predictions, `None` while they (or the fits) are computed; nothing pasted:
/// `Some(Ok((None, None)))`.
fn other(fields: &Fields, session: &mut Session, a: &Analysis) -> Option<Rc<OtherPrediction>> {
    if text(fields, "sched_other").trim().is_empty() {
        return Some(Rc::new(Ok((None, None))));
    }
    let fits = a.fits.as_ref()?;
    let mut args = FitArgs::of(fields, a.lambda);
    args.data = text(fields, "sched_other").to_string();
    let key = key_of(fields, &FIT_FIELDS, &format!("{}\u{1f}{}", a.lambda, args.data));
    session.job("sched", "sched_other", key, "sched.other", &(&**fits, args), |(fits, args)| predict_other(fits, args)).done()
}

/// The schedule to predict by both laws: its final losses and the decay-fraction scan (eleven
/// schedules of up to a million steps each: computed in the background, once per input change).
/// `None` while it (or the fits it needs) is being computed.
fn prediction(fields: &Fields, session: &mut Session, a: &Analysis, predict: &Spec, convention: Warmup) -> Option<Rc<Prediction>> {
    let fits = a.fits.as_ref()?;
    let lambda = a.lambda;
    let key = key_of(fields, &FIT_FIELDS, &format!("{lambda}\u{1f}{}", predict.to_text()));
    let args = (&**fits, lambda, predict.to_text(), convention.key().to_string());
    session.job("sched", "sched_predict", key, "sched.predict", &args, |(fits, lambda, spec, warmup)| predict_from(fits, *lambda, spec, warmup)).done()
}

fn loss_text(v: Option<f64>) -> String {
    v.map_or_else(|| "no fit".to_string(), |v| format_sig(v, 5))
}

/// What the panel shows.
pub fn evaluate(fields: &Fields, _budget: &ChartState, session: &mut Session) -> ToolView {
    let mut view = ToolView::default();
    let s = settings(fields);
    for (field, message) in &s.errors {
        view.err(field, message.clone());
    }
    view.out("sched_convention", s.convention.label());
    match s.lambda {
        Some(l) => view.out("sched_lambda_used", format!("λ = {}", format_sig(l, 6))),
        None => view.out("sched_lambda_used", format!("λ = {} (the paper's, until the typed λ is fixed)", format_sig(schedule::DEFAULT_LAMBDA, 6))),
    }
    let a = match analysis(fields, session, &s) {
        Ok(a) => a,
        Err((field, message)) => {
            if !field.is_empty() {
                view.err(field, message);
            }
            return view;
        }
    };
    for n in &a.parsed.notes {
        view.note("sched_notes", n.clone());
    }
    let Some(fits) = &a.fits else {
        view.busy("sched_tissue", BUSY);
        view.busy("sched_mpl", BUSY);
        return view;
    };
    match &fits.tissue {
        Ok(f) => {
            let p = f.params;
            view.out(
                "sched_tissue",
                format!("L = {} + {}·S₁^(−{}) − {}·S₂", format_sig(p.l0, 4), format_sig(p.a, 4), format_sig(p.alpha, 4), format_sig(p.c, 4)),
            );
            view.out("sched_tissue_r2", format!("{} ({} points, Huber objective {})", crate::core::fit::model::r2_text(f.r2, 6), f.points, format_sci(f.objective, 3)));
        }
        Err(e) => view.unanswered("sched_data", format!("Tissue: {e}")),
    }
    match &fits.mpl {
        Ok(f) => {
            let p = f.params;
            view.out(
                "sched_mpl",
                format!(
                    "L₀ {}, A {}, α {}, B {}, C {}, β {}, γ {}",
                    format_sig(p.l0, 4), format_sig(p.a, 4), format_sig(p.alpha, 4), format_sig(p.b, 4), format_sig(p.c, 4), format_sig(p.beta, 4), format_sig(p.gamma, 4)
                ),
            );
            view.out("sched_mpl_r2", format!("{} (Huber objective {})", crate::core::fit::model::r2_text(f.r2, 6), format_sci(f.objective, 3)));
            let total: usize = a.parsed.curves.iter().map(|c| c.points.len()).sum();
            if f.points < total {
                view.note("sched_notes", format!("the Multi-Power Law was fitted on {} of the {total} points (evenly thinned) to keep the page responsive", f.points));
            }
        }
        Err(e) => view.unanswered("sched_data", format!("Multi-Power: {e}")),
    }
    let mut rows = Vec::new();
    for c in &a.parsed.curves {
        let ar = areas(&c.rates, a.lambda);
        let last = c.points.last().map_or(0, |p| p.0);
        rows.push(vec![
            if c.name.is_empty() { "(one curve)".to_string() } else { c.name.clone() },
            c.points.len().to_string(),
            c.source.clone(),
            format_sig(ar.s1.get(last).copied().unwrap_or(f64::NAN), 4),
            format_sig(ar.s2.get(last).copied().unwrap_or(f64::NAN), 4),
        ]);
    }
    view.table("sched_curves", Table { head: vec!["Curve".into(), "Points".into(), "Schedule".into(), "S₁ (last)".into(), "S₂ (last)".into()], rows });
    match other(fields, session, &a).as_deref() {
        None => {}
        Some(Err(e)) => view.err("sched_other", e.clone()),
        Some(Ok((None, None))) => {}
        Some(Ok((t, m))) => {
            let (empty, names): (Vec<_>, Vec<String>) = (Vec::new(), t.as_ref().or(m.as_ref()).map_or(Vec::new(), |p| p.curves.iter().map(|c| c.name.clone()).collect()));
            let curve = |p: &Option<CurvePrediction>, i: usize| p.as_ref().map_or(&empty[..], |p| &p.curves[..]).get(i).cloned();
            let cell = |c: &Option<schedule::PredictedCurve>, f: &dyn Fn(&schedule::PredictedCurve) -> String| c.as_ref().map_or("no fit".to_string(), f);
            let rows = names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let (ct, cm) = (curve(t, i), curve(m, i));
                    let points = ct.as_ref().or(cm.as_ref()).map_or(0, |c| c.points.len());
                    vec![
                        if name.is_empty() { "(one curve)".to_string() } else { name.clone() },
                        points.to_string(),
                        cell(&ct, &|c| format_sig(c.mae, 3)),
                        cell(&ct, &|c| crate::core::fit::model::r2_text(c.r2, 4)),
                        cell(&cm, &|c| format_sig(c.mae, 3)),
                        cell(&cm, &|c| crate::core::fit::model::r2_text(c.r2, 4)),
                        cell(&ct, &|c| format!("{}%", format_sig(100.0 * c.final_error, 3))),
                        cell(&cm, &|c| format!("{}%", format_sig(100.0 * c.final_error, 3))),
                    ]
                })
                .collect();
            let head = ["Curve predicted", "Points", "MAE Tissue", "R² Tissue", "MAE MPL", "R² MPL", "Last point, Tissue", "Last point, MPL"];
            view.table("sched_other", Table { head: head.iter().map(|h| h.to_string()).collect(), rows });
        }
    }
    if let Some(predict) = &s.predict {
        let rates = predict.rates(s.convention);
        let ar = areas(&rates, a.lambda);
        view.out(
            "sched_predict_areas",
            format!("S₁ = {}, S₂ = {} at step {}", format_sig(ar.s1.last().copied().unwrap_or(f64::NAN), 4), format_sig(ar.s2.last().copied().unwrap_or(f64::NAN), 4), predict.steps),
        );
        let Some(predicted) = prediction(fields, session, &a, predict, s.convention) else {
            view.busy("sched_wsd_best", BUSY);
            return view;
        };
        let ((t, m), sc) = (predicted.0, &predicted.1);
        view.out("sched_pred_tissue", loss_text(t));
        view.out("sched_pred_mpl", loss_text(m));
        let bt = best(sc, |r| r.1);
        let bm = best(sc, |r| r.2);
        let pct = |f: f64| format!("{}%", format_sig(100.0 * f, 3));
        let answer = match (bt, bm) {
            (Some(t), Some(m)) if t.0 == m.0 => format!("decay the last {} of the steps: both laws agree (final loss {} Tissue, {} Multi-Power)", pct(t.0), format_sig(t.1, 5), format_sig(m.1, 5)),
            (Some(t), Some(m)) => format!("Tissue: decay the last {} (final loss {}); Multi-Power: the last {} (final loss {})", pct(t.0), format_sig(t.1, 5), pct(m.0), format_sig(m.1, 5)),
            (Some(t), None) => format!("Tissue: decay the last {} (final loss {})", pct(t.0), format_sig(t.1, 5)),
            (None, Some(m)) => format!("Multi-Power: decay the last {} (final loss {})", pct(m.0), format_sig(m.1, 5)),
            (None, None) => "no law fitted".to_string(),
        };
        view.out("sched_wsd_best", answer);
        view.out("sched_wsd_base", format!("Scanned schedule: {}.", scan_base(predict).to_text()));
        let rows = sc.iter().map(|(f, t, m)| vec![pct(*f), loss_text(*t), loss_text(*m)]).collect();
        view.table("sched_scan", Table { head: vec!["Decay fraction".into(), "Final loss (Tissue)".into(), "Final loss (Multi-Power)".into()], rows });
    }
    view
}

/// Draws one of [`CHARTS`].
///
/// # Errors
/// When the backend fails.
pub fn draw<DB: DrawingBackend>(
    kind: &str,
    area: &DrawingArea<DB, Shift>,
    fields: &Fields,
    _budget: &ChartState,
    session: &mut Session,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let s = settings(fields);
    let a = match analysis(fields, session, &s) {
        Ok(a) => a,
        Err(_) => return crate::core::plot::draw_message(area, style, "Fix the inputs above to see this chart."),
    };
    match kind {
        "sched-loss" => {
            let fits = a.fits.as_deref();
            let tissue = fits.and_then(|f| f.tissue.as_ref().ok());
            let mpl = fits.and_then(|f| f.mpl.as_ref().ok());
            chart::loss(area, &a.parsed.curves, tissue, mpl, a.lambda, s.predict.as_ref(), s.convention, style)
        }
        "sched-lr" => chart::rates(area, &a.parsed.curves, s.predict.as_ref(), s.convention, style),
        "sched-other" => match other(fields, session, &a).as_deref() {
            None => crate::core::plot::draw_message(area, style, "Predicting the other curves…"),
            Some(Ok((t, m))) if t.is_some() || m.is_some() => chart::predicted(area, t.as_ref(), m.as_ref(), style),
            Some(Ok(_)) => crate::core::plot::draw_message(area, style, "Paste other loss curves above to see how well the fitted laws predict them."),
            Some(Err(_)) => crate::core::plot::draw_message(area, style, "The curves to predict do not read: see the message under them."),
        },
        "sched-scan" => match &s.predict {
            Some(p) => match prediction(fields, session, &a, p, s.convention) {
                Some(predicted) => chart::scan(area, &predicted.1, style),
                None => crate::core::plot::draw_message(area, style, "Fitting both laws and scanning decay fractions…"),
            },
            None => crate::core::plot::draw_message(area, style, "Fix the schedule to predict."),
        },
        _ => Err(ChartError::Unknown(kind.to_string())),
    }
}

/// What the tool declares (see [`super::ToolSpec`]).
const SPEC: super::ToolSpec = super::ToolSpec {
    key: "sched",
    fields: FIELDS,
    charts: CHARTS,
    outputs: OUTPUTS,
    tables: TABLES,
    lists: LISTS,
    ..super::ToolSpec::EMPTY
};

/// Runs one of its slow computations in a worker (see [`crate::page::jobs`]): `None` when
/// `method` is not one of its own.
pub(super) fn run_job(method: &str, args: &str) -> Option<Result<String, String>> {
    match method {
        "sched.fits" => Some(serve(args, FitArgs::fit)),
        "sched.predict" => Some(serve(args, |(fits, lambda, spec, warmup): &(Fits, f64, String, String)| predict_from(fits, *lambda, spec, warmup))),
        "sched.other" => Some(serve(args, |(fits, args): &(Fits, FitArgs)| predict_other(fits, args))),
        _ => None,
    }
}

super::tool!(Schedule, jobs);

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Fields {
        super::super::defaults()
    }

    /// The paper's Fig. 2 curves (read from `../shared/data`) with their schedules.
    fn fig2() -> Fields {
        let mut f = fields();
        f.set_by_name("sched_data", crate::test_support::fig2_csv());
        f.set_by_name("sched_specs", FIG2_SPECS);
        f
    }

    /// The constant run of Fig. 2 alone.
    fn fig2_constant() -> String {
        crate::test_support::fig2_csv().lines().filter(|l| !l.starts_with("cosine")).map(|l| format!("{l}\n")).collect()
    }

    #[test]
    fn the_default_curves_give_back_the_law_they_were_drawn_from() {
        let budget = crate::page::budget::chart_state(&crate::page::budget::Inputs::default());
        let v = evaluate(&fields(), &budget, &mut Session::new());
        assert!(v.errors.is_empty(), "{:?}", v.errors);
        let law = &v.outputs["sched_tissue"];
        let nums: Vec<f64> = law.split(|c: char| !(c.is_ascii_digit() || c == '.')).filter_map(|t| t.parse().ok()).collect();
        // L = L0 + A·S₁^(−α) − C·S₂ as formatted (subscripts are not ASCII digits): [L0, A, α, C].
        assert_eq!(nums.len(), 4, "{law}");
        let (l0, a, alpha, c) = (nums[0], nums[1], nums[2], nums[3]);
        let p = crate::core::laws::tissue::TissueParams::FIG2;
        assert!((l0 - p.l0).abs() < 0.02 && (a - p.a).abs() < 0.02 && (alpha - p.alpha).abs() < 0.02 && (c - p.c).abs() < 0.01, "{law}");
        assert_eq!(v.tables["sched_curves"].rows.len(), 3);
    }

    #[test]
    fn fig2_is_reproduced_and_the_wsd_question_answered() {
        let budget = crate::page::budget::chart_state(&crate::page::budget::Inputs::default());
        let v = evaluate(&fig2(), &budget, &mut Session::new());
        assert!(v.errors.is_empty(), "{:?}", v.errors);
        assert_eq!(v.outputs["sched_tissue"], "L = 2.628 + 0.4297·S₁^(−0.5498) − 0.4108·S₂");
        assert!(v.outputs["sched_wsd_best"].contains("decay the last"), "{}", v.outputs["sched_wsd_best"]);
        for k in ["sched_pred_tissue", "sched_pred_mpl", "sched_mpl_r2", "sched_predict_areas"] {
            assert!(!v.outputs[k].contains('—') && !v.outputs[k].is_empty(), "{k} = {}", v.outputs[k]);
        }
        assert!(v.tables["sched_scan"].rows.iter().all(|r| !r.iter().any(|c| c.contains('—'))), "{:?}", v.tables["sched_scan"]);
        assert_eq!(v.tables["sched_scan"].rows.len(), schedules::FRACTIONS.len());
    }

    #[test]
    fn other_curves_are_predicted_by_both_laws() {
        let budget = crate::page::budget::chart_state(&crate::page::budget::Inputs::default());
        // The constant curve alone, as a run the laws were fitted on with the cosine one: the
        // scores are the in-sample fit's (Tissue's R² on it above 0.99).
        let constant = fig2_constant();
        let mut f = fig2();
        f.set_by_name("sched_other", &constant);
        let v = evaluate(&f, &budget, &mut Session::new());
        assert!(v.errors.is_empty(), "{:?}", v.errors);
        let t = &v.tables["sched_other"];
        assert_eq!(t.rows.len(), 1);
        assert_eq!((t.rows[0][0].as_str(), t.rows[0][1].as_str()), ("constant", "20"));
        let r2: f64 = t.rows[0][3].parse().unwrap();
        assert!(r2 > 0.99, "{:?}", t.rows[0]);
        // A curve without a schedule: named at the box, the rest of the panel still answers.
        f.set_by_name("sched_other", "schedule,step,val_loss\nwsd,1000,3.6\nwsd,2000,3.3\nwsd,3000,3.2\nwsd,4000,3.1\nwsd,5000,3.05\n");
        let v = evaluate(&f, &budget, &mut Session::new());
        assert!(v.errors.get("sched_other").is_some_and(|e| e.contains("no schedule for curve \"wsd\"")), "{:?}", v.errors);
        assert!(!v.outputs["sched_tissue"].is_empty());
        // Its chart draws.
        let mut svg = String::new();
        f.set_by_name("sched_other", &constant);
        #[cfg(feature = "cli")]
        {
            let area = plotters::backend::SVGBackend::with_string(&mut svg, (800, 380)).into_drawing_area();
            draw("sched-other", &area, &f, &budget, &mut Session::new(), &ChartStyle::new(crate::core::plot::Theme::Light, 1.0)).unwrap();
        }
        assert!(!cfg!(feature = "cli") || svg.contains("predicted = observed"), "no legend in the chart");
    }

    #[test]
    fn bad_inputs_point_at_their_field() {
        let budget = crate::page::budget::chart_state(&crate::page::budget::Inputs::default());
        for (field, value, needle) in [
            ("sched_lambda", "1.5", "below 1"),
            ("sched_predict", "cosine:steps=0,peak=1", "at least 1"),
            ("sched_specs", "cosine: cosine:steps=100,peak=2e-4", "longer than its schedule"),
            ("sched_data", "step,loss\n1000,3.1", "at least 5"),
            ("sched_data", "schedule,step,val_loss\ncosine,2000,3\ncosine,1000,3.1\ncosine,3000,2.9\ncosine,4000,2.8\ncosine,5000,2.7\nconstant,1000,3", "must increase"),
            ("sched_warmup", "sideways", "unknown warmup"),
        ] {
            let mut f = fields();
            f.set_by_name(field, value);
            let v = evaluate(&f, &budget, &mut Session::new());
            let e = v.errors.get(if field == "sched_specs" && needle.contains("longer") { "sched_specs" } else { field }).cloned().unwrap_or_default();
            assert!(e.contains(needle), "{field}={value}: {:?}", v.errors);
        }
    }

    #[cfg(feature = "cli")]
    #[test]
    fn charts_draw() {
        let budget = crate::page::budget::chart_state(&crate::page::budget::Inputs::default());
        // With other curves to predict (the constant one), so that every chart has data.
        let mut f = fig2();
        f.set_by_name("sched_other", fig2_constant());
        for kind in CHARTS {
            for width in [1000u32, 360] {
                let mut svg = String::new();
                {
                    let area = plotters::backend::SVGBackend::with_string(&mut svg, (width, 380)).into_drawing_area();
                    draw(kind, &area, &f, &budget, &mut Session::new(), &ChartStyle::new(crate::core::plot::Theme::Dark, 1.0)).unwrap();
                }
                assert!(svg.len() > 1000, "{kind}");
            }
        }
    }
}
