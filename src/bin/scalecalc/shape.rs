//! `scalecalc shape`: a transformer's exact parameters, training FLOPs per token and training
//! memory per GPU (the page's Model shape panel, from `core::shape`).

use clap::Args;
use scalecalc::core::hardware::{find_gpu, gpu_keys};
use scalecalc::core::shape::{self, Bias, FfnKind, Layout, Mla, Moe, NormKind, Precision, Recompute, Shape};
use scalecalc::core::units::{format_count, format_sci, format_sig};

use crate::out::{say, Failure};

/// The shape's flags. Defaults are Llama-style: SwiGLU, RMSNorm, no biases, untied embeddings,
/// KV heads = heads, head dimension d_model/heads, FFN 3.5 × d_model rounded up to 256
/// (Llama 3 8B's and 70B's proportion), vocabulary 128 256 (Llama 3's), 8 192-token sequences.
#[derive(Args)]
pub struct ShapeArgs {
    /// A published model's shape (llama3-8b, llama3-70b, llama3-405b, mixtral-8x7b, olmo2-7b,
    /// qwen2.5-7b, deepseek-v3); flags given as well override its values.
    #[arg(long)]
    preset: Option<String>,
    /// Layers.
    #[arg(long)]
    layers: Option<String>,
    /// Width of the residual stream.
    #[arg(long)]
    d_model: Option<String>,
    /// Attention heads.
    #[arg(long)]
    heads: Option<String>,
    /// Key/value heads (grouped-query attention; 1 for multi-query).
    #[arg(long)]
    kv_heads: Option<String>,
    /// Width of one head (default d_model / heads).
    #[arg(long)]
    head_dim: Option<String>,
    /// Hidden size of the dense feed-forward.
    #[arg(long)]
    ffn_hidden: Option<String>,
    /// Feed-forward kind: swiglu or gelu.
    #[arg(long)]
    ffn: Option<String>,
    /// Vocabulary.
    #[arg(long)]
    vocab: Option<String>,
    /// The output layer shares the embedding matrix.
    #[arg(long)]
    tied: bool,
    /// Biases: none, qkv or all.
    #[arg(long)]
    bias: Option<String>,
    /// Norms: rms or layer.
    #[arg(long)]
    norm: Option<String>,
    /// A norm over the queries and one over the keys in each layer (OLMo 2).
    #[arg(long)]
    qk_norm: bool,
    /// Training sequence length.
    #[arg(long)]
    seq_len: Option<String>,
    /// Routed experts per layer (a mixture of experts).
    #[arg(long)]
    experts: Option<String>,
    /// Routed experts per token.
    #[arg(long)]
    top_k: Option<String>,
    /// Shared experts every token uses.
    #[arg(long)]
    shared_experts: Option<String>,
    /// Hidden size of one expert (default the FFN hidden size).
    #[arg(long)]
    expert_hidden: Option<String>,
    /// How many first layers keep a dense feed-forward.
    #[arg(long)]
    dense_layers: Option<String>,
    /// Multi-head latent attention: rank of the key/value latent (DeepSeek-V3: 512).
    #[arg(long)]
    kv_lora_rank: Option<String>,
    /// Multi-head latent attention: rank of the query latent (0 or absent: none).
    #[arg(long)]
    q_lora_rank: Option<String>,
    /// Multi-head latent attention: each head's rotary query/key width (default 64).
    #[arg(long)]
    rope_dim: Option<String>,
    /// Multi-head latent attention: each head's value width (default the head dimension).
    #[arg(long)]
    v_head_dim: Option<String>,
    /// Sequences per micro-batch (memory).
    #[arg(long, default_value = "1")]
    micro_batch: String,
    /// Weight precision: bf16, fp8 or fp32 (memory).
    #[arg(long, default_value = "bf16")]
    precision: String,
    /// ZeRO stage 0–3 (memory).
    #[arg(long, default_value = "1")]
    zero: String,
    /// Tensor-parallel degree (memory).
    #[arg(long, default_value = "1")]
    tp: String,
    /// Pipeline-parallel degree (memory).
    #[arg(long, default_value = "1")]
    pp: String,
    /// Data-parallel degree (memory).
    #[arg(long, default_value = "1")]
    dp: String,
    /// Activation recomputation: none, selective or full (memory).
    #[arg(long, default_value = "selective")]
    recompute: String,
    /// The GPU whose memory the layout must fit (the smallest GPU count is reported).
    #[arg(long, default_value = "h100")]
    gpu: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// A whole number ≥ 0 for `flag`.
fn whole(text: &str, flag: &str) -> Result<u64, String> {
    crate::whole(text, flag, 0, scalecalc::core::units::UNBOUNDED)
}

fn pick<T: Copy>(text: &str, flag: &str, choices: &[(&str, T)]) -> Result<T, String> {
    let t = text.trim().to_ascii_lowercase();
    choices.iter().find(|(k, _)| *k == t).map(|(_, v)| *v).ok_or_else(|| {
        let names: Vec<&str> = choices.iter().map(|(k, _)| *k).collect();
        format!("{flag}: \"{text}\" is not one of {}", names.join(", "))
    })
}

/// The flag a shape input is given by.
fn flag_of(input: &str) -> &'static str {
    match input {
        "layers" => "--layers",
        "d_model" => "--d-model",
        "heads" => "--heads",
        "kv_heads" => "--kv-heads",
        "head_dim" => "--head-dim",
        "ffn_hidden" => "--ffn-hidden",
        "vocab" => "--vocab",
        "seq_len" => "--seq-len",
        "experts" => "--experts",
        "top_k" => "--top-k",
        "shared" => "--shared-experts",
        "expert_hidden" => "--expert-hidden",
        "q_rank" => "--q-lora-rank",
        "kv_rank" => "--kv-lora-rank",
        "rope_dim" => "--rope-dim",
        "v_head_dim" => "--v-head-dim",
        _ => "--dense-layers",
    }
}

fn read_shape(a: &ShapeArgs) -> Result<(Shape, Option<&'static shape::Published>), String> {
    let published = match &a.preset {
        Some(key) => Some(shape::published(key).ok_or_else(|| {
            let keys: Vec<&str> = shape::PUBLISHED.iter().map(|p| p.key).collect();
            format!("--preset: unknown model \"{key}\" (expected one of {})", keys.join(", "))
        })?),
        None => None,
    };
    let base = published.map(|p| p.shape);
    let get = |v: &Option<String>, flag: &str, default: Option<u64>| -> Result<Option<u64>, String> {
        match v {
            Some(t) => whole(t, flag).map(Some),
            None => Ok(default),
        }
    };
    let need = |v: Option<u64>, flag: &str| v.ok_or_else(|| format!("{flag} is required (or give --preset)"));
    let layers = need(get(&a.layers, "--layers", base.map(|b| b.layers))?, "--layers")?;
    let d_model = need(get(&a.d_model, "--d-model", base.map(|b| b.d_model))?, "--d-model")?;
    let heads = need(get(&a.heads, "--heads", base.map(|b| b.heads))?, "--heads")?;
    let kv_heads = get(&a.kv_heads, "--kv-heads", base.map(|b| b.kv_heads))?.unwrap_or(heads);
    let head_dim = match get(&a.head_dim, "--head-dim", None)? {
        Some(h) => h,
        None => match base {
            Some(b) if a.d_model.is_none() && a.heads.is_none() => b.head_dim,
            _ if heads > 0 && d_model % heads == 0 => d_model / heads,
            _ => return Err(format!("--heads: {}", shape::ShapeError::HeadsDoNotDivide(d_model, heads))),
        },
    };
    let ffn_hidden = get(&a.ffn_hidden, "--ffn-hidden", base.map(|b| b.ffn_hidden))?.unwrap_or((d_model.saturating_mul(7) / 2).div_ceil(256) * 256);
    let ffn = match &a.ffn {
        Some(t) => pick(t, "--ffn", &[("swiglu", FfnKind::SwiGlu), ("gelu", FfnKind::Gelu)])?,
        None => base.map_or(FfnKind::SwiGlu, |b| b.ffn),
    };
    let bias = match &a.bias {
        Some(t) => pick(t, "--bias", &[("none", Bias::None), ("qkv", Bias::Qkv), ("all", Bias::All)])?,
        None => base.map_or(Bias::None, |b| b.bias),
    };
    let norm = match &a.norm {
        Some(t) => pick(t, "--norm", &[("rms", NormKind::Rms), ("layer", NormKind::Layer)])?,
        None => base.map_or(NormKind::Rms, |b| b.norm),
    };
    let base_moe = base.and_then(|b| b.moe);
    let moe = match get(&a.experts, "--experts", base_moe.map(|m| m.experts))? {
        None => None,
        Some(experts) => Some(Moe {
            experts,
            top_k: get(&a.top_k, "--top-k", base_moe.map(|m| m.top_k))?.unwrap_or(1),
            shared: get(&a.shared_experts, "--shared-experts", base_moe.map(|m| m.shared))?.unwrap_or(0),
            expert_hidden: get(&a.expert_hidden, "--expert-hidden", base_moe.map(|m| m.expert_hidden))?.unwrap_or(ffn_hidden),
            dense_layers: get(&a.dense_layers, "--dense-layers", base_moe.map(|m| m.dense_layers))?.unwrap_or(0),
        }),
    };
    if moe.is_none() && (a.top_k.is_some() || a.shared_experts.is_some() || a.expert_hidden.is_some() || a.dense_layers.is_some()) {
        return Err("--top-k, --shared-experts, --expert-hidden and --dense-layers need --experts".into());
    }
    let base_mla = base.and_then(|b| b.mla);
    let mla = match get(&a.kv_lora_rank, "--kv-lora-rank", base_mla.map(|m| m.kv_rank))? {
        None => None,
        Some(kv_rank) => Some(Mla {
            q_rank: get(&a.q_lora_rank, "--q-lora-rank", base_mla.map(|m| m.q_rank))?.unwrap_or(0),
            kv_rank,
            rope_dim: get(&a.rope_dim, "--rope-dim", base_mla.map(|m| m.rope_dim))?.unwrap_or(64),
            v_head_dim: get(&a.v_head_dim, "--v-head-dim", base_mla.map(|m| m.v_head_dim))?.unwrap_or(head_dim),
        }),
    };
    if mla.is_none() && (a.q_lora_rank.is_some() || a.rope_dim.is_some() || a.v_head_dim.is_some()) {
        return Err("--q-lora-rank, --rope-dim and --v-head-dim need --kv-lora-rank".into());
    }
    let s = Shape {
        mla,
        layers,
        d_model,
        heads,
        kv_heads,
        head_dim,
        ffn_hidden,
        ffn,
        vocab: get(&a.vocab, "--vocab", base.map(|b| b.vocab))?.unwrap_or(128_256),
        tied: a.tied || base.is_some_and(|b| b.tied),
        bias,
        norm,
        qk_norm: a.qk_norm || base.is_some_and(|b| b.qk_norm),
        seq_len: get(&a.seq_len, "--seq-len", base.map(|b| b.seq_len))?.unwrap_or(8192),
        moe,
    };
    s.check().map_err(|e| format!("{}: {e}", flag_of(e.input())))?;
    let matches = shape::PUBLISHED.iter().find(|p| Shape { seq_len: s.seq_len, ..p.shape } == s);
    Ok((s, matches))
}

fn read_layout(a: &ShapeArgs) -> Result<Layout, String> {
    let degree = |t: &str, flag: &str| {
        let v = whole(t, flag)?;
        if !(1..=1 << 20).contains(&v) {
            return Err(format!("{flag}: {v} is outside 1 – {}", 1 << 20));
        }
        Ok(v)
    };
    Ok(Layout {
        micro_batch: degree(&a.micro_batch, "--micro-batch")?,
        precision: pick(&a.precision, "--precision", &[("fp32", Precision::Fp32), ("bf16", Precision::Bf16), ("fp8", Precision::Fp8)])?,
        zero: pick(&a.zero, "--zero", &[("0", 0u8), ("1", 1), ("2", 2), ("3", 3)])?,
        tp: degree(&a.tp, "--tp")?,
        pp: degree(&a.pp, "--pp")?,
        dp: degree(&a.dp, "--dp")?,
        recompute: pick(&a.recompute, "--recompute", &[("none", Recompute::None), ("selective", Recompute::Selective), ("full", Recompute::Full)])?,
    })
}

/// Runs `scalecalc shape`.
pub fn shape_cmd(a: &ShapeArgs) -> Result<(), Failure> {
    let (s, published) = read_shape(a)?;
    let layout = read_layout(a)?;
    let gpu = find_gpu(&a.gpu).ok_or_else(|| format!("--gpu: unknown GPU \"{}\" (expected one of {})", a.gpu, gpu_keys()))?;
    let p = s.params();
    let f = s.flops_per_token();
    let m = shape::memory(&s, &layout);
    let min_dp = shape::smallest_dp(&s, &layout, gpu.memory, 1 << 20);
    if a.json {
        let object = serde_json::json!({
            "params_total": p.total as f64,
            "params_non_embedding": p.non_embedding as f64,
            "params_embedding": p.embedding as f64,
            "params_active": p.active as f64,
            "flops_per_token_6n": f.six_n,
            "flops_per_token": f.exact,
            "flops_difference": f.difference,
            "flops_attention": f.attention,
            "flops_logits": f.logits,
            "flops_routing": f.routing,
            "published": published.map(|m| serde_json::json!({"model": m.label, "params": m.params as f64, "exact": m.exact, "source": m.count_source})),
            "memory_per_gpu_bytes": {"weights": m.weights, "gradients": m.gradients, "optimizer": m.optimizer, "activations": m.activations, "total": m.total},
            "gpu": gpu.key,
            "gpu_memory_bytes": gpu.memory,
            "min_gpus": min_dp.map(|dp| dp * layout.tp * layout.pp),
        });
        say!("{}", serde_json::to_string_pretty(&object).map_err(|e| e.to_string())?);
        return Ok(());
    }
    say!("Parameters: {} total, {} non-embedding, {} active per token", p.total, p.non_embedding, p.active);
    if let Some(m) = published {
        say!("Published {}: {}", m.label, if m.exact { m.params.to_string() } else { format_count(m.params as f64, 3) });
    }
    say!(
        "Training FLOPs per token: {} (6N), {} exact ({}{} %)",
        format_sci(f.six_n, 4),
        format_sci(f.exact, 4),
        if f.difference >= 0.0 { "+" } else { "" },
        format_sig(f.difference * 100.0, 3)
    );
    let gb = |b: f64| format!("{} GB", format_sig(b / 1e9, 3));
    say!(
        "Memory per GPU: {} (weights {}, gradients {}, optimizer {}, activations {})",
        gb(m.total),
        gb(m.weights),
        gb(m.gradients),
        gb(m.optimizer),
        gb(m.activations)
    );
    match min_dp {
        Some(dp) => say!("Fewest {} that fit: {} (tp {} × pp {} × dp {dp})", gpu.label, dp * layout.tp * layout.pp, layout.tp, layout.pp),
        None => say!("No data-parallel degree fits this layout in {}'s {}", gpu.label, gb(gpu.memory)),
    }
    Ok(())
}
