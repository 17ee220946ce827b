//! [`Tau`]: the vote threshold of the consensus, as a count, a fraction or the majority.

use std::num::NonZeroUsize;
use std::str::FromStr;

/// How many of the A agents that answered about a target must propose a gene for it to stay.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Tau {
    /// ⌈A/2⌉ (the default).
    #[default]
    Majority,
    /// At least this many votes.
    Count(NonZeroUsize),
    /// At least ⌈f·A⌉ votes (and at least 1), f in (0, 1].
    Fraction(f64),
}

/// A `--tau` or `tau =` value that is neither a count, a fraction nor `majority`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid tau {0}: expected a vote count (a whole number ≥ 1, e.g. 2), a vote fraction in (0, 1] (e.g. 0.5) or `majority`"
)]
pub struct TauError(pub String);

impl Tau {
    /// The number of votes needed out of `agents`.
    ///
    /// ```
    /// use mechpert::consensus::Tau;
    /// assert_eq!(Tau::Majority.threshold(3), 2);
    /// assert_eq!(Tau::Majority.threshold(4), 2);
    /// assert_eq!("0.6".parse::<Tau>().unwrap().threshold(5), 3);
    /// assert_eq!("1".parse::<Tau>().unwrap().threshold(5), 1);
    /// ```
    pub fn threshold(&self, agents: usize) -> usize {
        match *self {
            Tau::Majority => agents.div_ceil(2).max(1),
            Tau::Count(n) => n.get(),
            Tau::Fraction(f) => ((f * agents as f64 - 1e-9).ceil() as usize).max(1),
        }
    }
}

impl FromStr for Tau {
    type Err = TauError;
    fn from_str(s: &str) -> Result<Tau, TauError> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("majority") {
            return Ok(Tau::Majority);
        }
        if let Ok(n) = t.parse::<usize>() {
            return NonZeroUsize::new(n)
                .map(Tau::Count)
                .ok_or_else(|| TauError(s.to_string()));
        }
        match t.parse::<f64>() {
            // "1.0" is the fraction 1 (all agents), not the count 1.
            Ok(f) if f > 0.0 && f <= 1.0 => Ok(Tau::Fraction(f)),
            _ => Err(TauError(s.to_string())),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Tau {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Tau, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Float(f64),
            Text(String),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Int(i) => i.to_string(),
            Raw::Float(f) => format!("{f:?}"),
            Raw::Text(s) => s,
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for Tau {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tau::Majority => f.write_str("majority"),
            Tau::Count(n) => write!(f, "{n}"),
            Tau::Fraction(x) => write!(f, "{x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_fractions_and_majority_parse() {
        assert_eq!(
            "2".parse::<Tau>().unwrap(),
            Tau::Count(NonZeroUsize::new(2).unwrap())
        );
        assert_eq!("0.5".parse::<Tau>().unwrap(), Tau::Fraction(0.5));
        assert_eq!("1.0".parse::<Tau>().unwrap(), Tau::Fraction(1.0));
        assert_eq!("Majority".parse::<Tau>().unwrap(), Tau::Majority);
    }

    #[test]
    fn bad_values_say_what_is_accepted() {
        for bad in ["1.4", "0", "-1", "0.0", "half", "NaN"] {
            let err = bad.parse::<Tau>().unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "invalid tau {bad}: expected a vote count (a whole number ≥ 1, e.g. 2), a vote fraction in (0, 1] (e.g. 0.5) or `majority`"
                )
            );
        }
    }

    #[test]
    fn thresholds_by_hand() {
        // A = 5: majority ⌈5/2⌉ = 3; 0.5·5 = 2.5 → 3; 0.4·5 = 2 exactly → 2; 1.0 → 5.
        assert_eq!(Tau::Majority.threshold(5), 3);
        assert_eq!(Tau::Fraction(0.5).threshold(5), 3);
        assert_eq!(Tau::Fraction(0.4).threshold(5), 2);
        assert_eq!(Tau::Fraction(1.0).threshold(5), 5);
        assert_eq!(Tau::Majority.threshold(1), 1);
        assert_eq!(Tau::Fraction(0.1).threshold(1), 1);
    }

    #[test]
    fn toml_accepts_numbers_and_words() {
        #[derive(serde::Deserialize)]
        struct T {
            tau: Tau,
        }
        let t: T = toml::from_str("tau = 2").unwrap();
        assert_eq!(t.tau.threshold(9), 2);
        let t: T = toml::from_str("tau = 0.75").unwrap();
        assert_eq!(t.tau, Tau::Fraction(0.75));
        let t: T = toml::from_str("tau = \"majority\"").unwrap();
        assert_eq!(t.tau, Tau::Majority);
        let err = toml::from_str::<T>("tau = 1.4").err().unwrap();
        assert!(err.to_string().contains("invalid tau 1.4"), "{err}");
    }
}
