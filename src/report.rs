//! Human- and machine-readable output: summaries, tables and figures. The only library module
//! that formats text for people; it writes to a `Write` it is given and never to stdout itself.

pub mod consensus;
pub mod design;
pub mod evaluate;
pub mod figures;
pub mod html;
pub mod inspect;
pub mod plan;
pub mod priors;
pub mod simulate;
pub mod tidy;

/// `x` to 3 significant digits as a reader wants it: no float noise (`0.6000000000000001` is
/// `0.600`), no `-0`, scientific notation only below 0.001 or from 100,000; `–` for NaN.
pub fn sig3(x: f64) -> String {
    if x.is_nan() {
        return "–".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "∞" } else { "-∞" }.into();
    }
    if x == 0.0 {
        return "0".into();
    }
    // The exponent after rounding to 3 digits (9.9996 is 10.0, not 10.00).
    let scientific = format!("{x:.2e}");
    let magnitude: i32 = scientific
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    let text = if !(-3..5).contains(&magnitude) {
        scientific
    } else {
        format!("{x:.*}", (2 - magnitude).max(0) as usize)
    };
    // Rounding can leave a negative zero ("-0.000"): it is zero.
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| matches!(c, '0' | '.')) => rest.to_string(),
        _ => text,
    }
}

/// [`sig3`] with an explicit sign (`+0.0123`, `-0.0123`, `0`), for differences.
pub fn signed_sig3(x: f64) -> String {
    let text = sig3(x);
    if x > 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits_without_noise_or_negative_zero() {
        assert_eq!(sig3(0.6000000000000001), "0.600");
        assert_eq!(sig3(0.012345), "0.0123");
        assert_eq!(sig3(9.999999999999998), "10.0");
        assert_eq!(sig3(123.456), "123");
        assert_eq!(sig3(1234.4), "1234");
        assert_eq!(sig3(-0.0000001), "-1.00e-7");
        assert_eq!(sig3(-0.0004), "-4.00e-4");
        assert_eq!(sig3(f64::NAN), "–");
        assert_eq!(sig3(0.0), "0");
        assert_eq!(sig3(-0.0), "0");
        assert_eq!(sig3(-0.99951), "-1.00");
        assert_eq!(signed_sig3(0.05), "+0.0500");
        assert_eq!(signed_sig3(-0.05), "-0.0500");
        assert_eq!(signed_sig3(0.0), "0");
    }
}
