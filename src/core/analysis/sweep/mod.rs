//! A sweep of small runs planned before it is trained: the runs a plan makes (budgets × model
//! sizes, or a table), and how wide the intervals on N* and L* at a target budget would come
//! out, by simulating noisy runs from a true law and refitting each replicate.

pub mod plan;
pub mod simulate;
