using System.Diagnostics;
using System.Globalization;
using Uga.Loop.Queue;

namespace Uga.Bench;

/// <summary>
/// Cheaper ways to the ranking, against the full map: each variant (patch overlap, cascade threshold) predicts the
/// same slides with the same model into its own artifacts and ranks them with the default strategy; the measure is
/// the share of the reference's top-K candidates the variant also picks (top-K recall), the network forwards and the
/// wall time. Decision rule (docs/benchmarks.md, written before the runs): a variant is kept only where its top-10
/// recall is at least 0.9 on every slide set.
/// </summary>
public sealed class CheapUncertaintyBench : IConsoleBench
{
    public string Name => "cheap-uncertainty";
    public string Description => "top-K recall and cost of cheaper uncertainty maps vs the full one: --model DIR --slide FILE [--slide FILE…] [--k 10] [--patch 256] [--spacing UM] [--cascades 0.5,0.7: only these cascades after the full map]";

    private static readonly (string Name, Func<int, int?> Overlap, double? Cascade)[] Variants =
    [
        ("full: half overlap, every member", _ => null, null),
        ("quarter overlap", p => p / 4, null),
        ("no overlap", _ => 0, null),
        ("cascade 0.1", _ => null, 0.1),
        ("cascade 0.2", _ => null, 0.2),
        ("cascade 0.3", _ => null, 0.3),
        ("quarter overlap + cascade 0.2", p => p / 4, 0.2),
    ];

    public int Run(string[] args)
    {
        var model = BenchArgs.Get(args, "--model", "");
        var slides = args.Select((a, i) => (a, i)).Where(x => x.a == "--slide" && x.i + 1 < args.Length).Select(x => args[x.i + 1]).ToList();
        if (model.Length == 0 || slides.Count == 0) throw new ArgumentException("give --model DIR and at least one --slide FILE");
        int k = BenchArgs.GetInt(args, "--k", 10), patch = BenchArgs.GetInt(args, "--patch", 256);
        double? spacing = BenchArgs.Get(args, "--spacing", "") is { Length: > 0 } s ? double.Parse(s, CultureInfo.InvariantCulture) : null;
        int modelPatch = Uga.Inference.ModelManifest.Read(Path.Combine(model, Uga.Inference.ModelManifest.FileName)).PatchSize;
        Console.WriteLine($"CPU: {CpuInfo.Describe()}");
        Console.WriteLine($"model {model} (patch {modelPatch}); {slides.Count} slides: {string.Join(", ", slides.Select(Path.GetFileName))}; top-{k}, candidate patch {patch}");
        var variants = Variants;
        if (BenchArgs.Get(args, "--cascades", "") is { Length: > 0 } list)
            variants = [Variants[0], .. list.Split(',').Select(t => double.Parse(t, CultureInfo.InvariantCulture))
                .Select(t => ($"cascade {t.ToString(CultureInfo.InvariantCulture)}", (Func<int, int?>)(_ => null), (double?)t))];
        using var dir = new BenchDir();
        var rows = new List<(string Name, double Recall, long Forwards, double Seconds)>();
        HashSet<(string, Uga.Imaging.PixelRegion)>? reference = null;
        foreach (var (name, overlap, cascade) in variants)
        {
            var folder = dir.File(rows.Count.ToString(CultureInfo.InvariantCulture));
            var watch = Stopwatch.StartNew();
            var result = Ranker.Run(new RankRequest
            {
                ModelDir = model,
                SlidePaths = slides,
                SlideSpacingUm = spacing,
                OutDir = folder,
                ArtifactsDir = folder,
                K = k,
                // The top-K of the uncertainty map itself: what the cheap variants must preserve (class-stratified,
                // rank's default now, adds Gumbel noise, which would blur the recall).
                Strategy = "uncertainty-sum",
                PatchSizePx = patch,
                Overlap = overlap(modelPatch),
                CascadeThreshold = cascade,
            });
            var chosen = result.Selection.Chosen.Select(c => c.Key).ToHashSet();
            reference ??= chosen;
            double recall = chosen.Intersect(reference).Count() / (double)reference.Count;
            rows.Add((name, recall, result.Forwards, watch.Elapsed.TotalSeconds));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: recall {recall:0.0#}, {result.Forwards} forwards, {watch.Elapsed.TotalSeconds:0.0} s"));
        }
        Console.WriteLine();
        Console.WriteLine($"| variant | top-{k} recall | forwards | network work vs full | wall s | speed-up |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var (name, recall, forwards, seconds) in rows)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {recall:0.0#} | {forwards} | {forwards / (double)rows[0].Forwards:0.###} | {seconds:0.0} | {rows[0].Seconds / seconds:0.##}x |"));
        return 0;
    }
}
