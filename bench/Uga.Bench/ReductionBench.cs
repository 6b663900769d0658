using System.Diagnostics;
using System.Globalization;
using Uga.Imaging;
using Uga.Ranking;

namespace Uga.Bench;

/// <summary>
/// The cluster reduction's ranking cost as the cohort grows (issue 11): per-slide features (phase 1, what each unit
/// could compute), the pool-wide reduction (phase 2) and the selection, for N synthetic slides whose uncertainty
/// maps are --map px square (two measures, tissue on 70 %). Reported side by side for each N in one run. A unit
/// stores its slide's features in the artifact (<see cref="SlideFeaturesFile"/>); "read stored" is the reduction's
/// cost of reading all N slides' files back, and "stored" their size on disk.
/// </summary>
public sealed class ReductionBench : IConsoleBench
{
    public string Name => "reduction";
    public string Description => "ranking reduction vs cohort size: --slides 10,25,50,100 --map 2048 --patch 64 --k 10";

    public int Run(string[] args)
    {
        var counts = BenchArgs.Get(args, "--slides", "10,25,50,100").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        int map = BenchArgs.GetInt(args, "--map", 2048), patch = BenchArgs.GetInt(args, "--patch", 64), k = BenchArgs.GetInt(args, "--k", 10);
        var grid = new GridOptions { PatchSizePx = patch, SpacingUm = 2.0 };
        Console.WriteLine(CpuInfo.Describe());
        Console.WriteLine($"maps {map}x{map} px at 2 µm/px x 2 measures per slide, patch {patch} px, K = {k} per slide");
        Console.WriteLine("| slides | candidates | phase 1 (all slides) | stored | read stored | phase 2 reduce | select per-slide | select pool top-K×N | peak RSS |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        var folder = Directory.CreateTempSubdirectory("uga-bench-features-").FullName;
        var features = new List<SlideFeatures>();
        var clock = new Stopwatch();
        double phase1 = 0;
        foreach (int n in counts.Order())
        {
            // Phase 1 is per slide, so the slides already featurised for a smaller N are kept and only the new ones added.
            clock.Restart();
            while (features.Count < n) features.Add(CandidateGrid.Features(Slide(features.Count, map), grid));
            phase1 += clock.Elapsed.TotalSeconds;
            for (int i = 0; i < n; i++)
            {
                var path = Path.Combine(folder, $"{i}.bin");
                if (!File.Exists(path)) SlideFeaturesFile.Write(path, features[i]);
            }
            double storedMiB = Directory.GetFiles(folder).Sum(f => new FileInfo(f).Length) / 1048576.0;
            clock.Restart();
            var read = Enumerable.Range(0, n).Select(i => SlideFeaturesFile.Read(Path.Combine(folder, $"{i}.bin"))).ToList();
            double readSeconds = clock.Elapsed.TotalSeconds;
            if (CandidateGrid.Reduce(read, grid).Count != features.Sum(f => f.Candidates.Count)) throw new InvalidOperationException("stored features lost candidates");
            clock.Restart();
            var pool = CandidateGrid.Reduce(features, grid);
            double reduce = clock.Elapsed.TotalSeconds;
            var strategy = RankingStrategies.Create("uncertainty-sum");
            clock.Restart();
            CandidateSelector.Select(pool, strategy, new SelectionOptions { K = k, Mode = KMode.PerSlide, MinCentreDistanceUm = patch * 2.0 });
            double perSlide = clock.Elapsed.TotalSeconds;
            clock.Restart();
            CandidateSelector.Select(pool, strategy, new SelectionOptions { K = k, Mode = KMode.PooledPerSlide, MinCentreDistanceUm = patch * 2.0 });
            double pooled = clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {n} | {pool.Count:N0} | {phase1:0.00} s | {storedMiB:0} MiB | {readSeconds:0.00} s | {reduce:0.000} s | {perSlide:0.000} s | {pooled:0.000} s | {BenchArgs.PeakRssMiB():0} MiB |"));
        }
        Directory.Delete(folder, recursive: true);
        return 0;
    }

    // A hash per pixel, not Random: 100 slides of 4 M pixels are made in seconds and are the same every run.
    private static RankingSlide Slide(int index, int size)
    {
        var ce = new FloatMap(size, size);
        var mi = new FloatMap(size, size);
        Parallel.For(0, size, y =>
        {
            for (int x = 0; x < size; x++)
            {
                int i = (y * size) + x;
                ulong h = StableHash.Mix(((ulong)(uint)index << 40) ^ (ulong)i);
                ce.Data[i] = (h >> 40) / (float)(1 << 24);
                mi.Data[i] = ce.Data[i] * 0.2f;
            }
        });
        var tissue = new bool[(size / 8) * (size / 8)];
        for (int i = 0; i < tissue.Length; i++) tissue[i] = i / (size / 8) < size * 7 / 80;
        var slide = RankingSlide.OfImage($"slide-{index:000}", 2.0, new Dictionary<string, FloatMap> { ["ensemble-ce"] = ce, ["mutual-information"] = mi });
        return slide with { Tissue = MaskTissueFraction.FromBools(tissue, size / 8, 16.0) };
    }
}
