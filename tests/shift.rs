//! The shift diagnostic: how much of a list lies outside the training data's support.

use follower_audit::{ExportShape, FeatureMatrix, Label, Platform, TrainingSet};

fn twitter() -> &'static TrainingSet {
    TrainingSet::embedded(Platform::Twitter)
}

#[test]
fn training_accounts_lie_inside_and_inflated_counts_outside() {
    let t = twitter();
    let shape = ExportShape::full();
    // Training rows compared with the training data: the support's edge is the 95th
    // percentile of their own nearest-neighbour distances, so about 5% lie beyond it (fewer,
    // as a row's nearest neighbour may be itself).
    let x = t.matrix(&shape, None);
    let own = t.shift(&shape, &x, 1000).unwrap();
    assert_eq!(own.rows, 1000);
    assert!(
        own.outside <= 0.08,
        "{} of training rows outside",
        own.outside
    );
    assert_eq!(own.votes.len(), t.len());
    assert_eq!(
        own.votes.iter().map(|&v| u64::from(v)).sum::<u64>(),
        5 * 1000
    );
    // Each looked-at row's nearest rows of each class: five fakes, five genuine accounts, and
    // its five nearest rows of both (the votes) among those ten.
    assert_eq!(own.looked.len(), 1000);
    assert_eq!(own.neighbours.len(), 1000);
    for [fakes, genuine] in &own.neighbours {
        assert_eq!((fakes.len(), genuine.len()), (5, 5));
        assert!(fakes.iter().all(|&i| t.labels()[i] == Label::Fake));
        assert!(genuine.iter().all(|&i| t.labels()[i] == Label::Genuine));
    }
    let mut from_classes = vec![0u32; t.len()];
    for [fakes, genuine] in &own.neighbours {
        for &i in fakes.iter().chain(genuine) {
            from_classes[i] += 1;
        }
    }
    assert!(own.votes.iter().zip(&from_classes).all(|(&v, &c)| v <= c));

    // The same accounts with every column scaled far beyond what training saw.
    let mut far = x.values().to_owned();
    far.mapv_inplace(|v| v * 40.0 + 25.0);
    let far = FeatureMatrix::new(x.schema().clone(), far).unwrap();
    let shifted = t.shift(&shape, &far, 1000).unwrap();
    assert!(shifted.outside > 0.9, "{} outside", shifted.outside);
    assert!(shifted.weight > own.weight);
    assert_eq!(shifted.level(), "high");

    // One class alone is still inside (it is half of the support), but a list of fakes gives
    // its nearest-neighbour votes to fake rows above all.
    let fakes: Vec<usize> = (0..t.len())
        .filter(|&i| t.labels()[i] == Label::Fake)
        .collect();
    let x_fake = t.matrix(&shape, Some(&fakes));
    let s = t.shift(&shape, &x_fake, 1000).unwrap();
    let to_fake: u64 = (0..t.len())
        .filter(|&i| t.labels()[i] == Label::Fake)
        .map(|i| u64::from(s.votes[i]))
        .sum();
    let all: u64 = s.votes.iter().map(|&v| u64::from(v)).sum();
    assert!(
        to_fake as f64 > 0.9 * all as f64,
        "{to_fake} of {all} votes to fakes"
    );
}
