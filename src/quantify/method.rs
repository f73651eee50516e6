//! The share estimators by name: [`Method`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A share estimator. Serialized and parsed as `cc`, `acc`, `pcc`, `pacc`, `em`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Method {
    /// Classify and count: the share predicted fake.
    Cc,
    /// Adjusted classify and count (Forman 2008).
    Acc,
    /// Probabilistic classify and count: the mean P(fake).
    Pcc,
    /// Probabilistic adjusted classify and count (Bella et al. 2010).
    Pacc,
    /// Expectation maximisation of the prior (Saerens, Latinne and Decaestecker 2002).
    Em,
}

impl Method {
    /// Every method, in the order `cc`, `acc`, `pcc`, `pacc`, `em`.
    pub const ALL: [Method; 5] = [
        Method::Cc,
        Method::Acc,
        Method::Pcc,
        Method::Pacc,
        Method::Em,
    ];

    /// The method's short name, as serialized.
    pub fn name(self) -> &'static str {
        match self {
            Method::Cc => "cc",
            Method::Acc => "acc",
            Method::Pcc => "pcc",
            Method::Pacc => "pacc",
            Method::Em => "em",
        }
    }

    /// Whether the method uses the validation set's error rates.
    pub(crate) fn uses_rates(self) -> bool {
        matches!(self, Method::Acc | Method::Pacc)
    }
}

impl Default for Method {
    /// PACC, the estimator the prevalence protocol chose among those whose intervals hold
    /// their coverage (`tests/prevalence.rs`; the figures are in `docs/performance.md`).
    fn default() -> Method {
        Method::Pacc
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Method {
    type Err = Error;

    /// Parses a method's name, ignoring ASCII case.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] naming the accepted values.
    fn from_str(s: &str) -> Result<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::InvalidParams {
                name: "method".into(),
                reason: format!("unknown share estimator {s:?}; expected cc, acc, pcc, pacc or em"),
            })
    }
}
