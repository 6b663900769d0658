using System.Diagnostics;
using System.Globalization;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Learning.Inference;

namespace Uga.Bench;

/// <summary>
/// bf16 (TorchSharp) or int8 (ONNX Runtime, static QDQ export calibrated on other images) against fp32 on real data
/// — issue 13's bars: bf16 becomes a default only where |ΔDice| &lt; 0.002 and the top-10 overlap ≥ 9/10; int8 is
/// kept only if |ΔDice| &lt; 0.005. The same model predicts the same images in both precisions; reported are the largest and mean per-pixel change of
/// the uncertainty map (ensemble-ce), the mean foreground Dice against the reference masks in each precision, and the
/// overlap of the top-K candidate patches (grid of model patches, scored by the sum of the map) over the pool.
/// Numerics do not depend on whether bf16 is native or emulated, so the check runs anywhere; the time does.
/// </summary>
public sealed class PrecisionBench : IConsoleBench
{
    public string Name => "precision";
    public string Description => "bf16 or int8 vs fp32 on real images: --model DIR --data DIR [--where col=val] [--data-spacing UM] [--images 10] [--k 10] [--int8 --calibration DIR --calibration-where col=val]";

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
        bool int8 = args.Contains("--int8");
        string low = int8 ? "int8" : "bf16";
        using var dir = new BenchDir();
        using var bf16 = int8 ? Int8Model(model, args, dir, spacing) : EnsembleModels.Load(model, InferenceBackend.TorchSharp, InferencePrecision.Bf16);
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
            Console.WriteLine(Invariant($"  {c.Stem}: fp32 {seconds[0]:0.0} s, {low} {seconds[1]:0.0} s so far"));
        }
        var top = candidates.Select(list => list.OrderByDescending(x => x.Item4).Take(k).Select(x => (x.Item1, x.Item2, x.Item3)).ToHashSet()).ToArray();
        int overlap = top[0].Intersect(top[1]).Count();
        double dice32 = counts[0].MeanDice(), dice16 = counts[1].MeanDice();
        Console.WriteLine($"| data | images | mean fg Dice fp32 | {low} | Δ | top-10 overlap | max / mean abs. Δ ensemble-ce | fp32 s | {low} s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---|---:|---:|");
        Console.WriteLine(Invariant($"| {Path.GetFileName(Path.TrimEndingDirectorySeparator(data))} | {cases.Count} | {dice32:0.0000} | {dice16:0.0000} | {dice16 - dice32:+0.0000;-0.0000} | {overlap}/{k} | {maxDiff:0.0e+0} / {sumDiff / pixels:0.0e+0} | {seconds[0]:0.0} | {seconds[1]:0.0} |"));
        if (int8)
        {
            Console.WriteLine(Math.Abs(dice16 - dice32) < 0.005 ? "int8 meets the bar here (|ΔDice| < 0.005)" : "int8 does NOT meet the bar here (|ΔDice| < 0.005)");
            return 0;
        }
        bool pass = Math.Abs(dice16 - dice32) < 0.002 && overlap >= Math.Ceiling(0.9 * k);
        Console.WriteLine(pass ? "bf16 meets the bar here (|ΔDice| < 0.002, overlap ≥ 9/10)" : "bf16 does NOT meet the bar here (|ΔDice| < 0.002 and overlap ≥ 9/10)");
        return 0;
    }

    // The model exported as int8 ONNX, calibrated on 2 tiles of each of up to 8 images of --calibration (never the
    // evaluated images; --data-spacing applies to them too), cut at the model's spacing.
    private static IEnsembleModel Int8Model(string model, string[] args, BenchDir dir, double? spacing)
    {
        var folder = BenchArgs.Get(args, "--calibration", "");
        if (folder.Length == 0) throw new ArgumentException("--int8 needs --calibration DIR (images not evaluated, e.g. the training split)");
        var where = BenchArgs.Get(args, "--calibration-where", "") is { Length: > 0 } w ? new[] { CaseFilter.Parse(w) } : [];
        using var ensemble = Ensemble.Load(model);
        var m = ensemble.Manifest;
        var cases = SegmentationDataset.ListCases(folder, new DatasetOptions { Where = where, DataSpacingUm = spacing, ClassCount = m.ClassCount })
            .OrderBy(c => c.Stem, StringComparer.Ordinal).Take(8).ToList();
        var tiles = new List<byte>();
        int count = 0;
        foreach (var c in cases)
        {
            var image = ImageFile.ReadRgb(c.ImagePath);
            double f = c.SpacingUm / m.SpacingUm;
            var atModel = Resample.Rgb(image, Resample.Scaled(image.Width, f), Resample.Scaled(image.Height, f));
            foreach (var r in TileGrid.EvenSample([.. TileGrid.Regions(atModel.Width, atModel.Height, m.PatchSize)], 2))
            {
                tiles.AddRange(atModel.Crop(r).Data);
                count++;
            }
        }
        Console.WriteLine($"int8 calibrated on {count} tiles of {cases.Count} images of {folder}");
        OnnxExport.Write(ensemble, dir.File("int8"), ([.. tiles], count));
        return EnsembleModels.Load(dir.File("int8"));
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
