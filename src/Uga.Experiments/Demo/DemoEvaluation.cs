using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Learning.Inference;

namespace Uga.Experiments.Demo;

/// <summary>
/// Dice of a model on a dataset folder the way `uga evaluate` measures it: each image predicted at its own spacing
/// with <see cref="TiledPredictor"/>, TP/FP/FN pooled over all images before Dice. The predicted label maps are
/// written as PNGs so every number can be recomputed from files.
/// </summary>
internal static class DemoEvaluation
{
    public static (ClassCounts Counts, IReadOnlyDictionary<string, LabelMap> Predictions) Evaluate(
        Ensemble ensemble, string dataDir, string outDir, DemoOptions o, string stage)
    {
        var cases = SegmentationDataset.ListCases(dataDir, new DatasetOptions());
        var counts = new ClassCounts(ensemble.Manifest.ClassCount);
        var predictions = new Dictionary<string, LabelMap>(StringComparer.Ordinal);
        for (int i = 0; i < cases.Count; i++)
        {
            var (image, reference) = SegmentationDataset.ReadCase(cases[i], ensemble.Manifest.ClassCount);
            var labels = TiledPredictor.Predict(ensemble, image, cases[i].SpacingUm, new PredictOptions
            {
                BatchSize = o.BatchSize,
                Cancellation = o.Cancellation,
            }).Labels;
            counts.Add(SegmentationMetrics.Count(labels, reference, ensemble.Manifest.ClassCount));
            ImageFile.WritePng(labels, Path.Combine(outDir, cases[i].Stem + ".png"));
            predictions[cases[i].Stem] = labels;
            o.Progress?.Report(new WorkProgress(stage, i + 1, cases.Count, cases[i].Stem));
        }
        return (counts, predictions);
    }

    /// <summary>Mean Dice of the foreground classes (benign and tumour), NaN-free classes only.</summary>
    public static DemoArm Arm(string name, string? strategy, int k, int steps, ClassCounts counts) =>
        new(name, strategy, k, steps, counts.DicePerClass(), counts.MeanDice());
}
