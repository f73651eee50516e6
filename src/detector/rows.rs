//! Row access every detector shares: the training-data check, a row's values, and scoring
//! every row of a matrix.

use ndarray::Array1;

use crate::account::Label;
use crate::error::{Error, Result};
use crate::features::FeatureMatrix;

/// Checks that a labelled matrix can be trained on.
pub(crate) fn check_training_data(x: &FeatureMatrix, y: &[Label]) -> Result<()> {
    if x.nrows() == 0 {
        return Err(Error::InvalidData("the training matrix has no rows".into()));
    }
    if x.schema().is_empty() {
        return Err(Error::InvalidData(
            "the training matrix has no features".into(),
        ));
    }
    if x.schema().len() > u32::MAX as usize / 2 {
        return Err(Error::InvalidData("too many features".into()));
    }
    if x.nrows() != y.len() {
        return Err(Error::InvalidData(format!(
            "{} rows but {} labels",
            x.nrows(),
            y.len()
        )));
    }
    let fakes = y.iter().filter(|l| l.is_fake()).count();
    if fakes == 0 || fakes == y.len() {
        return Err(Error::InvalidData(format!(
            "training data must hold both classes; all {} rows are {:?}",
            y.len(),
            y[0]
        )));
    }
    Ok(())
}

/// `score` of every row of `x`, in place where rows are contiguous (a standard-layout matrix),
/// else of a copy of the row.
pub(crate) fn score_rows(x: &FeatureMatrix, score: impl Fn(&[f64]) -> f64) -> Array1<f64> {
    x.values()
        .rows()
        .into_iter()
        .map(|r| match r.as_slice() {
            Some(s) => score(s),
            None => score(&r.to_vec()),
        })
        .collect()
}

/// The values of one row, or an error naming the row.
pub(crate) fn row_values(x: &FeatureMatrix, row: usize) -> Result<Vec<f64>> {
    if row >= x.nrows() {
        return Err(Error::InvalidData(format!(
            "row {row} out of range: the matrix has {} rows",
            x.nrows()
        )));
    }
    Ok(x.values().row(row).to_vec())
}
