//! The paired Wilcoxon signed-rank test, two-sided, matching `scipy.stats.wilcoxon` (1.17) with
//! its defaults (`zero_method="wilcox"`, `correction=False`, `method="auto"`):
//!
//! - differences d = x − y; zero differences are dropped; |d| ranked with average ranks for ties;
//!   the statistic is min(R+, R−);
//! - n ≤ 50 without ties or zeros: the exact null distribution of R+,
//!   p = min(1, 2·min(P(R+ ≥ ⌊r⌋), P(R+ ≤ ⌈r⌉)));
//! - n ≤ 13 with ties or zeros: exact enumeration of all sign flips (scipy's permutation test);
//! - otherwise the normal approximation z = (R+ − n(n+1)/4) / σ with
//!   σ² = (n(n+1)(2n+1) − Σ(t³ − t)/2) / 24 over tie groups t, optional continuity correction
//!   (|z| reduced by 0.5/σ), p = erfc(|z|/√2).
//!
//! Here n counts the non-zero differences in the statistic, but the n ≤ 50 / n ≤ 13 switches
//! look at all pairs, as scipy does.

/// How the p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Exact null distribution (no ties, no zeros).
    Exact,
    /// Exact enumeration of sign flips (ties or zeros, n ≤ 13).
    Permutation,
    /// Normal approximation.
    Normal,
}

/// A test result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wilcoxon {
    /// min(R+, R−).
    pub statistic: f64,
    /// Two-sided p-value (NaN when there are no pairs or all differences are zero).
    pub pvalue: f64,
    /// How p was computed.
    pub method: Method,
}

/// The test with scipy's defaults (no continuity correction).
pub fn wilcoxon(x: &[f64], y: &[f64]) -> Wilcoxon {
    wilcoxon_with(x, y, false)
}

/// The test with or without continuity correction (used only by the normal approximation).
pub fn wilcoxon_with(x: &[f64], y: &[f64], correction: bool) -> Wilcoxon {
    assert_eq!(x.len(), y.len(), "paired samples");
    let n_all = x.len();
    let d: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).collect();
    let nonzero: Vec<f64> = d.iter().copied().filter(|&v| v != 0.0).collect();
    let n_zero = n_all - nonzero.len();
    let (ranks, tie_term, has_ties) = average_ranks(&nonzero);
    let r_plus: f64 = nonzero
        .iter()
        .zip(&ranks)
        .filter(|(v, _)| **v > 0.0)
        .map(|(_, r)| r)
        .sum();
    let r_minus: f64 = nonzero
        .iter()
        .zip(&ranks)
        .filter(|(v, _)| **v < 0.0)
        .map(|(_, r)| r)
        .sum();
    let statistic = r_plus.min(r_minus);
    if n_all == 0 || nonzero.is_empty() {
        return Wilcoxon {
            statistic: if n_all == 0 { f64::NAN } else { statistic },
            pvalue: f64::NAN,
            method: Method::Normal,
        };
    }
    let method = if n_all > 50 {
        Method::Normal
    } else if !has_ties && n_zero == 0 {
        Method::Exact
    } else if n_all <= 13 {
        Method::Permutation
    } else {
        Method::Normal
    };
    let n = nonzero.len() as f64;
    let pvalue = match method {
        Method::Exact => {
            let dist = null_distribution(nonzero.len());
            let ge: f64 = dist[r_plus.floor() as usize..].iter().sum();
            let le: f64 = dist[..=(r_plus.ceil() as usize).min(dist.len() - 1)]
                .iter()
                .sum();
            (2.0 * ge.min(le)).min(1.0)
        }
        Method::Permutation => {
            let m = nonzero.len();
            let gamma = (r_plus * f64::EPSILON * 100.0).abs();
            let (mut le, mut ge) = (0u64, 0u64);
            for mask in 0u64..(1 << m) {
                let t: f64 = (0..m)
                    .filter(|&i| mask >> i & 1 == 1)
                    .map(|i| ranks[i])
                    .sum();
                le += u64::from(t <= r_plus + gamma);
                ge += u64::from(t >= r_plus - gamma);
            }
            let total = (1u64 << m) as f64;
            (2.0 * (le as f64 / total).min(ge as f64 / total)).min(1.0)
        }
        Method::Normal => {
            let mn = n * (n + 1.0) / 4.0;
            let se = ((n * (n + 1.0) * (2.0 * n + 1.0) - tie_term / 2.0) / 24.0).sqrt();
            let mut z = (r_plus - mn) / se;
            if correction {
                z -= z.signum() * 0.5 / se;
            }
            erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0)
        }
    };
    Wilcoxon {
        statistic,
        pvalue,
        method,
    }
}

/// Average ranks of |v| (1-based), Σ(t³ − t) over tie groups, and whether any tie exists.
fn average_ranks(v: &[f64]) -> (Vec<f64>, f64, bool) {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].abs().total_cmp(&v[b].abs()));
    let mut ranks = vec![0.0; v.len()];
    let (mut tie_term, mut has_ties) = (0.0, false);
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]].abs() == v[order[i]].abs() {
            j += 1;
        }
        let t = (j - i + 1) as f64;
        if t > 1.0 {
            has_ties = true;
            tie_term += t * t * t - t;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    (ranks, tie_term, has_ties)
}

/// P(R+ = w) for w = 0 ..= n(n+1)/2 under the null (all 2ⁿ sign patterns equally likely).
fn null_distribution(n: usize) -> Vec<f64> {
    let max = n * (n + 1) / 2;
    let mut counts = vec![0.0f64; max + 1];
    counts[0] = 1.0;
    for k in 1..=n {
        for w in (k..=max).rev() {
            counts[w] += counts[w - k];
        }
    }
    let total = 2f64.powi(n as i32);
    counts.iter().map(|c| c / total).collect()
}

/// The complementary error function to about 1e-15 relative accuracy: Taylor series of erf
/// below 3, Lentz's continued fraction above.
pub fn erfc(x: f64) -> f64 {
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 3.0 {
        let mut term = x;
        let mut sum = x;
        let x2 = x * x;
        for n in 1..200 {
            term *= -x2 / n as f64;
            let add = term / (2 * n + 1) as f64;
            sum += add;
            if add.abs() < 1e-17 * sum.abs() {
                break;
            }
        }
        return 1.0 - 2.0 / std::f64::consts::PI.sqrt() * sum;
    }
    // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))).
    let tiny = 1e-300;
    let mut f = x;
    let mut c = x;
    let mut d = 0.0;
    for k in 1..300 {
        let a = k as f64 / 2.0;
        d = x + a * d;
        d = if d.abs() < tiny { tiny } else { d };
        c = x + a / c;
        c = if c.abs() < tiny { tiny } else { c };
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x * x).exp() / std::f64::consts::PI.sqrt() / f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_test_by_hand() {
        // d = (1, 2, 3) all positive: R+ = 6, R− = 0; P(R+ ≥ 6) = 1/8 → p = 1/4.
        let w = wilcoxon(&[1.0, 2.0, 3.0], &[0.0, 0.0, 0.0]);
        assert_eq!(w.method, Method::Exact);
        assert_eq!(w.statistic, 0.0);
        assert!((w.pvalue - 0.25).abs() < 1e-15);
        // d = (1, −2, 3): R+ = 4; subset sums of {1,2,3} ≥ 4 are 4, 5, 6 → P(R+ ≥ 4) = 3/8.
        let w = wilcoxon(&[1.0, -2.0, 3.0], &[0.0; 3]);
        assert_eq!(w.statistic, 2.0);
        assert!((w.pvalue - 0.75).abs() < 1e-15);
    }

    #[test]
    fn ties_and_zeros_switch_methods_and_nothing_left_is_nan() {
        let w = wilcoxon(&[1.0, 1.0, 2.0, 0.0], &[0.0; 4]);
        assert_eq!(w.method, Method::Permutation);
        // Non-zero d = (1, 1, 2), ranks 1.5, 1.5, 3: all positive, R+ = 6 is the maximum
        // of 8 flips, reached once → p = 2/8.
        assert!((w.pvalue - 0.25).abs() < 1e-15);
        let w = wilcoxon(&[0.0, 0.0], &[0.0, 0.0]);
        assert!(w.pvalue.is_nan());
        let many: Vec<f64> = (0..20).map(|i| (i % 5) as f64 - 1.0).collect();
        assert_eq!(wilcoxon(&many, &[0.0; 20]).method, Method::Normal);
    }

    #[test]
    fn erfc_matches_known_values() {
        assert!((erfc(0.0) - 1.0).abs() < 1e-15);
        assert!((erfc(1.0) - 0.157_299_207_050_285_13).abs() < 1e-15);
        assert!((erfc(3.5) / 7.430_983_723_414_128e-7 - 1.0).abs() < 1e-12);
        assert!((erfc(-1.0) - 1.842_700_792_949_715).abs() < 1e-15);
    }
}
