using System.Diagnostics;
using System.Globalization;
using Uga.Imaging;
using Uga.Phantom;

namespace Uga.Bench;

/// <summary>
/// Prepares the inputs of the whole-slide benchmark (docs/benchmarks.md): a virtual slide streamed into a pyramidal
/// TIFF file and an untrained ensemble of the default shape. What is timed is the product itself, `uga rank` on that
/// file under /usr/bin/time — slide to ranked queue through the same code a user runs, with its own progress and ETA —
/// so nothing here stands in for the pipeline. Weights are untrained: they change the values, not the work.
/// </summary>
public sealed class VirtualSlideBench : IConsoleBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public string Name => "virtual-slide";
    public string Description => "write a virtual slide and a default-shaped untrained model for timing uga rank: --out DIR --size 50000 [--height H] --spacing 1 --islands 0.25 (at most 0.35) --radius 600 --members 5 --depth 4 --base 16 --patch 256 --norm batch";

    public int Run(string[] args)
    {
        var dir = BenchArgs.Get(args, "--out", "");
        if (dir.Length == 0)
        {
            Console.Error.WriteLine("virtual-slide: --out DIR is required");
            return 2;
        }
        Directory.CreateDirectory(dir);
        int size = BenchArgs.GetInt(args, "--size", 50000), height = BenchArgs.GetInt(args, "--height", size);
        double spacing = double.Parse(BenchArgs.Get(args, "--spacing", "1"), Inv);
        var slidePath = Path.Combine(dir, "slide.tif");
        var watch = Stopwatch.StartNew();
        var spec = new VirtualSlideSpec(size, height)
        {
            SpacingUm = spacing,
            IslandFraction = double.Parse(BenchArgs.Get(args, "--islands", "0.25"), Inv),
            IslandRadiusUm = double.Parse(BenchArgs.Get(args, "--radius", "600"), Inv),
        };
        double islands;
        try
        {
            islands = RankReuseBench.WriteVirtualSlide(spec, slidePath); // the writer's temp file is renamed only when complete
        }
        catch (InvalidInputException e)
        {
            Console.Error.WriteLine($"virtual-slide: {e.Message}");
            return 2;
        }
        Console.WriteLine(string.Create(Inv, $"wrote {slidePath}: {size}x{height} px at {spacing} µm/px, islands of tissue over {islands:P1} of it, {new FileInfo(slidePath).Length / 1048576.0:0} MiB, in {watch.Elapsed.TotalSeconds:0} s"));

        var modelDir = Path.Combine(dir, "model");
        if (Directory.Exists(modelDir)) Directory.Delete(modelDir, recursive: true);
        using var ensemble = SlidePredictBench.TinyEnsemble(spacing, BenchArgs.GetInt(args, "--patch", 256), BenchArgs.GetInt(args, "--members", 5),
            BenchArgs.GetInt(args, "--depth", 4), BenchArgs.GetInt(args, "--base", 16), BenchArgs.Get(args, "--norm", "batch"));
        ensemble.Save(modelDir);
        Console.WriteLine($"wrote {modelDir}: {ensemble.Manifest.Members} untrained members, depth {ensemble.Manifest.Depth}, {ensemble.Manifest.BaseChannels} channels, patch {ensemble.Manifest.PatchSize}");
        Console.WriteLine($"# {CpuInfo.Describe()}");
        return 0;
    }
}
