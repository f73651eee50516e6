//! Reading a labelled dataset in one call: [`read_labelled`].

use std::path::Path;

use super::options::{Mode, ReadOptions};
use super::reader::AccountReader;
use crate::account::{Account, Label};
use crate::error::{Error, Result};

/// Reads a labelled dataset: every account of the file at `path` (or `-` for standard input)
/// and its label, in input order, ready for [`FeatureExtractor::extract`] and a detector's
/// `fit` or [`cross_validate`].
///
/// The labels come from the format (e.g. the Kaggle and Weibo spammer CSVs' label columns) or
/// from `options` ([`ReadOptions::label`], [`ReadOptions::label_from_dataset`],
/// [`ReadOptions::labels`]). A record that repeats an earlier id is left out (the first
/// occurrence is kept); a malformed record is an error in [`Mode::Strict`] (the default) and
/// is left out in [`Mode::Lenient`] (open an [`AccountReader`] to see what was left out).
///
/// [`FeatureExtractor::extract`]: crate::FeatureExtractor::extract
/// [`cross_validate`]: crate::evaluation::cross_validate
///
/// # Errors
/// As [`AccountReader::open`]; in strict mode the first malformed record; an
/// [`Error::InvalidData`] naming the first account without a label.
///
/// # Examples
/// ```
/// use follower_audit::{read_labelled, Label, ReadOptions};
/// // The fixture's `fake` column labels each row.
/// let path = "datasets/fixtures/instagram_kaggle.csv";
/// let (accounts, labels) = read_labelled(path, &ReadOptions::default())?;
/// assert_eq!(accounts.len(), labels.len());
/// assert_eq!(labels[..2], [Label::Genuine, Label::Fake]);
/// # Ok::<(), follower_audit::Error>(())
/// ```
pub fn read_labelled(
    path: impl AsRef<Path>,
    options: &ReadOptions,
) -> Result<(Vec<Account>, Vec<Label>)> {
    let reader = AccountReader::open(path, options)?;
    let origin = reader.origin().to_string();
    let strict = reader.mode() == Mode::Strict;
    let mut accounts = Vec::new();
    let mut labels = Vec::new();
    for item in reader {
        let account = match item {
            Ok(a) => a,
            Err(e) if strict && !e.is_duplicate() => return Err(e),
            Err(_) => continue,
        };
        let Some(label) = account.label else {
            let who = account
                .profile
                .id
                .as_deref()
                .or(account.profile.screen_name.as_deref());
            return Err(Error::InvalidData(format!(
                "{origin}: account {} (id or name {:?}) has no label; give one with \
                 ReadOptions::label, label_from_dataset or labels",
                accounts.len() + 1,
                who.unwrap_or("")
            )));
        };
        accounts.push(account);
        labels.push(label);
    }
    Ok((accounts, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("datasets/fixtures")
            .join(name)
    }

    #[test]
    fn labels_come_from_the_format_or_the_options_and_a_missing_one_is_an_error() {
        let (accounts, labels) =
            read_labelled(fixture("weibo_spammer.csv"), &ReadOptions::default()).unwrap();
        assert!(!accounts.is_empty());
        let from_accounts: Vec<Label> = accounts.iter().filter_map(|a| a.label).collect();
        assert_eq!(labels, from_accounts);
        assert!(labels.contains(&Label::Fake) && labels.contains(&Label::Genuine));

        let users = fixture("cresci_users.csv");
        let err = read_labelled(&users, &ReadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("has no label"), "{err}");
        let (accounts, labels) =
            read_labelled(&users, &ReadOptions::default().label(Label::Fake)).unwrap();
        assert_eq!(labels, vec![Label::Fake; accounts.len()]);
    }
}
