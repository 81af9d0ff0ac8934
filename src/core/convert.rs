//! Conversions between compute units: FLOP, PF-days, GPU-hours, wall time and dollars. The page
//! and the CLI both go through here, so a quantity means the same thing everywhere.

use std::fmt;

use crate::core::hardware::Cluster;
use crate::core::units::{Quantity, Unit, FLOP_PER_PF_DAY};

/// Why a quantity cannot be converted.
#[derive(Debug, Clone, PartialEq)]
pub enum ConvertError {
    /// GPU-hours, durations and dollars need a GPU type, count and MFU.
    NeedsCluster(&'static str),
    /// Dollars need a price per GPU-hour.
    NeedsPrice,
    /// Zero or negative.
    NotPositive,
    /// Overflows to infinity (1e300 PF-days).
    TooLarge,
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConvertError::NeedsCluster(what) => write!(f, "{what} needs a valid GPU type, count and MFU"),
            ConvertError::NeedsPrice => write!(f, "a dollar amount needs a $/GPU-hour price"),
            ConvertError::NotPositive => write!(f, "must be greater than 0"),
            ConvertError::TooLarge => write!(f, "is too large (over 1e308 FLOP)"),
        }
    }
}

impl std::error::Error for ConvertError {}

fn need<'a>(cluster: Option<&'a Cluster>, what: &'static str) -> Result<&'a Cluster, ConvertError> {
    cluster.ok_or(ConvertError::NeedsCluster(what))
}

/// FLOP for a quantity; a plain number is FLOP.
///
/// # Errors
/// When the unit needs hardware (or a price) that is not given, or the result is not a
/// positive finite number.
pub fn to_flop(q: Quantity, cluster: Option<&Cluster>) -> Result<f64, ConvertError> {
    let flop = match q.unit {
        None | Some(Unit::Flop) => q.value,
        Some(Unit::PfDay) => q.value * FLOP_PER_PF_DAY,
        Some(Unit::GpuHour) => q.value * need(cluster, "GPU-hours")?.flop_per_gpu_hour(),
        Some(Unit::Second) => need(cluster, "a duration")?.flop_in(q.value),
        Some(Unit::Usd) => {
            let c = need(cluster, "a dollar amount")?;
            let price = c.usd_per_gpu_hour.ok_or(ConvertError::NeedsPrice)?;
            q.value / price * c.flop_per_gpu_hour()
        }
    };
    if !flop.is_finite() {
        return Err(ConvertError::TooLarge);
    }
    if !(flop > 0.0) {
        return Err(ConvertError::NotPositive);
    }
    Ok(flop)
}

/// `flop` expressed in `unit` (seconds for [`Unit::Second`]).
///
/// # Errors
/// When the unit needs hardware (or a price) that is not given.
pub fn from_flop(flop: f64, unit: Unit, cluster: Option<&Cluster>) -> Result<f64, ConvertError> {
    Ok(match unit {
        Unit::Flop => flop,
        Unit::PfDay => flop / FLOP_PER_PF_DAY,
        Unit::GpuHour => need(cluster, "GPU-hours")?.gpu_hours(flop),
        Unit::Second => need(cluster, "a duration")?.wall_seconds(flop),
        Unit::Usd => need(cluster, "a dollar amount")?.cost(flop).ok_or(ConvertError::NeedsPrice)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::hardware::{Cluster, GPUS};
    use proptest::prelude::*;

    const UNITS: [Unit; 5] = [Unit::Flop, Unit::PfDay, Unit::GpuHour, Unit::Second, Unit::Usd];

    #[test]
    fn known_values() {
        let one_pf_day = Quantity { value: 1.0, unit: Some(Unit::PfDay) };
        assert_eq!(to_flop(one_pf_day, None), Ok(8.64e19));
        let c = Cluster { gpu: &GPUS[1], count: 8.0, mfu: 0.5, usd_per_gpu_hour: Some(2.0) };
        let hour = Quantity { value: 3600.0, unit: Some(Unit::Second) };
        assert_eq!(to_flop(hour, Some(&c)), Ok(8.0 * 989e12 * 0.5 * 3600.0));
        assert_eq!(from_flop(8.0 * 989e12 * 0.5 * 3600.0, Unit::Usd, Some(&c)), Ok(16.0));
        assert_eq!(to_flop(hour, None), Err(ConvertError::NeedsCluster("a duration")));
        let unpriced = Cluster { usd_per_gpu_hour: None, ..c };
        assert_eq!(from_flop(1e20, Unit::Usd, Some(&unpriced)), Err(ConvertError::NeedsPrice));
    }

    proptest! {
        /// Every unit pair: value in `from` → FLOP → `to` → FLOP → `from` comes back.
        #[test]
        fn every_unit_pair_round_trips(
            value in 1e-3f64..1e12, from in 0usize..5, to in 0usize..5, gpu in 0usize..7,
            count in 1u32..100_000, mfu in 0.01f64..1.0, price in 0.1f64..100.0,
        ) {
            let c = Cluster { gpu: &GPUS[gpu], count: count as f64, mfu, usd_per_gpu_hour: Some(price) };
            let q = Quantity { value, unit: Some(UNITS[from]) };
            let flop = to_flop(q, Some(&c)).unwrap();
            let there = from_flop(flop, UNITS[to], Some(&c)).unwrap();
            let flop_again = to_flop(Quantity { value: there, unit: Some(UNITS[to]) }, Some(&c)).unwrap();
            let back = from_flop(flop_again, UNITS[from], Some(&c)).unwrap();
            prop_assert!((back - value).abs() <= 1e-12 * value, "{value} {:?} -> {there} {:?} -> {back}", UNITS[from], UNITS[to]);
        }
    }
}
