//! The random forest and the baselines on the public Cresci 2015 data (E13 genuine, INT fake):
//! thread-count invariance, contributions that add up, and the forest ranking first by AUC.

mod common;

use follower_audit::{
    detectors::{
        DecisionTreeParams, GaussianNbParams, LogisticRegressionParams, RandomForestParams,
    },
    evaluation::{cross_validate, CrossValidationParams},
    Detector, FeatureExtractor, FeatureMatrix, FeatureSet, Label, Preset,
};

/// A detector-fitting closure as `cross_validate` takes it.
type FitFn = dyn Fn(&FeatureMatrix, &[Label]) -> follower_audit::Result<Box<dyn Detector>> + Sync;

fn twitter() -> Option<(FeatureMatrix, Vec<Label>)> {
    let data = common::shared_datasets()?;
    let (accounts, _) = Preset::Twitter.read(&data).unwrap();
    let labels = accounts.iter().map(|a| a.label.unwrap()).collect();
    Some((
        FeatureExtractor::new(FeatureSet::Twitter).extract(&accounts),
        labels,
    ))
}

#[test]
fn forest_is_identical_whatever_the_thread_count() {
    let Some((x, y)) = twitter() else { return };
    let params = RandomForestParams::default().n_trees(24).seed(5);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let a = one.install(|| params.fit(&x, &y).unwrap());
    let b = two.install(|| params.fit(&x, &y).unwrap());
    assert_eq!(
        postcard::to_allocvec(&a).unwrap(),
        postcard::to_allocvec(&b).unwrap()
    );
    let pa = one.install(|| a.predict_proba(&x).unwrap());
    let pb = two.install(|| b.predict_proba(&x).unwrap());
    assert_eq!(pa, pb);
    // Contributions explain each score exactly.
    for row in [0, 1500, 2817] {
        let c = a.contributions(&x, row).unwrap();
        let total = c.bias + c.per_feature.iter().sum::<f64>();
        assert!((total - pa[row]).abs() < 1e-9, "row {row}");
    }
}

#[test]
fn forest_ranks_first_among_the_detectors() {
    let Some((x, y)) = twitter() else { return };
    let cv = CrossValidationParams::new().folds(5).seed(3);
    let auc = |fit: &FitFn| cross_validate(&cv, &x, &y, fit).unwrap().pooled.auc;
    let forest = auc(&|x, y| {
        Ok(Box::new(RandomForestParams::default().seed(1).fit(x, y)?) as Box<dyn Detector>)
    });
    let logistic = auc(&|x, y| Ok(Box::new(LogisticRegressionParams::default().fit(x, y)?) as _));
    let nb = auc(&|x, y| Ok(Box::new(GaussianNbParams::default().fit(x, y)?) as _));
    let tree = auc(&|x, y| Ok(Box::new(DecisionTreeParams::default().fit(x, y)?) as _));
    eprintln!("5-fold AUC: forest {forest:.4}, logistic {logistic:.4}, naive Bayes {nb:.4}, tree {tree:.4}");
    // Cresci 2015 Table 16, Class A random forest: AUC 0.995.
    assert!(forest >= 0.995, "forest AUC {forest}");
    assert!(forest >= logistic && forest >= nb && forest >= tree);
    assert!(nb > 0.9 && tree > 0.9 && logistic > 0.9);
}
