using System.Diagnostics;
using System.Globalization;
using Uga.Imaging;
using Uga.Ranking;

namespace Uga.Bench;

/// <summary>
/// Candidate grid + ranking on a synthetic slide-sized uncertainty map (two measures, tissue on the top 70%):
/// how long the per-patch features and each strategy's selection take at a given map size and stride.
/// </summary>
public sealed class RankingBench : IConsoleBench
{
    public string Name => "ranking";
    public string Description => "candidate grid + strategies on a synthetic uncertainty map: --size 8192 --patch 256 --stride 256 --k 50";

    public int Run(string[] args)
    {
        int size = BenchArgs.GetInt(args, "--size", 8192), patch = BenchArgs.GetInt(args, "--patch", 256);
        int stride = BenchArgs.GetInt(args, "--stride", patch), k = BenchArgs.GetInt(args, "--k", 50);
        var slide = SyntheticSlide(size);
        var clock = Stopwatch.StartNew();
        var pool = CandidateGrid.Build([slide], new GridOptions { PatchSizePx = patch, StridePx = stride, SpacingUm = 0.5 });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"grid: {size}x{size} map x2 measures, patch {patch}, stride {stride}: {pool.Count} candidates in {clock.Elapsed.TotalMilliseconds:0} ms"));
        foreach (var name in RankingStrategies.Names)
        {
            clock.Restart();
            var selection = CandidateSelector.Select(pool, RankingStrategies.Create(name),
                new SelectionOptions { K = Math.Min(k, pool.Count), MinCentreDistanceUm = patch * 0.5 });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-20} K={selection.Chosen.Count} in {clock.Elapsed.TotalMilliseconds:0.0} ms"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak RSS {BenchArgs.PeakRssMiB():0} MiB"));
        return 0;
    }

    private static RankingSlide SyntheticSlide(int size)
    {
        var rng = new Random(1);
        var ce = new FloatMap(size, size);
        var mi = new FloatMap(size, size);
        for (int i = 0; i < ce.Data.Length; i++)
        {
            ce.Data[i] = (float)rng.NextDouble();
            mi.Data[i] = ce.Data[i] * 0.2f;
        }
        var tissue = new bool[(size / 8) * (size / 8)];
        for (int i = 0; i < tissue.Length; i++) tissue[i] = i / (size / 8) < size * 7 / 80;
        var measures = new Dictionary<string, FloatMap> { ["ensemble-ce"] = ce, ["mutual-information"] = mi };
        var slide = RankingSlide.OfImage("synthetic", 0.5, measures);
        return slide with { Tissue = MaskTissueFraction.FromBools(tissue, size / 8, 4.0) };
    }
}
