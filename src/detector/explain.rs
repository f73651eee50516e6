//! Turning per-feature contributions into [`Reason`]s in words.

use crate::detector::Reason;
use crate::features::FeatureSchema;

/// Formats a feature value for a sentence: integers without decimals, others with up to three.
pub(crate) fn format_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Reasons from signed contributions (positive = towards fake), strongest first; features with a
/// zero contribution are left out.
pub(crate) fn reasons_from_contributions(
    schema: &FeatureSchema,
    values: &[f64],
    contributions: &[f64],
) -> Vec<Reason> {
    let mut reasons: Vec<Reason> = schema
        .names()
        .iter()
        .zip(values)
        .zip(contributions)
        .filter(|(_, c)| **c != 0.0)
        .map(|((name, v), c)| Reason {
            source: name.clone(),
            text: format!(
                "{name} is {}, which points towards {} ({}{:.3})",
                format_value(*v),
                if *c > 0.0 { "fake" } else { "genuine" },
                if *c > 0.0 { "+" } else { "" },
                c
            ),
            weight: *c,
        })
        .collect();
    reasons.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_sorted_and_worded() {
        let schema =
            FeatureSchema::new("s", 1, vec!["followers_count".into(), "age_days".into()]).unwrap();
        let r = reasons_from_contributions(&schema, &[3.0, 12.5], &[0.1, -0.3]);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].source, "age_days");
        assert_eq!(
            r[0].text,
            "age_days is 12.5, which points towards genuine (-0.300)"
        );
        assert_eq!(
            r[1].text,
            "followers_count is 3, which points towards fake (+0.100)"
        );
        assert!(reasons_from_contributions(&schema, &[1.0, 1.0], &[0.0, 0.0]).is_empty());
    }
}
