//! Confidence intervals of the share: the bootstrap of [`Quantifier::estimate`] (through a
//! histogram for large samples) and the analytic [`Quantifier::acc_wald`].

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, StandardNormal};
use rayon::prelude::*;

use super::binomial::clopper_pearson;
use super::estimate::{IntervalOptions, ShareEstimate};
use super::method::Method;
use super::quantifier::{
    adjust, check_sample, cut, group, mean_var, sorted, Quantifier, Rates, SampleStats,
};
use crate::error::Result;

/// Above this many accounts the bootstrap resamples the sample through its histogram (see
/// [`Binned`]) instead of account by account.
const LARGE_SAMPLE: usize = 20_000;

/// Bins per unit of P(fake) of the histogram the point estimates are computed on.
const BINS: f64 = 2048.0;

/// Bins per unit of P(fake) of the histogram the bootstrap replicates resample.
const RESAMPLE_BINS: f64 = 256.0;

/// A large sample summarised by a histogram of P(fake): bins of equal width (1/2048 for the
/// point estimates, 1/256 for the bootstrap replicates) that never straddle the decision
/// threshold, each with its count and the mean of its members.
///
/// Resampling n accounts with replacement is the same as drawing the bins' counts from a
/// multinomial distribution, which takes one binomial draw per bin instead of n index draws:
/// the bootstrap's cost stops growing with the sample. CC of a resample is exact (the
/// threshold is a bin edge), and so is PCC's expectation (a bin's mean stands for its
/// members; only the spread within a bin, at most 1/256 wide, is left out of its variance).
/// EM's point runs on the fine bins' means (within about 1e-4 of EM on the exact values, as a
/// posterior moves by at most 1/2048); a replicate adds to it how far EM on the resampled
/// coarse bins moves from EM on the sample's coarse bins, so binning does not shift the
/// interval. A sample of millions thus needs no sorted copy nor per-value terms: the memory of
/// the estimate stays a few hundred kilobytes whatever the sample's size, and a replicate
/// costs a few hundred binomial draws.
struct Binned {
    values: Vec<f64>,
    counts: Vec<u64>,
    above: Vec<bool>,
}

impl Binned {
    /// The histogram of a sample, in one pass and without sorting it.
    fn from_sample(sample: &[f64], threshold: f64, bins: f64) -> Binned {
        let per_side = bins as usize + 1;
        let mut counts = vec![0u64; 2 * per_side];
        let mut sums = vec![0.0f64; 2 * per_side];
        for &v in sample {
            let slot = usize::from(v >= threshold) * per_side + (v * bins) as usize;
            counts[slot] += 1;
            sums[slot] += v;
        }
        // Every value below the threshold is smaller than every value at or above it, so the
        // slots are in ascending order of value.
        let mut b = Binned {
            values: Vec::new(),
            counts: Vec::new(),
            above: Vec::new(),
        };
        for (slot, (&c, &sum)) in counts.iter().zip(&sums).enumerate() {
            if c > 0 {
                b.values.push(sum / c as f64);
                b.counts.push(c);
                b.above.push(slot >= per_side);
            }
        }
        b
    }

    /// Multinomial counts of a resample of the same size, by conditional binomials.
    fn resample(&self, rng: &mut ChaCha8Rng, out: &mut [u32]) {
        let mut left: u64 = self.counts.iter().sum();
        let mut weight_left = left;
        for (o, &w) in out.iter_mut().zip(&self.counts) {
            if left == 0 || weight_left == 0 {
                *o = 0;
                continue;
            }
            let drawn = if w >= weight_left {
                left
            } else {
                let p = w as f64 / weight_left as f64;
                Binomial::new(left, p).map_or(0, |d| d.sample(rng))
            };
            *o = drawn as u32;
            left -= drawn;
            weight_left -= w;
        }
    }
}

impl Quantifier {
    /// Estimates the fake share of a sample of P(fake) values with one method, with its
    /// confidence interval (see the module documentation for the bootstrap).
    ///
    /// # Errors
    /// [`Error::InvalidData`](crate::Error::InvalidData) when the sample is empty or a value is not a probability;
    /// [`Error::InvalidParams`](crate::Error::InvalidParams) for bad options (confidence not in (0, 1), no replicate, a
    /// population smaller than the sample).
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{IntervalOptions, Method, Quantifier, Label::{Fake, Genuine}};
    /// let val: Vec<f64> = (0..200).map(|i| if i < 100 { 0.9 } else { 0.1 }).collect();
    /// let lab: Vec<_> = (0..200).map(|i| if i < 100 { Fake } else { Genuine }).collect();
    /// let q = Quantifier::new(&val, &lab, 0.5, 0.5).unwrap();
    /// let sample = [0.9, 0.1, 0.1, 0.1];
    /// let e = q.estimate(&sample, Method::Acc, &IntervalOptions::default()).unwrap();
    /// assert_eq!(e.estimate, 0.25);
    /// assert!(e.ci_low <= 0.25 && 0.25 <= e.ci_high && e.ci_high <= 1.0);
    /// ```
    pub fn estimate(
        &self,
        sample: &[f64],
        method: Method,
        options: &IntervalOptions,
    ) -> Result<ShareEstimate> {
        Ok(self.estimate_methods(sample, &[method], options)?.remove(0))
    }

    /// Every method's estimate ([`Method::ALL`] order), sharing the bootstrap resamples: each
    /// equals [`Quantifier::estimate`] with the same options.
    ///
    /// # Errors
    /// As [`Quantifier::estimate`].
    pub fn estimate_all(
        &self,
        sample: &[f64],
        options: &IntervalOptions,
    ) -> Result<Vec<ShareEstimate>> {
        self.estimate_methods(sample, &Method::ALL, options)
    }

    /// The estimates of the given methods, in the given order, sharing the bootstrap resamples;
    /// each equals [`Quantifier::estimate`] with the same options.
    ///
    /// # Errors
    /// As [`Quantifier::estimate`].
    pub fn estimate_methods(
        &self,
        sample: &[f64],
        methods: &[Method],
        options: &IntervalOptions,
    ) -> Result<Vec<ShareEstimate>> {
        check_sample(sample)?;
        options.check(sample.len())?;
        let n = sample.len();
        // Large samples are summarised and resampled through their histogram (see `Binned`).
        let binned = (n > LARGE_SAMPLE).then(|| Binned::from_sample(sample, self.threshold, BINS));
        let coarse =
            (n > LARGE_SAMPLE).then(|| Binned::from_sample(sample, self.threshold, RESAMPLE_BINS));
        // EM on the coarse bins: the replicates' EM moves from it (see `Binned`).
        let coarse_terms = coarse
            .as_ref()
            .map(|c| self.likelihood_terms(&c.values))
            .unwrap_or_default();
        let coarse_em = match &coarse {
            Some(c) if methods.contains(&Method::Em) => {
                let counts: Vec<u32> = c.counts.iter().map(|&k| k as u32).collect();
                self.em(
                    &self.inverse_ratios(&c.values),
                    &counts,
                    n,
                    self.train_prevalence,
                )
            }
            _ => 0.0,
        };
        let s = if binned.is_some() {
            Vec::new()
        } else {
            sorted(sample.to_vec())
        };
        let stats = match &binned {
            Some(_) => SampleStats {
                cc: sample.iter().filter(|&&p| p >= self.threshold).count() as f64 / n as f64,
                pcc: sample.iter().sum::<f64>() / n as f64,
            },
            None => self.stats(&s),
        };
        let sample_var = mean_var(sample).1;
        let rates = self.full_rates();
        let (values, counts) = match &binned {
            Some(b) => (
                b.values.clone(),
                b.counts.iter().map(|&c| c as u32).collect(),
            ),
            None => group(&s),
        };
        let inv_ratios = self.inverse_ratios(&values);
        let terms = self.likelihood_terms(&values);
        let group_of: Vec<u32> = if binned.is_some() {
            Vec::new()
        } else {
            counts
                .iter()
                .enumerate()
                .flat_map(|(g, &c)| std::iter::repeat(g as u32).take(c as usize))
                .collect()
        };
        let sample_cut = cut(&s, self.threshold);
        let need_em = methods.contains(&Method::Em);
        let need_rates = methods.iter().any(|m| m.uses_rates());

        // Point estimates.
        let em_point = if need_em {
            self.em(&inv_ratios, &counts, n, self.train_prevalence)
        } else {
            0.0
        };
        let point = |m: Method| match m {
            Method::Em => em_point,
            m => self.simple(m, stats, rates),
        };

        // Finite-population shrink factor of each method's sample deviation.
        let shrink = |m: Method| -> f64 {
            let Some(pop) = options.population else {
                return 1.0;
            };
            let (pop, nf) = (pop as f64, n as f64);
            let fpc = if pop > 1.0 {
                (pop - nf) / (pop - 1.0)
            } else {
                0.0
            };
            let rho = match m {
                Method::Cc | Method::Acc => {
                    let p = adjust(stats.cc, rates.fpr, rates.tpr);
                    let within = p * rates.tpr * (1.0 - rates.tpr)
                        + (1.0 - p) * rates.fpr * (1.0 - rates.fpr);
                    let total = stats.cc * (1.0 - stats.cc);
                    if total > 0.0 {
                        (within / total).min(1.0)
                    } else {
                        1.0
                    }
                }
                _ => {
                    let p = adjust(stats.pcc, rates.mean_genuine, rates.mean_fake);
                    let within = p * self.var_fake + (1.0 - p) * self.var_genuine;
                    let total = sample_var;
                    if total > 0.0 {
                        (within / total).min(1.0)
                    } else {
                        1.0
                    }
                }
            };
            (fpc + nf / pop * rho).max(0.0).sqrt()
        };
        let k: Vec<f64> = methods.iter().map(|&m| shrink(m)).collect();

        // Bootstrap: every replicate draws from its own streams (one for the sample, one for
        // the validation set, one for the shift), keyed by the seed and its index, so that the
        // replicates can run side by side and give the same values at any thread count, and
        // the sample's draws do not depend on which methods are asked for.
        let shifted = !self.shift.is_zero();
        let fake_cut = cut(&self.val_fake, self.threshold);
        let genuine_cut = cut(&self.val_genuine, self.threshold);
        let replicate = |r: usize| -> Vec<f64> {
            let stream = |k: u64| {
                let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
                rng.set_stream(((r as u64) << 2) | k);
                rng
            };
            let (mut rng_sample, mut rng_val, mut rng_shift) = (stream(1), stream(2), stream(3));
            // Resample the sample.
            let mut boot_counts = vec![0u32; if need_em { values.len() } else { 0 }];
            let mut bin_counts = vec![0u32; coarse.as_ref().map_or(0, |b| b.values.len())];
            let (mut above, mut sum) = (0usize, 0.0);
            if let Some(bins) = &coarse {
                bins.resample(&mut rng_sample, &mut bin_counts);
                for ((&c, &v), &up) in bin_counts.iter().zip(&bins.values).zip(&bins.above) {
                    above += if up { c as usize } else { 0 };
                    sum += c as f64 * v;
                }
            } else {
                for _ in 0..n {
                    let i = draw_index(&mut rng_sample, n);
                    above += usize::from(i >= sample_cut);
                    sum += s[i];
                    if need_em {
                        boot_counts[group_of[i] as usize] += 1;
                    }
                }
            }
            let stats_b = SampleStats {
                cc: above as f64 / n as f64,
                pcc: sum / n as f64,
            };
            // Resample the validation set.
            let rates_b = if need_rates {
                let (tpr, mean_fake) =
                    resample_class(&self.val_fake, fake_cut, self.draws[0], &mut rng_val);
                let (fpr, mean_genuine) =
                    resample_class(&self.val_genuine, genuine_cut, self.draws[1], &mut rng_val);
                let mut r = Rates {
                    tpr,
                    fpr,
                    mean_fake,
                    mean_genuine,
                };
                if shifted {
                    let sh = self.shift;
                    // A standard normal, or Student's t with `k` degrees of freedom when the
                    // spread was measured on `k` sources.
                    let mut z = |k: u32| -> f64 {
                        let n: f64 = rng_shift.sample(StandardNormal);
                        if k == 0 {
                            return n;
                        }
                        let chi2: f64 = (0..k)
                            .map(|_| rng_shift.sample::<f64, _>(StandardNormal).powi(2))
                            .sum();
                        n / (chi2 / f64::from(k)).sqrt()
                    };
                    let (kf, kg) = (sh.fake_sources, sh.genuine_sources);
                    r.tpr = (r.tpr + sh.tpr * z(kf)).clamp(0.0, 1.0);
                    r.fpr = (r.fpr + sh.fpr * z(kg)).clamp(0.0, 1.0);
                    r.mean_fake = (r.mean_fake + sh.mean_fake * z(kf)).clamp(0.0, 1.0);
                    r.mean_genuine = (r.mean_genuine + sh.mean_genuine * z(kg)).clamp(0.0, 1.0);
                }
                r
            } else {
                rates
            };
            methods
                .iter()
                .zip(&k)
                .map(|(&m, &k)| {
                    let (full, base) = match m {
                        Method::Em if coarse.is_some() => {
                            // How far the resample moves EM on the coarse bins, from the
                            // point on the fine ones: binning does not shift the interval.
                            let moved = self.em_newton(&coarse_terms, &bin_counts, coarse_em);
                            (em_point + (moved - coarse_em), em_point)
                        }
                        Method::Em => (self.em_newton(&terms, &boot_counts, em_point), em_point),
                        m => (
                            self.simple(m, stats_b, rates_b),
                            self.simple(m, stats, rates_b),
                        ),
                    };
                    (base + k * (full - base)).clamp(0.0, 1.0)
                })
                .collect()
        };
        let by_replicate: Vec<Vec<f64>> = (0..options.bootstrap)
            .into_par_iter()
            .map(replicate)
            .collect();
        let mut reps: Vec<Vec<f64>> = vec![Vec::with_capacity(options.bootstrap); methods.len()];
        for one in by_replicate {
            for (j, v) in one.into_iter().enumerate() {
                reps[j].push(v);
            }
        }

        Ok(methods
            .iter()
            .zip(reps)
            .zip(&k)
            .map(|((&m, mut r), &shrink)| {
                let p = point(m);
                let std_error = mean_var(&r).1.sqrt();
                r.sort_by(f64::total_cmp);
                let alpha = 1.0 - options.confidence;
                let mut lo = quantile(&r, alpha / 2.0).min(p);
                let mut hi = quantile(&r, 1.0 - alpha / 2.0).max(p);
                // Never narrower than the exact binomial interval of the count called fake:
                // a floor for small samples, where the bootstrap collapses (two accounts
                // both called genuine resample to "no fake" every time). Its sampling part
                // shrinks with the finite-population factor, as the bootstrap's does.
                // The floor is the count's interval, and its image on the method's scale:
                // the estimate the method would make had the count called fake been at
                // either end (an adjusted method moves 1 / (tpr - fpr) times as far as the
                // count, but not at all where it clips at 0 or 1, so the count's own
                // interval stays the floor there).
                let called = (stats.cc * n as f64).round() as u64;
                let (cl, ch) = clopper_pearson(called, n as u64, options.confidence);
                let at = |d: f64| match m {
                    Method::Em => p + d,
                    m => self.simple(
                        m,
                        SampleStats {
                            cc: stats.cc + d,
                            pcc: stats.pcc + d,
                        },
                        rates,
                    ),
                };
                let (dl, dh) = (shrink * (stats.cc - cl), shrink * (ch - stats.cc));
                lo = lo.min(p - dl).min(at(-dl));
                hi = hi.max(p + dh).max(at(dh));
                ShareEstimate {
                    estimate: p,
                    ci_low: lo.clamp(0.0, 1.0),
                    ci_high: hi.clamp(0.0, 1.0),
                    confidence: options.confidence,
                    method: m,
                    std_error,
                }
            })
            .collect())
    }

    /// ACC with an analytic (delta-method, Wald) interval instead of the bootstrap:
    /// `Var = (k^2 cc (1 - cc) / n + p^2 tpr (1 - tpr) / n_fake + (1 - p)^2 fpr (1 - fpr) /
    /// n_genuine) / (tpr - fpr)^2`, with `k` the finite-population factor of the module
    /// documentation; the interval `p ± z sqrt(Var)` is clipped to [0, 1]. `options.bootstrap`
    /// and `options.seed` are not used. Rates of exactly 0 or 1 contribute no variance, so
    /// prefer the bootstrap on small validation sets.
    ///
    /// # Errors
    /// As [`Quantifier::estimate`].
    ///
    /// # Examples
    /// ```
    /// use follower_audit::{IntervalOptions, Quantifier, Label::{Fake, Genuine}};
    /// let val: Vec<f64> = (0..200).map(|i| if i % 2 == 0 { 0.9 } else { 0.1 }).collect();
    /// let lab: Vec<_> = (0..200).map(|i| if i < 100 { Fake } else { Genuine }).collect();
    /// let q = Quantifier::new(&val, &lab, 0.5, 0.5).unwrap();
    /// let e = q.acc_wald(&[0.9, 0.9, 0.1, 0.1], &IntervalOptions::default()).unwrap();
    /// assert_eq!(e.estimate, 0.5);
    /// assert!(e.ci_low < 0.5 && e.ci_high > 0.5);
    /// ```
    pub fn acc_wald(&self, sample: &[f64], options: &IntervalOptions) -> Result<ShareEstimate> {
        check_sample(sample)?;
        options.check(sample.len())?;
        let n = sample.len() as f64;
        let s = sorted(sample.to_vec());
        let stats = self.stats(&s);
        let r = self.rates;
        let p = adjust(stats.cc, r.fpr, r.tpr);
        let k2 = match options.population {
            None => 1.0,
            Some(pop) => {
                let pop = pop as f64;
                let fpc = if pop > 1.0 {
                    (pop - n) / (pop - 1.0)
                } else {
                    0.0
                };
                let within = p * r.tpr * (1.0 - r.tpr) + (1.0 - p) * r.fpr * (1.0 - r.fpr);
                let total = stats.cc * (1.0 - stats.cc);
                let rho = if total > 0.0 {
                    (within / total).min(1.0)
                } else {
                    1.0
                };
                fpc + n / pop * rho
            }
        };
        let d = r.tpr - r.fpr;
        let var_num = k2 * stats.cc * (1.0 - stats.cc) / n
            + p * p * r.tpr * (1.0 - r.tpr) / r.n_fake as f64
            + (1.0 - p) * (1.0 - p) * r.fpr * (1.0 - r.fpr) / r.n_genuine as f64;
        let se = if d > 0.0 {
            var_num.sqrt() / d
        } else {
            var_num.sqrt()
        };
        let z = normal_quantile(0.5 + options.confidence / 2.0);
        Ok(ShareEstimate {
            estimate: p,
            ci_low: (p - z * se).clamp(0.0, 1.0),
            ci_high: (p + z * se).clamp(0.0, 1.0),
            confidence: options.confidence,
            method: Method::Acc,
            std_error: se,
        })
    }
}

/// Resamples one sorted validation class with replacement: (share at or above the cut, mean).
fn resample_class(
    sorted: &[f64],
    cut: usize,
    draws: Option<usize>,
    rng: &mut ChaCha8Rng,
) -> (f64, f64) {
    let n = sorted.len();
    let draws = draws.unwrap_or(n).max(1);
    let (mut above, mut sum) = (0usize, 0.0);
    for _ in 0..draws {
        let i = draw_index(rng, n);
        above += usize::from(i >= cut);
        sum += sorted[i];
    }
    (above as f64 / draws as f64, sum / draws as f64)
}

/// A uniform index in `0..n` from exactly one 32-bit draw (multiply-shift, no rejection loop;
/// its bias, at most n / 2^32, is immaterial here); a rejection-sampled range only for an `n`
/// beyond 32 bits.
fn draw_index(rng: &mut ChaCha8Rng, n: usize) -> usize {
    if n <= u32::MAX as usize {
        ((rng.next_u32() as u64 * n as u64) >> 32) as usize
    } else {
        rng.gen_range(0..n)
    }
}

/// The q-quantile of sorted values, interpolating linearly between order statistics (numpy's
/// default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::Label;
    use crate::quantify::RateShift;

    #[test]
    fn two_accounts_never_give_a_zero_width_interval() {
        let val: Vec<f64> = (0..400)
            .map(|i| if i < 200 { 0.95 } else { 0.03 })
            .collect();
        let lab: Vec<Label> = (0..400)
            .map(|i| if i < 200 { Label::Fake } else { Label::Genuine })
            .collect();
        let q = Quantifier::new(&val, &lab, 0.5, 0.5).unwrap();
        for m in Method::ALL {
            let e = q
                .estimate(&[0.02, 0.04], m, &IntervalOptions::default())
                .unwrap();
            assert!(e.ci_high - e.ci_low >= 0.3, "{m}: {e:?}");
        }
    }

    /// P(fake) values spread over (0, 1) like a forest's: a fake share `fake` of them high.
    fn scores(n: usize, fake: f64, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let u: f64 = rng.gen();
                let spread: f64 = rng.gen::<f64>() * rng.gen::<f64>();
                if rng.gen::<f64>() < fake {
                    1.0 - 0.6 * spread * u
                } else {
                    0.6 * spread * u
                }
            })
            .collect()
    }

    #[test]
    fn the_histogram_bootstrap_gives_the_intervals_the_exact_one_gives() {
        // The same population at the largest size resampled account by account and just
        // above it, where the replicates resample the coarse histogram.
        let val = scores(4_000, 0.5, 1);
        let lab: Vec<Label> = val
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                // Labels that mostly agree with the scores.
                if (p > 0.5) != (i % 13 == 0) {
                    Label::Fake
                } else {
                    Label::Genuine
                }
            })
            .collect();
        let q = Quantifier::new(&val, &lab, 0.5, 0.5).unwrap();
        let options = IntervalOptions::default();
        let exact = q
            .estimate_all(&scores(LARGE_SAMPLE, 0.3, 2), &options)
            .unwrap();
        let binned = q
            .estimate_all(&scores(LARGE_SAMPLE + 1, 0.3, 2), &options)
            .unwrap();
        for (e, b) in exact.iter().zip(&binned) {
            let (we, wb) = (e.ci_high - e.ci_low, b.ci_high - b.ci_low);
            assert!(we > 0.0 && (wb / we - 1.0).abs() < 0.1, "{e:?} {b:?}");
            let (ce, cb) = ((e.ci_high + e.ci_low) / 2.0, (b.ci_high + b.ci_low) / 2.0);
            assert!((ce - cb).abs() < 0.15 * we, "{e:?} {b:?}");
            assert!((e.estimate - b.estimate).abs() < 0.1 * we, "{e:?} {b:?}");
        }
    }

    /// A validation set of 200 fakes at 0.9 and 200 genuine accounts at 0.1, and a sample of
    /// 2,000 half at each.
    fn half_fake() -> (Quantifier, Vec<f64>) {
        let val: Vec<f64> = (0..400).map(|i| if i < 200 { 0.9 } else { 0.1 }).collect();
        let lab: Vec<Label> = (0..400)
            .map(|i| if i < 200 { Label::Fake } else { Label::Genuine })
            .collect();
        let sample: Vec<f64> = (0..2000)
            .map(|i| if i % 2 == 0 { 0.9 } else { 0.1 })
            .collect();
        (Quantifier::new(&val, &lab, 0.5, 0.5).unwrap(), sample)
    }

    /// Ten accounts, none called fake, by a model that finds 60% of the fakes and calls 5% of
    /// the genuine accounts fake. The bootstrap collapses (every resample has none called
    /// fake, which ACC reads as 0), so the count's exact interval (0 to 0.308) is the floor.
    /// Carried to ACC's scale, 0.308 called fake is (0.308 - 0.05) / 0.55 = 0.47 fake: the
    /// interval must reach that far, not stop at the count's 0.308.
    #[test]
    fn the_small_sample_floor_is_carried_to_the_adjusted_scale() {
        let mut val = vec![0.9; 60];
        val.extend(vec![0.1; 40]);
        val.extend(vec![0.9; 5]);
        val.extend(vec![0.1; 95]);
        let lab: Vec<Label> = (0..200)
            .map(|i| if i < 100 { Label::Fake } else { Label::Genuine })
            .collect();
        let q = Quantifier::new(&val, &lab, 0.5, 0.5).unwrap();
        let sample = vec![0.1; 10];
        let o = IntervalOptions::default();
        let count = q.estimate(&sample, Method::Cc, &o).unwrap();
        assert!((count.ci_high - 0.3085).abs() < 0.001, "{count:?}");
        let acc = q.estimate(&sample, Method::Acc, &o).unwrap();
        let want = (count.ci_high - 0.05) / 0.55;
        assert_eq!(acc.estimate, 0.0);
        assert!((acc.ci_high - want).abs() < 1e-9, "{acc:?} vs {want}");
        // PACC: mean P(fake) 0.58 of fakes, 0.14 of genuine accounts; the sample's 0.1 moved
        // by the count's 0.3085 gives (0.4085 - 0.14) / 0.44.
        let pacc = q.estimate(&sample, Method::Pacc, &o).unwrap();
        assert!(
            (pacc.ci_high - (0.1 + count.ci_high - 0.14) / 0.44).abs() < 1e-9,
            "{pacc:?}"
        );
    }

    #[test]
    fn a_rate_shift_widens_the_adjusted_intervals_only() {
        let (q, sample) = half_fake();
        let wide = q
            .clone()
            .with_shift(RateShift {
                tpr: 0.1,
                fpr: 0.1,
                mean_fake: 0.1,
                mean_genuine: 0.1,
                ..RateShift::default()
            })
            .unwrap();
        let o = IntervalOptions::default();
        for m in Method::ALL {
            let (a, b) = (
                q.estimate(&sample, m, &o).unwrap(),
                wide.estimate(&sample, m, &o).unwrap(),
            );
            assert_eq!(a.estimate, b.estimate);
            let (wa, wb) = (a.ci_high - a.ci_low, b.ci_high - b.ci_low);
            if m.uses_rates() {
                assert!(wb > 2.0 * wa, "{m}: {wa} -> {wb}");
            } else {
                assert_eq!(wa, wb, "{m}");
            }
        }
        assert!(q
            .with_shift(RateShift {
                tpr: -1.0,
                ..RateShift::default()
            })
            .is_err());
    }

    #[test]
    fn a_spread_measured_on_few_sources_widens_more_than_on_many() {
        // The same spreads, known from 2 held-out sources per class (Student's t with 2
        // degrees of freedom: 95% of draws within 4.30 spreads), from 1,000 (close to the
        // normal's 1.96) and given outright (the normal).
        let (q, sample) = half_fake();
        let spread = |sources: u32| RateShift {
            tpr: 0.04,
            fpr: 0.04,
            mean_fake: 0.04,
            mean_genuine: 0.04,
            fake_sources: sources,
            genuine_sources: sources,
        };
        let o = IntervalOptions::default();
        let width = |sources: u32| {
            let e = q
                .clone()
                .with_shift(spread(sources))
                .unwrap()
                .estimate(&sample, Method::Pacc, &o)
                .unwrap();
            e.ci_high - e.ci_low
        };
        let (few, many, normal) = (width(2), width(1000), width(0));
        assert!(few > 1.6 * normal, "{few} vs {normal}");
        assert!((many / normal - 1.0).abs() < 0.1, "{many} vs {normal}");
    }

    #[test]
    fn normal_quantile_matches_known_values() {
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-8);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.005) + 2.575_829_303_548_901).abs() < 1e-8);
        assert!((normal_quantile(0.995) - 2.575_829_303_548_901).abs() < 1e-8);
    }

    #[test]
    fn quantile_interpolates_like_numpy() {
        // numpy.quantile([1, 2, 3, 4], [0.025, 0.5, 0.975]) = [1.075, 2.5, 3.925]
        let v = [1.0, 2.0, 3.0, 4.0];
        assert!((quantile(&v, 0.025) - 1.075).abs() < 1e-12);
        assert!((quantile(&v, 0.5) - 2.5).abs() < 1e-12);
        assert!((quantile(&v, 0.975) - 3.925).abs() < 1e-12);
        assert_eq!(quantile(&[0.3], 0.9), 0.3);
    }
}
