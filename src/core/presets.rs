//! Published loss laws with their sources: the presets of the Budget panel and the CLI.

use crate::core::laws::{ChinchillaLaw, KaplanLaw, LossLaw, ParamConvention};

/// A published law the user can pick by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Hoffmann et al. 2022, Approach 3.
    Hoffmann,
    /// Besiroglu et al. 2024 (Epoch), the replication of Approach 3.
    Epoch,
    /// Muennighoff et al. 2023, base law of the data-constrained fit.
    Muennighoff,
    /// Kaplan et al. 2020, L(N, D) on non-embedding parameters.
    Kaplan,
}

const HOFFMANN: ChinchillaLaw = ChinchillaLaw { e: 1.69, a: 406.4, b: 410.7, alpha: 0.34, beta: 0.28 };
/// Epoch 2024's refit: the default law, and the fallback where a tool needs a Chinchilla form.
pub const EPOCH: ChinchillaLaw =
    ChinchillaLaw { e: 1.82, a: 482.01, b: 2085.43, alpha: 0.3478, beta: 0.3658 };
// exp(0.6254804), exp(6.255414), exp(7.3049974); α = β = 0.3526596 (datablations README).
const MUENNIGHOFF: ChinchillaLaw =
    ChinchillaLaw { e: 1.8691, a: 520.8, b: 1487.7, alpha: 0.3526596, beta: 0.3526596 };
// The joint L(N, D) fit, Kaplan et al. Table 2 (see its source there).
const KAPLAN: KaplanLaw = crate::core::laws::kaplan::TABLE_2;

impl Preset {
    /// Every preset, in the order the UI lists them.
    pub const ALL: [Preset; 4] = [Preset::Epoch, Preset::Hoffmann, Preset::Muennighoff, Preset::Kaplan];

    /// The short name used in URLs and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Preset::Hoffmann => "hoffmann",
            Preset::Epoch => "epoch",
            Preset::Muennighoff => "muennighoff",
            Preset::Kaplan => "kaplan",
        }
    }

    /// Looks a preset up by its key (case-insensitive).
    pub fn from_key(key: &str) -> Option<Preset> {
        let key = key.trim().to_ascii_lowercase();
        Preset::ALL.into_iter().find(|p| p.key() == key)
    }

    /// The name shown in the UI.
    pub fn label(self) -> &'static str {
        match self {
            Preset::Hoffmann => "Hoffmann 2022 (Chinchilla)",
            Preset::Epoch => "Epoch 2024 (Besiroglu et al.)",
            Preset::Muennighoff => "Muennighoff 2023 base",
            Preset::Kaplan => "Kaplan 2020 (non-embedding N)",
        }
    }

    /// The formula with its constants, as shown next to the citation.
    pub fn formula(self) -> String {
        match self {
            Preset::Kaplan => {
                let k = KAPLAN;
                format!(
                    "L = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D, N_c = {:e}, D_c = {:e}, α_N = {}, α_D = {}",
                    k.n_c, k.d_c, k.alpha_n, k.alpha_d
                )
            }
            _ => {
                let c = self.chinchilla().unwrap_or(EPOCH);
                format!("L = {} + {}/N^{} + {}/D^{}", c.e, c.a, c.alpha, c.b, c.beta)
            }
        }
    }

    /// Where the constants come from.
    pub fn citation(self) -> &'static str {
        match self {
            Preset::Hoffmann => "Hoffmann et al. 2022, Training Compute-Optimal Large Language Models, arXiv:2203.15556, eq. 10 (Approach 3)",
            Preset::Epoch => "Besiroglu, Erdil, Barnett, You 2024, Chinchilla Scaling: A replication attempt, arXiv:2404.10102 (refit of Hoffmann's Approach 3 data)",
            Preset::Muennighoff => "Muennighoff et al. 2023, Scaling Data-Constrained Language Models, arXiv:2305.16264 (base law, α = β tied)",
            Preset::Kaplan => "Kaplan et al. 2020, Scaling Laws for Neural Language Models, arXiv:2001.08361, eq. 1.5 with the Table 2 fit (N excludes embeddings)",
        }
    }

    /// A caveat the UI shows with this preset, if any.
    pub fn caveat(self) -> Option<&'static str> {
        match self {
            Preset::Kaplan => Some("N is non-embedding parameters, unlike the other presets. Kaplan et al.'s own frontier N ∝ C^0.73 comes from early-stopped training (their L(N, S)); minimising this converged L(N, D) at C = 6ND gives N ∝ C^0.58."),
            Preset::Hoffmann => Some("Besiroglu et al. 2024 show these constants do not fit Hoffmann's own data well; Epoch 2024 is the refit."),
            _ => None,
        }
    }

    /// The compute range of the training runs the law was fitted on, and what they were.
    pub fn fitted_range(self) -> (f64, f64, &'static str) {
        match self {
            // Min and max of `Training FLOP` in Epoch's digitisation of Hoffmann et al.'s Fig. 4.
            Preset::Hoffmann | Preset::Epoch => (1.4e18, 1.3e22, "Hoffmann et al.'s runs, 57M–16B parameters"),
            Preset::Muennighoff => (6e18, 3e21, "Chinchilla's iso-FLOP budgets (the base law's fit data)"),
            // 6ND over Kaplan et al.'s grid: 768 to 1.5B non-embedding parameters, 22M to 23B tokens.
            Preset::Kaplan => (1e11, 2e20, "Kaplan et al.'s runs, 768–1.5B parameters, 22M–23B tokens"),
        }
    }

    /// Which N the law means.
    pub fn convention(self) -> ParamConvention {
        match self {
            Preset::Kaplan => ParamConvention::NonEmbedding,
            _ => ParamConvention::Total,
        }
    }

    /// The Chinchilla-form constants, for presets of that form.
    pub fn chinchilla(self) -> Option<ChinchillaLaw> {
        match self {
            Preset::Hoffmann => Some(HOFFMANN),
            Preset::Epoch => Some(EPOCH),
            Preset::Muennighoff => Some(MUENNIGHOFF),
            Preset::Kaplan => None,
        }
    }

    /// The law itself.
    pub fn law(self) -> &'static dyn LossLaw {
        match self {
            Preset::Hoffmann => &HOFFMANN,
            Preset::Epoch => &EPOCH,
            Preset::Muennighoff => &MUENNIGHOFF,
            Preset::Kaplan => &KAPLAN,
        }
    }
}
