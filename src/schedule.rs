//! Learning-rate schedules: generated (constant, warmup + cosine, WSD, multi-step) or pasted, and
//! the areas S₁, S₂ loss-curve laws read from them. (stub: to be written)
