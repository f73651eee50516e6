//! Hand-written per-class parameters of the synthetic account generator.
//!
//! The numbers below summarise the marginal distributions of the two labelled Twitter subsets of
//! the Cresci 2015 "MIB" data (S. Cresci, R. Di Pietro, M. Petrocchi, A. Spognardi, M. Tesconi,
//! "Fame for sale: Efficient detection of fake Twitter followers", Decision Support Systems 80
//! (2015) 56-71, doi:10.1016/j.dss.2015.09.003): E13 for genuine accounts and INT (accounts sold
//! by the "intertwitter" shop) for fake ones. We measured quantiles, shares and rank
//! correlations with a throwaway script and rounded them to two significant figures; no row,
//! name, screen name or description of those files is used or reproduced here.
//!
//! Each count is drawn from a Gaussian copula: one latent "how established is this account"
//! factor per account, a per-variable loading on it (which gives the measured correlations,
//! e.g. about 0.75 between log followers and log friends for genuine accounts), and a
//! piecewise quantile table interpolated in `ln(1 + count)` space.

/// A quantile table: `(cumulative probability, value)` knots, probabilities from 0 to 1,
/// values non-decreasing.
pub(crate) type Knots = &'static [(f64, f64)];

/// One numeric variable: its loading on the account's latent factor and its quantile table.
#[derive(Debug)]
pub(crate) struct Marginal {
    /// Correlation of the variable's normal score with the latent factor.
    pub loading: f64,
    /// The quantile table.
    pub knots: Knots,
    /// Interpolate in `ln(1 + x)` space (counts) rather than linearly (ages).
    pub log_scale: bool,
}

impl Marginal {
    /// The value at cumulative probability `u` (in `[0, 1]`).
    pub fn quantile(&self, u: f64) -> f64 {
        let k = self.knots;
        let u = u.clamp(0.0, 1.0);
        let mut i = 1;
        while i < k.len() - 1 && k[i].0 < u {
            i += 1;
        }
        let (p0, v0) = k[i - 1];
        let (p1, v1) = k[i];
        let t = if p1 > p0 { (u - p0) / (p1 - p0) } else { 1.0 };
        if self.log_scale {
            let (a, b) = (v0.ln_1p(), v1.ln_1p());
            (a + t * (b - a)).exp_m1()
        } else {
            v0 + t * (v1 - v0)
        }
    }
}

/// Everything the generator needs to draw one kind of account.
#[derive(Debug)]
pub(crate) struct ClassModel {
    /// Tweets posted.
    pub statuses: Marginal,
    /// Followers.
    pub followers: Marginal,
    /// Accounts followed.
    pub friends: Marginal,
    /// Tweets liked.
    pub favourites: Marginal,
    /// Public lists the account is on.
    pub listed: Marginal,
    /// Account age at the crawl, in days.
    pub age_days: Marginal,
    /// Share with an empty biography.
    pub empty_description: f64,
    /// Share with an empty location.
    pub empty_location: f64,
    /// Share with a profile URL.
    pub has_url: f64,
    /// Share keeping the default theme.
    pub default_profile: f64,
    /// Share keeping the default ("egg") picture.
    pub default_profile_image: f64,
    /// Share with geotagging on.
    pub geo_enabled: f64,
    /// Share using a background image.
    pub use_background_image: f64,
    /// Interface languages with their shares (the rest of the mass goes to the first).
    pub langs: &'static [(&'static str, f64)],
}

const fn m(loading: f64, knots: Knots) -> Marginal {
    Marginal {
        loading,
        knots,
        log_scale: true,
    }
}

const fn lin(loading: f64, knots: Knots) -> Marginal {
    Marginal {
        loading,
        knots,
        log_scale: false,
    }
}

/// Genuine accounts (E13). Medians: about 1,000 tweets, 100 followers, 230 friends; a tenth
/// never liked anything and about half are on no list. Accounts were 2 to 8 years old at the
/// crawl (median 3.4 years). Almost every one has a bio, two thirds a location, a third a URL;
/// three quarters changed the default theme and half turned geotagging on. Most use Italian.
pub(crate) const GENUINE: ClassModel = ClassModel {
    statuses: m(
        0.8,
        &[
            (0.0, 3.0),
            (0.01, 14.0),
            (0.05, 54.0),
            (0.10, 110.0),
            (0.25, 320.0),
            (0.50, 990.0),
            (0.75, 3000.0),
            (0.90, 7800.0),
            (0.95, 15000.0),
            (0.99, 32000.0),
            (1.0, 80000.0),
        ],
    ),
    followers: m(
        0.9,
        &[
            (0.0, 0.0),
            (0.01, 4.0),
            (0.05, 13.0),
            (0.10, 21.0),
            (0.25, 45.0),
            (0.50, 100.0),
            (0.75, 260.0),
            (0.90, 660.0),
            (0.95, 1200.0),
            (0.99, 4600.0),
            (1.0, 100000.0),
        ],
    ),
    friends: m(
        0.8,
        &[
            (0.0, 0.0),
            (0.01, 18.0),
            (0.05, 41.0),
            (0.10, 63.0),
            (0.25, 115.0),
            (0.50, 230.0),
            (0.75, 440.0),
            (0.90, 920.0),
            (0.95, 1450.0),
            (0.99, 2000.0),
            (1.0, 10000.0),
        ],
    ),
    favourites: m(
        0.65,
        &[
            (0.0, 0.0),
            (0.10, 0.0),
            (0.25, 4.0),
            (0.50, 29.0),
            (0.75, 180.0),
            (0.90, 770.0),
            (0.95, 1800.0),
            (0.99, 7900.0),
            (1.0, 40000.0),
        ],
    ),
    listed: m(
        0.8,
        &[
            (0.0, 0.0),
            (0.475, 0.0),
            (0.50, 1.0),
            (0.75, 2.0),
            (0.90, 9.0),
            (0.95, 20.0),
            (0.99, 67.0),
            (1.0, 700.0),
        ],
    ),
    age_days: lin(
        0.45,
        &[
            (0.0, 715.0),
            (0.01, 730.0),
            (0.05, 783.0),
            (0.10, 840.0),
            (0.25, 1068.0),
            (0.50, 1234.0),
            (0.75, 1700.0),
            (0.90, 2047.0),
            (0.95, 2138.0),
            (0.99, 2707.0),
            (1.0, 2870.0),
        ],
    ),
    empty_description: 0.012,
    empty_location: 0.33,
    has_url: 0.31,
    default_profile: 0.27,
    default_profile_image: 0.003,
    geo_enabled: 0.49,
    use_background_image: 0.96,
    langs: &[
        ("it", 0.876),
        ("en", 0.112),
        ("es", 0.007),
        ("fr", 0.002),
        ("de", 0.0015),
        ("nl", 0.0015),
    ],
};

/// Share of bought accounts from the seller's later, barely used batches ([`FAKE_FRESH`]).
pub(crate) const FAKE_FRESH_SHARE: f64 = 0.11;

/// Bought accounts of the seller's main batch (nine in ten of INT). They were all registered in
/// about one week some 2.6 years before the crawl, follow a few hundred accounts (median 370)
/// while about 18 follow them back, posted a few dozen tweets, liked nothing and are on no list.
/// Nearly all keep the default theme, one in six has no bio, almost all give a location, none a
/// URL, and all use English.
pub(crate) const FAKE_MATURE: ClassModel = ClassModel {
    statuses: m(
        0.7,
        &[
            (0.0, 0.0),
            (0.01, 17.0),
            (0.05, 22.0),
            (0.10, 24.0),
            (0.25, 29.0),
            (0.50, 38.0),
            (0.75, 54.0),
            (0.90, 64.0),
            (0.95, 70.0),
            (0.99, 150.0),
            (1.0, 1500.0),
        ],
    ),
    followers: m(
        0.65,
        &[
            (0.0, 0.0),
            (0.01, 7.0),
            (0.05, 10.0),
            (0.10, 12.0),
            (0.25, 15.0),
            (0.50, 18.0),
            (0.75, 22.0),
            (0.90, 26.0),
            (0.95, 28.0),
            (0.99, 35.0),
            (1.0, 73.0),
        ],
    ),
    friends: m(
        0.95,
        &[
            (0.0, 150.0),
            (0.01, 204.0),
            (0.05, 242.0),
            (0.10, 264.0),
            (0.25, 300.0),
            (0.50, 366.0),
            (0.75, 551.0),
            (0.90, 639.0),
            (0.95, 700.0),
            (0.99, 936.0),
            (1.0, 2000.0),
        ],
    ),
    favourites: m(0.3, &[(0.0, 0.0), (0.979, 0.0), (0.99, 16.0), (1.0, 300.0)]),
    listed: m(0.0, &[(0.0, 0.0), (0.997, 0.0), (1.0, 1.0)]),
    age_days: lin(
        0.5,
        &[
            (0.0, 906.0),
            (0.01, 934.0),
            (0.05, 959.0),
            (0.10, 961.5),
            (0.25, 964.3),
            (0.50, 965.1),
            (0.75, 965.6),
            (0.95, 965.8),
            (0.99, 1114.0),
            (1.0, 2113.0),
        ],
    ),
    empty_description: 0.164,
    empty_location: 0.004,
    has_url: 0.0,
    default_profile: 0.995,
    default_profile_image: 0.003,
    geo_enabled: 0.001,
    use_background_image: 1.0,
    langs: &[("en", 0.999), ("es", 0.001)],
};

/// Bought accounts from the seller's two later batches (one in ten of INT), registered about
/// 1.8 and 2.0 years before the crawl and barely used: a couple of tweets, one follower or
/// none, a few dozen friends. Four in ten have no bio and a third no location.
pub(crate) const FAKE_FRESH: ClassModel = ClassModel {
    statuses: m(
        0.3,
        &[
            (0.0, 0.0),
            (0.05, 0.0),
            (0.10, 1.0),
            (0.25, 2.0),
            (0.50, 2.0),
            (0.75, 3.0),
            (0.90, 4.0),
            (0.95, 4.0),
            (0.99, 6.0),
            (1.0, 6.0),
        ],
    ),
    followers: m(
        0.1,
        &[
            (0.0, 0.0),
            (0.40, 0.0),
            (0.50, 1.0),
            (0.75, 1.0),
            (0.90, 2.0),
            (0.95, 3.0),
            (0.99, 4.0),
            (1.0, 6.0),
        ],
    ),
    friends: m(
        0.4,
        &[
            (0.0, 8.0),
            (0.05, 15.0),
            (0.10, 17.0),
            (0.25, 21.0),
            (0.50, 26.0),
            (0.75, 34.0),
            (0.90, 41.0),
            (0.95, 44.0),
            (0.99, 48.0),
            (1.0, 54.0),
        ],
    ),
    favourites: m(0.0, &[(0.0, 0.0), (1.0, 0.0)]),
    listed: m(0.0, &[(0.0, 0.0), (1.0, 0.0)]),
    age_days: lin(
        0.3,
        &[(0.0, 655.0), (0.45, 663.0), (0.50, 720.0), (1.0, 723.0)],
    ),
    empty_description: 0.40,
    empty_location: 0.35,
    has_url: 0.0,
    default_profile: 1.0,
    default_profile_image: 0.003,
    geo_enabled: 0.0,
    use_background_image: 1.0,
    langs: &[("en", 1.0)],
};

/// An Instagram account class, measured on the InstaFake data set (F. C. Akyon, M. E.
/// Kalfaoglu, "Instagram Fake and Automated Account Detection", ASYU 2019, arXiv:1910.03090;
/// 994 genuine and 200 fake accounts) and, for the URL share and the number of words in the
/// full name, the Kaggle "free4ever1" Instagram set. Like the Twitter classes these are our own
/// rounded summaries; no record is reproduced.
#[derive(Debug)]
pub(crate) struct InstagramModel {
    /// Followers.
    pub followers: Marginal,
    /// Accounts followed.
    pub following: Marginal,
    /// Posts.
    pub media: Marginal,
    /// Biography length in characters (0 = no biography).
    pub bio_length: Marginal,
    /// Username length in characters.
    pub username_length: Marginal,
    /// Relative frequencies of 0, 1, 2, ... digits in the username.
    pub username_digits: &'static [f64],
    /// Relative frequencies of 0, 1, 2, 3 words in the full name.
    pub name_words: &'static [f64],
    /// Share with a profile picture.
    pub has_picture: f64,
    /// Share of private accounts.
    pub private: f64,
    /// Share with an external URL.
    pub has_url: f64,
}

/// Genuine Instagram accounts: medians of about 350 followers, 420 followed and 30 posts; four
/// in ten without a bio, almost all with a picture, seven in ten private.
pub(crate) const IG_GENUINE: InstagramModel = InstagramModel {
    followers: m(
        0.85,
        &[
            (0.0, 1.0),
            (0.05, 77.0),
            (0.10, 118.0),
            (0.25, 218.0),
            (0.50, 345.0),
            (0.75, 516.0),
            (0.90, 725.0),
            (0.95, 1000.0),
            (0.99, 1900.0),
            (1.0, 4500.0),
        ],
    ),
    following: m(
        0.85,
        &[
            (0.0, 4.0),
            (0.05, 102.0),
            (0.10, 154.0),
            (0.25, 267.0),
            (0.50, 420.0),
            (0.75, 614.0),
            (0.90, 863.0),
            (0.95, 1100.0),
            (0.99, 3100.0),
            (1.0, 6600.0),
        ],
    ),
    media: m(
        0.6,
        &[
            (0.0, 0.0),
            (0.04, 0.0),
            (0.05, 1.0),
            (0.10, 2.0),
            (0.25, 8.0),
            (0.50, 30.0),
            (0.75, 79.0),
            (0.90, 169.0),
            (0.95, 276.0),
            (0.99, 590.0),
            (1.0, 1060.0),
        ],
    ),
    bio_length: lin(
        0.0,
        &[
            (0.0, 0.0),
            (0.39, 0.0),
            (0.40, 2.0),
            (0.50, 12.0),
            (0.75, 36.0),
            (0.90, 73.0),
            (0.95, 105.0),
            (0.99, 140.0),
            (1.0, 150.0),
        ],
    ),
    username_length: lin(
        0.0,
        &[
            (0.0, 5.0),
            (0.05, 7.0),
            (0.25, 9.0),
            (0.50, 11.0),
            (0.75, 13.0),
            (0.90, 15.0),
            (0.95, 16.0),
            (0.99, 19.0),
            (1.0, 22.0),
        ],
    ),
    username_digits: &[0.89, 0.02, 0.054, 0.008, 0.024, 0.002, 0.0, 0.001],
    name_words: &[0.10, 0.26, 0.51, 0.13],
    has_picture: 0.987,
    private: 0.724,
    has_url: 0.23,
};

/// Fake Instagram accounts: few followers (median 30) but many followed (median 1,470, up to
/// the 7,500 limit), mostly no posts, three in four without a bio, four in ten without a
/// picture, usernames often padded with digits.
pub(crate) const IG_FAKE: InstagramModel = InstagramModel {
    followers: m(
        0.75,
        &[
            (0.0, 0.0),
            (0.09, 0.0),
            (0.10, 1.0),
            (0.25, 11.0),
            (0.50, 30.0),
            (0.75, 104.0),
            (0.90, 300.0),
            (0.95, 510.0),
            (0.99, 1300.0),
            (1.0, 3200.0),
        ],
    ),
    following: m(
        0.75,
        &[
            (0.0, 0.0),
            (0.025, 0.0),
            (0.05, 8.0),
            (0.10, 76.0),
            (0.25, 282.0),
            (0.50, 1470.0),
            (0.75, 2510.0),
            (0.90, 4650.0),
            (0.95, 6630.0),
            (0.99, 7490.0),
            (1.0, 7500.0),
        ],
    ),
    media: m(
        0.2,
        &[
            (0.0, 0.0),
            (0.575, 0.0),
            (0.75, 1.0),
            (0.90, 4.0),
            (0.95, 6.0),
            (0.99, 85.0),
            (1.0, 400.0),
        ],
    ),
    bio_length: lin(
        0.0,
        &[
            (0.0, 0.0),
            (0.735, 0.0),
            (0.75, 6.0),
            (0.90, 53.0),
            (0.95, 85.0),
            (0.99, 130.0),
            (1.0, 138.0),
        ],
    ),
    username_length: lin(
        0.0,
        &[
            (0.0, 5.0),
            (0.05, 7.0),
            (0.25, 9.0),
            (0.50, 11.0),
            (0.75, 13.0),
            (0.90, 16.0),
            (0.95, 18.0),
            (0.99, 22.0),
            (1.0, 30.0),
        ],
    ),
    username_digits: &[
        0.45, 0.10, 0.14, 0.12, 0.12, 0.045, 0.005, 0.01, 0.005, 0.0, 0.005,
    ],
    name_words: &[0.09, 0.72, 0.14, 0.05],
    has_picture: 0.605,
    private: 0.325,
    has_url: 0.0,
};

/// Quantiles of a non-empty biography's length in characters (both classes look alike: median
/// about 80, a quarter longer than 128, Twitter's limit is 160).
pub(crate) const BIO_LENGTH: Marginal = lin(
    0.0,
    &[
        (0.0, 4.0),
        (0.05, 15.0),
        (0.10, 22.0),
        (0.25, 42.0),
        (0.50, 81.0),
        (0.75, 128.0),
        (0.90, 153.0),
        (0.95, 158.0),
        (1.0, 160.0),
    ],
);

/// The standard normal cumulative distribution function (Abramowitz and Stegun 26.2.17,
/// absolute error below 1e-7).
pub(crate) fn normal_cdf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.231_641_9 * x.abs());
    let poly = t
        * (0.319_381_530
            + t * (-0.356_563_782
                + t * (1.781_477_937 + t * (-1.821_255_978 + t * 1.330_274_429))));
    let tail = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt() * poly;
    if x >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_matches_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-1.0) - 0.158_655_254).abs() < 1e-6);
    }

    #[test]
    fn quantile_hits_the_knots() {
        let q = &GENUINE.followers;
        assert!((q.quantile(0.5) - 100.0).abs() < 1e-9);
        assert!((q.quantile(0.25) - 45.0).abs() < 1e-9);
        assert_eq!(q.quantile(0.0), 0.0);
        let a = &GENUINE.age_days;
        assert!((a.quantile(0.5) - 1234.0).abs() < 1e-9);
    }

    #[test]
    fn tables_are_monotone() {
        for c in [&IG_GENUINE, &IG_FAKE] {
            for mg in [&c.followers, &c.following, &c.media, &c.bio_length] {
                for w in mg.knots.windows(2) {
                    assert!(w[0].0 <= w[1].0 && w[0].1 <= w[1].1, "{:?}", w);
                }
            }
        }
        for c in [&GENUINE, &FAKE_MATURE, &FAKE_FRESH] {
            for mg in [
                &c.statuses,
                &c.followers,
                &c.friends,
                &c.favourites,
                &c.listed,
                &c.age_days,
            ] {
                assert_eq!(mg.knots.first().unwrap().0, 0.0);
                assert_eq!(mg.knots.last().unwrap().0, 1.0);
                for w in mg.knots.windows(2) {
                    assert!(w[0].0 <= w[1].0 && w[0].1 <= w[1].1, "{:?}", w);
                }
            }
        }
    }
}
