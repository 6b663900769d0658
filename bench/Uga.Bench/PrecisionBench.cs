using System.Diagnostics;
using System.Globalization;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Learning.Inference;

namespace Uga.Bench;

/// <summary>
/// bf16 against fp32 on real data (issue 13's bar for making bf16 the default where the CPU computes it natively):
/// the same model predicts the same images in both precisions; reported are the largest and mean per-pixel change of
/// the uncertainty map (ensemble-ce), the mean foreground Dice against the reference masks in each precision, and the
/// overlap of the top-K candidate patches (grid of model patches, scored by the sum of the map) over the pool.
/// Numerics do not depend on whether bf16 is native or emulated, so the check runs anywhere; the time does.
/// </summary>
public sealed class PrecisionBench : IConsoleBench
{
    public string Name => "precision";
    public string Description => "bf16 vs fp32 on real images: --model DIR --data DIR [--where col=val] [--data-spacing UM] [--images 10] [--k 10]";

    public int Run(string[] args)
    {
        var model = BenchArgs.Get(args, "--model", "");
        var data = BenchArgs.Get(args, "--data", "");
        if (model.Length == 0 || data.Length == 0) throw new ArgumentException("give --model DIR and --data DIR");
        var where = BenchArgs.Get(args, "--where", "") is { Length: > 0 } w ? new[] { CaseFilter.Parse(w) } : [];
        double? spacing = BenchArgs.Get(args, "--data-spacing", "") is { Length: > 0 } s ? double.Parse(s, CultureInfo.InvariantCulture) : null;
        int images = BenchArgs.GetInt(args, "--images", 10), k = BenchArgs.GetInt(args, "--k", 10);
        Console.WriteLine($"CPU: {CpuInfo.Describe()}");
        using var fp32 = EnsembleModels.Load(model, InferenceBackend.TorchSharp, InferencePrecision.Fp32);
        using var bf16 = EnsembleModels.Load(model, InferenceBackend.TorchSharp, InferencePrecision.Bf16);
        int classes = fp32.Manifest.ClassCount, patch = fp32.Manifest.PatchSize;
        var cases = SegmentationDataset.ListCases(data, new DatasetOptions { Where = where, DataSpacingUm = spacing, ClassCount = classes });
        cases = [.. cases.OrderBy(c => c.Stem, StringComparer.Ordinal).Take(images)];
        Console.WriteLine($"model {model}; {cases.Count} images of {data}; top-{k} of patches of {patch} px at {fp32.Manifest.SpacingUm} µm/px");

        var counts = new[] { new ClassCounts(classes), new ClassCounts(classes) };
        var candidates = new[] { new List<(string, int, int, double)>(), new List<(string, int, int, double)>() };
        var seconds = new double[2];
        double maxDiff = 0, sumDiff = 0;
        long pixels = 0;
        var options = new PredictOptions { Uncertainty = Uga.Ranking.PaperScoring.DefaultMeasure };
        foreach (var c in cases)
        {
            var (image, reference) = SegmentationDataset.ReadCase(c, classes);
            var results = new PredictionResult[2];
            for (int p = 0; p < 2; p++)
            {
                var watch = Stopwatch.StartNew();
                results[p] = TiledPredictor.Predict(p == 0 ? fp32 : bf16, image, c.SpacingUm, options);
                seconds[p] += watch.Elapsed.TotalSeconds;
                counts[p].Add(SegmentationMetrics.Count(results[p].Labels, reference, classes));
                candidates[p].AddRange(Patches(c.Stem, results[p].Uncertainty, (int)Math.Round(patch * fp32.Manifest.SpacingUm / c.SpacingUm)));
            }
            for (int i = 0; i < results[0].Uncertainty.Data.Length; i++)
            {
                double d = Math.Abs(results[0].Uncertainty.Data[i] - results[1].Uncertainty.Data[i]);
                maxDiff = Math.Max(maxDiff, d);
                sumDiff += d;
            }
            pixels += results[0].Uncertainty.Data.Length;
            Console.WriteLine(Invariant($"  {c.Stem}: fp32 {seconds[0]:0.0} s, bf16 {seconds[1]:0.0} s so far"));
        }
        var top = candidates.Select(list => list.OrderByDescending(x => x.Item4).Take(k).Select(x => (x.Item1, x.Item2, x.Item3)).ToHashSet()).ToArray();
        int overlap = top[0].Intersect(top[1]).Count();
        double dice32 = counts[0].MeanDice(), dice16 = counts[1].MeanDice();
        Console.WriteLine("| data | images | mean fg Dice fp32 | bf16 | Δ | top-10 overlap | max / mean abs. Δ ensemble-ce | fp32 s | bf16 s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---|---:|---:|");
        Console.WriteLine(Invariant($"| {Path.GetFileName(Path.TrimEndingDirectorySeparator(data))} | {cases.Count} | {dice32:0.0000} | {dice16:0.0000} | {dice16 - dice32:+0.0000;-0.0000} | {overlap}/{k} | {maxDiff:0.0e+0} / {sumDiff / pixels:0.0e+0} | {seconds[0]:0.0} | {seconds[1]:0.0} |"));
        bool pass = Math.Abs(dice16 - dice32) < 0.002 && overlap >= Math.Ceiling(0.9 * k);
        Console.WriteLine(pass ? "bf16 meets the bar here (|ΔDice| < 0.002, overlap ≥ 9/10)" : "bf16 does NOT meet the bar here (|ΔDice| < 0.002 and overlap ≥ 9/10)");
        return 0;
    }

    // Non-overlapping square windows of the map (image pixels), scored by their sum.
    private static IEnumerable<(string, int, int, double)> Patches(string stem, FloatMap map, int side)
    {
        for (int y = 0; y + side <= map.Height; y += side)
            for (int x = 0; x + side <= map.Width; x += side)
            {
                double sum = 0;
                for (int j = 0; j < side; j++)
                    for (int i = 0; i < side; i++) sum += map[x + i, y + j];
                yield return (stem, x, y, sum);
            }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
