//! One stable sort for the whole crate. Every `slice::sort_by` with its own closure compiles its
//! own copy of the standard library's sort (about 3–4 KB of wasm each; nineteen of them were
//! 59 KB of the page's module), so code outside the fitting kernel sorts through [`sort_by`]:
//! it sorts positions with one non-generic comparator call and then moves the elements.

use std::cmp::Ordering;

/// The positions `0..len` in the stable order `cmp` defines (ties keep their position order).
#[inline(never)]
fn stable_positions(len: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut positions: Vec<usize> = (0..len).collect();
    positions.sort_by(|&a, &b| cmp(a, b));
    positions
}

/// Sorts `v` by `cmp`, stably: the same order as `v.sort_by(cmp)`.
pub fn sort_by<T>(v: &mut Vec<T>, mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = {
        let items: &[T] = v;
        stable_positions(items.len(), &mut |a, b| match (items.get(a), items.get(b)) {
            (Some(x), Some(y)) => cmp(x, y),
            _ => Ordering::Equal,
        })
    };
    let mut taken: Vec<Option<T>> = std::mem::take(v).into_iter().map(Some).collect();
    v.extend(order.into_iter().filter_map(|i| taken.get_mut(i).and_then(Option::take)));
}

/// A map from pairs, as `collect()` makes it (a repeated key keeps its last value), by inserting
/// them one at a time: a `BTreeMap`'s `collect` sorts the pairs first, with its own copy of the
/// standard sort for every pair type (about 3.5 KB of wasm each).
pub fn map_of<M: Default + Extend<(K, V)>, K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> M {
    let mut map = M::default();
    map.extend(pairs);
    map
}

/// Sorts `v` by the total order of `key` (ascending, stable).
pub fn sort_by_f64<T>(v: &mut Vec<T>, key: impl Fn(&T) -> f64) {
    sort_by(v, |a, b| key(a).total_cmp(&key(b)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn same_order_as_the_standard_stable_sort(v in proptest::collection::vec((0u8..6, any::<u16>()), 0..200)) {
            let mut ours = v.clone();
            let mut std_sorted = v;
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            std_sorted.sort_by(|a, b| a.0.cmp(&b.0));
            prop_assert_eq!(ours, std_sorted);
        }

        #[test]
        fn map_of_is_collect(v in proptest::collection::vec((0u8..20, any::<u16>()), 0..100)) {
            let ours: std::collections::BTreeMap<u8, u16> = map_of(v.iter().copied());
            let collected: std::collections::BTreeMap<u8, u16> = v.into_iter().collect();
            prop_assert_eq!(ours, collected);
        }

        #[test]
        fn floats_in_total_order(v in proptest::collection::vec(any::<f64>(), 0..100)) {
            let mut ours: Vec<(f64, usize)> = v.iter().copied().zip(0..).collect();
            let mut std_sorted = ours.clone();
            sort_by_f64(&mut ours, |p| p.0);
            std_sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
            prop_assert_eq!(ours.iter().map(|p| (p.0.to_bits(), p.1)).collect::<Vec<_>>(), std_sorted.iter().map(|p| (p.0.to_bits(), p.1)).collect::<Vec<_>>());
        }
    }
}
