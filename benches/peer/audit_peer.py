"""Python peer of examples/bench_audit.rs: the usual pandas + scikit-learn audit script.

Reads a Cresci / MIB users.csv export with pandas, computes the profile features of our
`twitter` feature set (docs/features.md) vectorized in pandas / numpy, scores them with a
RandomForestClassifier(n_estimators=100) trained on cresci-2015 E13 (genuine) + INT (fake) with
the same features, and reports the genuine share as the mean predicted P(genuine).

Install:  python3 -m pip install -r benches/peer/requirements.txt
Run:      python3 benches/peer/audit_peer.py FILE [--data ../shared/datasets] [--jobs -1]
              [--repeats 1]

Timed (per repeat): read_csv + features + predict_proba + the share, as bench_audit times
reading + features + scoring + share + bursts. Training is done once before and timed apart.
The last line printed is one JSON object with every number (benches/peer/compare.sh reads it).

Features computed (45 of the 77 columns of twitter v2): the 11 field indicators, account age,
the log counts and per-day rates, the friends/followers relations and rule flags, the text
presence flags and lengths, digits, bot words in the bio, default image / theme / background /
verified / geo flags. Left out: `screen_name_likelihood` (needs our built-in bigram table) and
the 31 activity columns (this export has no timelines, so ours are all 0 there too).
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import RandomForestClassifier

COUNTS = ["statuses_count", "followers_count", "friends_count", "favourites_count", "listed_count"]
FLAGS = ["default_profile", "default_profile_image", "profile_use_background_image", "verified",
         "geo_enabled"]
TEXTS = ["name", "screen_name", "description", "url", "location"]
DATES = ["created_at", "updated"]
USECOLS = COUNTS + FLAGS + TEXTS + DATES
BOT_WORDS = r"(?i)(?<![A-Za-z0-9_])(?:bot|bots|robot|robots|chatbot|twitterbot)(?![A-Za-z0-9_])|机器人"


def read(path):
    """The export as pandas reads it: only the columns the features use, text as strings."""
    dtypes = {c: "float64" for c in COUNTS + FLAGS}
    dtypes.update({c: "string" for c in TEXTS + DATES})
    return pd.read_csv(path, usecols=lambda c: c in USECOLS, dtype=dtypes,
                       keep_default_na=False, na_values=[""])


def log1p(x):
    return np.log1p(np.maximum(x, 0.0))


def features(df):
    """Our twitter profile features, vectorized; missing values follow docs/features.md."""
    out = {}
    created = pd.to_datetime(df["created_at"], format="%a %b %d %H:%M:%S %z %Y", utc=True,
                             errors="coerce")
    updated = pd.to_datetime(df["updated"], format="%Y-%m-%d %H:%M:%S", utc=True,
                             errors="coerce")
    age = ((updated - created).dt.total_seconds() / 86400.0).clip(lower=0.0).to_numpy()
    has_age = ~np.isnan(age)
    out["has_created_at"] = created.notna().to_numpy(dtype=float)
    counts = {c: df[c].to_numpy(dtype=float) for c in COUNTS}
    for c in COUNTS:
        out["has_" + c] = (~np.isnan(counts[c])).astype(float)
    # MIB flags: "1" true, empty false (so a flag column present is always known).
    for name in ["has_image_field", "has_default_profile_field", "has_background_image_field",
                 "has_verified_field", "has_geo_enabled_field"]:
        out[name] = np.ones(len(df))
    flags = {c: np.nan_to_num(df[c].to_numpy(dtype=float), nan=0.0) for c in FLAGS}

    age0 = np.where(has_age, age, 0.0)
    out["age_days"] = age0
    per_day = np.maximum(age0, 1.0)
    for c, name in [("friends_count", "friends_growth_rate_log1p"),
                    ("statuses_count", "tweet_frequency_log1p"),
                    ("followers_count", "followers_growth_rate_log1p"),
                    ("favourites_count", "favourites_growth_rate_log1p"),
                    ("listed_count", "listed_growth_rate_log1p")]:
        v = counts[c]
        out[name] = np.where(has_age & ~np.isnan(v), log1p(np.nan_to_num(v) / per_day), 0.0)
    for c in COUNTS:
        out[c + "_log1p"] = log1p(np.nan_to_num(counts[c]))
    listed = counts["listed_count"]
    out["is_listed"] = (np.nan_to_num(listed) > 0).astype(float)

    fr, fo = counts["friends_count"], counts["followers_count"]
    both = ~np.isnan(fr) & ~np.isnan(fo)
    fr0, fo1 = np.nan_to_num(fr), np.maximum(np.nan_to_num(fo), 1.0)
    ratio = fr0 / fo1
    out["friends_followers_sq_log1p"] = np.where(both, log1p(fr0 / (fo1 * fo1)), 0.0)
    out["friends_followers_ge_50"] = (both & (ratio >= 50.0)).astype(float)
    out["two_followers_ge_friends"] = (both & (2.0 * np.nan_to_num(fo) >= fr0)).astype(float)
    out["friends_followers_about_100"] = (both & (ratio >= 90.0) & (ratio <= 110.0)).astype(float)
    out["followers_friends_ratio_log1p"] = np.where(
        both, log1p(np.nan_to_num(fo) / np.maximum(fr0, 1.0)), 0.0)

    text = {c: df[c].fillna("") for c in TEXTS}
    blank = {c: text[c].str.strip().str.len().to_numpy() == 0 for c in TEXTS}
    out["has_name"] = (~blank["name"]).astype(float)
    out["has_description"] = (~blank["description"]).astype(float)
    out["has_url"] = (~blank["url"]).astype(float)
    out["has_location"] = (~blank["location"]).astype(float)
    out["bot_in_bio"] = text["description"].str.contains(BOT_WORDS, regex=True).to_numpy(dtype=float)
    out["no_bio_no_location_friends_ge_100"] = (
        ~np.isnan(fr) & blank["description"] & blank["location"] & (fr0 >= 100.0)).astype(float)

    default_image = flags["default_profile_image"] > 0
    out["has_image"] = (~default_image).astype(float)
    out["default_image_after_2_months"] = (default_image & has_age & (age0 > 60.0)).astype(float)
    out["default_profile"] = flags["default_profile"]
    out["profile_use_background_image"] = flags["profile_use_background_image"]
    out["verified"] = flags["verified"]
    out["geo_enabled"] = flags["geo_enabled"]

    for c, name in [("screen_name", "screen_name"), ("name", "name")]:
        out[name + "_length"] = text[c].str.len().to_numpy(dtype=float)
        out[name + "_digits"] = text[c].str.count(r"\d").to_numpy(dtype=float)
    out["description_length"] = text["description"].str.len().to_numpy(dtype=float)
    names = sorted(out)
    return np.column_stack([out[n] for n in names]), names


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                                   "shared", "datasets"))
    ap.add_argument("--jobs", type=int, default=-1, help="scikit-learn n_jobs (default: all cores)")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    # Train once (not timed with the audit): E13 genuine, INT fake, the same features.
    t0 = time.perf_counter()
    parts = []
    for subset, label in [("E13", 0), ("INT", 1)]:
        d = read(os.path.join(args.data, "cresci-2015", subset, "users.csv"))
        parts.append((features(d)[0], np.full(len(d), label)))
    xtr = np.vstack([p[0] for p in parts])
    ytr = np.concatenate([p[1] for p in parts])
    forest = RandomForestClassifier(n_estimators=100, n_jobs=args.jobs, random_state=args.seed)
    forest.fit(xtr, ytr)
    train_s = time.perf_counter() - t0
    genuine_col = list(forest.classes_).index(0)

    times, share, n, n_features = [], None, 0, 0
    for run in range(args.repeats):
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        df = read(args.file)
        t1 = time.perf_counter()
        x, names = features(df)
        t2 = time.perf_counter()
        proba = forest.predict_proba(x)
        share = float(proba[:, genuine_col].mean())
        t3 = time.perf_counter()
        n, n_features = len(df), len(names)
        times.append(t3 - t0)
        print(f"run {run + 1}: {n} accounts in {t3 - t0:.3f} s = {n / (t3 - t0):.0f} accounts/s "
              f"(read_csv {t1 - t0:.3f} s, features {t2 - t1:.3f} s, predict_proba "
              f"{t3 - t2:.3f} s), load {load:.2f}")
        del df, x, proba
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    best, median = min(times), statistics.median(times)
    print(f"python {sys.version.split()[0]}, pandas {pd.__version__}, numpy {np.__version__}, "
          f"scikit-learn {sklearn.__version__}, n_jobs={args.jobs}; trained on {len(ytr)} "
          f"accounts x {n_features} features in {train_s:.2f} s")
    print(f"{args.file}: genuine share (mean P(genuine)) {share:.4f}; best {best:.3f} s "
          f"({n / best:.0f} accounts/s), median {median:.3f} s; peak memory {peak_mb:.0f} MB")
    print(json.dumps({
        "tool": "python-peer", "file": args.file, "accounts": n, "features": n_features,
        "jobs": args.jobs, "best_seconds": best, "median_seconds": median,
        "accounts_per_second": n / best, "peak_memory_mb": peak_mb,
        "genuine_share": share, "train_seconds": train_s,
    }))


if __name__ == "__main__":
    main()
