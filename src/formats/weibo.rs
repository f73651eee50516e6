//! Sina Weibo `users/show` user objects (and `{"users": [...]}` pages of them), and the
//! MicroblogPCU-derived spammer CSV.

use csv::ByteRecord;
use serde_json::Value;

use super::blocks::Record;
use super::columns::ColumnMap;
use super::csv_rows::{Header, Row};
use super::format::Format;
use super::json::Obj;
use super::raw::{entry_or_blank, Convert, Raw};
use super::twitter::{created, picked_record, user_objects, v1_status};
use super::values::check_engaged;
use crate::account::{Account, Label, Platform, Profile};
use crate::error::{Error, Position, Result};

/// Weibo user objects: `idstr`/`id`, `screen_name`, `name`, `description`, `url`, `location`,
/// `lang`, `created_at` (`Tue May 31 17:46:55 +0800 2011`), `followers_count`, `friends_count`,
/// `statuses_count`, `favourites_count`, `verified`, `geo_enabled`, the embedded `status`, and
/// `avatar_large` / `profile_image_url` for `default_profile_image` (see [`default_avatar`]).
///
/// Engagement lists too: a repost list (`statuses/repost_timeline`: `{"reposts": [...],
/// "total_number": n}`) or a comment list (`comments/show`: `{"comments": [...]}`) gives each
/// entry's `user`, engaged at the entry's own `created_at` (the repost's or comment's time,
/// not the user's); so does a single repost or comment record (an object with a `user` and
/// no `screen_name`), as a file of one entry per line holds.
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
    "follow_count",
    "favourites_count",
    "verified",
    "geo_enabled",
    "avatar_large",
    "profile_image_url",
    "status",
    "users",
    "user",
    "reposts",
    "comments",
    // The mobile site's container pages.
    "data",
    "engaged_at",
    "liked_at",
    "retweeted_at",
    "reposted_at",
];

impl Convert for Weibo {
    fn origin(&self) -> &str {
        &self.origin
    }

    fn convert(&self, raw: &Raw, out: &mut Vec<Result<Account>>) {
        let picked = match picked_record(raw, WEIBO_KEYS, &self.origin) {
            Ok(p) => p,
            Err(e) => return out.push(Err(e)),
        };
        let o = Obj::picked(&picked, &self.origin, raw.position());
        if o.get("screen_name").is_none() {
            for list in ["reposts", "comments"] {
                match o.get(list) {
                    None => {}
                    Some(Value::Array(entries)) => {
                        for (i, e) in entries.iter().enumerate() {
                            let path = format!("{list}[{i}]");
                            out.push(Obj::new(e, o.origin, o.pos, &path).and_then(|e| engager(&e)));
                        }
                        return;
                    }
                    Some(v) => return out.push(Err(o.err(list, v, "expected an array"))),
                }
            }
            if o.get("user").is_some() {
                return out.push(engager(&o));
            }
            // The mobile site's follower and fan pages (`m.weibo.cn/api/container/getIndex`):
            // `{"ok": 1, "data": {"cards": [{"card_group": [{"user": {...}}, ...]}]}}`.
            if let Some(Value::Array(cards)) = o.get("data").and_then(|d| d.get("cards")) {
                for (c, card) in cards.iter().enumerate() {
                    let Some(Value::Array(group)) = card.get("card_group") else {
                        continue;
                    };
                    for (i, entry) in group.iter().enumerate() {
                        let Some(user) = entry.get("user") else {
                            continue;
                        };
                        let path = format!("data.cards[{c}].card_group[{i}].user");
                        out.push(
                            Obj::new(user, o.origin, o.pos, &path)
                                .and_then(|u| entry_or_blank(&u, user_of(&u))),
                        );
                    }
                }
                return;
            }
        }
        user_objects(&o, user_of, out);
    }
}

/// The user of one repost or comment, engaged at the entry's `created_at`.
fn engager(entry: &Obj<'_>) -> Result<Account> {
    let Some(user) = entry.object("user")? else {
        return Err(entry.err("user", &Value::Null, "a repost or comment without its user"));
    };
    let mut account = user_of(&user)?;
    if let Some(t) = entry.date("created_at")? {
        check_engaged(t, account.profile.created_at).map_err(|r| {
            entry.err(
                "created_at",
                entry.get("created_at").unwrap_or(&Value::Null),
                r,
            )
        })?;
        account.engaged_at = Some(t);
    }
    Ok(account)
}

fn user_of(o: &Obj<'_>) -> Result<Account> {
    let created_at = created(o, "created_at", Platform::Weibo)?;
    let engaged_at = o.engaged(created_at)?;
    let profile = Profile {
        platform: Platform::Weibo,
        id: o.id(&["idstr", "id"])?,
        screen_name: o.text("screen_name")?,
        name: o.text("name")?,
        description: o.text("description")?,
        url: o.text("url")?,
        location: o.text("location")?,
        lang: o.text("lang")?,
        created_at,
        statuses_count: o.count("statuses_count")?,
        followers_count: o.count("followers_count")?,
        // `follow_count` on the mobile site's pages.
        friends_count: match o.count("friends_count")? {
            Some(n) => Some(n),
            None => o.count("follow_count")?,
        },
        favourites_count: o.count("favourites_count")?,
        listed_count: None,
        default_profile: None,
        default_profile_image: match o.text("avatar_large")? {
            Some(url) => Some(default_avatar(&url)),
            None => o.text("profile_image_url")?.map(|url| default_avatar(&url)),
        },
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
        engaged_at,
    })
}

/// Whether a Weibo avatar URL is the platform's default picture: Weibo serves the default
/// avatars from its style sheet host (`http://img.t.sinajs.cn/t5/style/images/face/male_180.png`,
/// `female_50.png`, ...), and an uploaded picture from the image hosts
/// (`http://tp2.sinaimg.cn/<uid>/180/<picture id>/<gender>`). Every avatar of the spammer set
/// is one or the other. An empty URL is left unknown by the callers.
pub(crate) fn default_avatar(url: &str) -> bool {
    url.contains("/style/images/face/")
}

/// Splits the spammer set's `message` (the profile's free text as the page showed it:
/// `Lv.N  <place>  <birthday>  简介：<bio>  标签 <tags>`, fields separated by runs of spaces)
/// into the bio. A message that opens with the level (`Lv.`) is that layout: its bio is the
/// text after `简介：` (up to ` 标签`, the tags), or empty when it has none. Any other message
/// (mojibake, or a layout without the level) cannot be told apart: all of it, trimmed, is the
/// bio.
pub(crate) fn bio_of(message: &str) -> String {
    let m = message.trim();
    if let Some(i) = m.find("简介：").or_else(|| m.find("简介:")) {
        let rest = &m[i..];
        let rest = rest
            .strip_prefix("简介：")
            .or_else(|| rest.strip_prefix("简介:"))
            .unwrap_or(rest);
        let end = rest.find("标签").unwrap_or(rest.len());
        return rest[..end].trim().to_string();
    }
    if m.starts_with("Lv.") {
        return String::new();
    }
    m.to_string()
}

const SPAMMER_COLUMNS: [&str; 11] = [
    "user_id",
    "user_name",
    "user_image",
    "homepage",
    "gender",
    "class",
    "message",
    "post_num",
    "follower_num",
    "followee_num",
    "is_spammer",
];

/// Columns of the MicroblogPCU-derived `spammer.csv`: `user_id` (`id`), `user_name`
/// (`screen_name`: the Weibo nickname, which the API calls `screen_name`; `name` is left
/// unknown rather than copied), `user_image` (`default_profile_image`, see [`default_avatar`];
/// empty is unknown), `message` (`description`, see [`bio_of`]), `post_num`
/// (`statuses_count`), `follower_num`, `followee_num` (`friends_count`) and the label from
/// `is_spammer` (`yes` is fake). [`Profile`] has no place for the gender (`gender`,
/// `male`/`female`) or the user level (`class`, a count): both are checked, not kept; nor for
/// the place and birthday inside `message`. `homepage` is checked as text, not kept as `url`
/// (one row of the set fills it: kept, it would make the URL look exported). The 22 behaviour
/// columns (`content_similar`, ..., `follow_ratio`) are derived from the accounts' posts, which
/// the set does not include; no feature set reads them and they are not read.
#[derive(Clone, Debug)]
pub(crate) struct SpammerColumns {
    pub header: Header,
    origin: String,
    cols: [Option<usize>; 11],
}

impl SpammerColumns {
    pub(crate) fn resolve(headers: &ByteRecord, map: &ColumnMap, origin: &str) -> Result<Self> {
        Header::check_mapping(map, &SPAMMER_COLUMNS, Format::WeiboSpammerCsv)?;
        let header = Header::new(headers);
        let mut cols = [None; 11];
        for (slot, name) in cols.iter_mut().zip(SPAMMER_COLUMNS) {
            *slot = header.find(name, &[], map, origin)?;
        }
        if cols[8].is_none() {
            return Err(Error::Format {
                origin: origin.to_string(),
                reason: format!(
                    "a {} file needs the column `follower_num` (header: {})",
                    Format::WeiboSpammerCsv,
                    header.names.join(", ")
                ),
            });
        }
        Ok(SpammerColumns {
            header,
            origin: origin.to_string(),
            cols,
        })
    }

    pub(crate) fn convert<R: Record + ?Sized>(&self, rec: &R, pos: Position) -> Result<Account> {
        let row = Row::checked(rec, &self.header, &self.origin, pos)?;
        let c = &self.cols;
        let id = row.str(c[0])?;
        if let (Some(v), Some(col)) = (id, c[0]) {
            if !v.trim().bytes().all(|b| b.is_ascii_digit()) {
                return Err(row.err(col, row.raw(col), "not a numeric Weibo user id"));
            }
        }
        let image = match (row.str(c[2])?, c[2]) {
            (Some(url), Some(col)) => {
                let url = url.trim();
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(row.err(col, row.raw(col), "not an image URL"));
                }
                Some(default_avatar(url))
            }
            _ => None,
        };
        row.str(c[3])?;
        if let (Some(g), Some(col)) = (row.str(c[4])?, c[4]) {
            if !matches!(g.trim(), "male" | "female" | "m" | "f") {
                return Err(row.err(col, row.raw(col), "not a gender (male/female)"));
            }
        }
        row.count(c[5])?;
        let profile = Profile {
            platform: Platform::Weibo,
            id: id.map(|v| v.trim().to_string()),
            screen_name: row.text(c[1])?,
            description: row.str(c[6])?.map(bio_of),
            default_profile_image: image,
            statuses_count: row.count(c[7])?,
            followers_count: row.count(c[8])?,
            friends_count: row.count(c[9])?,
            ..Profile::default()
        };
        let label = row
            .boolean(c[10])?
            .map(|spam| if spam { Label::Fake } else { Label::Genuine });
        Ok(Account {
            profile,
            activity: None,
            label,
            engaged_at: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bio_is_told_apart_from_the_rest_of_the_message() {
        assert_eq!(
            bio_of("  Lv.3   某地   简介：一句话。  标签  旅行 "),
            "一句话。"
        );
        assert_eq!(bio_of(" Lv.5   某地   2000年1月1日 "), "");
        assert_eq!(bio_of(" ??? garbled "), "??? garbled");
        assert!(default_avatar(
            "http://img.t.sinajs.cn/t5/style/images/face/male_180.png"
        ));
        assert!(!default_avatar("http://tp1.sinaimg.cn/1/180/1/1"));
    }
}
