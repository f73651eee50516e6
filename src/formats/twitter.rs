//! Twitter / X API user objects: v1.1 (with the embedded `status`) and v2 (`public_metrics`).

use std::collections::HashMap;

use serde_json::Value;

use super::json::{parse_value, pick, Obj};
use super::raw::{entry_or_blank, Convert, Payload, Raw};
use super::values::{check_created, strip_source, x_default_picture};
use crate::account::{Account, Platform, Post, Profile};
use crate::error::{Error, Position, Result};

/// Checks a parsed creation date for plausibility, naming the field on failure.
pub(crate) fn created(
    obj: &Obj<'_>,
    key: &str,
    platform: Platform,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    let date = obj.date(key)?;
    if let Some(d) = date {
        if let Err(reason) = check_created(d, platform, None) {
            return Err(obj.err(key, obj.get(key).unwrap_or(&Value::Null), reason));
        }
    }
    Ok(date)
}

/// Twitter API v1.1 user objects. A `{"users": [...]}` page (followers/list) gives each user;
/// an object without `screen_name` but with a `user` object (a tweet, or the Botometer
/// `{"created_at": <tweet time>, "user": {...}}` records) gives its `user` (the outer
/// `created_at`, a tweet's time, is not read).
pub(crate) struct V1 {
    pub origin: String,
}

/// The v1.1 user keys read; every other key is skipped unparsed.
const V1_KEYS: &[&str] = &[
    "id_str",
    "id",
    "screen_name",
    "name",
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
    "profile_use_background_image",
    "verified",
    "protected",
    "geo_enabled",
    "status",
    "users",
    "followers",
    "user",
    "engaged_at",
    "liked_at",
    "retweeted_at",
    "reposted_at",
    "crawled_at",
    // The user objects of X scrapers (twscrape, snscrape), in camelCase.
    "username",
    "displayname",
    "rawDescription",
    "linkUrl",
    "created",
    "statusesCount",
    "followersCount",
    "friendsCount",
    "favouritesCount",
    "listedCount",
    "profileImageUrl",
];

/// The first of `keys` present, as `read` reads it (a field's other names).
fn first<T>(keys: &[&str], read: impl Fn(&str) -> Result<Option<T>>) -> Result<Option<T>> {
    for key in keys {
        if let Some(v) = read(key)? {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

impl Convert for V1 {
    fn origin(&self) -> &str {
        &self.origin
    }

    fn convert(&self, raw: &Raw, out: &mut Vec<Result<Account>>) {
        convert_user_objects(raw, V1_KEYS, &self.origin, v1_user, out);
    }
}

/// One JSON record picked to `keys`, or the error that stops it.
pub(super) fn picked_record(
    raw: &Raw,
    keys: &'static [&'static str],
    origin: &str,
) -> Result<super::json::Picked> {
    let Payload::Json(bytes) = &raw.payload;
    pick(bytes, keys, origin, raw.position())
}

/// Converts one JSON record holding a user object, or a `{"users": [...]}` page of them (the
/// shape both Twitter v1.1 and Weibo list endpoints return), with `user` reading one object.
pub(super) fn convert_user_objects(
    raw: &Raw,
    keys: &'static [&'static str],
    origin: &str,
    user: fn(&Obj<'_>) -> Result<Account>,
    out: &mut Vec<Result<Account>>,
) {
    let picked = match picked_record(raw, keys, origin) {
        Ok(p) => p,
        Err(e) => return out.push(Err(e)),
    };
    user_objects(&Obj::picked(&picked, origin, raw.position()), user, out);
}

/// The accounts of one picked record: each user of a `{"users": [...]}` page, a wrapper's
/// `user`, or the record itself.
pub(super) fn user_objects(
    o: &Obj<'_>,
    user: fn(&Obj<'_>) -> Result<Account>,
    out: &mut Vec<Result<Account>>,
) {
    let (origin, pos) = (o.origin, o.pos);
    // `followers` is what some collectors name the page's list.
    let list = ["users", "followers"]
        .into_iter()
        .find_map(|k| match o.get(k) {
            Some(Value::Array(users)) => Some((k, users)),
            _ => None,
        });
    match list {
        Some((key, users)) if o.get("screen_name").is_none() => {
            for (i, u) in users.iter().enumerate() {
                out.push(
                    Obj::new(u, origin, pos, &format!("{key}[{i}]"))
                        .and_then(|u| entry_or_blank(&u, user(&u))),
                );
            }
        }
        _ => match o.get("user") {
            // A tweet (or a `{"created_at", "user"}` wrapper): its author. Only for readers
            // that pick `user` (v1.1); a user object never has a `user` key.
            Some(u) if o.get("screen_name").is_none() => {
                out.push(Obj::new(u, origin, pos, "user").and_then(|u| user(&u)));
            }
            _ => out.push(user(o)),
        },
    }
}

/// A v1.1 user object, or an X scraper's (twscrape, snscrape): the same fields in camelCase
/// (`followersCount`, `friendsCount`, ...), `username`, `displayname`, `rawDescription`, an
/// ISO `created`, and `profileImageUrl` for the default picture. A scraper's `url` is the
/// profile's own page, so its website is read from `linkUrl` only.
fn v1_user(o: &Obj<'_>) -> Result<Account> {
    let created_at = match created(o, "created_at", Platform::Twitter)? {
        Some(t) => Some(t),
        None => created(o, "created", Platform::Twitter)?,
    };
    let engaged_at = o.engaged(created_at)?;
    let scraped = o.get("displayname").is_some() || o.get("followersCount").is_some();
    let text = |keys: &[&str]| first(keys, |k| o.text(k));
    let count = |keys: &[&str]| first(keys, |k| o.count(k));
    let default_picture = match o.boolean("default_profile_image")? {
        Some(b) => Some(b),
        None => o
            .text("profileImageUrl")?
            .and_then(|u| x_default_picture(u.as_bytes())),
    };
    let profile = Profile {
        platform: Platform::Twitter,
        id: o.id(&["id_str", "id"])?,
        screen_name: text(&["screen_name", "username"])?,
        name: text(&["name", "displayname"])?,
        description: text(&["rawDescription", "description"])?,
        url: text(if scraped { &["linkUrl"] } else { &["url"] })?,
        location: o.text("location")?,
        lang: o.text("lang")?,
        created_at,
        statuses_count: count(&["statuses_count", "statusesCount"])?,
        followers_count: count(&["followers_count", "followersCount"])?,
        friends_count: count(&["friends_count", "friendsCount"])?,
        favourites_count: count(&["favourites_count", "favouritesCount"])?,
        listed_count: count(&["listed_count", "listedCount"])?,
        default_profile: o.boolean("default_profile")?,
        default_profile_image: default_picture,
        profile_use_background_image: o.boolean("profile_use_background_image")?,
        verified: o.boolean("verified")?,
        protected: o.boolean("protected")?,
        geo_enabled: o.boolean("geo_enabled")?,
        // Not in X's objects; as the CSV readers read it, when a tool added it.
        crawled_at: o.date("crawled_at")?,
        summary: Default::default(),
    };
    let activity = match o.object("status")? {
        Some(s) => Some(vec![v1_status(&s, Platform::Twitter)?]),
        None => None,
    };
    Ok(Account {
        profile,
        activity,
        label: None,
        engaged_at,
    })
}

/// A v1.1 status (or a Weibo status, which has the same shape).
pub(crate) fn v1_status(s: &Obj<'_>, platform: Platform) -> Result<Post> {
    let entities = s.object("entities")?;
    let count = |key: &str| -> Result<Option<u32>> {
        match &entities {
            Some(e) => e.array_len(key),
            None => Ok(None),
        }
    };
    Ok(Post {
        id: s.id(&["id_str", "idstr", "id"])?,
        created_at: created(s, "created_at", platform)?,
        text: match s.text("full_text")? {
            Some(t) => Some(t),
            None => s.text("text")?,
        },
        source: s.text("source")?.as_deref().and_then(strip_source),
        is_retweet: s.get("retweeted_status").is_some(),
        is_reply: s.present("in_reply_to_status_id_str") || s.present("in_reply_to_status_id"),
        retweet_count: match s.count("retweet_count")? {
            Some(n) => Some(n),
            None => s.count("reposts_count")?,
        },
        num_urls: count("urls")?,
        num_mentions: count("user_mentions")?,
        num_hashtags: count("hashtags")?,
    })
}

/// Twitter API v2: whole `users` responses (each user of `data`; pinned tweets from
/// `includes.tweets` become the activity) or bare user objects.
pub(crate) struct V2 {
    pub origin: String,
}

impl Convert for V2 {
    fn origin(&self) -> &str {
        &self.origin
    }

    fn convert(&self, raw: &Raw, out: &mut Vec<Result<Account>>) {
        let Payload::Json(bytes) = &raw.payload;
        let pos = raw.position();
        let value = match parse_value(bytes, &self.origin, pos) {
            Ok(v) => v,
            Err(e) => return out.push(Err(e)),
        };
        // twarc2 writes when it fetched each page (or each flattened user) under
        // `__twarc.retrieved_at`: the crawl time that ages are measured at.
        let retrieved = match value.get("__twarc") {
            Some(t) => match Obj::new(t, &self.origin, pos, "__twarc")
                .and_then(|o| o.date("retrieved_at"))
            {
                Ok(t) => t,
                Err(e) => return out.push(Err(e)),
            },
            None => None,
        };
        let first = out.len();
        self.convert_page(&value, pos, out);
        // A user's error at the line the user begins on, within a pretty-printed response.
        if let (Some(Value::Array(_)), Some(line)) = (value.get("data"), pos.line) {
            if out[first..].iter().any(Result::is_err) {
                let starts = super::json::element_offsets(bytes, "data");
                for (item, &at) in out[first..].iter_mut().zip(&starts) {
                    // (A line of JSON Lines holds no line break, so its positions, which the
                    // block engine places later by equality, are never changed here.)
                    let below = bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
                    if let (Err(Error::Parse { position, .. }), true) = (item, below > 0) {
                        position.line = Some(line + below);
                    }
                }
            }
        }
        if let Some(t) = retrieved {
            for a in out[first..].iter_mut().flatten() {
                a.profile.crawled_at.get_or_insert(t);
            }
        }
    }
}

impl V2 {
    /// The accounts of one parsed response or user object.
    fn convert_page(&self, value: &Value, pos: Position, out: &mut Vec<Result<Account>>) {
        // A response, or a page of one: `data` (absent from a page with no user, which
        // holds `meta` alone, or `errors` for accounts that could not be looked up).
        let is_response = value.get("username").is_none()
            && ["data", "meta", "errors"]
                .iter()
                .any(|k| value.get(*k).is_some());
        if !is_response {
            return out.push(v2_user(value, &self.origin, pos, "", &HashMap::new()));
        }
        let pinned = match includes(value, &self.origin, pos) {
            Ok(p) => p,
            Err(e) => return out.push(Err(e)),
        };
        match &value["data"] {
            Value::Array(users) => {
                for (i, u) in users.iter().enumerate() {
                    let path = format!("data[{i}]");
                    let account = v2_user(u, &self.origin, pos, &path, &pinned);
                    out.push(match Obj::new(u, &self.origin, pos, &path) {
                        Ok(o) => entry_or_blank(&o, account),
                        Err(_) => account,
                    });
                }
            }
            Value::Null => {}
            single => out.push(v2_user(single, &self.origin, pos, "data", &pinned)),
        }
    }
}

/// The tweets of `includes.tweets`, by id.
fn includes(value: &Value, origin: &str, pos: Position) -> Result<HashMap<String, Post>> {
    let mut map = HashMap::new();
    let Some(tweets) = value.get("includes").and_then(|i| i.get("tweets")) else {
        return Ok(map);
    };
    for (i, t) in tweets.as_array().into_iter().flatten().enumerate() {
        let o = Obj::new(t, origin, pos, &format!("includes.tweets[{i}]"))?;
        let post = v2_tweet(&o)?;
        if let Some(id) = &post.id {
            map.insert(id.clone(), post);
        }
    }
    Ok(map)
}

fn v2_tweet(t: &Obj<'_>) -> Result<Post> {
    let metrics = t.object("public_metrics")?;
    let entities = t.object("entities")?;
    let count = |key: &str| -> Result<Option<u32>> {
        match &entities {
            Some(e) => e.array_len(key),
            None => Ok(None),
        }
    };
    let refs: Vec<&str> = match t.get("referenced_tweets") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|r| r.get("type").and_then(Value::as_str))
            .collect(),
        _ => Vec::new(),
    };
    Ok(Post {
        id: t.id(&["id"])?,
        created_at: created(t, "created_at", Platform::Twitter)?,
        text: t.text("text")?,
        source: t.text("source")?.as_deref().and_then(strip_source),
        is_retweet: refs.contains(&"retweeted"),
        is_reply: refs.contains(&"replied_to") || t.present("in_reply_to_user_id"),
        retweet_count: match &metrics {
            Some(m) => m.count("retweet_count")?,
            None => None,
        },
        num_urls: count("urls")?,
        num_mentions: count("mentions")?,
        num_hashtags: count("hashtags")?,
    })
}

fn v2_user(
    value: &Value,
    origin: &str,
    pos: Position,
    path: &str,
    pinned: &HashMap<String, Post>,
) -> Result<Account> {
    let o = Obj::new(value, origin, pos, path)?;
    let m = o.object("public_metrics")?;
    let metric = |key: &str| -> Result<Option<u64>> {
        match &m {
            Some(m) => m.count(key),
            None => Ok(None),
        }
    };
    let image = o.text("profile_image_url")?;
    let created_at = created(&o, "created_at", Platform::Twitter)?;
    let engaged_at = o.engaged(created_at)?;
    let profile = Profile {
        platform: Platform::Twitter,
        id: o.id(&["id"])?,
        screen_name: o.text("username")?,
        name: o.text("name")?,
        description: o.text("description")?,
        url: o.text("url")?,
        location: o.text("location")?,
        lang: None,
        created_at,
        statuses_count: metric("tweet_count")?,
        followers_count: metric("followers_count")?,
        friends_count: metric("following_count")?,
        favourites_count: metric("like_count")?,
        listed_count: metric("listed_count")?,
        default_profile: None,
        // As the CSV readers read a picture URL: another host says nothing of X's default.
        default_profile_image: image.and_then(|u| x_default_picture(u.as_bytes())),
        profile_use_background_image: None,
        verified: o.boolean("verified")?,
        protected: o.boolean("protected")?,
        geo_enabled: None,
        // A user's own crawl time, when a tool added one; else its page's `__twarc`.
        crawled_at: o.date("crawled_at")?,
        summary: Default::default(),
    };
    let activity = match o.id(&["pinned_tweet_id"])? {
        Some(id) => pinned.get(&id).map(|p| vec![p.clone()]),
        None => None,
    };
    Ok(Account {
        profile,
        activity,
        label: None,
        engaged_at,
    })
}
