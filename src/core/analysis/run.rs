//! A fit planned as jobs that workers run: the multistart of each task cut into shares of
//! starts, then the bootstrap of one task cut into shares of resamples (planned as soon as that
//! task ends, ahead of the rest). The page hands jobs to its workers and their results back to
//! [`FitRun::accept`]; natively [`FitRun::run_inline`] runs the same jobs in this thread, so the
//! two give the same numbers.
//!
//! A job travels as a method name and JSON arguments; [`run_job`] is what a worker calls.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use crate::core::fit::bootstrap;
use crate::core::fit::grid::Grid;
use crate::core::fit::model::Model;
use crate::core::fit::multistart::{self, Multistart, MultistartResult, Slice};
use crate::core::fit::points::Point;
use crate::core::fit::profile::{self, Projection, Share, Surface};
use super::joint::{self, JointFit, JointModel};
use crate::core::fit::constraints::Fitting;
use crate::core::fit::lbfgs::{Outcome, Stop};
use crate::core::laws::{self, LawRef, RunsModel};

/// Grid starts per job: long enough that messages cost little, short enough for smooth progress.
pub const STARTS_PER_JOB: usize = 75;
/// Bootstrap resamples per job.
pub const RESAMPLES_PER_JOB: usize = 125;

/// What a task fits: enough for a worker to build the model again.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Problem {
    /// A law of N and D on runs.
    Runs {
        /// The law.
        law: LawRef,
        /// The runs.
        points: Vec<Point>,
        /// Run weights, asymmetry, fixed and tied parameters.
        #[serde(default, skip_serializing_if = "Fitting::is_plain")]
        fitting: Fitting,
    },
    /// A law of N and D fitted jointly to runs of several variants (shared exponents).
    Joint {
        /// The law.
        law: LawRef,
        /// The runs.
        points: Vec<Point>,
        /// Each run's variant.
        group: Vec<usize>,
        /// Number of variants.
        count: usize,
        /// Run weights and asymmetry.
        #[serde(default, skip_serializing_if = "Fitting::is_plain")]
        fitting: Fitting,
    },
    /// A law with a table of its own: its key and its model's rows as that law writes them.
    Table {
        /// The law's key.
        law: String,
        /// The model, as the law serialises it.
        model: serde_json::Value,
    },
}

impl Problem {
    /// The law's projection and the runs, for a profile search.
    ///
    /// # Errors
    /// A table law, or a law without a projection.
    pub fn projection(&self) -> Result<(Projection, &[Point], &Fitting), JobError> {
        let Problem::Runs { law, points, fitting } = self else {
            return Err(JobError::Problem("only laws of N and D have a profile".into()));
        };
        if fitting.constrained() {
            return Err(JobError::Problem("a law with fixed or tied parameters is fitted from a grid of starts".into()));
        }
        let projection = law.projection().ok_or_else(|| JobError::Problem(format!("the {} law has no profile", law.key())))?;
        Ok((projection, points, fitting))
    }

    /// The law's θ for a result in the model's parameters (the free ones, when some are fixed
    /// or tied); unchanged otherwise.
    pub fn full_theta(&self, theta: Vec<f64>) -> Vec<f64> {
        match self {
            Problem::Runs { law, fitting, .. } if fitting.constrained() => fitting.expanded(&theta, law.dim()),
            _ => theta,
        }
    }


    /// The model to fit.
    ///
    /// # Errors
    /// An unknown law, or a model the law cannot read.
    pub fn model(&self) -> Result<Box<dyn Model>, JobError> {
        match self {
            Problem::Runs { law, points, fitting } => Ok(Box::new(RunsModel::with(law.0, points, fitting.clone()))),
            Problem::Joint { law, points, group, count, fitting } => {
                let shared = law.projection().map(|p| p.axes.iter().map(|a| a.theta).collect()).unwrap_or_default();
                Ok(Box::new(JointModel::new(law.0, points, group.clone(), *count, shared, fitting.clone())))
            }
            Problem::Table { law, model } => {
                let table = laws::table_law(law).ok_or_else(|| JobError::Problem(format!("unknown law \"{law}\"")))?;
                table.model(model).ok_or_else(|| JobError::Problem(format!("the {law} law cannot read this model")))
            }
        }
    }
}

/// One fit to run: a problem, how its optimum is searched for and Huber δ.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    /// What is fitted.
    pub problem: Problem,
    /// How.
    pub search: TaskSearch,
    /// Huber δ.
    pub delta: f64,
}

/// How a task's optimum is searched for.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskSearch {
    /// L-BFGS from every start of a grid, in shares of [`STARTS_PER_JOB`].
    Grid(Grid),
    /// The profile over the law's exponents, then L-BFGS from its basins: one job
    /// ([`crate::core::fit::profile`]); only for a [`Problem::Runs`] whose law has a projection.
    Profile,
    /// L-BFGS from the optima of an earlier task on the same law and parameters (its polished
    /// best and its other distinct optima): one job, planned when that task ends. For the fit
    /// without the held-out runs, whose optimum lies next to the fit of every run's.
    From {
        /// The task whose optima are the starts.
        task: usize,
    },
    /// A joint fit ([`Problem::Joint`]) with its own bootstrap: one job ([`joint::fit`]).
    Joint {
        /// Bootstrap resamples.
        resamples: usize,
        /// Their seed.
        seed: u64,
    },
}

impl TaskSearch {
    /// Its grid of starts (empty for a profile).
    fn grid(&self) -> Grid {
        match self {
            TaskSearch::Grid(g) => g.clone(),
            TaskSearch::Profile | TaskSearch::From { .. } | TaskSearch::Joint { .. } => Grid { axes: Vec::new() },
        }
    }
}

/// Progress units of a profile (a grid start counts one).
pub const PROFILE_UNITS: usize = 100;
/// Jobs a profile is cut into (by rows of its first axis), so that two workers share it.
pub const PROFILE_SHARES: usize = 2;

/// Progress units of a task searched from another's optima.
pub const FROM_UNITS: usize = 10;
/// Most starts of a task searched from another's optima.
pub const MAX_FROM_STARTS: usize = 8;

/// The bootstrap of one task: resamples warm-started at that task's optimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootSpec {
    /// The task it resamples.
    pub task: usize,
    /// Resamples.
    pub resamples: usize,
    /// Seed.
    pub seed: u64,
}

/// A whole fit: its tasks and, optionally, a bootstrap.
#[derive(Debug, Clone, PartialEq)]
pub struct FitPlan {
    /// The multistarts, in order of priority.
    pub tasks: Vec<TaskSpec>,
    /// The bootstrap, planned when its task ends.
    pub boot: Option<BootSpec>,
    /// Tasks from this index on wait until every task before it and the bootstrap have ended
    /// (the comparison laws wait for the main law, whose report is shown first); the number of
    /// tasks for no waiting.
    pub foreground: usize,
}

/// Why a job could not run or its result could not be used.
#[derive(Debug, Clone, PartialEq)]
pub enum JobError {
    /// The method is not a fitting job's.
    UnknownMethod(String),
    /// The arguments or the result do not read (a message from the JSON reader).
    Json(String),
    /// The problem cannot be built.
    Problem(String),
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::UnknownMethod(m) => write!(f, "unknown job \"{m}\""),
            JobError::Json(m) => write!(f, "a job's data did not read: {m}"),
            JobError::Problem(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for JobError {}

impl From<serde_json::Error> for JobError {
    fn from(e: serde_json::Error) -> Self {
        JobError::Json(e.to_string())
    }
}

/// One job as it travels to a worker.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Job {
    /// Its id, unique within its run.
    pub id: u64,
    /// What to run: `fit.starts`, `fit.profile` or `fit.resamples`.
    pub method: &'static str,
    /// The arguments, as JSON.
    pub args: String,
}

/// The arguments of a share of starts.
#[derive(serde::Serialize, serde::Deserialize)]
struct StartsArgs {
    problem: Problem,
    grid: Grid,
    delta: f64,
    from: usize,
    to: usize,
}

/// The arguments of a profile search.
#[derive(serde::Serialize, serde::Deserialize)]
struct ProfileArgs {
    problem: Problem,
    delta: f64,
    from: usize,
    to: usize,
}

/// The arguments of L-BFGS from given starts.
#[derive(serde::Serialize, serde::Deserialize)]
struct FromArgs {
    problem: Problem,
    delta: f64,
    starts: Vec<Vec<f64>>,
}

/// The arguments of a joint fit.
#[derive(serde::Serialize, serde::Deserialize)]
struct JointArgs {
    problem: Problem,
    delta: f64,
    resamples: usize,
    seed: u64,
}

/// Progress units of a joint fit.
pub const JOINT_UNITS: usize = 200;

/// The arguments of a share of resamples.
#[derive(serde::Serialize, serde::Deserialize)]
struct ResamplesArgs {
    problem: Problem,
    theta: Vec<f64>,
    delta: f64,
    seed: u64,
    from: usize,
    to: usize,
}

/// A worker's last problem and its model: every share of one fit carries the same problem, and
/// building the model again for each would cost more than a short share's fitting.
#[derive(Default)]
pub struct ModelCache {
    last: Option<(Problem, Box<dyn Model>)>,
}

impl ModelCache {
    fn model(&mut self, problem: Problem) -> Result<&dyn Model, JobError> {
        let fresh = !matches!(&self.last, Some((p, _)) if *p == problem);
        if fresh {
            let model = problem.model()?;
            self.last = Some((problem, model));
        }
        match &self.last {
            Some((_, model)) => Ok(model.as_ref()),
            None => Err(JobError::Problem("no model".into())),
        }
    }
}

/// Runs one job (in a worker, or in this thread): its result as JSON.
///
/// # Errors
/// An unknown method, arguments that do not read, a problem that cannot be built.
pub fn run_job(method: &str, args: &str, cache: &mut ModelCache) -> Result<String, JobError> {
    match method {
        "fit.starts" => {
            let a: StartsArgs = serde_json::from_str(args)?;
            let model = cache.model(a.problem)?;
            let mut fit = Multistart::new(model, a.delta, a.grid).with_range(a.from, a.to);
            fit.run(usize::MAX);
            Ok(serde_json::to_string(&fit.slice())?)
        }
        "fit.profile" => {
            let a: ProfileArgs = serde_json::from_str(args)?;
            let (projection, points, fitting) = a.problem.projection()?;
            let share = profile::share(&projection, points, fitting, a.delta, a.from, a.to)
                .ok_or_else(|| JobError::Problem("the profile does not fit these runs".into()))?;
            Ok(serde_json::to_string(&share)?)
        }
        "fit.from" => {
            let a: FromArgs = serde_json::from_str(args)?;
            let model = cache.model(a.problem)?;
            Ok(serde_json::to_string(&multistart::from_starts(model, a.delta, &a.starts))?)
        }
        "fit.resamples" => {
            let a: ResamplesArgs = serde_json::from_str(args)?;
            let model = cache.model(a.problem)?;
            Ok(serde_json::to_string(&bootstrap::resamples(model, &a.theta, a.delta, a.seed, a.from, a.to))?)
        }
        "fit.joint" => {
            let a: JointArgs = serde_json::from_str(args)?;
            let Problem::Joint { law, points, group, count, fitting } = &a.problem else {
                return Err(JobError::Problem("a joint fit needs a joint problem".into()));
            };
            let fit = joint::fit(law.0, points, group, *count, fitting, a.delta, a.resamples, a.seed)
                .ok_or_else(|| JobError::Problem("the joint fit found no finite optimum".into()))?;
            Ok(serde_json::to_string(&fit)?)
        }
        other => Err(JobError::UnknownMethod(other.to_string())),
    }
}

/// What one job is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    Starts { task: usize, from: usize, to: usize },
    Profile { task: usize, from: usize, to: usize },
    From { task: usize },
    Resamples { from: usize, to: usize },
    Joint { task: usize },
}

impl Work {
    /// The task it is part of (`None` for resamples).
    fn task(&self) -> Option<usize> {
        match *self {
            Work::Starts { task, .. } | Work::Profile { task, .. } | Work::From { task } | Work::Joint { task } => Some(task),
            Work::Resamples { .. } => None,
        }
    }
}

/// A task's result as a cache keeps it.
#[derive(Debug, Clone, PartialEq)]
struct Cached {
    result: MultistartResult,
    surface: Option<Surface>,
}

/// Most task results a [`TaskCache`] keeps: every task of a fit with every law compared, its
/// held-out variants and its rolling-forward fits, about twice over.
pub const MAX_CACHED: usize = 32;
/// Most bytes of keys a [`TaskCache`] keeps (a key holds its task's runs: about 100 bytes a run):
/// the oldest go first, the newest always stays.
pub const MAX_CACHED_BYTES: usize = 8 << 20;

/// Results of ended tasks by what determines them (the problem — law, runs, weights,
/// asymmetry, fixed and tied parameters —, the search and δ): a fit that differs from the last
/// only in options that leave a task alone (another main law, fixed parameters, resamples, a
/// budget, predictions) takes that task's result instead of fitting it again. The same inputs
/// give the same result, so what a fit shows does not depend on what was fitted before.
#[derive(Debug, Clone, Default)]
pub struct TaskCache {
    /// Most recently kept first.
    entries: VecDeque<(String, Cached)>,
}

impl TaskCache {
    fn get(&self, key: &str) -> Option<&Cached> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, c)| c)
    }

    fn put(&mut self, key: String, value: Cached) {
        self.entries.retain(|(k, _)| *k != key);
        self.entries.push_front((key, value));
        self.entries.truncate(MAX_CACHED);
        while self.entries.len() > 1 && self.entries.iter().map(|(k, _)| k.len()).sum::<usize>() > MAX_CACHED_BYTES {
            self.entries.pop_back();
        }
    }

    /// Results kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it keeps none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// What determines a task's result: its problem, search and δ (and, for a task searched from
/// another's optima, that task's key). `None` for a joint fit.
fn task_key(spec: &TaskSpec, problem_json: &str, earlier: &[TaskRun]) -> Option<String> {
    let search = match &spec.search {
        TaskSearch::Grid(g) => format!("grid {}", serde_json::to_string(g).ok()?),
        TaskSearch::Profile => "profile".to_string(),
        TaskSearch::From { task } => format!("from [{}]", earlier.get(*task)?.key.as_deref()?),
        TaskSearch::Joint { .. } => return None,
    };
    Some(format!("{search} δ {} {problem_json}", json_number(spec.delta)))
}

struct TaskRun {
    spec: TaskSpec,
    /// The problem as JSON, written once for all its jobs.
    problem_json: String,
    /// What determines its result ([`TaskCache`]); `None` for a joint fit, which is not kept.
    key: Option<String>,
    slices: Vec<Slice>,
    shares: Vec<Share>,
    surface: Option<Surface>,
    shares_left: usize,
    /// The merged and polished result, once every share is in (`Some(None)`: no start gave a
    /// usable optimum).
    result: Option<Option<MultistartResult>>,
    /// A joint fit's own bootstrap.
    joint_samples: Vec<Option<Vec<f64>>>,
}

/// A fit in progress: jobs to hand out, results to merge.
pub struct FitRun {
    tasks: Vec<TaskRun>,
    foreground: usize,
    boot: Option<BootSpec>,
    samples: Vec<Option<Vec<f64>>>,
    boot_left: usize,
    queue: VecDeque<Work>,
    in_flight: BTreeMap<u64, Work>,
    next_id: u64,
    done: usize,
    total: usize,
}

/// What a finished fit found.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOutcome {
    /// Each task's merged and polished multistart (`None`: no usable optimum).
    pub tasks: Vec<Option<MultistartResult>>,
    /// The bootstrap's θ (`None` for a failed resample); empty without a bootstrap.
    pub samples: Vec<Option<Vec<f64>>>,
    /// Each task's profile, when it was searched by one.
    pub surfaces: Vec<Option<Surface>>,
    /// The joint fit's bootstrap (joint θ; `None` for a failed resample), when there is one.
    pub joint_samples: Vec<Option<Vec<f64>>>,
}

impl FitRun {
    /// Plans the jobs of a fit: every task's shares of starts now, the bootstrap when its task ends.
    pub fn new(plan: FitPlan) -> FitRun {
        let mut queue = VecDeque::new();
        let mut tasks = Vec::new();
        let mut total = 0;
        for (index, spec) in plan.tasks.into_iter().enumerate() {
            let mut shares = 0;
            match &spec.search {
                TaskSearch::Grid(grid) => {
                    let starts = grid.len();
                    total += starts;
                    let mut from = 0;
                    while from < starts {
                        let to = (from + STARTS_PER_JOB).min(starts);
                        queue.push_back(Work::Starts { task: index, from, to });
                        shares += 1;
                        from = to;
                    }
                }
                TaskSearch::Profile => {
                    total += PROFILE_UNITS;
                    for k in 0..PROFILE_SHARES {
                        let (from, to) = (k * profile::CELLS / PROFILE_SHARES, (k + 1) * profile::CELLS / PROFILE_SHARES);
                        queue.push_back(Work::Profile { task: index, from, to });
                    }
                    shares = PROFILE_SHARES;
                }
                // Planned when its source task ends.
                TaskSearch::From { .. } => {
                    total += FROM_UNITS;
                    shares = 1;
                }
                TaskSearch::Joint { .. } => {
                    total += JOINT_UNITS;
                    queue.push_back(Work::Joint { task: index });
                    shares = 1;
                }
            }
            let problem_json = serde_json::to_string(&spec.problem).unwrap_or_default();
            let key = task_key(&spec, &problem_json, &tasks);
            tasks.push(TaskRun { spec, problem_json, key, slices: Vec::new(), shares: Vec::new(), surface: None, shares_left: shares, result: None, joint_samples: Vec::new() });
        }
        let boot = plan.boot.filter(|b| b.task < tasks.len() && b.resamples > 0);
        if let Some(b) = &boot {
            total += 2 * b.resamples;
        }
        let mut run = FitRun {
            foreground: plan.foreground,
            samples: vec![None; boot.map_or(0, |b| b.resamples)],
            boot_left: boot.map_or(0, |b| b.resamples),
            boot,
            tasks,
            queue,
            in_flight: BTreeMap::new(),
            next_id: 0,
            done: 0,
            total,
        };
        // A task without starts is finished at once.
        for index in 0..run.tasks.len() {
            if run.tasks[index].shares_left == 0 {
                run.finish_task(index);
            }
        }
        run
    }

    /// The next job to hand to a worker, if any is waiting.
    pub fn next_job(&mut self) -> Option<Job> {
        let waiting = match self.queue.front()? {
            Work::Starts { task, .. } | Work::Profile { task, .. } | Work::From { task } | Work::Joint { task } => *task >= self.foreground,
            Work::Resamples { .. } => false,
        };
        if waiting && !self.foreground_done() {
            return None;
        }
        let work = self.queue.pop_front()?;
        let id = self.next_id;
        self.next_id += 1;
        self.in_flight.insert(id, work);
        let job = match work {
            Work::Starts { task, from, to } => {
                let t = &self.tasks[task];
                Job {
                    id,
                    method: "fit.starts",
                    args: format!(
                        "{{\"problem\":{},\"grid\":{},\"delta\":{},\"from\":{from},\"to\":{to}}}",
                        t.problem_json,
                        serde_json::to_string(&t.spec.search.grid()).unwrap_or_default(),
                        json_number(t.spec.delta)
                    ),
                }
            }
            Work::Profile { task, from, to } => {
                let t = &self.tasks[task];
                Job {
                    id,
                    method: "fit.profile",
                    args: format!("{{\"problem\":{},\"delta\":{},\"from\":{from},\"to\":{to}}}", t.problem_json, json_number(t.spec.delta)),
                }
            }
            Work::From { task } => {
                let t = &self.tasks[task];
                let starts = match t.spec.search {
                    TaskSearch::From { task: source } => self.from_starts(source),
                    _ => Vec::new(),
                };
                Job {
                    id,
                    method: "fit.from",
                    args: format!(
                        "{{\"problem\":{},\"delta\":{},\"starts\":{}}}",
                        t.problem_json,
                        json_number(t.spec.delta),
                        serde_json::to_string(&starts).unwrap_or_default()
                    ),
                }
            }
            Work::Joint { task } => {
                let t = &self.tasks[task];
                let (resamples, seed) = match t.spec.search {
                    TaskSearch::Joint { resamples, seed } => (resamples, seed),
                    _ => (0, 0),
                };
                Job {
                    id,
                    method: "fit.joint",
                    args: format!(
                        "{{\"problem\":{},\"delta\":{},\"resamples\":{resamples},\"seed\":{seed}}}",
                        t.problem_json,
                        json_number(t.spec.delta)
                    ),
                }
            }
            Work::Resamples { from, to } => {
                let (boot, theta) = match (self.boot, self.boot_theta()) {
                    (Some(b), Some(theta)) => (b, theta),
                    _ => return None,
                };
                let t = &self.tasks[boot.task];
                Job {
                    id,
                    method: "fit.resamples",
                    args: format!(
                        "{{\"problem\":{},\"theta\":{},\"delta\":{},\"seed\":{},\"from\":{from},\"to\":{to}}}",
                        t.problem_json,
                        serde_json::to_string(&theta).unwrap_or_default(),
                        json_number(t.spec.delta),
                        boot.seed
                    ),
                }
            }
        };
        Some(job)
    }

    /// The starts of a task searched from task `source`'s optima: its polished best, then its
    /// other distinct optima (at most [`MAX_FROM_STARTS`] in all).
    fn from_starts(&self, source: usize) -> Vec<Vec<f64>> {
        let Some(Some(r)) = self.tasks.get(source).and_then(|t| t.result.as_ref()) else { return Vec::new() };
        std::iter::once(r.best.theta.clone()).chain(r.optima.iter().skip(1).map(|o| o.theta.clone())).take(MAX_FROM_STARTS).collect()
    }

    fn boot_theta(&self) -> Option<Vec<f64>> {
        let b = self.boot?;
        self.tasks.get(b.task)?.result.as_ref()?.as_ref().map(|r| r.best.theta.clone())
    }

    /// Takes a worker's result for job `id`. Results for jobs this run did not hand out (a run
    /// that was replaced) are ignored.
    ///
    /// # Errors
    /// A result that does not read.
    pub fn accept(&mut self, id: u64, result: &str) -> Result<(), JobError> {
        let Some(&work) = self.in_flight.get(&id) else { return Ok(()) };
        match work {
            Work::Starts { task, from, to } => {
                let slice: Slice = serde_json::from_str(result)?;
                self.in_flight.remove(&id);
                let t = &mut self.tasks[task];
                t.slices.push(slice);
                t.shares_left -= 1;
                self.done += to - from;
                if t.shares_left == 0 {
                    self.finish_task(task);
                }
            }
            Work::Profile { task, .. } => {
                let share: Share = serde_json::from_str(result)?;
                self.in_flight.remove(&id);
                let t = &mut self.tasks[task];
                t.shares.push(share);
                t.shares_left -= 1;
                self.done += PROFILE_UNITS / PROFILE_SHARES;
                if t.shares_left == 0 {
                    self.finish_task(task);
                }
            }
            Work::From { task } => {
                let slice: Slice = serde_json::from_str(result)?;
                self.in_flight.remove(&id);
                let t = &mut self.tasks[task];
                t.slices.push(slice);
                t.shares_left = 0;
                self.done += FROM_UNITS;
                self.finish_task(task);
            }
            Work::Joint { task } => {
                let fit: JointFit = serde_json::from_str(result)?;
                self.in_flight.remove(&id);
                let t = &mut self.tasks[task];
                let best = Outcome { theta: fit.theta, value: fit.value, iterations: 0, evaluations: fit.evaluations, stop: Stop::Gradient };
                let starts = fit.optima.len();
                t.result = Some(Some(MultistartResult { best, optima: fit.optima, starts, failed: 0, evaluations: fit.evaluations }));
                t.joint_samples = fit.samples;
                t.shares_left = 0;
                self.done += JOINT_UNITS;
            }
            Work::Resamples { from, to } => {
                let thetas: Vec<Option<Vec<f64>>> = serde_json::from_str(result)?;
                self.in_flight.remove(&id);
                for (slot, theta) in self.samples.iter_mut().skip(from).take(to - from).zip(thetas) {
                    *slot = theta;
                }
                self.boot_left -= to - from;
                self.done += 2 * (to - from);
            }
        }
        Ok(())
    }

    /// Counts job `id` as done without a result: a share of starts that found nothing, or
    /// resamples that all failed.
    pub fn fail(&mut self, id: u64) {
        match self.in_flight.get(&id).copied() {
            Some(Work::Starts { .. }) => {
                let empty = Slice { optima: Vec::new(), evaluations: 0, failed: 0, starts: 0 };
                let _ = self.accept(id, &serde_json::to_string(&empty).unwrap_or_default());
            }
            Some(Work::Profile { task, .. }) => {
                self.in_flight.remove(&id);
                self.done += PROFILE_UNITS / PROFILE_SHARES;
                if let Some(t) = self.tasks.get_mut(task) {
                    t.shares_left = t.shares_left.saturating_sub(1);
                    if t.shares_left == 0 {
                        self.finish_task(task);
                    }
                }
            }
            Some(Work::From { task }) => {
                self.in_flight.remove(&id);
                self.done += FROM_UNITS;
                if let Some(t) = self.tasks.get_mut(task) {
                    t.shares_left = 0;
                }
                self.finish_task(task);
            }
            Some(Work::Resamples { from, to }) => {
                let none: Vec<Option<Vec<f64>>> = vec![None; to - from];
                let _ = self.accept(id, &serde_json::to_string(&none).unwrap_or_default());
            }
            Some(Work::Joint { task }) => {
                self.in_flight.remove(&id);
                self.done += JOINT_UNITS;
                if let Some(t) = self.tasks.get_mut(task) {
                    t.shares_left = 0;
                    t.result = Some(None);
                }
            }
            None => {}
        }
    }

    /// Merges a task's shares and polishes its best optimum (here: the model is built once
    /// more); when it is the bootstrap's task, plans the resamples ahead of everything else.
    fn finish_task(&mut self, index: usize) {
        let t = &mut self.tasks[index];
        let result = t.spec.problem.model().ok().and_then(|model| {
            let slices = std::mem::take(&mut t.slices);
            if t.spec.search == TaskSearch::Profile {
                let (projection, points, _) = t.spec.problem.projection().ok()?;
                let found = profile::refine(model.as_ref(), &projection, points, t.spec.delta, std::mem::take(&mut t.shares))?;
                t.surface = Some(found.surface);
                return profile::finish(model.as_ref(), t.spec.delta, found.slice);
            }
            if let TaskSearch::From { .. } = t.spec.search {
                let mut merged = Slice { optima: Vec::new(), evaluations: 0, failed: 0, starts: 0 };
                for s in slices {
                    merged.optima.extend(s.optima);
                    merged.evaluations += s.evaluations;
                    merged.failed += s.failed;
                    merged.starts += s.starts;
                }
                return profile::finish(model.as_ref(), t.spec.delta, merged);
            }
            let grid = t.spec.search.grid();
            let end = grid.len();
            let mut fit = Multistart::new(model.as_ref(), t.spec.delta, grid).with_range(end, end);
            for s in slices {
                fit.absorb(s);
            }
            fit.finish()
        });
        let usable = result.is_some();
        t.result = Some(result);
        self.after_task(index, usable);
    }

    /// What follows the end of task `index`: its bootstrap, if it has one, and the tasks
    /// searched from its optima.
    fn after_task(&mut self, index: usize, usable: bool) {
        if let Some(b) = self.boot.filter(|b| b.task == index) {
            if usable {
                let shares: Vec<Work> = (0..b.resamples)
                    .step_by(RESAMPLES_PER_JOB)
                    .map(|from| Work::Resamples { from, to: (from + RESAMPLES_PER_JOB).min(b.resamples) })
                    .collect();
                for work in shares.into_iter().rev() {
                    self.queue.push_front(work);
                }
            } else {
                self.done += 2 * self.boot_left;
                self.boot_left = 0;
            }
        }
        // Tasks searched from this one's optima: first in the queue (each is one short job), or
        // ended with nothing when this one found no optimum.
        let followers: Vec<usize> = (0..self.tasks.len()).filter(|&j| self.tasks[j].spec.search == TaskSearch::From { task: index }).collect();
        for j in followers.into_iter().rev() {
            if usable {
                self.queue.push_front(Work::From { task: j });
            } else {
                self.done += FROM_UNITS;
                self.tasks[j].shares_left = 0;
                self.tasks[j].result = Some(None);
            }
        }
    }

    /// Takes from `cache` the result of every task whose problem, search and δ it holds (before
    /// any job is handed out): their jobs are dropped and what follows them is planned, as if
    /// they had just ended. Returns how many tasks it took.
    pub fn reuse(&mut self, cache: &TaskCache) -> usize {
        let mut reused = 0;
        for index in 0..self.tasks.len() {
            let t = &self.tasks[index];
            if t.result.is_some() || self.in_flight.values().any(|w| w.task() == Some(index)) {
                continue;
            }
            let Some(hit) = t.key.as_deref().and_then(|k| cache.get(k)) else { continue };
            let units = match &t.spec.search {
                TaskSearch::Grid(g) => g.len(),
                TaskSearch::Profile => PROFILE_UNITS,
                TaskSearch::From { .. } => FROM_UNITS,
                TaskSearch::Joint { .. } => continue,
            };
            let (result, surface) = (hit.result.clone(), hit.surface.clone());
            self.queue.retain(|w| w.task() != Some(index));
            let t = &mut self.tasks[index];
            t.slices.clear();
            t.shares.clear();
            t.shares_left = 0;
            t.result = Some(Some(result));
            t.surface = surface;
            self.done += units;
            self.after_task(index, true);
            reused += 1;
        }
        reused
    }

    /// Puts every ended task's result in `cache`, for a later run to [`FitRun::reuse`].
    pub fn keep(&self, cache: &mut TaskCache) {
        for t in &self.tasks {
            if let (Some(key), Some(Some(result))) = (&t.key, &t.result) {
                cache.put(key.clone(), Cached { result: result.clone(), surface: t.surface.clone() });
            }
        }
    }

    /// Work done and in all, in units of one start (a resample counts two).
    pub fn progress(&self) -> (usize, usize) {
        (self.done, self.total)
    }

    /// Whether task `index` has ended.
    pub fn task_done(&self, index: usize) -> bool {
        self.tasks.get(index).is_some_and(|t| t.result.is_some())
    }

    /// Whether the bootstrap (if any) has every resample in.
    pub fn boot_done(&self) -> bool {
        self.boot.is_none_or(|b| self.task_done(b.task)) && self.boot_left == 0
    }

    /// Whether the tasks before [`FitPlan::foreground`] and the bootstrap have ended.
    pub fn foreground_done(&self) -> bool {
        self.boot_done() && self.tasks.iter().take(self.foreground).all(|t| t.result.is_some())
    }

    /// Whether every job's result is in.
    pub fn is_done(&self) -> bool {
        self.queue.is_empty() && self.in_flight.is_empty() && self.tasks.iter().all(|t| t.result.is_some()) && self.boot_left == 0
    }

    /// What the finished tasks found so far (unfinished ones are `None`; the samples are
    /// whole once [`FitRun::boot_done`]): for a report shown before the last task ends.
    pub fn snapshot(&self) -> FitOutcome {
        let tasks = self.tasks.iter().map(|t| t.result.clone().flatten().map(|r| full_result(&t.spec.problem, r))).collect();
        FitOutcome {
            tasks,
            samples: self.full_samples(self.samples.clone()),
            surfaces: self.tasks.iter().map(|t| t.surface.clone()).collect(),
            joint_samples: self.tasks.iter().map(|t| t.joint_samples.clone()).find(|s| !s.is_empty()).unwrap_or_default(),
        }
    }

    /// What the fit found (call once [`FitRun::is_done`]).
    pub fn outcome(mut self) -> FitOutcome {
        let surfaces = self.tasks.iter_mut().map(|t| t.surface.take()).collect();
        let samples = std::mem::take(&mut self.samples);
        let samples = self.full_samples(samples);
        let joint_samples = self.tasks.iter_mut().map(|t| std::mem::take(&mut t.joint_samples)).find(|s| !s.is_empty()).unwrap_or_default();
        let tasks = self.tasks.into_iter().map(|t| t.result.flatten().map(|r| full_result(&t.spec.problem, r))).collect();
        FitOutcome { tasks, samples, surfaces, joint_samples }
    }

    /// The bootstrap's samples in the law's θ.
    fn full_samples(&self, samples: Vec<Option<Vec<f64>>>) -> Vec<Option<Vec<f64>>> {
        match self.boot.and_then(|b| self.tasks.get(b.task)) {
            Some(t) => samples.into_iter().map(|s| s.map(|theta| t.spec.problem.full_theta(theta))).collect(),
            None => samples,
        }
    }

    /// Every job in this thread, in the order a page hands them out; `progress` sees the
    /// fraction done after each.
    pub fn run_inline(mut self, progress: &mut dyn FnMut(f64)) -> FitOutcome {
        self.run_jobs(progress);
        self.outcome()
    }

    /// Every job in this thread, as [`FitRun::run_inline`], leaving the run to read.
    pub fn run_jobs(&mut self, progress: &mut dyn FnMut(f64)) {
        let mut cache = ModelCache::default();
        while let Some(job) = self.next_job() {
            // A job that fails here would fail in a worker too: it counts as finding nothing.
            match run_job(job.method, &job.args, &mut cache).map(|r| self.accept(job.id, &r)) {
                Ok(Ok(())) => {}
                _ => self.fail(job.id),
            }
            let (done, total) = self.progress();
            progress(done as f64 / total.max(1) as f64);
        }
    }
}

/// A task's result with every θ the law's (rather than the free parameters').
fn full_result(problem: &Problem, mut r: MultistartResult) -> MultistartResult {
    r.best.theta = problem.full_theta(std::mem::take(&mut r.best.theta));
    for o in &mut r.optima {
        o.theta = problem.full_theta(std::mem::take(&mut o.theta));
    }
    r
}

/// A float as JSON (JSON has no NaN or infinity; those become null, which reads back as an error).
fn json_number(x: f64) -> String {
    serde_json::to_string(&x).unwrap_or_else(|_| "null".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_task_cache_keeps_the_newest_within_its_count_and_bytes() {
        let result = |v: f64| Cached {
            result: MultistartResult { best: Outcome { theta: vec![v], value: v, iterations: 0, evaluations: 0, stop: Stop::Gradient }, optima: Vec::new(), starts: 1, failed: 0, evaluations: 0 },
            surface: None,
        };
        let mut cache = TaskCache::default();
        for i in 0..MAX_CACHED + 5 {
            cache.put(format!("task {i}"), result(i as f64));
        }
        assert_eq!(cache.len(), MAX_CACHED);
        assert!(cache.get("task 4").is_none() && cache.get("task 5").is_some());
        // The same key again replaces its entry and makes it the newest.
        cache.put("task 5".into(), result(-1.0));
        assert_eq!((cache.len(), cache.get("task 5").map(|c| c.result.best.value)), (MAX_CACHED, Some(-1.0)));
        // Keys past the byte bound push the oldest out; one alone stays whatever its size.
        let big = "x".repeat(MAX_CACHED_BYTES / 2 + 1);
        cache.put(format!("a {big}"), result(1.0));
        assert!(cache.len() == MAX_CACHED && cache.get(&format!("a {big}")).is_some());
        cache.put(format!("b {big}"), result(2.0));
        assert_eq!(cache.len(), 1);
        assert!(cache.get(&format!("b {big}")).is_some());
    }
    use crate::core::laws::chinchilla::CHINCHILLA;
    use crate::core::laws::RunLaw;

    fn plan(resamples: usize) -> FitPlan {
        let points = crate::core::fit::multistart::tests::epoch_points();
        let grid = Grid::parse("a=0:20:10, b=0:20:10, e=-1:1:1, alpha=0:1:0.5, beta=0:1:0.5", CHINCHILLA.theta_names(), CHINCHILLA.default_grid()).unwrap();
        let task = TaskSpec { problem: Problem::Runs { law: LawRef(&CHINCHILLA), points, fitting: Default::default() }, search: TaskSearch::Grid(grid), delta: 1e-3 };
        let profiled = TaskSpec { search: TaskSearch::Profile, ..task.clone() };
        FitPlan { tasks: vec![task, profiled], boot: Some(BootSpec { task: 0, resamples, seed: 9 }), foreground: 2 }
    }

    /// Jobs handed out in any order, through JSON, give what one multistart and one bootstrap give.
    #[test]
    fn jobs_in_any_order_give_the_whole_fit() {
        let p = plan(120);
        let whole = {
            let TaskSpec { problem, search, delta } = p.tasks[0].clone();
            let model = problem.model().unwrap();
            let fit = Multistart::new(model.as_ref(), delta, search.grid()).finish().unwrap();
            let samples = bootstrap::resamples(model.as_ref(), &fit.best.theta, delta, 9, 0, 120);
            (fit, samples)
        };
        let mut run = FitRun::new(p);
        let mut cache = ModelCache::default();
        let mut held = Vec::new();
        let mut turn = 0;
        loop {
            // Hand out two jobs, answer the later one first.
            while held.len() < 2 {
                match run.next_job() {
                    Some(job) => held.push(job),
                    None => break,
                }
            }
            let Some(job) = held.pop() else { break };
            turn += 1;
            let result = run_job(job.method, &job.args, &mut cache).unwrap();
            run.accept(job.id, &result).unwrap();
            // A result twice, or for a job never handed out, changes nothing.
            run.accept(job.id, &result).unwrap();
            run.accept(10_000, &result).unwrap();
        }
        assert!(turn > 6 && run.is_done());
        assert_eq!(run.progress(), (243 + PROFILE_UNITS + 240, 243 + PROFILE_UNITS + 240));
        let out = run.outcome();
        let first = out.tasks[0].as_ref().unwrap();
        assert!((first.best.value - whole.0.best.value).abs() <= 1e-15 * whole.0.best.value);
        assert_eq!(first.evaluations, whole.0.evaluations);
        assert_eq!(out.samples, whole.1, "resamples are the same numbers, bit for bit");
        // The profile task through a worker's JSON gives what the profile fit gives here.
        let points = crate::core::fit::multistart::tests::epoch_points();
        let model = RunsModel::new(&CHINCHILLA, &points);
        let (direct, surface) = profile::fit(&model, &CHINCHILLA.projection().unwrap(), &points, &Default::default(), 1e-3).unwrap();
        let second = out.tasks[1].as_ref().unwrap();
        assert_eq!(second.best.theta, direct.best.theta);
        assert_eq!(out.surfaces[1].as_ref(), Some(&surface));
        assert!(out.surfaces[0].is_none());
    }

    #[test]
    fn background_tasks_wait_for_the_foreground_and_its_bootstrap() {
        let mut p = plan(100);
        p.foreground = 1;
        let mut run = FitRun::new(p);
        let mut cache = ModelCache::default();
        let mut held = Vec::new();
        // Everything handed out before the foreground ends is task 0's starts or resamples.
        while let Some(job) = run.next_job() {
            held.push(job);
        }
        assert!(held.iter().all(|j| j.method == "fit.starts"), "{:?}", held.iter().map(|j| j.method).collect::<Vec<_>>());
        while !run.foreground_done() {
            let job = held.pop().or_else(|| run.next_job()).unwrap();
            assert_ne!(job.method, "fit.profile", "the background task was handed out early");
            let result = run_job(job.method, &job.args, &mut cache).unwrap();
            run.accept(job.id, &result).unwrap();
        }
        assert!(!run.task_done(1));
        let job = run.next_job().unwrap();
        assert_eq!(job.method, "fit.profile");
    }

    /// A task searched from another's optima is one job, handed out first once its source ends
    /// (before that task's resamples); it starts at the source's optimum, so it lands on the same
    /// optimum for the same runs; when the source finds nothing it ends with nothing.
    #[test]
    fn a_task_from_another_runs_first_when_its_source_ends() {
        let mut p = plan(250);
        p.tasks[1] = TaskSpec { search: TaskSearch::From { task: 0 }, ..p.tasks[1].clone() };
        let mut run = FitRun::new(p.clone());
        let mut cache = ModelCache::default();
        let mut methods = Vec::new();
        while let Some(job) = run.next_job() {
            methods.push(job.method);
            let result = run_job(job.method, &job.args, &mut cache).unwrap();
            run.accept(job.id, &result).unwrap();
        }
        let starts = methods.iter().take_while(|m| **m == "fit.starts").count();
        assert_eq!(&methods[starts..], ["fit.from", "fit.resamples", "fit.resamples"]);
        assert!(run.is_done());
        assert_eq!(run.progress().0, run.progress().1);
        let out = run.outcome();
        let (source, from) = (out.tasks[0].as_ref().unwrap(), out.tasks[1].as_ref().unwrap());
        assert!(from.best.value <= source.best.value * (1.0 + 1e-12), "{} > {}", from.best.value, source.best.value);
        assert!(from.starts >= 1 && from.starts <= MAX_FROM_STARTS);
        assert!(out.surfaces[1].is_none());

        // No usable optimum at the source: the follower ends with nothing, and the run still ends.
        let mut run = FitRun::new(p);
        while let Some(job) = run.next_job() {
            assert_ne!(job.method, "fit.from");
            run.fail(job.id);
        }
        assert!(run.is_done());
        assert_eq!(run.progress().0, run.progress().1);
        assert!(run.outcome().tasks.iter().all(Option::is_none));
    }

    #[test]
    fn inline_runs_report_progress_to_the_end() {
        let mut seen = Vec::new();
        let out = FitRun::new(plan(60)).run_inline(&mut |p| seen.push(p));
        assert!(seen.windows(2).all(|w| w[0] <= w[1]) && (seen.last().copied().unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(out.samples.len(), 60);
        assert!(out.samples.iter().all(Option::is_some));
    }

    #[test]
    fn bad_jobs_are_errors_not_panics() {
        let mut cache = ModelCache::default();
        assert!(matches!(run_job("fit.dance", "{}", &mut cache), Err(JobError::UnknownMethod(_))));
        assert!(matches!(run_job("fit.starts", "not json", &mut cache), Err(JobError::Json(_))));
        let table = r#"{"problem":{"kind":"table","law":"nope","model":{}},"grid":{"axes":[[1.0]]},"delta":0.001,"from":0,"to":1}"#;
        assert!(matches!(run_job("fit.starts", table, &mut cache), Err(JobError::Problem(_))));
        let mut run = FitRun::new(plan(10));
        let job = run.next_job().unwrap();
        assert!(run.accept(job.id, "[1, 2").is_err());
        // The job is still owed; counting it as failed lets the run end.
        run.fail(job.id);
        let out = run.run_inline(&mut |_| {});
        assert_eq!(out.samples.len(), 10);
    }
}
