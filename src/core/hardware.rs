//! Accelerators and the arithmetic between FLOPs, GPU-hours, wall time and cost.

/// One accelerator with its peak dense BF16 throughput.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gpu {
    /// Short name used in URLs and on the command line.
    pub key: &'static str,
    /// The name shown in the UI.
    pub label: &'static str,
    /// Peak dense (no sparsity) BF16 FLOP/s per device.
    pub peak_flops: f64,
    /// The vendor document the number comes from.
    pub source: &'static str,
    /// Memory per device, bytes.
    pub memory: f64,
    /// Where the memory figure comes from.
    pub memory_source: &'static str,
}

/// The accelerators we know, peak dense BF16 from the vendors' data sheets.
pub const GPUS: [Gpu; 7] = [
    Gpu { key: "a100", label: "NVIDIA A100 SXM", peak_flops: 312e12, source: "NVIDIA A100 Tensor Core GPU data sheet: BF16 312 TFLOPS dense (624 with sparsity)", memory: 80e9, memory_source: "NVIDIA A100 Tensor Core GPU data sheet: A100 80GB SXM, 80GB HBM2e" },
    Gpu { key: "h100", label: "NVIDIA H100 SXM", peak_flops: 989e12, source: "NVIDIA H100 Tensor Core GPU data sheet: BF16 1,979 TFLOPS with sparsity, 989 dense", memory: 80e9, memory_source: "NVIDIA H100 Tensor Core GPU data sheet: H100 SXM GPU memory 80GB" },
    Gpu { key: "h200", label: "NVIDIA H200 SXM", peak_flops: 989e12, source: "NVIDIA H200 Tensor Core GPU data sheet: BF16 1,979 TFLOPS with sparsity, 989 dense", memory: 141e9, memory_source: "NVIDIA H200 Tensor Core GPU data sheet: GPU memory 141GB HBM3e" },
    Gpu { key: "b200", label: "NVIDIA B200", peak_flops: 2250e12, source: "NVIDIA DGX/HGX B200 data sheet: BF16 4.5 PFLOPS with sparsity, 2.25 dense per GPU", memory: 180e9, memory_source: "NVIDIA DGX B200 data sheet: 8 Blackwell GPUs with 1,440GB total GPU memory (180GB each)" },
    Gpu { key: "mi300x", label: "AMD Instinct MI300X", peak_flops: 1307.4e12, source: "AMD Instinct MI300X data sheet: BF16 1,307.4 TFLOPS dense (2,614.9 with sparsity)", memory: 192e9, memory_source: "AMD Instinct MI300X data sheet: 192 GB HBM3" },
    Gpu { key: "mi325x", label: "AMD Instinct MI325X", peak_flops: 1307.4e12, source: "AMD Instinct MI325X data sheet: BF16 1,307.4 TFLOPS dense", memory: 256e9, memory_source: "AMD Instinct MI325X product page: 256 GB HBM3E" },
    Gpu { key: "tpuv5p", label: "Google TPU v5p", peak_flops: 459e12, source: "Google Cloud TPU v5p documentation: 459 TFLOPS BF16 per chip", memory: 95e9, memory_source: "Google Cloud TPU v5p documentation: HBM2e capacity 95 GB per chip" },
];

/// Looks a GPU up by key or label (case-insensitive; "H100", "h100", "tpu v5p").
pub fn find_gpu(name: &str) -> Option<&'static Gpu> {
    let norm: String = name.trim().to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    GPUS.iter().find(|g| {
        g.key == norm
            || g.label.to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>() == norm
    })
}

/// The GPU keys, for "expected one of …" messages.
pub fn gpu_keys() -> String {
    GPUS.iter().map(|g| g.key).collect::<Vec<_>>().join(", ")
}

/// Why a hardware setting was refused; the message goes after the setting's name.
#[derive(Debug, Clone, PartialEq)]
pub enum HardwareError {
    /// Not a number (the number parser's reason).
    Number(crate::core::units::ParseError),
    /// Zero, negative or not a number at all.
    NotPositive,
    /// A GPU count that is not a whole number from 1 to 10 000 000.
    GpuCount,
    /// MFU outside 0.1 %–100 %.
    MfuRange,
    /// More than $1 000 000 per GPU-hour.
    PriceTooHigh,
}

impl std::fmt::Display for HardwareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HardwareError::Number(e) => write!(f, "{e}"),
            HardwareError::NotPositive => f.write_str("must be greater than 0"),
            HardwareError::GpuCount => f.write_str("must be a whole number from 1 to 10,000,000"),
            HardwareError::MfuRange => f.write_str("must be between 0.1% and 100%"),
            HardwareError::PriceTooHigh => f.write_str("is over $1,000,000 per GPU-hour"),
        }
    }
}

impl std::error::Error for HardwareError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HardwareError::Number(e) => Some(e),
            _ => None,
        }
    }
}

/// Accepts a positive `value` for which `within` holds; otherwise says why not.
fn positive_and(value: f64, within: bool, otherwise: HardwareError) -> Result<f64, HardwareError> {
    if !(value > 0.0) {
        Err(HardwareError::NotPositive)
    } else if !within {
        Err(otherwise)
    } else {
        Ok(value)
    }
}

/// Accepts a GPU count: a whole number from 1 to 10 000 000.
///
/// # Errors
/// [`HardwareError::NotPositive`] or [`HardwareError::GpuCount`].
pub fn check_gpu_count(n: f64) -> Result<f64, HardwareError> {
    positive_and(n, n.fract() == 0.0 && n <= 1e7, HardwareError::GpuCount)
}

/// Accepts MFU as a fraction from 0.001 (0.1 %) to 1 (100 %).
///
/// # Errors
/// [`HardwareError::NotPositive`] or [`HardwareError::MfuRange`].
pub fn check_mfu(fraction: f64) -> Result<f64, HardwareError> {
    positive_and(fraction, (1e-3..=1.0).contains(&fraction), HardwareError::MfuRange)
}

/// How an MFU was written, so the page can say how it read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mfu {
    /// The fraction of peak, in (0, 1].
    pub fraction: f64,
    /// Whether it was a bare number up to 1, read as a fraction (0.4 → 40 %).
    pub as_fraction: bool,
}

/// Reads MFU as people write it — the one rule of the page and the command line: with a `%` it
/// is a percent; a bare number above 1 is a percent (40 → 40 %); a bare number up to 1 is a
/// fraction (0.4 → 40 %, 1 → 100 %).
///
/// # Errors
/// Not a number, not positive, or outside 0.1 %–100 %.
pub fn parse_mfu(text: &str) -> Result<Mfu, HardwareError> {
    let (body, percent) = crate::core::units::split_percent(text);
    let v = crate::core::units::parse_number(body).map_err(HardwareError::Number)?;
    let as_fraction = !percent && v <= 1.0;
    let fraction = check_mfu(if as_fraction { v } else { v / 100.0 })?;
    Ok(Mfu { fraction, as_fraction })
}

/// Accepts a price per GPU-hour up to $1 000 000.
///
/// # Errors
/// [`HardwareError::NotPositive`] or [`HardwareError::PriceTooHigh`].
pub fn check_price(usd: f64) -> Result<f64, HardwareError> {
    positive_and(usd, usd <= 1e6, HardwareError::PriceTooHigh)
}

/// A cluster: which GPU, how many, what fraction of peak is reached, and the price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cluster {
    /// The accelerator.
    pub gpu: &'static Gpu,
    /// Number of devices.
    pub count: f64,
    /// Model FLOPs utilisation, a fraction in (0, 1].
    pub mfu: f64,
    /// Price per GPU-hour in dollars, when known.
    pub usd_per_gpu_hour: Option<f64>,
}

/// Default model FLOPs utilisation: 40 %, mid-range of the 30–50 % typical of large runs.
pub const DEFAULT_MFU: f64 = 0.40;

impl Cluster {
    /// FLOPs one GPU delivers in an hour at this MFU.
    pub fn flop_per_gpu_hour(&self) -> f64 {
        self.gpu.peak_flops * self.mfu * 3600.0
    }

    /// GPU-hours to spend `flop` FLOPs.
    pub fn gpu_hours(&self, flop: f64) -> f64 {
        flop / self.flop_per_gpu_hour()
    }

    /// Wall-clock seconds to spend `flop` on the whole cluster.
    pub fn wall_seconds(&self, flop: f64) -> f64 {
        self.gpu_hours(flop) / self.count * 3600.0
    }

    /// FLOPs the whole cluster spends in `seconds`.
    pub fn flop_in(&self, seconds: f64) -> f64 {
        self.count * self.gpu.peak_flops * self.mfu * seconds
    }

    /// Dollars to spend `flop`, when a price is set.
    pub fn cost(&self, flop: f64) -> Option<f64> {
        self.usd_per_gpu_hour.map(|p| p * self.gpu_hours(flop))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mfu_reads_one_way_on_page_and_command_line() {
        let read = |t: &str| parse_mfu(t).map(|m| (m.fraction, m.as_fraction));
        assert_eq!(read("40"), Ok((0.4, false)));
        assert_eq!(read("40%"), Ok((0.4, false)));
        assert_eq!(read(" 40 % "), Ok((0.4, false)));
        assert_eq!(read("0.4"), Ok((0.4, true)));
        assert_eq!(read("1"), Ok((1.0, true)));
        assert_eq!(read("0.4%"), Ok((0.004, false)));
        assert_eq!(read("100"), Ok((1.0, false)));
        assert_eq!(read("101"), Err(HardwareError::MfuRange));
        assert_eq!(read("0"), Err(HardwareError::NotPositive));
        assert!(matches!(read("abc"), Err(HardwareError::Number(_))));
        assert!(read("0.0001").is_err());
    }


    #[test]
    fn finds_gpus_by_loose_name() {
        assert_eq!(find_gpu("H100").map(|g| g.key), Some("h100"));
        assert_eq!(find_gpu("tpu v5p").map(|g| g.key), Some("tpuv5p"));
        assert_eq!(find_gpu("NVIDIA A100 SXM").map(|g| g.key), Some("a100"));
        assert!(find_gpu("v100x").is_none());
    }

    #[test]
    fn cluster_arithmetic_is_consistent() {
        let c = Cluster { gpu: find_gpu("h100").unwrap(), count: 1024.0, mfu: 0.4, usd_per_gpu_hour: Some(2.0) };
        let flop = c.flop_in(30.0 * 86_400.0);
        assert!((c.wall_seconds(flop) / 86_400.0 - 30.0).abs() < 1e-9);
        assert!((c.gpu_hours(flop) - 1024.0 * 30.0 * 24.0).abs() < 1e-6);
        assert!((c.cost(flop).unwrap() - 2.0 * 1024.0 * 720.0).abs() < 1e-6);
    }
}
