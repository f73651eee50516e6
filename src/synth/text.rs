//! Names, handles, bios, places and tweets for synthetic accounts, built from our own small word
//! lists. The shares quoted in comments (digits in handles, one-word names, ...) were measured on
//! the Cresci 2015 E13 (genuine) and INT (fake) subsets; the words themselves are ours.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Which word lists an account draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Culture {
    /// Italian first names, surnames, places and phrases.
    Italian,
    /// English ones.
    English,
}

const IT_FIRST: &[&str] = &[
    "Marco",
    "Luca",
    "Giulia",
    "Francesca",
    "Alessandro",
    "Chiara",
    "Andrea",
    "Sara",
    "Matteo",
    "Valentina",
    "Lorenzo",
    "Elena",
    "Davide",
    "Federica",
    "Simone",
    "Martina",
    "Stefano",
    "Silvia",
    "Giovanni",
    "Paola",
    "Roberto",
    "Laura",
    "Fabio",
    "Elisa",
    "Paolo",
    "Anna",
    "Riccardo",
    "Giorgia",
    "Daniele",
    "Alessia",
    "Emanuele",
    "Serena",
    "Nicola",
    "Claudia",
    "Filippo",
    "Ilaria",
    "Gabriele",
    "Irene",
    "Tommaso",
    "Beatrice",
    "Niccolò",
    "Lucia",
    "Michele",
    "Roberta",
    "Antonio",
    "Marta",
    "Giuseppe",
    "Camilla",
    "Pietro",
    "Noemi",
    "Massimo",
    "Erica",
    "Vittorio",
    "Arianna",
    "Enrico",
    "Cristina",
    "Carlo",
    "Debora",
];

const IT_LAST: &[&str] = &[
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
    "Mancini",
    "Costa",
    "Giordano",
    "Rizzo",
    "Lombardi",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Rinaldi",
    "Caruso",
    "Ferrara",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
    "Martinelli",
    "Vitale",
    "Lombardo",
    "Serra",
    "Coppola",
    "De Santis",
    "D'Angelo",
    "Marchetti",
    "Parisi",
    "Villa",
    "Conte",
    "Ferri",
    "Fabbri",
    "Bianco",
    "Marini",
    "Grasso",
    "Valentini",
    "Messina",
    "Sala",
    "De Angelis",
    "Gatti",
    "Pellegrini",
    "Palumbo",
    "Sanna",
    "Farina",
    "Riva",
    "Monti",
    "Cattaneo",
];

const EN_FIRST: &[&str] = &[
    "James", "Emma", "Oliver", "Olivia", "Jack", "Sophie", "Harry", "Grace", "Thomas", "Chloe",
    "George", "Lucy", "Daniel", "Ella", "Samuel", "Megan", "Joseph", "Hannah", "Ryan", "Jessica",
    "Michael", "Emily", "David", "Sarah", "Matthew", "Amy", "Chris", "Rachel", "Adam", "Laura",
    "Nathan", "Holly", "Luke", "Katie", "Tyler", "Ashley", "Kevin", "Brittany", "Jason", "Amber",
    "Brandon", "Kayla", "Justin", "Jasmine", "Austin", "Madison", "Kyle", "Taylor", "Sean",
    "Morgan", "Aaron", "Paige", "Dylan", "Bethany", "Connor", "Naomi", "Jordan", "Abby",
];

const EN_LAST: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Harris", "Lewis", "Martin", "Cooper", "King", "Baker", "Hill", "Moore",
    "Ward", "Turner", "Carter", "Parker", "Morris", "Bennett", "Hughes", "Price", "Foster",
    "Miller", "Davis", "Garcia", "Anderson", "Thomas", "Lee", "Young", "Allen", "Scott", "Adams",
    "Nelson", "Mitchell", "Campbell", "Collins", "Stewart", "Morgan", "Reed", "Cook", "Bell",
    "Murphy", "Bailey", "Rivera", "Cox",
];

/// Words for handles that are not built from the person's name.
const HANDLE_WORDS: &[&str] = &[
    "blue", "sky", "wolf", "pixel", "moon", "rocket", "lemon", "storm", "piano", "coffee", "nomad",
    "ninja", "panda", "retro", "vinyl", "comet", "ghost", "tiger", "zen", "echo", "sun", "rain",
    "jazz", "code", "dream", "wild", "lazy", "happy", "little", "crazy", "dark", "real", "the",
    "mr", "its", "just", "iam", "lady", "dj", "doc", "prof", "geek", "nerd", "surf", "bike",
    "film", "photo", "travel", "chef", "soul", "rock", "indie", "urban",
];

const IT_PLACES: &[&str] = &[
    "Roma",
    "Milano",
    "Torino",
    "Napoli",
    "Firenze",
    "Bologna",
    "Pisa",
    "Genova",
    "Palermo",
    "Bari",
    "Verona",
    "Padova",
    "Trieste",
    "Cagliari",
    "Lecce",
    "Perugia",
    "Parma",
    "Livorno",
    "Italia",
    "Italy",
    "Roma, Italia",
    "Milano, Italy",
    "Torino, Piemonte",
    "Lucca, Toscana",
    "Brescia",
    "Bergamo",
    "Catania",
    "Siena",
    "Ancona",
    "Rimini",
    "Pescara",
    "Trento",
];

const EN_PLACES: &[&str] = &[
    "London",
    "New York",
    "Los Angeles, CA",
    "Chicago",
    "Texas",
    "USA",
    "Manchester",
    "California",
    "Florida",
    "Toronto",
    "Dublin",
    "Sydney",
    "Boston, MA",
    "Seattle",
    "Atlanta",
    "Miami, FL",
    "Brooklyn, NY",
    "Leeds",
    "Glasgow",
    "New Jersey",
    "Ohio",
    "Houston, TX",
    "San Diego",
    "Philadelphia",
    "Denver, CO",
    "United Kingdom",
    "Canada",
    "Worldwide",
    "Earth",
];

/// Bio fragments of Italian-speaking genuine accounts.
const IT_BIO: &[&str] = &[
    "Ingegnere informatico",
    "Appassionato di fotografia",
    "Studentessa di medicina",
    "Amo il mare e la montagna",
    "Caffè, libri e buona musica",
    "Giornalista freelance",
    "Papà di due bimbi",
    "Tifoso da sempre",
    "Sviluppatore web",
    "Ricercatore all'università",
    "Viaggiare è la mia passione",
    "Insegnante di lettere",
    "Cuoco per passione",
    "Mi occupo di marketing digitale",
    "Runner della domenica",
    "Grafico e illustratore",
    "Innamorato della mia città",
    "Laureata in economia",
    "Cinema, serie tv e fumetti",
    "Vivo tra Roma e Milano",
    "Opinioni mie",
    "Sognatrice",
    "Architetto",
    "Musicista",
    "Startupper",
    "Blogger",
    "Avvocato",
    "Fisico teorico",
    "Nerd orgoglioso",
    "Sempre in movimento",
];

/// Bio fragments of English-speaking genuine accounts.
const EN_BIO: &[&str] = &[
    "Software engineer",
    "Coffee addict",
    "Dad of two",
    "Music lover",
    "Photographer",
    "Web developer",
    "PhD student",
    "Marketing manager",
    "Runner and cyclist",
    "Views are my own",
    "Book worm",
    "Foodie",
    "Designer",
    "Teacher",
    "Traveller",
    "Writing about tech and science",
    "Football fan",
    "Open source enthusiast",
    "Startup founder",
    "Living by the sea",
];

/// Bio fragments of the kind bought accounts carry.
const FAKE_BIO: &[&str] = &[
    "Love life and live it",
    "Just a simple girl",
    "Follow me and I follow back",
    "Living the dream",
    "Dream big",
    "Music is my life",
    "Be yourself",
    "God is good",
    "Smile every day",
    "I love my family",
    "Young wild and free",
    "Never give up",
    "Life is beautiful",
    "Fashion lover",
    "Keep calm and carry on",
    "Good vibes only",
    "Work hard play hard",
    "Believe in yourself",
    "Sports fan",
    "Just me",
];

const SYMBOLS: &[&str] = &["♥", "☕", "★", "✌", "☀", "♫", "✈", "☺"];

const HASHTAGS: &[&str] = &[
    "music",
    "travel",
    "food",
    "tech",
    "football",
    "photography",
    "love",
    "art",
    "cinema",
    "startup",
    "fashion",
    "books",
    "running",
    "design",
    "science",
];

const IT_TWEET: &[&str] = &[
    "Che bella giornata oggi",
    "Qualcuno ha visto la partita ieri sera?",
    "Finalmente venerdì",
    "Ottimo articolo, da leggere",
    "Non vedo l'ora di partire",
    "Buongiorno a tutti",
    "Concordo in pieno",
    "Serata perfetta con gli amici",
    "Traffico infernale stamattina",
    "Nuovo post sul blog",
    "Grazie a tutti per gli auguri",
    "Questa canzone mi mette di buon umore",
    "Riunione infinita",
    "Si torna al lavoro",
];

const EN_TWEET: &[&str] = &[
    "What a great day",
    "Did anyone watch the game last night?",
    "Finally friday",
    "Great read, worth your time",
    "Can't wait for the weekend",
    "Good morning everyone",
    "Totally agree",
    "Perfect evening with friends",
    "New blog post is up",
    "Thanks everyone for the birthday wishes",
    "This song makes my day",
    "Back to work",
];

const FAKE_TWEET: &[&str] = &[
    "Good morning",
    "Happy weekend",
    "Love this",
    "So true",
    "Check this out",
    "Best day ever",
    "Amazing",
    "Have a nice day everyone",
    "Follow back",
    "Life is good",
];

/// Clients genuine accounts post from, with hand-chosen shares (not in the data we have).
const GENUINE_CLIENTS: &[(&str, f64)] = &[
    ("Twitter for iPhone", 0.28),
    ("Twitter for Android", 0.24),
    ("Twitter Web Client", 0.20),
    ("TweetDeck", 0.06),
    ("Twitter for iPad", 0.05),
    ("Instagram", 0.05),
    ("Facebook", 0.04),
    ("Tweetbot for iOS", 0.04),
    ("Foursquare", 0.04),
];

/// Clients bought accounts post from: the literature (Cresci et al. 2015, State of Search rule
/// 5) found they almost never use third-party API clients.
const FAKE_CLIENTS: &[(&str, f64)] = &[
    ("Twitter Web Client", 0.80),
    ("web", 0.12),
    ("Twitter for Android", 0.05),
    ("Mobile Web", 0.03),
];

/// The anchor URL Twitter put in the `source` of a tweet from this client.
pub(crate) fn client_url(client: &str) -> Option<&'static str> {
    Some(match client {
        "web" => return None,
        "Twitter for iPhone" => "http://twitter.com/download/iphone",
        "Twitter for Android" => "http://twitter.com/download/android",
        "Twitter for iPad" => "http://twitter.com/#!/download/ipad",
        "TweetDeck" => "https://about.twitter.com/products/tweetdeck",
        "Instagram" => "http://instagram.com",
        "Facebook" => "http://www.facebook.com/twitter",
        "Tweetbot for iOS" => "http://tapbots.com/tweetbot",
        "Foursquare" => "http://foursquare.com",
        "Mobile Web" => "http://mobile.twitter.com",
        _ => "http://twitter.com",
    })
}

pub(crate) fn pick<'a>(rng: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items[rng.gen_range(0..items.len())]
}

pub(crate) fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.gen::<f64>() < p
}

pub(crate) fn weighted<'a>(rng: &mut ChaCha8Rng, items: &[(&'a str, f64)]) -> &'a str {
    let total: f64 = items.iter().map(|x| x.1).sum();
    let mut u = rng.gen::<f64>() * total;
    for &(item, w) in items {
        if u < w {
            return item;
        }
        u -= w;
    }
    items[0].0
}

fn lists(c: Culture) -> (&'static [&'static str], &'static [&'static str]) {
    match c {
        Culture::Italian => (IT_FIRST, IT_LAST),
        Culture::English => (EN_FIRST, EN_LAST),
    }
}

/// Truncates `s` to at most `max` characters.
fn truncate_chars(s: &mut String, max: usize) {
    if let Some((i, _)) = s.char_indices().nth(max) {
        s.truncate(i);
    }
    while s.ends_with(' ') {
        s.pop();
    }
}

/// A person's display name and the first name it was built on.
pub(crate) struct PersonName {
    pub display: String,
    pub first: &'static str,
    pub last: &'static str,
}

/// A genuine account's display name: in E13 a quarter are a single word, two thirds two words,
/// a tenth three or more; 18% are all lower case, 2% contain digits, 6% non-ASCII letters.
pub(crate) fn genuine_name(rng: &mut ChaCha8Rng, c: Culture) -> PersonName {
    let (firsts, lasts) = lists(c);
    let first = pick(rng, firsts);
    let last = pick(rng, lasts);
    let words = rng.gen::<f64>();
    let mut display = if words < 0.25 {
        if chance(rng, 0.6) {
            first.to_string()
        } else {
            let w = pick(rng, HANDLE_WORDS);
            let mut s = String::with_capacity(16);
            s.push_str(w);
            s.push_str(&first.to_lowercase());
            s
        }
    } else if words < 0.90 {
        format!("{first} {last}")
    } else if words < 0.96 {
        format!("{first} {} {last}", pick(rng, firsts))
    } else {
        format!("{first} {} {last} {}", pick(rng, firsts), pick(rng, lasts))
    };
    if chance(rng, 0.15) {
        display = display.to_lowercase();
    }
    if chance(rng, 0.02) {
        display.push(' ');
        display.push_str(&rng.gen_range(70..100).to_string());
    }
    if chance(rng, 0.03) {
        display.push(' ');
        display.push_str(pick(rng, SYMBOLS));
    }
    truncate_chars(&mut display, 20);
    PersonName {
        display,
        first,
        last,
    }
}

/// A bought account's display name: in INT virtually all are two capitalised words (a first
/// name and a surname), never with digits.
pub(crate) fn fake_name(rng: &mut ChaCha8Rng) -> PersonName {
    let first = pick(rng, EN_FIRST);
    let last = pick(rng, EN_LAST);
    let mut display = format!("{first} {last}");
    truncate_chars(&mut display, 20);
    PersonName {
        display,
        first,
        last,
    }
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
}

fn capitalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    if let Some(c) = chars.next() {
        out.extend(c.to_uppercase());
    }
    out.extend(chars);
    out
}

/// A genuine account's screen name. In E13: 78% have no digit, 13% two (a year), 20% an
/// underscore, about half are all lower case, 42% contain the first name; at most 15 chars.
pub(crate) fn genuine_screen_name(rng: &mut ChaCha8Rng, name: &PersonName) -> String {
    let first = squash(name.first).to_lowercase();
    let last = squash(name.last).to_lowercase();
    let camel = !chance(rng, 0.5);
    let part = |s: &str| if camel { capitalise(s) } else { s.to_string() };
    let u = rng.gen::<f64>();
    let mut base = if u < 0.24 {
        format!("{}{}", part(&first), part(&last))
    } else if u < 0.32 {
        format!("{}_{}", part(&first), part(&last))
    } else if u < 0.42 {
        format!("{}{}", &first[..1], part(&last))
    } else if u < 0.52 {
        format!("{}{}", part(&first), part(pick(rng, HANDLE_WORDS)))
    } else if u < 0.64 {
        let w1 = pick(rng, HANDLE_WORDS);
        let w2 = pick(rng, HANDLE_WORDS);
        format!("{}_{}", part(w1), part(w2))
    } else {
        let w1 = pick(rng, HANDLE_WORDS);
        let w2 = pick(rng, HANDLE_WORDS);
        format!("{}{}", part(w1), part(w2))
    };
    let d = rng.gen::<f64>();
    let digits = if d < 0.78 {
        String::new()
    } else if d < 0.83 {
        rng.gen_range(1..10).to_string()
    } else if d < 0.96 {
        format!("{:02}", rng.gen_range(0..100))
    } else if d < 0.97 {
        rng.gen_range(100..1000).to_string()
    } else {
        rng.gen_range(1965..2000).to_string()
    };
    base.truncate(15 - digits.len());
    while base.ends_with('_') {
        base.pop();
    }
    base.push_str(&digits);
    if base.len() < 4 {
        base.push_str(&last);
        base.truncate(15);
    }
    base
}

/// A bought account's screen name. In INT: 96% have no digit, none an underscore, 89% are all
/// lower case, two thirds contain the first name; at most 15 chars.
pub(crate) fn fake_screen_name(rng: &mut ChaCha8Rng, name: &PersonName) -> String {
    let first = squash(name.first);
    let last = squash(name.last);
    let u = rng.gen::<f64>();
    let mut s = if u < 0.58 {
        format!("{first}{last}")
    } else if u < 0.68 {
        let cut = rng.gen_range(1..=last.len());
        format!("{first}{}", &last[..cut])
    } else if u < 0.78 {
        format!("{last}{first}")
    } else {
        format!("{}{}", pick(rng, HANDLE_WORDS), pick(rng, HANDLE_WORDS))
    };
    if chance(rng, 0.89) {
        s = s.to_lowercase();
    }
    let digits = if chance(rng, 0.04) {
        rng.gen_range(1..100).to_string()
    } else {
        String::new()
    };
    s.truncate(15 - digits.len());
    s.push_str(&digits);
    s
}

/// An Instagram full name of `words` words (0 gives an empty name), with the first name and
/// surname the username may reuse.
pub(crate) fn instagram_full_name(rng: &mut ChaCha8Rng, c: Culture, words: usize) -> PersonName {
    let (firsts, lasts) = lists(c);
    let first = pick(rng, firsts);
    let last = pick(rng, lasts);
    let display = match words {
        0 => String::new(),
        1 => first.to_string(),
        2 => format!("{first} {last}"),
        _ => format!("{first} {} {last}", pick(rng, firsts)),
    };
    PersonName {
        display,
        first,
        last,
    }
}

/// An Instagram username of about `len` characters (5 to 30) whose last `digits` characters
/// are digits: lower-case name parts and words joined by nothing, `.` or `_`.
pub(crate) fn instagram_username(
    rng: &mut ChaCha8Rng,
    name: &PersonName,
    len: usize,
    digits: usize,
) -> String {
    let digits = digits.min(len.saturating_sub(3));
    let letters = len.clamp(5, 30) - digits;
    let sep = pick(rng, &["", "", ".", "_"]);
    let mut s = match rng.gen_range(0..4) {
        0 | 1 => format!(
            "{}{sep}{}",
            squash(name.first).to_lowercase(),
            squash(name.last).to_lowercase()
        ),
        2 => format!(
            "{}{sep}{}",
            pick(rng, HANDLE_WORDS),
            squash(name.first).to_lowercase()
        ),
        _ => format!(
            "{}{sep}{}",
            pick(rng, HANDLE_WORDS),
            pick(rng, HANDLE_WORDS)
        ),
    };
    while s.len() < letters {
        s.push_str(sep);
        s.push_str(pick(rng, HANDLE_WORDS));
    }
    s.truncate(letters);
    while s.ends_with(['.', '_']) {
        s.pop();
        s.push(pick(rng, &["x", "o", "a"]).chars().next().unwrap_or('x'));
    }
    for _ in 0..digits {
        s.push(char::from(b'0' + rng.gen_range(0..10u8)));
    }
    s
}

/// Twitter's limit on a biography, in characters.
const BIO_MAX: usize = 160;

/// A biography of about `target` characters (never more than 160), made of whole phrases.
pub(crate) fn bio(rng: &mut ChaCha8Rng, c: Culture, fake: bool, target: usize) -> String {
    let phrases = if fake {
        FAKE_BIO
    } else {
        match c {
            Culture::Italian => IT_BIO,
            Culture::English => EN_BIO,
        }
    };
    let (p_tag, p_at, p_url, p_sym) = if fake {
        (0.12, 0.086, 0.046, 0.13)
    } else {
        (0.063, 0.049, 0.043, 0.05)
    };
    let mut s = String::with_capacity(target + 32);
    // Phrases are drawn without repetition.
    let mut used: Vec<usize> = Vec::with_capacity(8);
    let mut draw = |rng: &mut ChaCha8Rng| loop {
        let i = rng.gen_range(0..phrases.len());
        if used.len() >= phrases.len() / 2 || !used.contains(&i) {
            used.push(i);
            return phrases[i];
        }
    };
    let first = draw(rng);
    s.push_str(first);
    // Length in characters, kept alongside (the separators are ASCII).
    let mut chars = first.chars().count();
    while chars < target {
        let next = draw(rng);
        let sep = pick(rng, &[". ", " | ", ", ", " - ", ". "]);
        let next_chars = next.chars().count();
        if chars + sep.len() + next_chars > (target + 8).min(BIO_MAX) {
            break;
        }
        s.push_str(sep);
        s.push_str(next);
        chars += sep.len() + next_chars;
    }
    // Extras are drawn whatever the room, and kept only when the bio stays within the limit.
    let mut extra = String::with_capacity(32);
    let mut append = |s: &mut String, extra: &str| {
        let n = extra.chars().count();
        if chars + n <= BIO_MAX {
            s.push_str(extra);
            chars += n;
        }
    };
    if chance(rng, p_tag) {
        extra.clear();
        extra.push_str(" #");
        extra.push_str(pick(rng, HASHTAGS));
        append(&mut s, &extra);
    }
    if chance(rng, p_at) {
        extra.clear();
        extra.push_str(" @");
        extra.push_str(pick(rng, HANDLE_WORDS));
        extra.push_str(pick(rng, HANDLE_WORDS));
        append(&mut s, &extra);
    }
    if chance(rng, p_sym) {
        extra.clear();
        extra.push(' ');
        extra.push_str(pick(rng, SYMBOLS));
        append(&mut s, &extra);
    }
    if chance(rng, p_url) {
        extra.clear();
        extra.push_str(" http://t.co/");
        push_token(rng, &mut extra, 10);
        append(&mut s, &extra);
    }
    if chars > BIO_MAX {
        // Only a single phrase can be this long; none of ours is.
        truncate_chars(&mut s, BIO_MAX);
    }
    if target < 8 {
        truncate_chars(&mut s, target.max(2));
    }
    s
}

/// A free-text location.
pub(crate) fn location(rng: &mut ChaCha8Rng, c: Culture) -> String {
    match c {
        Culture::Italian => pick(rng, IT_PLACES).to_string(),
        Culture::English => pick(rng, EN_PLACES).to_string(),
    }
}

/// A personal web site, in the styles common in 2012-2015.
pub(crate) fn url(rng: &mut ChaCha8Rng, screen_name: &str, c: Culture) -> String {
    let sn = screen_name.to_lowercase().replace('_', "");
    let tld = if c == Culture::Italian { "it" } else { "com" };
    match rng.gen_range(0..7) {
        0 => format!("http://www.{sn}.{tld}"),
        1 => format!("http://{sn}.tumblr.com"),
        2 => format!("http://{sn}.wordpress.com"),
        3 => format!("http://about.me/{sn}"),
        4 => format!("http://www.facebook.com/{sn}"),
        5 => format!("http://{sn}.blogspot.com"),
        _ => format!("http://{tld}.linkedin.com/in/{sn}"),
    }
}

const TOKEN_CHARS: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789";

fn push_token(rng: &mut ChaCha8Rng, s: &mut String, len: usize) {
    for _ in 0..len {
        s.push(TOKEN_CHARS[rng.gen_range(0..TOKEN_CHARS.len())] as char);
    }
}

/// What a synthetic last tweet looks like.
pub(crate) struct Tweet {
    pub text: String,
    pub client: &'static str,
    pub is_retweet: bool,
    pub is_reply: bool,
}

/// The account's latest tweet (shares of retweets, replies, links and hashtags are hand-chosen:
/// the Cresci 2015 subsets we have hold no tweets).
pub(crate) fn tweet(rng: &mut ChaCha8Rng, c: Culture, fake: bool) -> Tweet {
    let (p_rt, p_reply, p_url, p_tag) = if fake {
        (0.35, 0.02, 0.30, 0.15)
    } else {
        (0.25, 0.25, 0.20, 0.15)
    };
    let phrases = if fake {
        FAKE_TWEET
    } else {
        match c {
            Culture::Italian => IT_TWEET,
            Culture::English => EN_TWEET,
        }
    };
    let mut text = String::with_capacity(96);
    let is_retweet = chance(rng, p_rt);
    let is_reply = !is_retweet && chance(rng, p_reply);
    if is_retweet {
        text.push_str("RT @");
        text.push_str(pick(rng, HANDLE_WORDS));
        text.push_str(pick(rng, HANDLE_WORDS));
        text.push_str(": ");
    } else if is_reply {
        text.push('@');
        text.push_str(pick(rng, HANDLE_WORDS));
        text.push_str(pick(rng, HANDLE_WORDS));
        text.push(' ');
    }
    text.push_str(pick(rng, phrases));
    if chance(rng, p_tag) {
        text.push_str(" #");
        text.push_str(pick(rng, HASHTAGS));
    }
    if chance(rng, p_url) {
        text.push_str(" http://t.co/");
        push_token(rng, &mut text, 10);
    }
    let client = weighted(rng, if fake { FAKE_CLIENTS } else { GENUINE_CLIENTS });
    Tweet {
        text,
        client,
        is_retweet,
        is_reply,
    }
}

/// Counts of hashtags, user mentions and URLs in a tweet's text, as Twitter's entity extraction
/// would report them for our generated texts (`#word`, `@handle`, `http(s)://...`).
pub(crate) fn entity_counts(text: &str) -> (u32, u32, u32) {
    let (mut tags, mut mentions, mut urls) = (0, 0, 0);
    for tok in text.split_whitespace() {
        if tok.starts_with("http://") || tok.starts_with("https://") {
            urls += 1;
        } else if tok.len() > 1 && tok.starts_with('#') {
            tags += 1;
        } else if tok.len() > 1 && tok.starts_with('@') {
            mentions += 1;
        }
    }
    (tags, mentions, urls)
}

/// Calls `f(kind, token)` for every entity token of `text` (kind: `#`, `@` or `u`), with the
/// leading `#`/`@` and any trailing `:` removed.
pub(crate) fn for_each_entity(text: &str, mut f: impl FnMut(u8, &str)) {
    for tok in text.split_whitespace() {
        if tok.starts_with("http://") || tok.starts_with("https://") {
            f(b'u', tok);
        } else if tok.len() > 1 && tok.starts_with('#') {
            f(b'#', tok[1..].trim_end_matches(':'));
        } else if tok.len() > 1 && tok.starts_with('@') {
            f(b'@', tok[1..].trim_end_matches(':'));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn screen_names_fit_twitter_limits() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for i in 0..2000 {
            let c = if i % 2 == 0 {
                Culture::Italian
            } else {
                Culture::English
            };
            let n = genuine_name(&mut rng, c);
            assert!(n.display.chars().count() <= 20, "{}", n.display);
            let sn = genuine_screen_name(&mut rng, &n);
            assert!((4..=15).contains(&sn.len()), "{sn}");
            assert!(sn.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
            let f = fake_name(&mut rng);
            let fsn = fake_screen_name(&mut rng, &f);
            assert!((4..=15).contains(&fsn.len()), "{fsn}");
            assert!(!fsn.contains('_'));
        }
    }

    #[test]
    fn bios_respect_the_limit_and_roughly_the_target() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut total = 0usize;
        for _ in 0..500 {
            let b = bio(&mut rng, Culture::Italian, false, 80);
            assert!(b.chars().count() <= 160);
            total += b.chars().count();
        }
        let mean = total as f64 / 500.0;
        assert!((60.0..110.0).contains(&mean), "mean bio length {mean}");
    }

    #[test]
    fn entity_counts_follow_the_text() {
        assert_eq!(
            entity_counts("RT @abc: hello #x http://t.co/abc and # @"),
            (1, 1, 1)
        );
        let mut seen = Vec::new();
        for_each_entity("RT @abc: hi #yo", |k, t| seen.push((k, t.to_string())));
        assert_eq!(
            seen,
            vec![(b'@', "abc".to_string()), (b'#', "yo".to_string())]
        );
    }
}
