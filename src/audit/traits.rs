//! What the likely fakes have in common: a few plain traits of an account (no bio, follows over
//! 1,000 accounts, ...), counted among the likely fakes and among the other followers.

use crate::account::Account;
use crate::features::{ExportShape, FieldGroup};

use super::report::FakeTrait;

/// A trait: its stable key, its phrase ("72% have no bio"), the field group it reads, and
/// whether an account has it (`None`: the account's field is unknown).
struct TraitDef {
    key: &'static str,
    phrase: &'static str,
    group: FieldGroup,
    has: fn(&Account, Option<chrono::DateTime<chrono::Utc>>) -> Option<bool>,
}

/// An empty or absent free-text field.
fn blank(s: &Option<String>) -> bool {
    s.as_deref().map_or(true, crate::features::is_blank)
}

const TRAITS: [TraitDef; 9] = [
    TraitDef {
        key: "no_bio",
        phrase: "have no bio",
        group: FieldGroup::Description,
        has: |a, _| {
            let p = &a.profile;
            Some(blank(&p.description) && p.summary.description_length.unwrap_or(0) == 0)
        },
    },
    TraitDef {
        key: "no_picture",
        phrase: "have no profile picture",
        group: FieldGroup::Image,
        has: |a, _| a.profile.default_profile_image,
    },
    TraitDef {
        key: "no_display_name",
        phrase: "have no display name",
        group: FieldGroup::Name,
        has: |a, _| {
            let p = &a.profile;
            Some(blank(&p.name) && p.summary.name_length.unwrap_or(0) == 0)
        },
    },
    TraitDef {
        key: "digits_in_handle",
        phrase: "have 4 or more digits in their handle",
        group: FieldGroup::ScreenName,
        has: |a, _| {
            let p = &a.profile;
            let digits = p
                .screen_name
                .as_deref()
                // ASCII digits are single bytes that never occur inside another character.
                .map(|s| s.bytes().filter(u8::is_ascii_digit).count() as u32)
                .or(p.summary.screen_name_digits)?;
            Some(digits >= 4)
        },
    },
    TraitDef {
        key: "no_location",
        phrase: "give no location",
        group: FieldGroup::Location,
        has: |a, _| Some(blank(&a.profile.location)),
    },
    TraitDef {
        key: "follows_over_1000",
        phrase: "follow over 1,000 accounts",
        group: FieldGroup::Counts,
        has: |a, _| a.profile.friends_count.map(|n| n > 1000),
    },
    TraitDef {
        key: "under_10_followers",
        phrase: "have fewer than 10 followers",
        group: FieldGroup::Counts,
        has: |a, _| a.profile.followers_count.map(|n| n < 10),
    },
    TraitDef {
        key: "under_10_posts",
        phrase: "have posted fewer than 10 times",
        group: FieldGroup::Counts,
        has: |a, _| a.profile.statuses_count.map(|n| n < 10),
    },
    TraitDef {
        key: "under_90_days_old",
        phrase: "were under 90 days old when the list was crawled",
        group: FieldGroup::CreatedAt,
        has: |a, at| Some((at? - a.profile.created_at?).num_days() < 90),
    },
];

// [`TraitBits::of`] judges the traits one by one: one call per entry.
const _: () = assert!(TRAITS.len() == 9);

/// One account's traits: bit `i` of `known` when trait `i` could be judged, of `has` when the
/// account has it. A free-text field the account lacks, while whether the export carries it
/// is not yet known, sets bit `i` of `pending` (and of `pending_has` for what the trait would
/// be): [`TraitCounts::report`] counts it once the export's fields are known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct TraitBits {
    known: u16,
    has: u16,
    pending: u16,
    pending_has: u16,
}

impl TraitBits {
    /// The traits of `account`, its ages measured at `at`. A free-text field the account lacks
    /// counts as empty when `shape` (the export's fields) says the export carries it, as
    /// unknown when it says not, and is left pending when there is no `shape` yet; a count,
    /// date or flag it lacks is unknown.
    pub(super) fn of(
        account: &Account,
        shape: Option<&ExportShape>,
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> TraitBits {
        let mut bits = TraitBits::default();
        // One call per trait with a constant index, so that each trait's group and test are
        // constants the compiler can inline (a loop calls them through pointers).
        macro_rules! judge_each {
            ($($i:literal)*) => {
                $(bits.judge($i, &TRAITS[$i], account, shape, at);)*
            };
        }
        judge_each!(0 1 2 3 4 5 6 7 8);
        bits
    }

    /// Judges trait `i`, `t`, of `account` (see [`TraitBits::of`]).
    #[inline(always)]
    fn judge(
        &mut self,
        i: usize,
        t: &TraitDef,
        account: &Account,
        shape: Option<&ExportShape>,
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) {
        let present = t.group.is_present(account);
        if !present && !t.group.is_free_text() {
            return;
        }
        let (known, has) = match shape {
            _ if present => (&mut self.known, &mut self.has),
            Some(s) if s.has(t.group) => (&mut self.known, &mut self.has),
            Some(_) => return,
            None => (&mut self.pending, &mut self.pending_has),
        };
        if let Some(v) = (t.has)(account, at) {
            *known |= 1 << i;
            *has |= u16::from(v) << i;
        }
    }
}

/// The traits counted over the followers: `[likely fake with, likely fake judged, others with,
/// others judged]` per trait, for the judged traits and for the pending ones (see
/// [`TraitBits`]).
#[derive(Clone, Debug, Default)]
pub(super) struct TraitCounts {
    judged: [[u64; 4]; TRAITS.len()],
    pending: [[u64; 4]; TRAITS.len()],
}

impl TraitCounts {
    /// Counts one follower's traits in its group.
    pub(super) fn add(&mut self, likely_fake: bool, bits: TraitBits) {
        let side = if likely_fake { 0 } else { 2 };
        for (i, (c, p)) in self.judged.iter_mut().zip(&mut self.pending).enumerate() {
            if bits.known >> i & 1 == 1 {
                c[side + 1] += 1;
                c[side] += u64::from(bits.has >> i & 1);
            }
            if bits.pending >> i & 1 == 1 {
                p[side + 1] += 1;
                p[side] += u64::from(bits.pending_has >> i & 1);
            }
        }
    }

    /// The report's rows: every trait judged on at least one follower, the pending free-text
    /// fields counted as empty where `shape` (the export's fields, when known) carries them.
    pub(super) fn report(&self, shape: Option<&ExportShape>) -> Vec<FakeTrait> {
        TRAITS
            .iter()
            .zip(self.judged.iter().zip(&self.pending))
            .map(|(t, (c, p))| {
                let mut c = *c;
                if shape.is_some_and(|s| s.has(t.group)) {
                    for (c, p) in c.iter_mut().zip(p) {
                        *c += p;
                    }
                }
                (t, c)
            })
            .filter(|(_, c)| c[1] + c[3] > 0)
            .map(|(t, c)| FakeTrait {
                name: t.key.to_string(),
                text: t.phrase.to_string(),
                likely_fake: c[0],
                likely_fake_judged: c[1],
                others: c[2],
                others_judged: c[3],
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_are_unknown_and_counts_split_by_group() {
        let mut a = Account::default();
        a.profile.friends_count = Some(4000);
        a.profile.followers_count = Some(3);
        // No description field: unknown, unless the export carries descriptions.
        let alone = TraitBits::of(&a, None, None);
        let in_export = TraitBits::of(&a, Some(&ExportShape::full()), None);
        let counts = |b: TraitBits| {
            let mut c = TraitCounts::default();
            c.add(true, b);
            c.report(None)
        };
        let keys = |r: &[FakeTrait]| r.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
        assert_eq!(
            keys(&counts(alone)),
            ["follows_over_1000", "under_10_followers"]
        );
        let full = counts(in_export);
        assert!(keys(&full).contains(&"no_bio".to_string()));
        // Posts and age are unknown even in a full export: the account lacks them.
        assert!(!keys(&full).contains(&"under_10_posts".to_string()));
        let bio = full.iter().find(|t| t.name == "no_bio").unwrap();
        assert_eq!((bio.likely_fake, bio.likely_fake_judged), (1, 1));
        assert_eq!((bio.others, bio.others_judged), (0, 0));

        let mut c = TraitCounts::default();
        c.add(true, alone);
        a.profile.friends_count = Some(200);
        c.add(false, TraitBits::of(&a, None, None));
        let follows = c
            .report(None)
            .into_iter()
            .find(|t| t.name == "follows_over_1000");
        let f = follows.unwrap();
        assert_eq!(
            (
                f.likely_fake,
                f.likely_fake_judged,
                f.others,
                f.others_judged
            ),
            (1, 1, 0, 1)
        );
    }

    /// Without the export's fields at hand (no probe), a missing bio waits: it counts as "no
    /// bio" once the fields are known to include descriptions, and not at all otherwise.
    #[test]
    fn a_missing_free_text_field_waits_for_the_exports_fields() {
        let mut a = Account::default();
        a.profile.followers_count = Some(3);
        let bits = TraitBits::of(&a, None, None);
        let mut c = TraitCounts::default();
        c.add(true, bits);
        let names = |r: Vec<FakeTrait>| r.into_iter().map(|t| t.name).collect::<Vec<_>>();
        assert!(!names(c.report(None)).contains(&"no_bio".to_string()));
        let counts = ExportShape::new([FieldGroup::Counts]);
        assert!(!names(c.report(Some(&counts))).contains(&"no_bio".to_string()));
        let full = c.report(Some(&ExportShape::full()));
        let bio = full.iter().find(|t| t.name == "no_bio").unwrap();
        assert_eq!((bio.likely_fake, bio.likely_fake_judged), (1, 1));
        // The same as judging it with the fields known from the start.
        let mut known = TraitCounts::default();
        known.add(true, TraitBits::of(&a, Some(&ExportShape::full()), None));
        assert_eq!(known.report(None), full);
    }
}
