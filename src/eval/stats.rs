//! Statistics over draws: mean, a seeded percentile-bootstrap 95 % confidence interval of the
//! mean, and the normalised area under a learning curve.

use rand::{Rng, RngCore};

/// Arithmetic mean (NaN for no values).
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// 95 % percentile-bootstrap interval of the mean: `resamples` means of `n` values drawn with
/// replacement; the 2.5 % and 97.5 % quantiles with linear interpolation (numpy's default).
/// One value gives a zero-width interval; none gives NaN.
pub fn bootstrap_ci95(values: &[f64], resamples: usize, rng: &mut dyn RngCore) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mut means: Vec<f64> = (0..resamples.max(1))
        .map(|_| (0..n).map(|_| values[rng.random_range(0..n)]).sum::<f64>() / n as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    (quantile(&means, 0.025), quantile(&means, 0.975))
}

/// 95 % percentile-bootstrap interval of a paired statistic: `resamples` times, the same `n`
/// pair indices are drawn with replacement for `a` and `b` and `statistic` is computed on the
/// two resamples (so seed pairing is kept). NaN when the lengths differ or are 0.
pub fn paired_bootstrap_ci95(
    a: &[f64],
    b: &[f64],
    statistic: impl Fn(&[f64], &[f64]) -> f64,
    resamples: usize,
    rng: &mut dyn RngCore,
) -> (f64, f64) {
    let n = a.len();
    if n == 0 || n != b.len() {
        return (f64::NAN, f64::NAN);
    }
    let (mut ra, mut rb) = (vec![0.0; n], vec![0.0; n]);
    let mut stats: Vec<f64> = (0..resamples.max(1))
        .map(|_| {
            for k in 0..n {
                let i = rng.random_range(0..n);
                ra[k] = a[i];
                rb[k] = b[i];
            }
            statistic(&ra, &rb)
        })
        .collect();
    stats.sort_by(f64::total_cmp);
    (quantile(&stats, 0.025), quantile(&stats, 0.975))
}

/// Quantile of sorted values with linear interpolation between order statistics.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Normalised area under a learning curve: the trapezoid area under (x, y) divided by the x
/// range, so it is in y's units (the curve's average height). x must increase; NaN for fewer than
/// two points.
pub fn area_under_curve(x: &[f64], y: &[f64]) -> f64 {
    assert_eq!(x.len(), y.len(), "one y per x");
    if x.len() < 2 {
        return f64::NAN;
    }
    let area: f64 = x
        .windows(2)
        .zip(y.windows(2))
        .map(|(xs, ys)| (xs[1] - xs[0]) * (ys[0] + ys[1]) / 2.0)
        .sum();
    area / (x[x.len() - 1] - x[0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn mean_quantile_and_area_by_hand() {
        assert_eq!(mean(&[1.0, 2.0, 6.0]), 3.0);
        assert!(mean(&[]).is_nan());
        // Positions 0..3; q = .5 → 1.5 → between 2 and 4.
        assert_eq!(quantile(&[1.0, 2.0, 4.0, 8.0], 0.5), 3.0);
        // (0,0) → (1,1) → (3,1): area .5 + 2 = 2.5 over range 3.
        assert!((area_under_curve(&[0.0, 1.0, 3.0], &[0.0, 1.0, 1.0]) - 2.5 / 3.0).abs() < 1e-12);
        assert!(area_under_curve(&[1.0], &[1.0]).is_nan());
    }

    #[test]
    fn bootstrap_interval_brackets_the_mean_and_repeats_with_the_seed() {
        let v = [0.30, 0.32, 0.35, 0.31, 0.29, 0.36, 0.33, 0.30, 0.34, 0.32];
        let a = bootstrap_ci95(&v, 2000, &mut Xoshiro256PlusPlus::seed_from_u64(1));
        let b = bootstrap_ci95(&v, 2000, &mut Xoshiro256PlusPlus::seed_from_u64(1));
        assert_eq!(a, b);
        assert!(a.0 < mean(&v) && mean(&v) < a.1, "{a:?}");
        assert!(a.1 - a.0 < 0.04, "{a:?}");
        let one = bootstrap_ci95(&[0.5], 100, &mut Xoshiro256PlusPlus::seed_from_u64(1));
        assert_eq!(one, (0.5, 0.5));
        assert!(
            bootstrap_ci95(&[], 10, &mut Xoshiro256PlusPlus::seed_from_u64(1))
                .0
                .is_nan()
        );
    }
}
