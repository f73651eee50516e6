//! Feature extraction: named schemas and matrices from accounts.

mod schema;

pub use schema::{FeatureMatrix, FeatureSchema};
