//! The Cresci / MIB `users.csv` columns ([`CresciColumns`]) and their conversion into accounts.

use csv::ByteRecord;

use super::blocks::Record;
use super::columns::ColumnMap;
use super::csv_rows::{Header, Reuse, Row};
use super::format::{Format, CREATED_AT_ALIASES};
use super::values::{check_engaged, trim, x_default_picture, ENGAGED_KEYS};
use crate::account::{Account, Label, Platform};
use crate::error::{Error, Position, Result};

/// Where each Cresci / MIB `users.csv` column is in a file, resolved once from its header.
///
/// [`CresciColumns::convert_record`] is a pure function of one record, so chunks of records can be
/// converted in parallel (see [`ReadOptions::parallel`](super::ReadOptions::parallel)).
///
/// Columns matched (any order, any letter case, extra columns ignored; aliases in parentheses,
/// among them the X API v2 names, bare and as twarc2's CSV flattens them):
/// `id` (`id_str`, `user_id`, `userId`), `name` (`user_name`, the display name in the Fast
/// Followerz 2017 CSV), `screen_name` (`username`, `screenName`, `handle`; a leading `@` is
/// dropped), `description` (`bio`), `url` (`website`), `location`, `lang`, `created_at`
/// (`created`, `createdAt`, `joinDate`, `join_date`, `joined`), `statuses_count`
/// (`tweet_count`, `public_metrics.tweet_count`, `tweets`, `statuses`, `tweetsCount`,
/// `tweets_count`, as "Tweets Count" normalizes),
/// `followers_count` (`public_metrics.followers_count`, `followers`), `friends_count`
/// (`following_count`, `public_metrics.following_count`; `following` or `friends` beside
/// plain `followers`),
/// `favourites_count` (`favorites_count`), `listed_count` (`public_metrics.listed_count`),
/// `default_profile`, `default_profile_image` (else read from `profile_image_url`: X's
/// default picture or another X picture; unknown for other hosts), `profile_use_background_image`, `verified`,
/// `protected`, `geo_enabled`, `crawled_at` (`updated`, `__twarc.retrieved_at`),
/// `engaged_at` (`liked_at`, `retweeted_at`, `reposted_at`: when the account engaged with the
/// audited post, see [`Account::engaged_at`]) and `dataset` (read only for the label, when
/// asked). At least `id` or `screen_name` must be present.
#[derive(Clone, Debug)]
pub(crate) struct CresciColumns {
    header: Header,
    origin: String,
    dataset_labels: bool,
    id: Option<usize>,
    name: Option<usize>,
    screen_name: Option<usize>,
    description: Option<usize>,
    url: Option<usize>,
    location: Option<usize>,
    lang: Option<usize>,
    created_at: Option<usize>,
    statuses_count: Option<usize>,
    followers_count: Option<usize>,
    friends_count: Option<usize>,
    favourites_count: Option<usize>,
    listed_count: Option<usize>,
    default_profile: Option<usize>,
    default_profile_image: Option<usize>,
    /// Read only when there is no `default_profile_image` column.
    profile_image_url: Option<usize>,
    profile_use_background_image: Option<usize>,
    verified: Option<usize>,
    protected: Option<usize>,
    geo_enabled: Option<usize>,
    crawled_at: Option<usize>,
    engaged_at: Option<usize>,
    dataset: Option<usize>,
}

/// Our Cresci column names (the keys a [`ColumnMap`] may use for this format).
const CRESCI_COLUMNS: [&str; 23] = [
    "id",
    "name",
    "screen_name",
    "description",
    "url",
    "location",
    "lang",
    "created_at",
    "statuses_count",
    "followers_count",
    "friends_count",
    "favourites_count",
    "listed_count",
    "default_profile",
    "default_profile_image",
    "profile_image_url",
    "profile_use_background_image",
    "verified",
    "protected",
    "geo_enabled",
    "crawled_at",
    "engaged_at",
    "dataset",
];

impl CresciColumns {
    /// Resolves the columns from a header record; also returns the header's columns read as
    /// none of ours (unnamed ones left out), in header order.
    ///
    /// # Errors
    /// [`Error::Format`] when neither `id` nor `screen_name` is present or a mapped column is
    /// missing; [`Error::InvalidParams`] when the mapping names a column we do not know.
    pub(crate) fn resolve(
        headers: &ByteRecord,
        map: &ColumnMap,
        origin: &str,
    ) -> Result<(CresciColumns, Vec<String>)> {
        Header::check_mapping(map, &CRESCI_COLUMNS, Format::CresciCsv)?;
        let header = Header::new(headers);
        // The columns found, to list the others.
        let read = std::cell::RefCell::new(Vec::new());
        let f = |ours: &str, aliases: &[&str]| {
            let found = header.find(ours, aliases, map, origin)?;
            read.borrow_mut().extend(found);
            Ok::<_, Error>(found)
        };
        let default_profile_image = f("default_profile_image", &[])?;
        // X scrapers' users (twscrape, snscrape) saved as CSV: their `url` is the profile's
        // own page, so the website is read from `linkUrl` only.
        let scraped = header
            .find("displayname", &[], &ColumnMap::new(), origin)?
            .is_some();
        let mut cols = CresciColumns {
            id: f("id", &["id_str", "user_id", "userid"])?,
            name: f("name", &["user_name", "displayname"])?,
            screen_name: f("screen_name", &["username", "screenname", "handle"])?,
            description: f("description", &["rawdescription", "bio"])?,
            url: if scraped {
                f("linkurl", &[])?
            } else {
                f("url", &["website"])?
            },
            location: f("location", &[])?,
            lang: f("lang", &[])?,
            created_at: f("created_at", CREATED_AT_ALIASES)?,
            statuses_count: f(
                "statuses_count",
                &[
                    "tweet_count",
                    "public_metrics.tweet_count",
                    "tweets",
                    "statuses",
                    "statusescount",
                    "tweetscount",
                    "tweets_count",
                    // X's word since 2023 (a file is taken for X's by it only beside a
                    // creation date: see `format::x_posts`).
                    "posts",
                ],
            )?,
            followers_count: f(
                "followers_count",
                &[
                    "public_metrics.followers_count",
                    "followers",
                    "followerscount",
                ],
            )?,
            friends_count: f(
                "friends_count",
                &[
                    "following_count",
                    "public_metrics.following_count",
                    "friendscount",
                ],
            )?,
            favourites_count: f("favourites_count", &["favorites_count", "favouritescount"])?,
            listed_count: f(
                "listed_count",
                &["public_metrics.listed_count", "listedcount"],
            )?,
            default_profile: f("default_profile", &[])?,
            default_profile_image,
            // Read only when there is no `default_profile_image` column.
            profile_image_url: match default_profile_image {
                None => f("profile_image_url", &["profileimageurl"])?,
                Some(_) => None,
            },
            profile_use_background_image: f("profile_use_background_image", &[])?,
            verified: f("verified", &[])?,
            protected: f("protected", &[])?,
            geo_enabled: f("geo_enabled", &[])?,
            crawled_at: f("crawled_at", &["updated", "__twarc.retrieved_at"])?,
            engaged_at: f("engaged_at", &ENGAGED_KEYS[1..])?,
            dataset: f("dataset", &[])?,
            header,
            origin: origin.to_string(),
            dataset_labels: false,
        };
        // Plain `following` (or `friends`) as the following count only beside plain
        // `followers`: in a v1.1 export `following` is a flag.
        if cols.friends_count.is_none() {
            cols.friends_count =
                cols.header
                    .plain_following(cols.followers_count, &["friends"], origin)?;
        }
        let mut read = read.into_inner();
        read.extend(cols.friends_count);
        let unread = cols.header.unread(|i| read.contains(&i));
        if cols.id.is_none() && cols.screen_name.is_none() {
            return Err(Error::Format {
                origin: origin.to_string(),
                reason: format!(
                    "a Cresci CSV needs an `id` or `screen_name` column (header: {})",
                    cols.header.names.join(", ")
                ),
            });
        }
        Ok((cols, unread))
    }

    /// Takes each record's label from the `dataset` column (`E13`, `TFP`: genuine; `INT`,
    /// `FSF`, `TWT`: fake).
    ///
    /// # Errors
    /// [`Error::Format`] when the file has no `dataset` column.
    pub fn with_dataset_labels(mut self, yes: bool) -> Result<CresciColumns> {
        if yes && self.dataset.is_none() {
            return Err(Error::Format {
                origin: self.origin.clone(),
                reason: "labels from the `dataset` column were asked for, but there is none".into(),
            });
        }
        self.dataset_labels = yes;
        Ok(self)
    }

    /// Accepts records with one more field than the header: a leading unnamed index column
    /// (as R's `write.csv` writes).
    pub(crate) fn set_leading_index(&mut self, yes: bool) {
        self.header.offset = usize::from(yes);
    }

    /// Converts one record of any record type (a pure function).
    ///
    /// # Errors
    /// [`Error::Parse`] naming the origin, `position`, the column and its value, for a field
    /// that does not parse or a record whose length differs from the header's.
    pub(crate) fn convert_record<R: Record + ?Sized>(
        &self,
        record: &R,
        position: Position,
    ) -> Result<Account> {
        let mut account = Account::default();
        self.convert_into(record, position, &mut account, &mut Reuse::default())?;
        Ok(account)
    }

    /// [`CresciColumns::convert_record`] into `out`, reusing its strings' buffers (and those
    /// in `reuse`, where the buffers of fields that became missing wait for the next record),
    /// so that converting block after block into the same accounts allocates nothing once
    /// warm; a crawl time equal to the last one `reuse` saw is not parsed again. On an error
    /// `out` holds part of the record and must not be used.
    pub(crate) fn convert_into<R: Record + ?Sized>(
        &self,
        record: &R,
        position: Position,
        out: &mut Account,
        reuse: &mut Reuse,
    ) -> Result<()> {
        let row = Row::checked(record, &self.header, &self.origin, position)?;
        let crawled_at = row.date_reusing(self.crawled_at, &mut reuse.crawled)?;
        let spare = &mut reuse.strings;
        let p = &mut out.profile;
        p.platform = Platform::Twitter;
        row.text_into(self.id, &mut p.id, spare)?;
        row.text_into(self.screen_name, &mut p.screen_name, spare)?;
        // A handle as the app shows it, `@name`, is the screen name `name`.
        if let Some(name) = p.screen_name.as_mut().filter(|n| n.starts_with('@')) {
            name.remove(0);
        }
        row.text_into(self.name, &mut p.name, spare)?;
        row.text_into(self.description, &mut p.description, spare)?;
        row.text_into(self.url, &mut p.url, spare)?;
        row.text_into(self.location, &mut p.location, spare)?;
        row.text_into(self.lang, &mut p.lang, spare)?;
        p.created_at = row.created(self.created_at, Platform::Twitter, crawled_at)?;
        p.statuses_count = row.count(self.statuses_count)?;
        p.followers_count = row.count(self.followers_count)?;
        p.friends_count = row.count(self.friends_count)?;
        p.favourites_count = row.count(self.favourites_count)?;
        p.listed_count = row.count(self.listed_count)?;
        p.default_profile = row.flag(self.default_profile)?;
        // The picture's URL is resolved only when there is no `default_profile_image` column.
        p.default_profile_image = match self.profile_image_url {
            Some(col) => x_default_picture(row.raw(col)),
            None => row.flag(self.default_profile_image)?,
        };
        p.profile_use_background_image = row.flag(self.profile_use_background_image)?;
        p.verified = row.flag(self.verified)?;
        p.protected = row.flag(self.protected)?;
        p.geo_enabled = row.flag(self.geo_enabled)?;
        p.crawled_at = crawled_at;
        p.summary = Default::default();
        out.engaged_at = row.date(self.engaged_at)?;
        if let (Some(t), Some(col)) = (out.engaged_at, self.engaged_at) {
            check_engaged(t, out.profile.created_at).map_err(|r| row.err(col, row.raw(col), r))?;
        }
        out.label = if self.dataset_labels {
            let col = self.dataset.unwrap_or(0);
            let raw = trim(row.raw(col));
            Some(dataset_label(raw).ok_or_else(|| {
                row.err(
                    col,
                    raw,
                    "unknown Cresci subset (expected E13, TFP, INT, FSF or TWT)",
                )
            })?)
        } else {
            None
        };
        out.activity = None;
        Ok(())
    }
}

fn dataset_label(raw: &[u8]) -> Option<Label> {
    match raw.to_ascii_uppercase().as_slice() {
        b"E13" | b"TFP" | b"GENUINE" | b"HUMAN" => Some(Label::Genuine),
        b"INT" | b"FSF" | b"TWT" | b"FAKE" => Some(Label::Fake),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(header: &[&str]) -> CresciColumns {
        CresciColumns::resolve(
            &ByteRecord::from(header.to_vec()),
            &ColumnMap::new(),
            "t.csv",
        )
        .unwrap()
        .0
    }

    /// Converting into an account that held another record (or part of a record that failed)
    /// gives exactly what a fresh conversion gives: no field of the earlier record survives.
    /// A mapped header resolves, and a row converts through the mapping.
    #[test]
    fn mapped_columns_resolve_and_convert() {
        let header = ByteRecord::from(vec!["user_name", "screen_name", "fans"]);
        let map: ColumnMap = "name=user_name,followers_count=fans".parse().unwrap();
        let (cols, _) = CresciColumns::resolve(&header, &map, "mine.csv").unwrap();
        let row = ByteRecord::from(vec!["Ann", "ann", "12"]);
        let account = cols
            .convert_record(&row, Position::new(1, Some(2)))
            .unwrap();
        assert_eq!(account.profile.followers_count, Some(12));
        assert_eq!(account.profile.name.as_deref(), Some("Ann"));
    }

    #[test]
    fn converting_into_a_used_account_leaves_nothing_behind() {
        let header = [
            "id",
            "name",
            "screen_name",
            "description",
            "url",
            "location",
            "lang",
            "statuses_count",
            "followers_count",
            "friends_count",
            "favourites_count",
            "listed_count",
            "created_at",
            "default_profile",
            "default_profile_image",
            "profile_use_background_image",
            "verified",
            "protected",
            "geo_enabled",
            "updated",
            "dataset",
        ];
        let c = cols(&header).with_dataset_labels(true).unwrap();
        let full = ByteRecord::from(vec![
            "42",
            "Ann",
            "ann",
            "a bio",
            "http://x.y",
            "Rome",
            "it",
            "1",
            "2",
            "3",
            "4",
            "5",
            "Fri Apr 06 10:58:22 +0000 2007",
            "1",
            "1",
            "1",
            "1",
            "1",
            "1",
            "2015-02-14 10:54:49",
            "INT",
        ]);
        let mut sparse: Vec<&str> = vec![""; header.len()];
        sparse[0] = "7";
        sparse[19] = "NULL";
        sparse[20] = "E13";
        let sparse = ByteRecord::from(sparse);
        let mut bad: Vec<&str> = full
            .iter()
            .map(|f| std::str::from_utf8(f).unwrap())
            .collect();
        bad[9] = "many";
        let bad = ByteRecord::from(bad);
        let pos = Position::new(1, Some(1));
        let (mut used, mut spare) = (Account::default(), Reuse::default());
        for (first, second) in [(&full, &sparse), (&sparse, &full), (&full, &full)] {
            c.convert_into(first, pos, &mut used, &mut spare).unwrap();
            assert!(c.convert_into(&bad, pos, &mut used, &mut spare).is_err());
            c.convert_into(second, pos, &mut used, &mut spare).unwrap();
            assert_eq!(used, c.convert_record(second, pos).unwrap());
        }
    }

    #[test]
    fn converts_a_mib_row() {
        let c = cols(&[
            "id",
            "screen_name",
            "followers_count",
            "created_at",
            "default_profile",
            "verified",
            "updated",
            "dataset",
        ]);
        let rec = ByteRecord::from(vec![
            "42",
            "ann",
            "10",
            "Fri Apr 06 10:58:22 +0000 2007",
            "1",
            "",
            "2015-02-14 10:54:49",
            "INT",
        ]);
        let a = c.convert_record(&rec, Position::new(1, Some(2))).unwrap();
        assert_eq!(a.profile.id.as_deref(), Some("42"));
        assert_eq!(a.profile.default_profile, Some(true));
        assert_eq!(a.profile.verified, Some(false));
        assert_eq!(a.label, None, "the dataset column is not read unless asked");
        let c = c.with_dataset_labels(true).unwrap();
        assert_eq!(
            c.convert_record(&rec, Position::new(1, Some(2)))
                .unwrap()
                .label,
            Some(Label::Fake)
        );
    }

    #[test]
    fn errors_name_the_column_and_value() {
        let c = cols(&["id", "followers_count"]);
        let rec = ByteRecord::from(vec!["1", "-3"]);
        let e = c
            .convert_record(&rec, Position::new(5, Some(6)))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.csv: line 6, record 5: field `followers_count`: negative count (value: \"-3\")"
        );
        let rec = ByteRecord::from(vec!["1"]);
        let e = c
            .convert_record(&rec, Position::new(1, Some(2)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("truncated record"), "{e}");
    }

    #[test]
    fn created_after_crawl_is_rejected() {
        let c = cols(&["id", "created_at", "updated"]);
        let rec = ByteRecord::from(vec!["1", "2016-01-01 00:00:00", "2015-02-14 10:54:49"]);
        let e = c
            .convert_record(&rec, Position::new(1, None))
            .unwrap_err()
            .to_string();
        assert!(e.contains("after the time the record was crawled"), "{e}");
    }

    #[test]
    fn needs_an_id_or_screen_name() {
        let r = CresciColumns::resolve(
            &ByteRecord::from(vec!["followers_count"]),
            &ColumnMap::new(),
            "t",
        );
        assert!(matches!(r, Err(Error::Format { .. })));
        let r = CresciColumns::resolve(
            &ByteRecord::from(vec!["id"]),
            &ColumnMap::new().with("colour", "x"),
            "t",
        );
        assert!(matches!(r, Err(Error::InvalidParams { .. })));
    }
}
