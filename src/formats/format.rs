//! The [`Format`] enum and format detection from the first bytes of an input.

use std::fmt;
use std::str::FromStr;

use csv::{ByteRecord, ReaderBuilder};

use super::columns::{normalize, ColumnMap};
use super::json;
use crate::account::Platform;
use crate::error::{Error, Result};

/// The export formats the readers understand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
#[non_exhaustive]
pub enum Format {
    /// Cresci / MIB research CSV (`users.csv`, optionally joined with a `tweets.csv`), and
    /// CSVs of X users under the v1.1 names or the API v2 ones: detected by a `screen_name`
    /// or `followers_count` column, or by `public_metrics.followers_count`, `tweet_count`,
    /// `tweets`, `tweetsCount`, `tweets_count`, `friendsCount`, `statusesCount`,
    /// `statuses_count`, `friends_count`, or plain `followers` with `friends` or `statuses`
    /// (or with `posts`, X's word since 2023, beside a creation date),
    /// beside `id`, `user_id`, `userId`, `username`, `screenName` or `handle` (give
    /// `--format cresci-csv` otherwise).
    /// Columns read (any order, any letter case; other names in parentheses): `id` (`id_str`,
    /// `user_id`, `userId`), `name` (`user_name`), `screen_name` (`username`, `screenName`,
    /// `handle`; a leading `@` dropped), `description` (`bio`), `url` (`website`),
    /// `location`, `lang`, `created_at` (`created`, `createdAt`, `joinDate`, `join_date`,
    /// `joined`), `statuses_count` (`tweet_count`, `public_metrics.tweet_count`, `tweets`,
    /// `statuses`, `tweetsCount`, `tweets_count`, `posts`), `followers_count`
    /// (`public_metrics.followers_count`, `followers`), `friends_count` (`following_count`,
    /// `public_metrics.following_count`; `following` or `friends` beside plain `followers`),
    /// `favourites_count` (`favorites_count`), `listed_count` (`public_metrics.listed_count`),
    /// `default_profile`, `default_profile_image` (else told from an X `profile_image_url`),
    /// `profile_use_background_image`, `verified`, `protected`, `geo_enabled`, `crawled_at`
    /// (`updated`, `__twarc.retrieved_at`), `engaged_at` (`liked_at`, `retweeted_at`,
    /// `reposted_at`) and `dataset`; a [`crate::ColumnMap`] names others. X scrapers' users
    /// saved as CSV (twscrape, snscrape) are read too, detected by `friendsCount` or
    /// `statusesCount` beside an account column: `displayname`, `rawDescription`, `created`,
    /// the counts in camelCase and `profileImageUrl`; their `url` is the profile's own page,
    /// so the website is read from `linkUrl` only. A CSV that looks like Instagram users is
    /// read as [`Format::InstagramCsv`], one like Weibo users is refused: neither is read as
    /// X's.
    CresciCsv,
    /// Twitter API v1.1 user objects (JSON array or JSON Lines), with the embedded `status`;
    /// also the user objects X scrapers write (twscrape, snscrape: `username`, `displayname`,
    /// `rawDescription`, `created`, `followersCount`, `friendsCount`, `statusesCount`, ...).
    /// A `crawled_at` key, when a tool added one, is the crawl time ages are measured at.
    TwitterV1,
    /// Twitter API v2 `users` responses (`{"data": [...], "includes": ...}`) or user objects:
    /// detected by `public_metrics`, or by `username` beside a v2 user field (`created_at`,
    /// `description`, `protected`, `profile_image_url`, `pinned_tweet_id`, `verified`).
    /// The crawl time is a user's `crawled_at`, else its page's `__twarc.retrieved_at`
    /// (twarc2).
    TwitterV2,
    /// Plain Instagram profiles (`username`, `follower_count`, ..., or the Graph API's
    /// `followers_count`, `follows_count`, `media_count`), JSON Lines or array; also as
    /// scrapers save them: camelCase names (`followersCount` beside `followsCount` or
    /// `postsCount`, `fullName`, `externalUrl`, `isPrivate` or `private`, ...), the web
    /// profile JSON's nested counts (`edge_followed_by`, `edge_follow`,
    /// `edge_owner_to_timeline_media`), bare or as a whole response (`data.user`,
    /// `graphql.user`), and Instaloader's metadata files (that profile under `node`, the post
    /// count under `iphone_struct`; decompress `.json.xz` files first: only gzip is read).
    InstagramJsonl,
    /// The InstaFake dataset's JSON array of derived numbers, labelled by `isFake`.
    InstaFake,
    /// The Kaggle "free4ever1" Instagram CSV (`profile pic`, `#followers`, ..., `fake`).
    InstagramKaggleCsv,
    /// SRF Data's hand-labelled Instagram CSV (`Profile.URL`, `rating`, ...).
    InstagramSrfCsv,
    /// Sina Weibo `users/show` objects, JSON array or JSON Lines.
    Weibo,
    /// A Botometer bot-repository set: `<set>_tweets.json` (records `{"created_at": <tweet
    /// time>, "user": {<v1.1 user object>}}`, read as [`Format::TwitterV1`]) labelled from its
    /// `id<TAB>label` file: [`ReadOptions::labels`](super::ReadOptions::labels), else the sibling `<set>.tsv` (which must
    /// exist when the input is opened by path). A user whose id the file lacks has no label.
    Botometer,
    /// The 2021 Instagram CSVs of BeleRicks11/Instagram_Fake_Account_Detection
    /// (`OldDataSet.csv`, `NewDataset.csv`: `Profile Pic`, `Bio Length`, ..., `Fake`).
    InstagramParmaCsv,
    /// Instagram profiles as a scraper or export tool writes them to CSV: detected by a
    /// column only Instagram has (`media_count`, `follows_count`, `follower_count`,
    /// `full_name`, `biography`, `is_private`, `is_verified`, `has_profile_pic`,
    /// `external_url`, `posts_count`, or a camelCase `followsCount`, `postsCount`,
    /// `fullName`, `isPrivate`, `isVerified`, `hasProfilePic`) beside no X or Weibo column
    /// (`followersCount` alone is not one: X scrapers write it too). Columns read (any order, any
    /// letter case; other names in parentheses): `id` (`pk`, `user_id`), `username`
    /// (`handle`), `full_name` (`fullName`, `name`), `biography` (`bio`), `external_url`
    /// (`externalUrl`, `website`), `media_count` (`mediaCount`, `posts_count`, `postsCount`,
    /// `posts`), `follower_count` (`followers_count`, `followersCount`, `followers`),
    /// `following_count` (`follows_count`, `followsCount`, `followingCount`, `following`),
    /// `has_profile_pic` (`hasProfilePic`), `is_private` (`isPrivate`, `private`),
    /// `is_verified` (`isVerified`, `verified`) and `engaged_at` (`liked_at`, ...); plain
    /// `following` only beside plain `followers` (elsewhere it may be a flag). When a file
    /// has two names of one field, the first of the list is read (the other is listed as not
    /// read). A [`crate::ColumnMap`] names others.
    InstagramCsv,
    /// The MicroblogPCU-derived Sina Weibo spammer CSV (`user_id`, `user_name`, `user_image`,
    /// ..., `post_num`, `follower_num`, `followee_num`, 22 behaviour columns, `is_spammer`).
    WeiboSpammerCsv,
}

impl Format {
    /// Every format, in a fixed order.
    pub const ALL: [Format; 12] = [
        Format::CresciCsv,
        Format::TwitterV1,
        Format::TwitterV2,
        Format::InstagramJsonl,
        Format::InstaFake,
        Format::InstagramKaggleCsv,
        Format::InstagramSrfCsv,
        Format::Weibo,
        Format::Botometer,
        Format::InstagramParmaCsv,
        Format::WeiboSpammerCsv,
        Format::InstagramCsv,
    ];

    /// The format's short name, as accepted by [`Format::from_str`]: `cresci-csv`,
    /// `twitter-v1`, `twitter-v2`, `instagram-jsonl`, `instafake`, `instagram-kaggle-csv`,
    /// `instagram-srf-csv`, `weibo`, `botometer`, `instagram-parma-csv`, `weibo-spammer-csv`,
    /// `instagram-csv`.
    pub fn name(self) -> &'static str {
        match self {
            Format::CresciCsv => "cresci-csv",
            Format::TwitterV1 => "twitter-v1",
            Format::TwitterV2 => "twitter-v2",
            Format::InstagramJsonl => "instagram-jsonl",
            Format::InstaFake => "instafake",
            Format::InstagramKaggleCsv => "instagram-kaggle-csv",
            Format::InstagramSrfCsv => "instagram-srf-csv",
            Format::Weibo => "weibo",
            Format::Botometer => "botometer",
            Format::InstagramParmaCsv => "instagram-parma-csv",
            Format::WeiboSpammerCsv => "weibo-spammer-csv",
            Format::InstagramCsv => "instagram-csv",
        }
    }

    /// The platform the format's accounts come from.
    pub fn platform(self) -> Platform {
        match self {
            Format::CresciCsv | Format::TwitterV1 | Format::TwitterV2 | Format::Botometer => {
                Platform::Twitter
            }
            Format::Weibo | Format::WeiboSpammerCsv => Platform::Weibo,
            _ => Platform::Instagram,
        }
    }

    /// `true` for the CSV formats (the ones a [`ColumnMap`] applies to).
    pub fn is_csv(self) -> bool {
        matches!(
            self,
            Format::CresciCsv
                | Format::InstagramKaggleCsv
                | Format::InstagramSrfCsv
                | Format::InstagramParmaCsv
                | Format::WeiboSpammerCsv
                | Format::InstagramCsv
        )
    }

    /// Detects the format from the first bytes of an input (a few kilobytes are plenty).
    ///
    /// JSON is recognised by its keys, CSV by its header row, whose fields may be separated by
    /// commas, semicolons or tabs (the separator that splits it into the most fields). Returns
    /// `None` when nothing fits.
    ///
    /// # Examples
    /// ```
    /// use follower_audit::Format;
    /// assert_eq!(Format::detect(br#"[{"userFollowerCount": 3, "isFake": 1}]"#), Some(Format::InstaFake));
    /// assert_eq!(Format::detect(b"id,screen_name,followers_count\n"), Some(Format::CresciCsv));
    /// assert_eq!(Format::detect(b"hello"), None);
    /// ```
    pub fn detect(first_bytes: &[u8]) -> Option<Format> {
        detect_with(strip_bom(first_bytes), &ColumnMap::default()).ok()
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = Error;

    /// Parses a [`Format::name`] (case-insensitive; `_` and `-` are interchangeable).
    fn from_str(s: &str) -> Result<Format> {
        let want = s.trim().to_ascii_lowercase().replace('_', "-");
        Format::ALL
            .into_iter()
            .find(|f| f.name() == want)
            .ok_or_else(|| Error::InvalidParams {
                name: "format".into(),
                reason: format!(
                    "unknown format {s:?}; known: {}",
                    Format::ALL.map(Format::name).join(", ")
                ),
            })
    }
}

/// Serialized as its name, the string [`Format::from_str`](std::str::FromStr) parses.
impl From<Format> for String {
    fn from(v: Format) -> String {
        v.name().to_string()
    }
}

impl TryFrom<String> for Format {
    type Error = crate::error::Error;

    fn try_from(s: String) -> crate::error::Result<Format> {
        s.parse()
    }
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

/// Detection with a column mapping applied to CSV headers; the error says what was seen.
pub(super) fn detect_with(
    prefix: &[u8],
    columns: &ColumnMap,
) -> std::result::Result<Format, String> {
    let first = prefix.iter().position(|c| !c.is_ascii_whitespace());
    let Some(first) = first else {
        return Err("empty input".into());
    };
    if prefix[first] == b'[' || prefix[first] == b'{' {
        let keys = json::keys_in(&prefix[first..]);
        let has = |k: &str| keys.iter().any(|x| x == k);
        if has("userFollowerCount") || has("userHasProfilPic") || has("isFake") {
            return Ok(Format::InstaFake);
        }
        // Instagram's web profile JSON, bare or as a whole response (`data.user`), before
        // X API v2 pages (`data` beside `username`).
        if has("edge_followed_by") || (has("node") && has("instaloader")) {
            return Ok(Format::InstagramJsonl);
        }
        if has("public_metrics") || (has("data") && has("username")) {
            return Ok(Format::TwitterV2);
        }
        // X scrapers' user objects (twscrape, snscrape): `followersCount` is Instagram
        // scrapers' name too, so an X name beside it.
        if has("followersCount")
            && (has("friendsCount") || has("statusesCount") || has("displayname"))
        {
            return Ok(Format::TwitterV1);
        }
        if has("follower_count")
            || has("following_count")
            || has("media_count")
            || has("follows_count")
            // Instagram scrapers' camelCase names (X scrapers' were caught above), and the
            // web profile JSON's nested counts, bare or under Instaloader's `node`.
            || (has("followersCount")
                && (has("followsCount")
                    || has("postsCount")
                    || has("followingCount")
                    || has("mediaCount")))
        {
            return Ok(Format::InstagramJsonl);
        }
        // A Weibo repost or comment list, or a page of the mobile site's (users in
        // `card_group`s): the users are Weibo user objects.
        if has("reposts") || (has("comments") && has("screen_name")) || has("card_group") {
            return Ok(Format::Weibo);
        }
        if has("screen_name") || has("followers_count") {
            if WEIBO_USER_KEYS.iter().any(|k| has(k)) {
                return Ok(Format::Weibo);
            }
            return Ok(Format::TwitterV1);
        }
        // X API v2 user objects requested without `public_metrics`: the v2 names of other
        // user fields (Instagram's are `biography`, `is_private`, `is_verified`, ...).
        let v2_fields = [
            "created_at",
            "description",
            "protected",
            "profile_image_url",
            "pinned_tweet_id",
            "verified",
            "verified_type",
        ];
        if has("username") && v2_fields.iter().any(|k| has(k)) {
            return Ok(Format::TwitterV2);
        }
        if has("username") {
            return Ok(Format::InstagramJsonl);
        }
        // An X API v2 response with no user in it (`{"data": [], "meta": {"result_count":
        // 0}}`, or `meta` alone): read as one, it gives no account, and the caller says so.
        if has("result_count") {
            return Ok(Format::TwitterV2);
        }
        let mut seen: Vec<&str> = Vec::new();
        for k in &keys {
            if seen.len() == 12 {
                break;
            }
            if !seen.contains(&k.as_str()) {
                seen.push(k);
            }
        }
        return Err(format!(
            "JSON input of unknown format (keys seen: {}); give the format explicitly",
            if seen.is_empty() {
                "none".to_string()
            } else {
                seen.join(", ")
            }
        ));
    }
    let header = header_names(&prefix[first..]);
    if header.len() < 2 {
        return Err("neither JSON nor a CSV header row; give the format explicitly".into());
    }
    if let Some(reason) = columns.misfit(&header) {
        return Err(reason);
    }
    let header: Vec<String> = header
        .into_iter()
        .map(|h| columns.ours_for(&h).unwrap_or(h))
        .collect();
    let has = |k: &str| header.contains(&normalize(k));
    if has("is_spammer") || (has("user_image") && has("follower_num")) {
        return Ok(Format::WeiboSpammerCsv);
    }
    if has("rating") && (has("username") || has("number.of.followers")) {
        return Ok(Format::InstagramSrfCsv);
    }
    if (has("profile pic") || has("#followers"))
        && (has("bio length") || has("#following") || has("business"))
    {
        return Ok(Format::InstagramParmaCsv);
    }
    if has("profile pic") || has("#followers") {
        return Ok(Format::InstagramKaggleCsv);
    }
    if has("user_id") && has("text") && !has("screen_name") {
        return Err(
            "this looks like a tweets file: read the users file and pass this one \
                    with ReadOptions::tweets"
                .into(),
        );
    }
    // Users of another platform under names close to X's, never scored by the X model:
    // Instagram's (the Graph API's names and scrapers') are read as Instagram profiles,
    // Weibo's users/show fields are refused.
    // X's names, snake_case or as X scrapers write them in camelCase (`followersCount` and
    // `mediaCount` are both platforms').
    let x_marker = [
        "screen_name",
        "tweet_count",
        "tweets",
        "listed_count",
        "friends_count",
        "statuses_count",
        "favourites_count",
        "friendscount",
        "statusescount",
        "listedcount",
        "favouritescount",
        "displayname",
        "rawdescription",
        // Plain counts in X's words (`followers` is both platforms').
        "friends",
        "statuses",
        "tweetscount",
        "tweets_count",
    ]
    .iter()
    .any(|k| has(k))
        || header.iter().any(|h| h.starts_with("public_metrics."))
        || x_posts(&has);
    let instagram = [
        "media_count",
        "follows_count",
        "follower_count",
        "full_name",
        "biography",
        "is_private",
        "is_verified",
        "has_profile_pic",
        "external_url",
        "posts_count",
        "followscount",
        "postscount",
        "fullname",
        "isprivate",
        "isverified",
        "hasprofilepic",
    ];
    let weibo = WEIBO_USER_KEYS.iter().any(|k| has(k));
    if !x_marker && !weibo && instagram.iter().any(|k| has(k)) {
        return Ok(Format::InstagramCsv);
    }
    if weibo {
        return Err(
            "this CSV looks like Sina Weibo users (`verified_type`, `province`, ...); save \
             them as JSON Lines of users/show objects (the `weibo` format)"
                .into(),
        );
    }
    // Twitter/X users: the v1.1 names, or the API v2 ones (bare or as twarc2's CSV flattens
    // them); posts named as tweets are X's, in a file that names its accounts.
    let names_accounts = [
        "id",
        "user_id",
        "userid",
        "username",
        "screen_name",
        "screenname",
        "handle",
    ]
    .iter()
    .any(|k| has(k));
    if has("screen_name")
        || has("followers_count")
        || (names_accounts && x_posts(&has))
        || (names_accounts
            && (has("public_metrics.followers_count")
                || has("tweet_count")
                || has("tweets")
                || has("friendscount")
                || has("statusescount")
                || has("tweetscount")
                || has("tweets_count")
                // Our own names, as a column map gives them (`statuses_count=posts`).
                || has("statuses_count")
                || has("friends_count")
                // Plain counts named in X's words (`friends`, `statuses`): a hand-made
                // counts-only export.
                || (has("followers") && (has("friends") || has("statuses")))))
    {
        return Ok(Format::CresciCsv);
    }
    Err(format!(
        "CSV of unknown format (columns: {}); give the format explicitly or map columns",
        first_columns(&header)
    ))
}

/// Plain `posts` beside plain `followers` and a creation date: X's word for tweets since
/// 2023. Instagram's exports say `posts` too, but Instagram shows no creation date, so an
/// export without one is not taken for X's.
fn x_posts(has: &impl Fn(&str) -> bool) -> bool {
    has("posts")
        && has("followers")
        && (has("created_at") || CREATED_AT_ALIASES.iter().any(|k| has(k)))
}

/// Fields of Weibo's users/show objects that X's users lack.
const WEIBO_USER_KEYS: [&str; 5] = [
    "verified_type",
    "bi_followers_count",
    "avatar_large",
    "province",
    "gender",
];

/// The first twelve names of a header, for an error message.
fn first_columns(header: &[String]) -> String {
    header
        .iter()
        .take(12)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

/// The field separators a CSV input may use, the comma first (it wins ties).
const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

/// The first CSV record of `prefix` split at `delimiter`.
fn first_record(prefix: &[u8], delimiter: u8) -> ByteRecord {
    let mut rdr = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(prefix);
    let mut rec = ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => rec,
        _ => ByteRecord::new(),
    }
}

/// The field separator of a CSV input from its first bytes: of the comma, the semicolon
/// (spreadsheets in locales whose decimal mark is a comma) and the tab (TSV exports), the one
/// that splits the header row into the most fields; the comma when none splits it.
pub(crate) fn sniff_delimiter(prefix: &[u8]) -> u8 {
    let prefix = strip_bom(prefix);
    let mut best = (1, b',');
    for d in DELIMITERS {
        let n = first_record(prefix, d).len();
        if n > best.0 {
            best = (n, d);
        }
    }
    best.1
}

/// The normalised names of the first CSV record of `prefix` (for format detection), split
/// at its [`sniff_delimiter`].
fn header_names(prefix: &[u8]) -> Vec<String> {
    first_record(prefix, sniff_delimiter(prefix))
        .iter()
        .map(|f| normalize(&String::from_utf8_lossy(f)))
        .collect()
}

/// The other names of `created_at` in X users CSVs (header names as normalized).
pub(crate) const CREATED_AT_ALIASES: &[&str] =
    &["created", "createdat", "joindate", "join_date", "joined"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().unwrap(), f);
        }
        assert!("nope".parse::<Format>().is_err());
    }

    #[test]
    fn detection() {
        assert_eq!(
            Format::detect(b"\xEF\xBB\xBF\"id\",\"screen_name\"\n"),
            Some(Format::CresciCsv)
        );
        assert_eq!(
            Format::detect(br#"{"data":[{"id":"1","username":"a","public_metrics":{}}]}"#),
            Some(Format::TwitterV2)
        );
        assert_eq!(
            Format::detect(br#"{"id":1,"screen_name":"a","verified_type":-1}"#),
            Some(Format::Weibo)
        );
        assert_eq!(
            Format::detect(br#"{"id":1,"screen_name":"a","followers_count":1}"#),
            Some(Format::TwitterV1)
        );
        assert_eq!(
            Format::detect(br#"{"username":"a","follower_count":1}"#),
            Some(Format::InstagramJsonl)
        );
        // X API v2 users fetched without `public_metrics` are still X's.
        assert_eq!(
            Format::detect(
                br#"{"id":"1","name":"A","username":"a","created_at":"2020-01-01T00:00:00.000Z","description":""}"#
            ),
            Some(Format::TwitterV2)
        );
        assert_eq!(
            Format::detect(b"profile pic,#followers,fake\n"),
            Some(Format::InstagramKaggleCsv)
        );
        // Scraped Instagram profiles, camelCase or not; an X column keeps a file X's.
        for header in [
            &b"username,fullName,followersCount,followsCount,postsCount\n"[..],
            b"id,username,name,followers_count,follows_count,media_count\n",
            b"username;biography;follower_count\n",
        ] {
            assert_eq!(Format::detect(header), Some(Format::InstagramCsv));
        }
        assert_eq!(
            Format::detect(b"id,screen_name,full_name,followers_count\n"),
            Some(Format::CresciCsv)
        );
        assert_eq!(
            Format::detect(b"\"Profile.URL\",\"rating\",\"Username\"\n"),
            Some(Format::InstagramSrfCsv)
        );
        assert_eq!(
            Format::detect(b"\xEF\xBB\xBFuser_id,user_name,user_image,follower_num,is_spammer\n"),
            Some(Format::WeiboSpammerCsv)
        );
        let err = detect_with(b"id,text,user_id\n", &ColumnMap::default()).unwrap_err();
        assert!(err.contains("tweets file"));
        // Semicolons and tabs are sniffed from the header row.
        assert_eq!(
            Format::detect(b"id;screen_name;followers_count\n1;a;3\n"),
            Some(Format::CresciCsv)
        );
        assert_eq!(
            Format::detect(b"\xEF\xBB\xBFprofile pic\t#followers\tfake\n"),
            Some(Format::InstagramKaggleCsv)
        );
        assert_eq!(sniff_delimiter(b"id,screen_name\n"), b',');
        assert_eq!(sniff_delimiter(b"\"a;b\",c\n"), b',');
        assert_eq!(sniff_delimiter(b"id;\"name, full\";x\n"), b';');
        assert_eq!(sniff_delimiter(b"id\tname, full\tx\n"), b'\t');
        assert_eq!(sniff_delimiter(b"single\n"), b',');
        let mapped = ColumnMap::new().with("screen_name", "handle");
        assert_eq!(
            detect_with(b"handle,fans\n", &mapped),
            Ok(Format::CresciCsv)
        );
    }
}
