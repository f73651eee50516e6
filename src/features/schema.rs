//! Named feature columns and the matrices built from them.

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The names and order of the columns of a [`FeatureMatrix`], with a name and version.
///
/// Feature names are stable `snake_case` strings and part of the API: a model stores the schema
/// it was trained on, and scoring a matrix of another schema is an error.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FeatureSchema {
    name: String,
    version: u32,
    features: Vec<String>,
}

impl FeatureSchema {
    /// A schema from its name, version and column names.
    ///
    /// # Errors
    /// [`Error::InvalidParams`] when a column name repeats or is empty.
    pub fn new(name: impl Into<String>, version: u32, features: Vec<String>) -> Result<Self> {
        let mut seen = std::collections::HashSet::new();
        for f in &features {
            if f.is_empty() || !seen.insert(f.as_str()) {
                return Err(Error::InvalidParams {
                    name: "features".into(),
                    reason: format!("feature name {f:?} is empty or repeated"),
                });
            }
        }
        Ok(FeatureSchema {
            name: name.into(),
            version,
            features,
        })
    }

    /// The schema's name, e.g. `twitter_profile`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The schema's version; it changes whenever a feature's definition changes.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The column names, in order.
    pub fn names(&self) -> &[String] {
        &self.features
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// `true` when the schema has no columns.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The index of a column by name.
    pub fn index_of(&self, feature: &str) -> Option<usize> {
        self.features.iter().position(|f| f == feature)
    }

    /// A short description used in error messages: `name v3 (42 features)`.
    pub fn describe(&self) -> String {
        format!(
            "{} v{} ({} features)",
            self.name,
            self.version,
            self.features.len()
        )
    }

    /// Checks that `other` is this schema.
    ///
    /// # Errors
    /// [`Error::SchemaMismatch`] naming both schemas.
    pub fn check(&self, other: &FeatureSchema) -> Result<()> {
        if self == other {
            Ok(())
        } else {
            Err(Error::SchemaMismatch {
                expected: self.describe(),
                found: other.describe(),
            })
        }
    }
}

/// A feature matrix: one row per account, one column per feature of its [`FeatureSchema`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureMatrix {
    schema: FeatureSchema,
    values: Array2<f64>,
}

impl FeatureMatrix {
    /// A matrix from a schema and values.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when the number of columns differs from the schema's, or a value is
    /// not finite.
    pub fn new(schema: FeatureSchema, values: Array2<f64>) -> Result<Self> {
        if values.ncols() != schema.len() {
            return Err(Error::InvalidData(format!(
                "matrix has {} columns, schema {} has {}",
                values.ncols(),
                schema.describe(),
                schema.len()
            )));
        }
        if let Some(((r, c), v)) = values.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::InvalidData(format!(
                "row {r}, feature `{}` is not finite ({v})",
                schema.names()[c]
            )));
        }
        Ok(FeatureMatrix { schema, values })
    }

    /// A matrix from values the crate built itself (an extractor's output): the column count
    /// must match and every value be finite, which debug builds check.
    pub(crate) fn from_trusted(schema: FeatureSchema, values: Array2<f64>) -> Self {
        debug_assert_eq!(values.ncols(), schema.len());
        debug_assert!(values.iter().all(|v| v.is_finite()));
        FeatureMatrix { schema, values }
    }

    /// The schema.
    pub fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    /// The values, rows are accounts.
    pub fn values(&self) -> ArrayView2<'_, f64> {
        self.values.view()
    }

    /// Takes the values out.
    pub fn into_values(self) -> Array2<f64> {
        self.values
    }

    /// Number of rows (accounts).
    pub fn nrows(&self) -> usize {
        self.values.nrows()
    }

    /// The column of a feature by name.
    pub fn column(&self, feature: &str) -> Option<ndarray::ArrayView1<'_, f64>> {
        self.schema.index_of(feature).map(|i| self.values.column(i))
    }

    /// A new matrix of the given rows, in the given order (rows may repeat).
    ///
    /// # Panics
    /// When an index is out of bounds (an internal invariant, not user data).
    pub fn select_rows(&self, rows: &[usize]) -> FeatureMatrix {
        FeatureMatrix {
            schema: self.schema.clone(),
            values: self.values.select(Axis(0), rows),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn schema() -> FeatureSchema {
        FeatureSchema::new("t", 1, vec!["a".into(), "b".into()]).unwrap()
    }

    #[test]
    fn rejects_repeated_names() {
        assert!(FeatureSchema::new("t", 1, vec!["a".into(), "a".into()]).is_err());
    }

    #[test]
    fn matrix_checks_columns_and_finiteness() {
        assert!(FeatureMatrix::new(schema(), array![[1.0, 2.0, 3.0]]).is_err());
        let err = FeatureMatrix::new(schema(), array![[1.0, f64::NAN]]).unwrap_err();
        assert!(err.to_string().contains("`b`"), "{err}");
        let m = FeatureMatrix::new(schema(), array![[1.0, 2.0], [3.0, 4.0]]).unwrap();
        assert_eq!(m.column("b").unwrap().to_vec(), vec![2.0, 4.0]);
        assert_eq!(m.select_rows(&[1, 1]).values()[[1, 0]], 3.0);
    }

    #[test]
    fn check_names_both_schemas() {
        let other = FeatureSchema::new("u", 2, vec!["a".into()]).unwrap();
        let err = schema().check(&other).unwrap_err().to_string();
        assert!(
            err.contains("t v1 (2 features)") && err.contains("u v2 (1 features)"),
            "{err}"
        );
    }
}
