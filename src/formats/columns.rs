//! [`ColumnMap`]: the mapping from our CSV column names to those of a file.

use std::collections::HashMap;
use std::str::FromStr;

use crate::error::{Error, Result};

/// Maps the CSV column names the readers expect (ours) to those of a file (theirs), for exports
/// whose headers differ: `name` <- `user_name`. Header matching ignores ASCII case and
/// surrounding spaces.
///
/// # Examples
/// ```
/// use follower_audit::ColumnMap;
/// let map: ColumnMap = "name=user_name, followers_count=fans".parse()?;
/// assert_eq!(map.get("followers_count"), Some("fans"));
/// # Ok::<(), follower_audit::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnMap {
    map: HashMap<String, String>,
}

impl ColumnMap {
    /// An empty mapping.
    pub fn new() -> ColumnMap {
        ColumnMap::default()
    }

    /// Adds `ours <- theirs` (consuming builder).
    pub fn with(mut self, ours: &str, theirs: &str) -> ColumnMap {
        self.insert(ours, theirs);
        self
    }

    /// Adds `ours <- theirs`.
    pub fn insert(&mut self, ours: &str, theirs: &str) {
        self.map.insert(normalize(ours), normalize(theirs));
    }

    /// The file's column for one of ours, when mapped.
    pub fn get(&self, ours: &str) -> Option<&str> {
        self.map.get(&normalize(ours)).map(String::as_str)
    }

    /// `true` when nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The mapped pairs `(ours, theirs)`, sorted by ours.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        let mut v: Vec<_> = self
            .map
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        v.sort_unstable();
        v
    }

    /// Why the mapping does not fit a CSV `header` (names as [`normalize`] gives them): a
    /// mapped column the header lacks.
    pub(crate) fn misfit(&self, header: &[String]) -> Option<String> {
        let (ours, theirs) = self
            .pairs()
            .into_iter()
            .find(|(_, theirs)| !header.iter().any(|h| h == theirs))?;
        Some(format!(
            "the column mapping {ours}={theirs} names a column the header lacks (it has: {})",
            header.join(", ")
        ))
    }

    /// Ours for a file column, when one maps to it.
    pub(super) fn ours_for(&self, theirs: &str) -> Option<String> {
        self.map
            .iter()
            .find(|(_, t)| t.as_str() == theirs)
            .map(|(o, _)| o.clone())
    }
}

impl FromStr for ColumnMap {
    type Err = Error;

    /// Parses `ours=theirs` pairs separated by commas, as given on a command line.
    fn from_str(s: &str) -> Result<ColumnMap> {
        let mut map = ColumnMap::new();
        for pair in s.split(',').filter(|p| !p.trim().is_empty()) {
            match pair.split_once('=') {
                Some((ours, theirs)) if !ours.trim().is_empty() && !theirs.trim().is_empty() => {
                    let twice = |what: String| Error::InvalidParams {
                        name: "columns".into(),
                        reason: what,
                    };
                    if let Some(before) = map.get(ours) {
                        return Err(twice(format!(
                            "`{}` is mapped twice (to `{before}` and to `{}`)",
                            normalize(ours),
                            normalize(theirs)
                        )));
                    }
                    if let Some(before) = map.ours_for(&normalize(theirs)) {
                        return Err(twice(format!(
                            "column `{}` is mapped to two fields (`{before}` and `{}`)",
                            normalize(theirs),
                            normalize(ours)
                        )));
                    }
                    map.insert(ours, theirs)
                }
                _ => {
                    return Err(Error::InvalidParams {
                        name: "columns".into(),
                        reason: format!("expected `ours=theirs`, found {pair:?}"),
                    })
                }
            }
        }
        Ok(map)
    }
}

/// A column name as the readers match it: trimmed, lower case, and with each run of spaces
/// between words as one `_`, so that a spreadsheet's `Full Name` or `Is Private` is read as
/// `full_name` or `is_private`.
pub(crate) fn normalize(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_or_a_column_mapped_twice_is_refused() {
        let err = "followers_count=a,Followers_Count=b"
            .parse::<ColumnMap>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("`followers_count` is mapped twice"), "{err}");
        let err = "followers_count=a,friends_count=A"
            .parse::<ColumnMap>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("column `a` is mapped to two fields"), "{err}");
        assert!("followers_count=a,friends_count=b"
            .parse::<ColumnMap>()
            .is_ok());
    }

    #[test]
    fn a_mapping_naming_a_column_the_header_lacks_misfits() {
        let header: Vec<String> = ["uid", "fans"].iter().map(|h| h.to_string()).collect();
        let fits: ColumnMap = "followers_count=Fans".parse().unwrap();
        assert_eq!(fits.misfit(&header), None);
        let lacks: ColumnMap = "followers_count=fans,id=user".parse().unwrap();
        let why = lacks.misfit(&header).unwrap();
        assert!(
            why.contains("id=user names a column the header lacks"),
            "{why}"
        );
        assert!(why.contains("uid, fans"), "{why}");
    }

    #[test]
    fn column_map_parses_cli_strings() {
        let m: ColumnMap = "name=user_name, Followers_Count = fans,".parse().unwrap();
        assert_eq!(m.get("name"), Some("user_name"));
        assert_eq!(m.get("followers_count"), Some("fans"));
        assert!("name".parse::<ColumnMap>().is_err());
        assert!("=x".parse::<ColumnMap>().is_err());
    }
}
