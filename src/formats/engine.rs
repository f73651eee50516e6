//! The streaming engine ([`AccountReader::engine`]): an input's records converted, labelled,
//! joined to their posts and worked on in blocks (on the rayon pool), then checked for
//! duplicates, counted and handed on in input order. [`AccountReader::read_blocks`] drives it
//! to the end with the caller's work; iteration steps it with the identity.

use rayon::prelude::*;

use super::blocks::{self, pool_blocks, Place, BLOCK_BYTES};
use super::csv_input::CsvConvert;
use super::csv_rows::Reuse;
use super::dedup::DupKey;
use super::json_lines::LinePlacement;
use super::labels::LabelIndex;
use super::options::Mode;
use super::raw::{Convert, Payload, Raw, Source};
use super::reader::{error_position, AccountReader, Claims, Input, Pace};
use super::tweets::TweetIndex;
use crate::account::{Account, Label};
use crate::error::{Error, Position, Result};

/// What an account gets before it is worked on, as iteration gives it: a label (from the
/// labels file, else the reader's) when it has none, and its posts from the tweets file.
struct Join<'a> {
    labels: Option<&'a LabelIndex>,
    label: Option<Label>,
    tweets: Option<&'a TweetIndex>,
}

impl Join<'_> {
    /// Labels `accounts` and attaches their posts. The index is read by every job at once,
    /// so an account gets a copy of its posts; for each account that got some, the key of its
    /// posts and, when `rework` (without the duplicate check), the account as it would be
    /// without them (see [`Claims`]). With the check, two accepted records never share an
    /// id, so no account is worked on again.
    fn apply(&self, accounts: &mut [Account], rework: bool) -> Vec<Option<(u64, Option<Account>)>> {
        if self.labels.is_some() || self.label.is_some() {
            for account in accounts.iter_mut() {
                if account.label.is_none() {
                    if let (Some(labels), Some(id)) = (self.labels, &account.profile.id) {
                        account.label = labels.get(id);
                    }
                }
                if account.label.is_none() {
                    account.label = self.label;
                }
            }
        }
        let Some(tweets) = self.tweets else {
            return Vec::new();
        };
        accounts
            .iter_mut()
            .map(|account| {
                let key = account.profile.id.as_deref().map(TweetIndex::key);
                let posts = key.map(|k| tweets.posts(k)).unwrap_or_default();
                let bare = key.filter(|_| !posts.is_empty()).map(|k| {
                    let bare = rework.then(|| {
                        let mut bare = account.clone();
                        bare.activity = Some(Vec::new());
                        bare
                    });
                    (k, bare)
                });
                account.activity = Some(posts.to_vec());
                bare
            })
            .collect()
    }
}

/// A block's records as they are worked on: each record's position relative to the block
/// and its conversion (`Ok(k)`: the k-th account), the accounts' duplicate keys (none
/// without the duplicate check), their joins (none without a tweets file, see
/// [`Join::apply`]) and one output per account.
struct Worked<T> {
    slots: Vec<Slot>,
    keys: Vec<Option<DupKey>>,
    joins: Vec<Option<(u64, Option<Account>)>>,
    outs: Vec<T>,
}

/// A record of a worked block: its position relative to the block, and `Ok(k)` for the k-th
/// account or its error (boxed: errors are rare, and a block holds a slot per record).
type Slot = (Position, std::result::Result<usize, Box<Error>>);

/// Accounts a block job converts CSV records into, kept for the next block with what the
/// conversion reuses (see [`CsvConvert::convert_into`]).
#[derive(Default)]
struct Kept {
    accounts: Vec<Account>,
    reuse: Reuse,
}

/// Raw records of a JSON input (array elements, documents or lines read one at a time)
/// taken as a block: up to [`BLOCK_RECORDS`] records or about [`BLOCK_BYTES`] bytes, and
/// the error that ended the input after them.
struct Raws {
    raws: Vec<Raw>,
    fatal: Option<Error>,
}

/// The most raw records in a block of [`Raws`].
const BLOCK_RECORDS: usize = 4096;

impl Raws {
    /// The next block of `source`; `None` at its end.
    fn read(source: &mut dyn Source) -> Option<Raws> {
        let mut block = Raws {
            raws: Vec::new(),
            fatal: None,
        };
        let mut bytes = 0;
        while block.raws.len() < BLOCK_RECORDS && bytes < BLOCK_BYTES {
            match source.next_raw() {
                None => break,
                Some(Ok(raw)) => {
                    let Payload::Json(payload) = &raw.payload;
                    bytes += payload.len();
                    block.raws.push(raw);
                }
                Some(Err(e)) => {
                    block.fatal = Some(e);
                    break;
                }
            }
        }
        (!block.raws.is_empty() || block.fatal.is_some()).then_some(block)
    }

    /// The block's records converted (a raw record may give several accounts, or none), each
    /// at its position in the input, the error that ended the input last.
    fn convert(self, convert: &dyn Convert) -> Vec<(Position, Result<Account>)> {
        let mut items = Vec::with_capacity(self.raws.len() + 1);
        let mut out = Vec::with_capacity(1);
        for raw in &self.raws {
            super::raw::convert_checked(convert, raw, &mut out);
            let pos = raw.position();
            items.extend(out.drain(..).map(|item| (pos, item)));
        }
        if let Some(e) = self.fatal {
            items.push((error_position(&e).unwrap_or_default(), Err(e)));
        }
        items
    }

    /// The next `blocks` blocks of `source`, each worked by `job` (at once on the rayon pool
    /// when `parallel`, else here one after the other) and handed to `place` in input order.
    /// Returns whether input may be left.
    ///
    /// # Errors
    /// What `place` returns.
    fn step<R, J, P>(
        source: &mut dyn Source,
        blocks: usize,
        parallel: bool,
        job: &J,
        place: &mut P,
    ) -> Result<bool>
    where
        R: Send,
        J: Fn(Raws) -> R + Sync,
        P: FnMut(R) -> Result<()>,
    {
        let mut read = Vec::with_capacity(blocks.max(1));
        let mut more = true;
        while more && read.len() < blocks.max(1) {
            match Raws::read(source) {
                None => more = false,
                Some(raws) => {
                    more = raws.fatal.is_none();
                    read.push(raws);
                }
            }
        }
        let outs: Vec<R> = if parallel {
            read.into_par_iter().map(job).collect()
        } else {
            read.into_iter().map(job).collect()
        };
        for out in outs {
            place(out)?;
        }
        Ok(more)
    }

    /// Reads `source` to its end in blocks, each worked by `job` on the rayon pool with
    /// `in_flight` blocks at most (the reading on a thread of its own) and handed to `place`
    /// in input order.
    ///
    /// # Errors
    /// What `place` returns.
    fn drive<R, J, P>(
        mut source: Box<dyn Source>,
        origin: &str,
        in_flight: usize,
        job: &J,
        place: &mut P,
    ) -> Result<()>
    where
        R: Send,
        J: Fn(Raws) -> R + Sync,
        P: FnMut(R) -> Result<()>,
    {
        let mut ended = false;
        let next = move || {
            if ended {
                return None;
            }
            let raws = Raws::read(&mut *source)?;
            ended = raws.fatal.is_some();
            Some(Ok(raws))
        };
        crate::inorder::ordered_jobs(in_flight, origin, next, job, place)
    }
}

/// Where the records of a JSON block are: at the positions they were read at.
struct AsRead;

impl Place for AsRead {
    fn position(&self, relative: Position) -> Position {
        relative
    }
}

impl AccountReader {
    /// Reads the rest of the input block by block, for a caller that turns accounts into
    /// something smaller on the rayon pool (the audit scores them there): `work` maps a
    /// block's valid accounts (in order, labelled and joined to their posts as iteration
    /// gives them) to one output per account (it may take their strings); `sink` gets each
    /// record's output (or error, a duplicate included) in input order, with its position.
    /// Records are counted in [`AccountReader::stats`] as when iterating. A reader already
    /// iterated goes on from the next record iteration would give.
    ///
    /// # Errors
    /// An I/O error, what `sink` returns, and in strict mode the first rejected record that
    /// is not a duplicate.
    pub(crate) fn read_blocks<T, W, S>(
        &mut self,
        parallel: bool,
        work: &W,
        sink: &mut S,
    ) -> Result<()>
    where
        T: Send,
        W: Fn(&mut [Account]) -> Vec<T> + Sync,
        S: FnMut(Position, Result<T>) -> Result<()>,
    {
        // Records iteration has taken from the engine and not given yet: counted, worked and
        // handed on first (an error iteration read ahead among them, strict mode's stop or
        // an I/O error, is handed to `sink` as that record's item).
        if !self.queue.is_empty() {
            let queued: Vec<(Position, Result<Account>)> = self.queue.drain(..).collect();
            let mut accounts = Vec::with_capacity(queued.len());
            let mut slots = Vec::with_capacity(queued.len());
            for (pos, item) in queued {
                let item = self.count(pos, item);
                slots.push((pos, item.map(|a| accounts.push(a))));
            }
            let mut outs = work(&mut accounts).into_iter();
            for (pos, slot) in slots {
                let item = slot.map(|()| outs.next().expect("one output per account"));
                if let Err(e) = sink(pos, item) {
                    self.end_of_input();
                    return Err(e);
                }
            }
        }
        if self.finished {
            return Ok(());
        }
        let result = if pool_blocks(parallel).0 {
            self.engine(Pace::Drive, true, work, sink).map(|_| ())
        } else {
            loop {
                match self.engine(Pace::Step { parallel: false }, true, work, sink) {
                    Ok(true) => {}
                    Ok(false) => break Ok(()),
                    Err(e) => break Err(e),
                }
            }
        };
        self.end_of_input();
        result
    }

    /// The streaming engine, behind both [`AccountReader::read_blocks`] and iteration (which
    /// works with the identity): reads blocks of records at `pace`, converts them, and on the
    /// block's thread labels them, joins them to their posts, takes their duplicate keys and
    /// maps the valid accounts to one output each with `work`; then checks each record, counts
    /// it when `counts` (iteration counts a record as it yields it instead) and hands it to
    /// `sink` in input order, with its position. Returns whether input may be left (never
    /// after [`Pace::Drive`]).
    ///
    /// # Errors
    /// An I/O error, what `sink` returns, and in strict mode the first rejected record that
    /// is not a duplicate (after `sink` got it; [`AccountReader::finished`] is then set).
    pub(super) fn engine<T, W, S>(
        &mut self,
        pace: Pace,
        counts: bool,
        work: &W,
        sink: &mut S,
    ) -> Result<bool>
    where
        T: Send,
        W: Fn(&mut [Account]) -> Vec<T> + Sync,
        S: FnMut(Position, Result<T>) -> Result<()>,
    {
        let input = std::mem::replace(&mut self.input, Input::Done);
        let keyed = self.seen.is_some();
        let (parallel, blocks) = match pace {
            Pace::Step { parallel } => pool_blocks(parallel),
            Pace::Drive => (true, pool_blocks(true).1),
        };
        // The jobs read the labels and the posts while this thread places their blocks.
        let (labels, tweets) = (self.labels.take(), self.tweets.take());
        let join = Join {
            labels: labels.as_ref(),
            label: self.label,
            tweets: tweets.as_ref(),
        };
        let mut claims = std::mem::take(&mut self.claims);
        // Per block: each record's position relative to the block and its conversion (`Ok(k)`:
        // the k-th account), the accounts' duplicate keys, joins and `work`'s outputs.
        let finish = |slots: Vec<Slot>, accounts: &mut [Account]| {
            let keys: Vec<Option<DupKey>> = if keyed {
                accounts.iter().map(DupKey::of).collect()
            } else {
                Vec::new()
            };
            let joins = join.apply(accounts, !keyed);
            Worked {
                slots,
                keys,
                joins,
                outs: work(accounts),
            }
        };
        let split = |items: Vec<(Position, Result<Account>)>| -> Worked<T> {
            let mut accounts = Vec::with_capacity(items.len());
            let slots: Vec<Slot> = items
                .into_iter()
                .map(|(rel, item)| {
                    let slot = item.map(|a| {
                        accounts.push(a);
                        accounts.len() - 1
                    });
                    (rel, slot.map_err(Box::new))
                })
                .collect();
            finish(slots, &mut accounts)
        };
        let (input, result) = match input {
            Input::Csv(mut csv) => {
                // Records are converted into accounts kept from block to block (their
                // strings' buffers reused), not into a new vector of new accounts per block.
                let kept = std::sync::Mutex::new(Vec::<Kept>::new());
                let run = |c: &CsvConvert, t: &blocks::Tokens| {
                    let mut mine = kept
                        .lock()
                        .ok()
                        .and_then(|mut k| k.pop())
                        .unwrap_or_default();
                    let mut slots = Vec::with_capacity(t.len());
                    let mut n = 0;
                    for i in 0..t.len() {
                        if mine.accounts.len() == n {
                            mine.accounts.push(Account::default());
                        }
                        let rel = t.relative(i);
                        let account = &mut mine.accounts[n];
                        match c.convert_into(&t.record(i), rel, account, &mut mine.reuse) {
                            Ok(()) => {
                                slots.push((rel, Ok(n)));
                                n += 1;
                            }
                            Err(e) => slots.push((rel, Err(Box::new(e)))),
                        }
                    }
                    let worked = finish(slots, &mut mine.accounts[..n]);
                    if let Ok(mut k) = kept.lock() {
                        k.push(mine);
                    }
                    worked
                };
                let mut place = |placed: &blocks::Placed, worked: Worked<T>| {
                    let at = &placed.placement;
                    self.take_worked(worked, (placed.from, counts), at, &mut claims, work, sink)
                };
                let result = match pace {
                    Pace::Drive => csv.drive(blocks, &run, &mut place).map(|()| false),
                    Pace::Step { .. } => csv.step(blocks, parallel, &run, &mut place),
                };
                (Input::Csv(csv), result)
            }
            Input::Lines(mut lines) => {
                let mut place = |at: &LinePlacement, worked: Worked<T>| {
                    self.take_worked(worked, (0, counts), at, &mut claims, work, sink)
                };
                let result = match pace {
                    Pace::Drive => lines.drive(blocks, &split, &mut place).map(|()| false),
                    Pace::Step { .. } => lines.step(blocks, parallel, &split, &mut place),
                };
                (Input::Lines(lines), result)
            }
            Input::Json {
                mut source,
                convert,
            } => {
                let job = |raws: Raws| split(raws.convert(&*convert));
                let origin = self.origin.clone();
                let mut place = |worked: Worked<T>| {
                    self.take_worked(worked, (0, counts), &AsRead, &mut claims, work, sink)
                };
                let (source, result) = match pace {
                    Pace::Drive => {
                        let result = Raws::drive(source, &origin, blocks, &job, &mut place);
                        (None, result.map(|()| false))
                    }
                    Pace::Step { .. } => {
                        let result = Raws::step(&mut *source, blocks, parallel, &job, &mut place);
                        (Some(source), result)
                    }
                };
                let input = source.map_or(Input::Done, |source| Input::Json { source, convert });
                (input, result)
            }
            Input::Done => (Input::Done, Ok(false)),
        };
        (self.labels, self.tweets, self.claims) = (labels, tweets, claims);
        if matches!(result, Ok(true)) {
            self.input = input;
        } else {
            self.end_of_input();
        }
        result
    }

    /// After the last record: the posts taken leave the index (what is left was joined to no
    /// account), and the duplicate index is freed, as nothing more will be read.
    pub(super) fn end_of_input(&mut self) {
        self.input = Input::Done;
        if let Some(index) = &mut self.tweets {
            for key in std::mem::take(&mut self.claims).0 {
                index.take_key(key);
            }
            self.stats.unmatched_posts = index.remaining();
        }
        self.finished = true;
        self.seen = None;
    }

    /// Checks, counts (when `counts`) and hands to `sink` the worked records of a placed
    /// block, from record `from` on (before it: a CSV header). An account whose posts an
    /// earlier record took is worked on again without them.
    fn take_worked<T, W, S>(
        &mut self,
        worked: Worked<T>,
        (from, counts): (usize, bool),
        at: &impl Place,
        claims: &mut Claims,
        work: &W,
        sink: &mut S,
    ) -> Result<()>
    where
        W: Fn(&mut [Account]) -> Vec<T>,
        S: FnMut(Position, Result<T>) -> Result<()>,
    {
        let Worked {
            slots,
            keys,
            joins,
            outs,
        } = worked;
        // Look every key of the block up once before checking them in order: independent
        // lookups overlap their cache misses, and the ordered checks then find the index's
        // lines in cache (the index is far larger than the cache on a big list).
        if let Some(seen) = &mut self.seen {
            let mut hits = 0usize;
            for key in keys.iter().flatten() {
                hits += usize::from(seen.contains(key.hash));
            }
            std::hint::black_box(hits);
        }
        let mut keys = keys.into_iter();
        // Indexed by account, and taken only when used: a join holds a whole account, which
        // is not moved around for every record (there are none without a tweets file).
        let mut joins = joins;
        let mut outs = outs.into_iter();
        let mut accounts = 0..;
        for (i, (rel, slot)) in slots.into_iter().enumerate() {
            let item = slot.map(|_| {
                let key = keys.next().flatten();
                let out = outs.next().expect("one output per account");
                (key, accounts.next().expect("unbounded"), out)
            });
            if i < from {
                continue;
            }
            let (key, item) = match item {
                Ok((key, k, out)) => (key, Ok((k, out))),
                Err(mut e) => {
                    at.place_error(rel, &mut e);
                    (None, Err(*e))
                }
            };
            let pos = at.position(rel);
            let item = self.check(pos, key, item).map(|(k, out)| {
                match joins.get_mut(k).and_then(Option::take) {
                    Some((key, Some(mut bare))) if !claims.0.insert(key) => {
                        work(std::slice::from_mut(&mut bare))
                            .pop()
                            .expect("one output per account")
                    }
                    Some((key, None)) => {
                        claims.0.insert(key);
                        out
                    }
                    _ => out,
                }
            });
            // Iteration counts a record when it yields it, not when the engine reads it ahead.
            let item = if counts { self.count(pos, item) } else { item };
            let stop = self.mode == Mode::Strict && item.as_ref().is_err_and(|e| !e.is_duplicate());
            sink(pos, item)?;
            if stop {
                self.finished = true;
                return Err(Error::InvalidData(
                    "strict mode: stopped at a rejected record".into(),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::ReadOptions;

    /// Every item a reader gives, as text (accounts with their labels and posts, errors with
    /// their positions), and its statistics.
    type Read = (Vec<String>, String);

    fn iterate(options: &ReadOptions, path: &std::path::Path) -> Read {
        let mut reader = AccountReader::open(path, options).expect("opens");
        let items = reader.by_ref().map(|item| format!("{item:?}")).collect();
        (items, format!("{:?}", reader.stats()))
    }

    /// As [`iterate`], through [`AccountReader::read_blocks`] with an identity work step.
    fn in_blocks(options: &ReadOptions, path: &std::path::Path, threads: usize) -> Read {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool");
        pool.install(|| {
            let mut reader = AccountReader::open(path, options).expect("opens");
            let mut items = Vec::new();
            let work = |accounts: &mut [Account]| accounts.to_vec();
            let mut sink = |_: Position, item: Result<Account>| {
                items.push(format!("{item:?}"));
                Ok(())
            };
            let parallel = threads > 1;
            // Strict mode ends with an error after handing on the record that stopped it.
            let done = reader.read_blocks(parallel, &work, &mut sink);
            assert!(done.is_ok() || options.mode == Mode::Strict);
            (items, format!("{:?}", reader.stats()))
        })
    }

    /// A Cresci users file of several blocks (a bad row, an id given twice), its tweets (some
    /// of users not in it) and labels for some of its ids.
    fn files(dir: &std::path::Path) -> [std::path::PathBuf; 3] {
        let mut accounts: Vec<Account> = crate::synth::FollowerListSpec::new(3_000)
            .seed(3)
            .build()
            .expect("valid spec")
            .iter()
            .collect();
        // An id with posts (every seventh id has some).
        let twice = accounts[7].profile.id.clone();
        accounts[2_500].profile.id = twice;
        let mut users = Vec::new();
        crate::synth::write_cresci_csv(&mut users, accounts.iter()).expect("in memory");
        let text = String::from_utf8(users).expect("utf-8");
        let mut lines: Vec<&str> = text.split('\n').collect();
        lines[2_000] = "garbage";
        let ids: Vec<&str> = accounts
            .iter()
            .filter_map(|a| a.profile.id.as_deref())
            .collect();
        let mut tweets = String::from("id,text,user_id,created_at\n");
        for (i, id) in ids.iter().enumerate().step_by(7) {
            for k in 0..(i % 3 + 1) {
                tweets.push_str(&format!(
                    "{i}{k},post {k} of {id},{id},Sat May 02 10:00:00 +0000 2015\n"
                ));
            }
        }
        tweets.push_str("1,nobody's,no-such-user,Sat May 02 10:00:00 +0000 2015\n");
        let mut labels = String::new();
        for (i, id) in ids.iter().enumerate().step_by(3) {
            labels.push_str(&format!("{id}\t{}\n", ["human", "bot"][i % 2]));
        }
        let paths = ["users.csv", "tweets.csv", "labels.tsv"].map(|f| dir.join(f));
        std::fs::write(&paths[0], lines.join("\n")).expect("writes");
        std::fs::write(&paths[1], tweets).expect("writes");
        std::fs::write(&paths[2], labels).expect("writes");
        paths
    }

    #[test]
    fn blocks_label_and_join_as_iteration_does() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let [users, tweets, labels] = files(dir.path());
        let lenient = ReadOptions::default().mode(Mode::Lenient);
        let options = [
            lenient.clone().labels(&labels).label(Label::Genuine),
            lenient.clone().tweets(&tweets),
            lenient.clone().tweets(&tweets).labels(&labels),
            // Without the duplicate check, the id given twice is accepted twice and only its
            // first record gets its posts.
            lenient.clone().tweets(&tweets).check_duplicates(false),
            ReadOptions::default().tweets(&tweets).labels(&labels),
        ];
        for options in &options {
            let want = iterate(options, &users);
            let joined = want.0.iter().filter(|a| a.contains("post 0 of")).count();
            let fake = want.0.iter().filter(|a| a.contains("Some(Fake)")).count();
            assert!(
                joined > 100 || fake > 100,
                "{options:?}: {joined} joined, {fake} fake"
            );
            for threads in [1, 2] {
                assert_eq!(in_blocks(options, &users, threads), want, "{options:?}");
            }
        }
        // Without the duplicate check, the repeated id's first record has its two posts and
        // the second none.
        let mut reader = AccountReader::open(&users, &options[3]).expect("opens");
        let accounts: Vec<Account> = reader.by_ref().filter_map(Result::ok).collect();
        let text = std::fs::read_to_string(&users).expect("users");
        let twice = text
            .lines()
            .nth(8)
            .and_then(|l| l.split('"').nth(1))
            .expect("an id");
        let posts: Vec<Option<usize>> = accounts
            .iter()
            .filter(|a| a.profile.id.as_deref() == Some(twice))
            .map(|a| a.activity.as_ref().map(Vec::len))
            .collect();
        assert_eq!(posts, [Some(2), Some(0)], "{twice}");
        assert_eq!(reader.stats().unmatched_posts, 1);
    }

    /// What the files of [`files`] say each accepted record gets, worked out from their text
    /// alone (not by the engine): its label from the labels file (`human` genuine, `bot`
    /// fake), else `fallback`; and, with the tweets, the number of posts of its id, which
    /// only the first accepted record of an id gets.
    fn expected(
        users: &[Account],
        labels: &str,
        tweets: &str,
        fallback: Option<Label>,
    ) -> Vec<(Option<Label>, usize)> {
        let mut label_of = std::collections::HashMap::new();
        for line in labels.lines() {
            let (id, l) = line.split_once('\t').expect("id<TAB>label");
            label_of.insert(
                id.to_string(),
                if l == "bot" {
                    Label::Fake
                } else {
                    Label::Genuine
                },
            );
        }
        let mut posts_of = std::collections::HashMap::<String, usize>::new();
        for line in tweets.lines().skip(1) {
            let user = line.split(',').nth(2).expect("user_id");
            *posts_of.entry(user.to_string()).or_default() += 1;
        }
        users
            .iter()
            .map(|a| {
                let id = a.profile.id.clone().unwrap_or_default();
                let label = label_of.get(&id).copied().or(fallback);
                (label, posts_of.remove(&id).unwrap_or(0))
            })
            .collect()
    }

    #[test]
    fn labels_and_posts_are_those_the_files_give() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let [users, tweets, labels] = files(dir.path());
        let (labels_text, tweets_text) = (
            std::fs::read_to_string(&labels).expect("labels"),
            std::fs::read_to_string(&tweets).expect("tweets"),
        );
        // Without the duplicate check the repeated id is accepted twice: its posts go to the
        // first record only. With it, the repeat is rejected.
        for (dedup, parallel) in [(false, false), (false, true), (true, false), (true, true)] {
            let options = ReadOptions::default()
                .mode(Mode::Lenient)
                .check_duplicates(dedup)
                .tweets(&tweets)
                .labels(&labels)
                .label(Label::Genuine)
                .parallel(parallel);
            let mut reader = AccountReader::open(&users, &options).expect("opens");
            let accounts: Vec<Account> = reader.by_ref().filter_map(Result::ok).collect();
            let accepted = if dedup { 2_998 } else { 2_999 };
            assert_eq!(accounts.len(), accepted, "one garbage row rejected");
            let want = expected(&accounts, &labels_text, &tweets_text, Some(Label::Genuine));
            let got: Vec<(Option<Label>, usize)> = accounts
                .iter()
                .map(|a| (a.label, a.activity.as_ref().map_or(0, Vec::len)))
                .collect();
            assert_eq!(got, want, "parallel {parallel}");
            assert_eq!(
                reader.stats().unmatched_posts,
                1,
                "the post of no listed user"
            );
            assert!(want.iter().filter(|w| w.1 > 0).count() > 300);
            assert!(want.iter().filter(|w| w.0 == Some(Label::Fake)).count() > 300);
        }
    }

    #[test]
    fn statistics_count_only_the_records_iteration_has_given() {
        let csv = "id,screen_name,followers_count\n1,a,5\n2,b,-3\n3,c,7\n1,d,9\n";
        for mode in [Mode::Lenient, Mode::Strict] {
            for parallel in [false, true] {
                let options = ReadOptions::default().mode(mode).parallel(parallel);
                let mut reader =
                    AccountReader::from_reader(csv.as_bytes(), &options).expect("opens");
                assert!(reader.next().expect("a record").is_ok());
                let s = reader.stats();
                assert_eq!(
                    (s.records_read, s.accepted, s.rejected.len()),
                    (1, 1, 0),
                    "{mode:?}"
                );
                assert!(reader.next().expect("a record").is_err());
                assert_eq!(reader.stats().records_read, 2, "{mode:?}");
                let rest = Iterator::count(reader.by_ref());
                let s = reader.stats();
                let want = if mode == Mode::Strict {
                    (2, 1, 1)
                } else {
                    (4, 2, 2)
                };
                assert_eq!((s.records_read, s.accepted, s.rejected.len()), want);
                assert_eq!(rest as u64, want.0 - 2);
            }
        }
    }

    /// JSON Lines that fail once, with an I/O error, after `fail_at` bytes and then go on.
    struct Flaky {
        data: Vec<u8>,
        at: usize,
        fail_at: usize,
        failed: bool,
    }

    impl std::io::Read for Flaky {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if !self.failed && self.at >= self.fail_at {
                self.failed = true;
                return Err(std::io::Error::other("the disk went away"));
            }
            let end = if self.failed {
                self.data.len()
            } else {
                self.fail_at
            };
            let n = buf.len().min(end - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn an_io_error_iteration_met_ahead_is_not_lost_by_read_blocks() {
        let mut data = String::new();
        for i in 0..40_000 {
            data.push_str(&format!(
                "{{\"id_str\":\"{}\",\"followers_count\":{},\"description\":\"{}\"}}\n",
                i + 1,
                i % 100,
                "words ".repeat(8)
            ));
        }
        // Past the first block, within the first step of two per thread.
        let fail_at = BLOCK_BYTES * 3 / 2;
        assert!(data.len() > 3 * BLOCK_BYTES);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("a pool");
        pool.install(|| {
            let flaky = Flaky {
                data: data.clone().into_bytes(),
                at: 0,
                fail_at,
                failed: false,
            };
            let options = ReadOptions::default().mode(Mode::Lenient).parallel(true);
            let mut reader = AccountReader::from_reader(flaky, &options).expect("opens");
            assert!(reader.next().expect("a record").is_ok());
            let mut errors = Vec::new();
            let work = |accounts: &mut [Account]| vec![(); accounts.len()];
            let mut sink = |_: Position, item: Result<()>| {
                if let Err(e) = item {
                    errors.push(e.to_string());
                }
                Ok(())
            };
            let done = reader.read_blocks(true, &work, &mut sink);
            let said = format!("{done:?} {errors:?}");
            assert!(said.contains("the disk went away"), "{said}");
        });
    }

    #[test]
    fn blocks_read_every_fixture_as_iteration_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/fixtures");
        let mut files = Vec::new();
        for dir in ["", "hostile", "malformed", "botometer/demo-2019"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("fixtures") {
                let path = entry.expect("an entry").path();
                let tsv = path.extension().is_some_and(|e| e == "tsv");
                if path.is_file() && !tsv && !path.ends_with("cresci_tweets.csv") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 40, "{files:?}");
        let mut json = 0;
        for path in &files {
            for mode in [Mode::Lenient, Mode::Strict] {
                let options = ReadOptions::default().mode(mode);
                let Ok(reader) = AccountReader::open(path, &options) else {
                    continue;
                };
                json += usize::from(matches!(reader.input, Input::Json { .. }));
                let want = iterate(&options, path);
                for threads in [1, 2] {
                    let got = in_blocks(&options, path, threads);
                    assert_eq!(got, want, "{} {mode:?} {threads}", path.display());
                }
            }
        }
        assert!(json >= 10, "{json} JSON inputs read whole");
    }
}
