using System.Diagnostics;
using System.Globalization;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Loop.Queue;
using Uga.Phantom;
using Uga.Slides.Writing;

namespace Uga.Bench;

/// <summary>
/// `uga rank` on a slide whose prediction is already stored, before and after the redesign, side by side in one
/// run: "before" is what rank did in round 1 (predict the slide again; here: an empty artifacts folder), "after"
/// reads the stored full-precision artifact (zero network forwards). Same slide, model, grid and strategy.
/// </summary>
public sealed class RankReuseBench : IConsoleBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public string Name => "rank-reuse";
    public string Description => "uga rank on an already-predicted virtual slide, predicting again vs reusing its artifact: --size 20000 --spacing 0.5 --model-spacing 1 --islands 0.25 --patch 64 --members 2 --threads 1 --repeats 2";

    public int Run(string[] args)
    {
        int size = BenchArgs.GetInt(args, "--size", 20000), repeats = BenchArgs.GetInt(args, "--repeats", 2);
        double spacing = double.Parse(BenchArgs.Get(args, "--spacing", "0.5"), Inv);
        double modelSpacing = double.Parse(BenchArgs.Get(args, "--model-spacing", "1"), Inv);
        TorchRuntime.SetThreads(BenchArgs.GetInt(args, "--threads", 1));
        Console.WriteLine($"# {CpuInfo.Describe()}");
        var dir = Directory.CreateTempSubdirectory("uga-rank-reuse-");
        try
        {
            var slidePath = Path.Combine(dir.FullName, "slide.tif");
            var written = Stopwatch.StartNew();
            WriteVirtualSlide(new VirtualSlideSpec(size, size)
            {
                SpacingUm = spacing,
                IslandFraction = double.Parse(BenchArgs.Get(args, "--islands", "0.25"), Inv),
            }, slidePath);
            Console.WriteLine(string.Create(Inv, $"# wrote a {size}x{size} px virtual slide at {spacing} µm/px in {written.Elapsed.TotalSeconds:0.0} s ({new FileInfo(slidePath).Length / 1048576.0:0} MiB)"));
            var model = Path.Combine(dir.FullName, "model");
            using (var ensemble = SlidePredictBench.TinyEnsemble(modelSpacing, BenchArgs.GetInt(args, "--patch", 64), BenchArgs.GetInt(args, "--members", 2), 2, 4))
                ensemble.Save(model);
            // uncertainty-sum (rank's default when docs/benchmarks.md's figures were taken) keeps those figures comparable.
            var request = new RankRequest { ModelDir = model, SlidePaths = [slidePath], OutDir = "", K = 10, PatchSizePx = 128, BatchSize = 8, Strategy = "uncertainty-sum" };
            Console.WriteLine("| run | artifacts | network patch forwards | wall (s) |");
            Console.WriteLine("|---|---|---|---|");
            var before = new List<double>();
            var after = new List<double>();
            for (int r = 0; r < repeats; r++)
            {
                var artifacts = Path.Combine(dir.FullName, $"artifacts-{r}");
                before.Add(Time(request with { OutDir = Path.Combine(dir.FullName, $"before-{r}"), ArtifactsDir = artifacts }, $"before {r + 1}: predict again", "none stored"));
                after.Add(Time(request with { OutDir = Path.Combine(dir.FullName, $"after-{r}"), ArtifactsDir = artifacts }, $"after {r + 1}: reuse", "current one stored"));
            }
            Console.WriteLine(string.Create(Inv, $"# median before {Median(before):0.0} s, after {Median(after):0.00} s: {Median(before) / Median(after):0.0}x faster"));
            return 0;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static double Time(RankRequest request, string label, string artifacts)
    {
        var watch = Stopwatch.StartNew();
        var result = Ranker.Run(request);
        double seconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(Inv, $"| {label} | {artifacts} | {result.Forwards} | {seconds:0.00} |"));
        return seconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>Streams the virtual slide into a pyramidal TIFF a row of tiles at a time (what a scanner's file would
    /// be), with a progress line and ETA on standard error (a 50,000² slide takes tens of minutes); returns the share of
    /// the slide its islands cover.</summary>
    internal static double WriteVirtualSlide(VirtualSlideSpec spec, string path)
    {
        using var slide = new VirtualSlide(spec);
        const int tile = 512;
        using var writer = PyramidalTiffWriter.Create(path, spec.Width, spec.Height, PixelKind.Rgb, spec.SpacingUm, new PyramidalTiffOptions { TileSize = tile });
        var watch = Stopwatch.StartNew();
        for (int y = 0; y < spec.Height; y += tile)
        {
            int h = Math.Min(tile, spec.Height - y);
            var band = slide.ReadRegion(spec.SpacingUm, new PixelRegion(0, y, spec.Width, h));
            writer.WriteRows(band.Data);
            if ((y / tile) % 10 == 9) ReportRows(y + h, spec.Height, watch.Elapsed);
        }
        writer.Complete();
        return slide.IslandFraction;
    }

    private static void ReportRows(int done, int total, TimeSpan elapsed)
    {
        var eta = TimeSpan.FromSeconds(elapsed.TotalSeconds * (total - done) / done);
        Console.Error.WriteLine(string.Create(Inv, $"writing the slide  {done}/{total} rows  ETA {eta:hh\\:mm\\:ss}"));
    }
}

/// <summary>The CPU this ran on, for benchmark headers: model, cores, and the vector/matrix flags that change kernels.</summary>
public static class CpuInfo
{
    public static string Describe()
    {
        var cpu = Uga.Inference.CpuFeatures.Current;
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
        return $"{cpu.Model}, {Environment.ProcessorCount} cores, flags: {cpu.Summary}; load average {load}";
    }
}
