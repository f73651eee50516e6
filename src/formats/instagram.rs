//! Instagram inputs: plain profile JSON Lines, the InstaFake JSON, profiles as scrapers write
//! them to CSV, and the Kaggle, SRF and 2021 ("parma") CSVs.

use csv::ByteRecord;

use super::blocks::Record;

use super::columns::ColumnMap;
use super::csv_rows::{Header, Row};
use super::format::Format;
use super::json::{pick, Obj};
use super::raw::{entry_or_blank, Convert, Payload, Raw};
use super::values::ENGAGED_KEYS;
use crate::account::{Account, Label, Platform, Profile, TextSummary};
use crate::error::{Error, Position, Result};
use serde_json::Value;

fn label_of(fake: Option<bool>) -> Option<Label> {
    fake.map(|f| if f { Label::Fake } else { Label::Genuine })
}

const PLAIN_KEYS: &[&str] = &[
    "id",
    "pk",
    "username",
    "full_name",
    "biography",
    "external_url",
    "media_count",
    "follower_count",
    "following_count",
    // The Instagram Graph API's names (business discovery) for the same fields.
    "followers_count",
    "follows_count",
    "name",
    "website",
    "has_profile_pic",
    "is_private",
    "is_verified",
    "engaged_at",
    "liked_at",
    "retweeted_at",
    "reposted_at",
    // Scrapers' camelCase names (Apify's Instagram profile scraper and the like).
    "fullName",
    "externalUrl",
    "followersCount",
    "followsCount",
    "postsCount",
    "hasProfilePic",
    "has_anonymous_profile_picture",
    "isPrivate",
    "private",
    "isVerified",
    "verified",
    "followingCount",
    "mediaCount",
    "posts_count",
    "bio",
    // The web profile JSON's nested counts (`{"count": n}`), its whole response (the
    // profile under `data.user` or `graphql.user`), and Instaloader's metadata files, which
    // hold the profile under `node` (its post count under `iphone_struct`).
    "edge_followed_by",
    "edge_follow",
    "edge_owner_to_timeline_media",
    "iphone_struct",
    "node",
    "data",
    "graphql",
    // A followers page's list.
    "users",
];

const INSTAFAKE_KEYS: &[&str] = &[
    "userMediaCount",
    "userFollowerCount",
    "userFollowingCount",
    "userHasProfilPic",
    "userIsPrivate",
    "usernameLength",
    "usernameDigitCount",
    "userBiographyLength",
    "isFake",
];

/// Plain Instagram profiles: `username`, `full_name`, `biography`, `follower_count`,
/// `following_count`, `media_count`, `has_profile_pic`, `is_private`, `external_url`, and when
/// present `id` / `pk`, `is_verified` and an engagement time (`engaged_at`, `liked_at`, ...:
/// see [`Account::engaged_at`]). Other names for the same fields are read too: the Graph
/// API's (`followers_count`, `follows_count`, `name` for the display name, `website`),
/// scrapers' camelCase ones (`fullName`, `externalUrl`, `followersCount`, `followsCount`,
/// `postsCount`, `hasProfilePic`, `isPrivate` or `private`, `isVerified` or `verified`), the
/// private API's `has_anonymous_profile_picture` (true for the default picture) and
/// the web profile JSON's nested counts (`edge_followed_by`, `edge_follow`,
/// `edge_owner_to_timeline_media`, each `{"count": n}`), also as Instaloader saves that
/// profile, under `node`.
pub(crate) struct PlainJson {
    pub origin: String,
}

/// The first of `keys` that `o` holds, read by `read`.
fn first_of<T>(
    o: &Obj<'_>,
    keys: &[&str],
    read: impl Fn(&Obj<'_>, &str) -> Result<Option<T>>,
) -> Result<Option<T>> {
    for k in keys {
        if let Some(v) = read(o, k)? {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// The first non-empty text of `keys`, else `Some("")` when one of them is present but
/// empty (an empty bio: see [`Obj::text_or_blank`]), else `None`.
fn first_text(o: &Obj<'_>, keys: &[&str]) -> Result<Option<String>> {
    let mut blank = None;
    for k in keys {
        match o.text_or_blank(k)? {
            Some(t) if !t.is_empty() => return Ok(Some(t)),
            Some(t) => blank = blank.or(Some(t)),
            None => {}
        }
    }
    Ok(blank)
}

/// A count under its plain names, else the web JSON's `{edge: {"count": n}}`.
fn count_or_edge(o: &Obj<'_>, keys: &[&str], edge: &str) -> Result<Option<u64>> {
    match first_of(o, keys, |o, k| o.count(k))? {
        Some(n) => Ok(Some(n)),
        None => match o.object(edge)? {
            Some(e) => e.count("count"),
            None => Ok(None),
        },
    }
}

/// One plain Instagram profile object (see [`PlainJson`]).
fn plain_profile(o: &Obj<'_>) -> Result<Account> {
    // Instaloader keeps the post count only in `iphone_struct`.
    let media = match count_or_edge(
        o,
        &["media_count", "mediaCount", "posts_count", "postsCount"],
        "edge_owner_to_timeline_media",
    )? {
        Some(n) => Some(n),
        None => match o.object("iphone_struct")? {
            Some(i) => i.count("media_count")?,
            None => None,
        },
    };
    let profile = Profile {
        platform: Platform::Instagram,
        id: o.id(&["id", "pk"])?,
        screen_name: o.text("username")?,
        // Instagram writes these keys for every account, empty ("" or null) when it has
        // none: an empty bio is a bio of length 0, as the training sources count it, not a
        // missing field.
        name: first_text(o, &["full_name", "fullName", "name"])?,
        description: first_text(o, &["biography", "bio"])?,
        url: first_text(o, &["external_url", "externalUrl", "website"])?,
        statuses_count: media,
        followers_count: count_or_edge(
            o,
            &["follower_count", "followers_count", "followersCount"],
            "edge_followed_by",
        )?,
        friends_count: count_or_edge(
            o,
            &[
                "following_count",
                "follows_count",
                "followsCount",
                "followingCount",
            ],
            "edge_follow",
        )?,
        default_profile_image: match first_of(o, &["has_profile_pic", "hasProfilePic"], |o, k| {
            o.boolean(k)
        })? {
            Some(has) => Some(!has),
            // The private API's name: true for the default (anonymous) picture.
            None => o.boolean("has_anonymous_profile_picture")?,
        },
        protected: first_of(o, &["is_private", "isPrivate", "private"], |o, k| {
            o.boolean(k)
        })?,
        verified: first_of(o, &["is_verified", "isVerified", "verified"], |o, k| {
            o.boolean(k)
        })?,
        ..Profile::default()
    };
    Ok(Account {
        profile,
        activity: None,
        label: None,
        engaged_at: o.engaged(None)?,
    })
}

impl Convert for PlainJson {
    fn origin(&self) -> &str {
        &self.origin
    }

    fn convert(&self, raw: &Raw, out: &mut Vec<Result<Account>>) {
        let Payload::Json(bytes) = &raw.payload;
        let pos = raw.position();
        let picked = match pick(bytes, PLAIN_KEYS, &self.origin, pos) {
            Ok(p) => p,
            Err(e) => return out.push(Err(e)),
        };
        let o = Obj::picked(&picked, &self.origin, pos);
        // A page of a followers list (`{"users": [...], "big_list": ..., "status": "ok"}`,
        // as Instagram's own endpoint returns it): each of its users.
        if let (Some(Value::Array(users)), None) = (o.get("users"), o.get("username")) {
            for (i, u) in users.iter().enumerate() {
                let path = format!("users[{i}]");
                out.push(
                    Obj::new(u, o.origin, pos, &path)
                        .and_then(|u| entry_or_blank(&u, any_profile(&u))),
                );
            }
            return;
        }
        out.push(any_profile(&o));
    }
}

/// A profile, bare or as Instaloader saves it (under `node`) or as the web profile response
/// holds it (under `data.user` or `graphql.user`).
fn any_profile(o: &Obj<'_>) -> Result<Account> {
    if o.get("username").is_some() {
        return plain_profile(o);
    }
    if let Some(node) = o.object("node")? {
        return plain_profile(&node);
    }
    for outer in ["data", "graphql"] {
        if let Some(user) = o
            .object(outer)?
            .map(|x| x.object("user"))
            .transpose()?
            .flatten()
        {
            return plain_profile(&user);
        }
    }
    plain_profile(o)
}

/// InstaFake objects: derived numbers only, labelled by `isFake`.
pub(crate) struct InstaFake {
    pub origin: String,
}

impl Convert for InstaFake {
    fn origin(&self) -> &str {
        &self.origin
    }

    fn convert(&self, raw: &Raw, out: &mut Vec<Result<Account>>) {
        let Payload::Json(bytes) = &raw.payload;
        let pos = raw.position();
        out.push(
            pick(bytes, INSTAFAKE_KEYS, &self.origin, pos).and_then(|p| {
                let o = Obj::picked(&p, &self.origin, pos);
                let profile = Profile {
                    platform: Platform::Instagram,
                    statuses_count: o.count("userMediaCount")?,
                    followers_count: o.count("userFollowerCount")?,
                    friends_count: o.count("userFollowingCount")?,
                    default_profile_image: o.boolean("userHasProfilPic")?.map(|b| !b),
                    protected: o.boolean("userIsPrivate")?,
                    summary: TextSummary {
                        screen_name_length: o.count32("usernameLength")?,
                        screen_name_digits: o.count32("usernameDigitCount")?,
                        description_length: o.count32("userBiographyLength")?,
                        ..TextSummary::default()
                    },
                    ..Profile::default()
                };
                Ok(Account {
                    profile,
                    activity: None,
                    label: label_of(o.boolean("isFake")?),
                    engaged_at: None,
                })
            }),
        );
    }
}

fn missing(origin: &str, header: &Header, what: &str, format: Format) -> Error {
    Error::Format {
        origin: origin.to_string(),
        reason: format!(
            "a {format} file needs the column `{what}` (header: {})",
            header.names.join(", ")
        ),
    }
}

const KAGGLE_COLUMNS: [&str; 12] = [
    "profile pic",
    "nums/length username",
    "fullname words",
    "nums/length fullname",
    "name==username",
    "description length",
    "external url",
    "private",
    "#posts",
    "#followers",
    "#follows",
    "fake",
];

/// Columns of the Kaggle "free4ever1" Instagram CSV.
#[derive(Clone, Debug)]
pub(crate) struct KaggleColumns {
    pub header: Header,
    origin: String,
    cols: [Option<usize>; 12],
}

impl KaggleColumns {
    pub(crate) fn resolve(headers: &ByteRecord, map: &ColumnMap, origin: &str) -> Result<Self> {
        Header::check_mapping(map, &KAGGLE_COLUMNS, Format::InstagramKaggleCsv)?;
        let header = Header::new(headers);
        let mut cols = [None; 12];
        for (slot, name) in cols.iter_mut().zip(KAGGLE_COLUMNS) {
            *slot = header.find(name, &[], map, origin)?;
        }
        if cols[9].is_none() {
            return Err(missing(
                origin,
                &header,
                "#followers",
                Format::InstagramKaggleCsv,
            ));
        }
        Ok(KaggleColumns {
            header,
            origin: origin.to_string(),
            cols,
        })
    }

    pub(crate) fn convert<R: Record + ?Sized>(&self, rec: &R, pos: Position) -> Result<Account> {
        let row = Row::checked(rec, &self.header, &self.origin, pos)?;
        let c = &self.cols;
        let profile = Profile {
            platform: Platform::Instagram,
            default_profile_image: row.boolean(c[0])?.map(|b| !b),
            protected: row.boolean(c[7])?,
            statuses_count: row.count(c[8])?,
            followers_count: row.count(c[9])?,
            friends_count: row.count(c[10])?,
            summary: TextSummary {
                screen_name_digit_ratio: row.ratio(c[1])?,
                name_words: row.count32(c[2])?,
                name_digit_ratio: row.ratio(c[3])?,
                name_equals_screen_name: row.boolean(c[4])?,
                description_length: row.count32(c[5])?,
                has_url: row.boolean(c[6])?,
                ..TextSummary::default()
            },
            ..Profile::default()
        };
        Ok(Account {
            profile,
            activity: None,
            label: label_of(row.boolean(c[11])?),
            engaged_at: None,
        })
    }
}

const SRF_COLUMNS: [&str; 8] = [
    "profile.url",
    "rating",
    "username",
    "number.of.posts",
    "number.of.people.they.follow",
    "number.of.followers",
    "has_profile_picture",
    "private.account",
];

/// Columns of SRF Data's `labelled_1000_inclprivate.csv`.
#[derive(Clone, Debug)]
pub(crate) struct SrfColumns {
    pub header: Header,
    origin: String,
    cols: [Option<usize>; 8],
}

impl SrfColumns {
    pub(crate) fn resolve(headers: &ByteRecord, map: &ColumnMap, origin: &str) -> Result<Self> {
        Header::check_mapping(map, &SRF_COLUMNS, Format::InstagramSrfCsv)?;
        let header = Header::new(headers);
        let mut cols = [None; 8];
        for (slot, name) in cols.iter_mut().zip(SRF_COLUMNS) {
            *slot = header.find(name, &[], map, origin)?;
        }
        if cols[2].is_none() {
            return Err(missing(
                origin,
                &header,
                "Username",
                Format::InstagramSrfCsv,
            ));
        }
        Ok(SrfColumns {
            header,
            origin: origin.to_string(),
            cols,
        })
    }

    pub(crate) fn convert<R: Record + ?Sized>(&self, rec: &R, pos: Position) -> Result<Account> {
        let row = Row::checked(rec, &self.header, &self.origin, pos)?;
        let c = &self.cols;
        // `Profile.URL` is the Instagram page itself, not the profile's external link: it is
        // checked as text but not kept as `url`.
        row.str(c[0])?;
        let profile = Profile {
            platform: Platform::Instagram,
            screen_name: row.text(c[2])?,
            statuses_count: row.count(c[3])?,
            friends_count: row.count(c[4])?,
            followers_count: row.count(c[5])?,
            default_profile_image: row.boolean(c[6])?.map(|b| !b),
            protected: row.boolean(c[7])?,
            ..Profile::default()
        };
        Ok(Account {
            profile,
            activity: None,
            label: label_of(row.boolean(c[1])?),
            engaged_at: None,
        })
    }
}

const PARMA_COLUMNS: [&str; 12] = [
    "profile pic",
    "nums/length username",
    "full name words",
    "bio length",
    "external url",
    "private",
    "verified",
    "#posts",
    "#followers",
    "#following",
    "fake",
    "business",
];

/// Columns of the 2021 Instagram CSVs (`OldDataSet.csv`, `NewDataset.csv`), mapped as the
/// Kaggle ones are: `Profile Pic` (its absence is `default_profile_image`), `Nums/Length
/// Username` (`screen_name_digit_ratio`), `Full Name Words` (`name_words`), `Bio Length`
/// (`description_length`), `External Url` (`has_url`), `Private` (`protected`), `Verified`,
/// `#Posts`, `#Followers`, `#Following` (`friends_count`), and the label from `Fake`. A column
/// a file lacks is `None`: `NewDataset.csv` has no `Private` (its source calls it public
/// accounts only), so `protected` stays unknown rather than `false`. `Business` has no
/// [`Profile`] field (it is checked as a boolean, not kept); `NewDataset.csv`'s activity
/// columns (`Last Post Recent`, `%Post Single Day`, `Index of Activity`, `Average of Likes`)
/// have none either and are not read.
#[derive(Clone, Debug)]
pub(crate) struct ParmaColumns {
    pub header: Header,
    origin: String,
    cols: [Option<usize>; 12],
}

impl ParmaColumns {
    pub(crate) fn resolve(headers: &ByteRecord, map: &ColumnMap, origin: &str) -> Result<Self> {
        Header::check_mapping(map, &PARMA_COLUMNS, Format::InstagramParmaCsv)?;
        let header = Header::new(headers);
        let mut cols = [None; 12];
        for (slot, name) in cols.iter_mut().zip(PARMA_COLUMNS) {
            *slot = header.find(name, &[], map, origin)?;
        }
        if cols[8].is_none() {
            return Err(missing(
                origin,
                &header,
                "#Followers",
                Format::InstagramParmaCsv,
            ));
        }
        Ok(ParmaColumns {
            header,
            origin: origin.to_string(),
            cols,
        })
    }

    pub(crate) fn convert<R: Record + ?Sized>(&self, rec: &R, pos: Position) -> Result<Account> {
        let row = Row::checked(rec, &self.header, &self.origin, pos)?;
        let c = &self.cols;
        let profile = Profile {
            platform: Platform::Instagram,
            default_profile_image: row.boolean(c[0])?.map(|b| !b),
            protected: row.boolean(c[5])?,
            verified: row.boolean(c[6])?,
            statuses_count: row.count(c[7])?,
            followers_count: row.count(c[8])?,
            friends_count: row.count(c[9])?,
            summary: TextSummary {
                screen_name_digit_ratio: row.ratio(c[1])?,
                name_words: row.count32(c[2])?,
                description_length: row.count32(c[3])?,
                has_url: row.boolean(c[4])?,
                ..TextSummary::default()
            },
            ..Profile::default()
        };
        // `Business` has no field; it is checked as a boolean, not kept.
        row.boolean(c[11])?;
        Ok(Account {
            profile,
            activity: None,
            label: label_of(row.boolean(c[10])?),
            engaged_at: None,
        })
    }
}

/// The columns of [`InstagramCsvColumns`]: ours first, then the other names read for them
/// (header names are compared in ASCII lower case, so `followersCount` is `followerscount`).
const PROFILE_COLUMNS: [(&str, &[&str]); 11] = [
    ("id", &["pk", "user_id", "userid"]),
    ("username", &["handle"]),
    ("full_name", &["fullname", "full name", "name"]),
    ("biography", &["bio"]),
    ("external_url", &["externalurl", "external url", "website"]),
    (
        "media_count",
        &["mediacount", "posts_count", "postscount", "posts"],
    ),
    (
        "follower_count",
        &[
            "followers_count",
            "followerscount",
            "followercount",
            "followers",
        ],
    ),
    (
        "following_count",
        &["follows_count", "followscount", "followingcount"],
    ),
    ("has_profile_pic", &["hasprofilepic"]),
    ("is_private", &["isprivate", "private"]),
    ("is_verified", &["isverified", "verified"]),
];

/// Instagram profiles as a scraper or export tool writes them to CSV: the plain profile
/// fields of [`PlainJson`] under their snake_case, camelCase or Graph API names (see
/// [`PROFILE_COLUMNS`]), and an engagement time (`engaged_at`, `liked_at`, ...). A column it
/// does not know is listed by
/// [`crate::AccountReader::unread_columns`], so that it can be mapped.
#[derive(Clone, Debug)]
pub(crate) struct InstagramCsvColumns {
    pub header: Header,
    origin: String,
    cols: [Option<usize>; 12],
}

impl InstagramCsvColumns {
    /// The columns found in `headers`, and the names of the others.
    pub(crate) fn resolve(
        headers: &ByteRecord,
        map: &ColumnMap,
        origin: &str,
    ) -> Result<(Self, Vec<String>)> {
        let mut ours: Vec<&str> = PROFILE_COLUMNS.iter().map(|(o, _)| *o).collect();
        ours.push(ENGAGED_KEYS[0]);
        Header::check_mapping(map, &ours, Format::InstagramCsv)?;
        let header = Header::new(headers);
        let mut cols = [None; 12];
        for (slot, (name, aliases)) in cols.iter_mut().zip(PROFILE_COLUMNS) {
            *slot = header.find(name, aliases, map, origin)?;
        }
        cols[11] = header.find(ENGAGED_KEYS[0], &ENGAGED_KEYS[1..], map, origin)?;
        // Plain `following` as the following count only beside plain `followers`: elsewhere it
        // may be a flag.
        if cols[7].is_none() {
            cols[7] = header.plain_following(cols[6], &[], origin)?;
        }
        if cols[..2] == [None; 2] && cols[5..8] == [None; 3] {
            return Err(Error::Format {
                origin: origin.to_string(),
                reason: format!(
                    "an {} file needs an `id` or `username` column, or a count \
                     (`follower_count`, `following_count`, `media_count`) (header: {})",
                    Format::InstagramCsv,
                    header.names.join(", ")
                ),
            });
        }
        let unread = header.unread(|i| cols.contains(&Some(i)));
        Ok((
            InstagramCsvColumns {
                header,
                origin: origin.to_string(),
                cols,
            },
            unread,
        ))
    }

    pub(crate) fn convert<R: Record + ?Sized>(&self, rec: &R, pos: Position) -> Result<Account> {
        let row = Row::checked(rec, &self.header, &self.origin, pos)?;
        let c = &self.cols;
        let profile = Profile {
            platform: Platform::Instagram,
            id: row.text(c[0])?,
            screen_name: row.text(c[1])?,
            // An empty cell in these columns is an account without one (see `PlainJson`).
            name: row.text_or_blank(c[2])?,
            description: row.text_or_blank(c[3])?,
            url: row.text_or_blank(c[4])?,
            statuses_count: row.count(c[5])?,
            followers_count: row.count(c[6])?,
            friends_count: row.count(c[7])?,
            default_profile_image: row.boolean(c[8])?.map(|b| !b),
            protected: row.boolean(c[9])?,
            verified: row.boolean(c[10])?,
            ..Profile::default()
        };
        Ok(Account {
            profile,
            activity: None,
            label: None,
            engaged_at: row.date(c[11])?,
        })
    }
}
