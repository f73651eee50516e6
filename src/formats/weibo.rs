//! Sina Weibo `users/show` user objects (and `{"users": [...]}` pages of them).

use super::json::Obj;
use super::raw::{Convert, Raw};
use super::twitter::{created, v1_status};
use crate::account::{Account, Platform, Profile};
use crate::error::Result;

/// Weibo user objects: `idstr`/`id`, `screen_name`, `name`, `description`, `url`, `location`,
/// `lang`, `created_at` (`Tue May 31 17:46:55 +0800 2011`), `followers_count`, `friends_count`,
/// `statuses_count`, `favourites_count`, `verified`, `geo_enabled`, and the embedded `status`.
pub(crate) struct Weibo {
    pub origin: String,
}

/// The Weibo user keys read; every other key is skipped unparsed.
const WEIBO_KEYS: &[&str] = &[
    "idstr",
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
    "verified",
    "geo_enabled",
    "status",
    "users",
];

impl Convert for Weibo {
    fn convert(&self, raw: &Raw, out: &mut Vec<Result<Account>>) {
        super::twitter::convert_user_objects(raw, WEIBO_KEYS, &self.origin, user_of, out);
    }
}

fn user_of(o: &Obj<'_>) -> Result<Account> {
    let profile = Profile {
        platform: Platform::Weibo,
        id: o.id(&["idstr", "id"])?,
        screen_name: o.text("screen_name")?,
        name: o.text("name")?,
        description: o.text("description")?,
        url: o.text("url")?,
        location: o.text("location")?,
        lang: o.text("lang")?,
        created_at: created(o, "created_at", Platform::Weibo)?,
        statuses_count: o.count("statuses_count")?,
        followers_count: o.count("followers_count")?,
        friends_count: o.count("friends_count")?,
        favourites_count: o.count("favourites_count")?,
        listed_count: None,
        default_profile: None,
        default_profile_image: None,
        profile_use_background_image: None,
        verified: o.boolean("verified")?,
        protected: None,
        geo_enabled: o.boolean("geo_enabled")?,
        crawled_at: None,
        summary: Default::default(),
    };
    let activity = match o.object("status")? {
        Some(s) => Some(vec![v1_status(&s, Platform::Weibo)?]),
        None => None,
    };
    Ok(Account {
        profile,
        activity,
        label: None,
    })
}
