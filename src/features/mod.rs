//! Feature extraction: named schemas and matrices from accounts.
//!
//! [`FeatureExtractor`] turns [`crate::Account`]s into a [`FeatureMatrix`] of a [`FeatureSet`]'s
//! schema. Every column is documented in `docs/features.md`.

mod activity;
mod extractor;
mod mask;
mod schema;
mod set;
mod text;

pub use extractor::{FeatureExtractor, TimeReference};
pub use mask::{ExportShape, FieldGroup};
pub use schema::{FeatureMatrix, FeatureSchema};
pub use set::FeatureSet;
pub(crate) use text::is_blank;
