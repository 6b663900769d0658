using System.Diagnostics;
using System.Globalization;
using Uga.Inference;
using Uga.Learning;
using Uga.Phantom;
using Uga.Slides.Tissue;

namespace Uga.Bench;

/// <summary>
/// Predicts virtual slides of several sizes with a tiny untrained ensemble and reports throughput and peak RSS,
/// to show streaming inference memory does not grow with slide area. Each size runs in a fresh process (this
/// program re-launched with --child) so VmHWM is that size's own peak; the child resets VmHWM after tissue
/// detection (/proc/self/clear_refs) so the prediction's peak is reported apart from the mask's.
/// </summary>
public sealed class SlidePredictBench : IConsoleBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public string Name => "slide-predict";
    public string Description => "predict virtual slides in fresh processes: --sizes 10000,25000,50000 --spacing 0.5 --islands 0.03 | --island-count N, --radius 600 --patch 128 --members 2 --depth 3 --base 8 --block 1024 --batch 8 --mask-spacing 8 --threads N --norm none|batch --backend torchsharp|onnx --overlap PX --cascade T";

    public int Run(string[] args)
    {
        if (args.Contains("--child")) return RunOne(args);
        var sizes = BenchArgs.Get(args, "--sizes", "10000,25000,50000").Split(',').Select(s => int.Parse(s, Inv)).ToList();
        var forwarded = args.Where((a, i) => a != "--sizes" && (i == 0 || args[i - 1] != "--sizes")).ToList();
        Console.WriteLine($"# {Environment.ProcessorCount} cores, load average at start: {LoadAverage()}");
        Console.WriteLine(Header);
        int failures = 0;
        foreach (var size in sizes)
        {
            var start = ChildStart(["slide-predict", "--child", "--size", size.ToString(Inv), .. forwarded]);
            using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start the benchmark child process");
            child.WaitForExit();
            if (child.ExitCode != 0) failures++;
        }
        Console.WriteLine($"# load average at end: {LoadAverage()}");
        return failures == 0 ? 0 : 1;
    }

    private const string Header =
        "| size (px) | islands / tissue | patches predicted / skipped | predict wall | patches/s | Mpx/s (slide) | tissue detection | peak RSS: detection | RSS at predict start | peak RSS: predict | allocated while predicting |\n" +
        "|---|---|---|---|---|---|---|---|---|---|---|";

    private static int RunOne(string[] args)
    {
        int size = BenchArgs.GetInt(args, "--size", 10000);
        double spacing = double.Parse(BenchArgs.Get(args, "--spacing", "0.5"), Inv);
        var spec = new VirtualSlideSpec(size, size)
        {
            SpacingUm = spacing,
            IslandFraction = IslandFraction(args, size, spacing),
            IslandRadiusUm = double.Parse(BenchArgs.Get(args, "--radius", "600"), Inv),
        };
        int threads = BenchArgs.GetInt(args, "--threads", 0);
        if (threads > 0) TorchSharp.torch.set_num_threads(threads);
        using var slide = new VirtualSlide(spec);
        var torchEnsemble = TinyEnsemble(spacing, BenchArgs.GetInt(args, "--patch", 128), BenchArgs.GetInt(args, "--members", 2),
            BenchArgs.GetInt(args, "--depth", 3), BenchArgs.GetInt(args, "--base", 8), BenchArgs.Get(args, "--norm", "none"));
        foreach (var member in torchEnsemble.Members) Uga.Learning.Inference.BatchNormFolding.Fold(member);
        using Uga.Inference.IEnsembleModel ensemble = BenchArgs.Get(args, "--backend", "torchsharp") == "onnx"
            ? Uga.Learning.Inference.EnsembleModels.Accelerate(torchEnsemble) : torchEnsemble;

        if (args.Contains("--render-only")) return TimeRendering(slide, spacing);
        var detecting = Stopwatch.StartNew();
        var tissue = TissueDetector.Detect(slide, new TissueDetectionOptions { MaskSpacingUm = double.Parse(BenchArgs.Get(args, "--mask-spacing", "8"), Inv) });
        detecting.Stop();
        double maskPeak = PeakRssMiB();
        // Return the detection's garbage to the OS, then restart the peak: what follows is the prediction's own.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        ResetPeakRss();
        double startRss = StatusMiB("VmRSS:");
        long allocatedBefore = GC.GetTotalAllocatedBytes();

        var dir = Directory.CreateTempSubdirectory("uga-slide-predict-");
        try
        {
            var options = new SlidePredictionOptions
            {
                BlockSize = BenchArgs.GetInt(args, "--block", 1024),
                BatchSize = BenchArgs.GetInt(args, "--batch", 8),
                Overlap = args.Contains("--overlap") ? BenchArgs.GetInt(args, "--overlap", 0) : null,
                CascadeThreshold = args.Contains("--cascade") ? double.Parse(BenchArgs.Get(args, "--cascade", "0"), Inv) : null,
            };
            var result = SlidePredictor.Predict(slide, ensemble, tissue, Path.Combine(dir.FullName, "labels.tif"),
                Path.Combine(dir.FullName, "uncertainty.tif"), options);
            double seconds = result.Elapsed.TotalSeconds;
            Console.WriteLine(
                $"| {size}² | {slide.Islands.Count} islands, tissue {100 * tissue.Fraction:0.0} % ({tissue.TissueAreaMm2 / (spacing * spacing * 1e-6) / 1e6:0.#} Mpx) | {result.PatchesPredicted} / {result.PatchesSkipped} " +
                $"| {seconds:0.0} s | {result.PatchesPredicted / seconds:0.0} | {(double)size * size / 1e6 / seconds:0.0} " +
                $"| {detecting.Elapsed.TotalSeconds:0.0} s | {maskPeak:0} MiB | {startRss:0} MiB | {PeakRssMiB():0} MiB (+{PeakRssMiB() - startRss:0}) " +
                $"| {(GC.GetTotalAllocatedBytes() - allocatedBefore) / 1073741824.0:0.00} GiB |");
            return 0;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    // --island-count N keeps the tissue area the same at every size (so time goes to the slide's area only);
    // otherwise --islands is the share of the slide covered.
    private static double IslandFraction(string[] args, int size, double spacing)
    {
        int count = BenchArgs.GetInt(args, "--island-count", 0);
        if (count <= 0) return double.Parse(BenchArgs.Get(args, "--islands", "0.03"), Inv);
        double r = double.Parse(BenchArgs.Get(args, "--radius", "600"), Inv);
        return count * Math.PI * r * r / Math.Pow(size * spacing, 2);
    }

    // Rendering speed of the virtual slide alone: one 1024² read centred on the first island.
    private static int TimeRendering(VirtualSlide slide, double spacing)
    {
        var island = slide.Islands[0];
        var region = new Uga.Imaging.PixelRegion((int)(island.CentreXUm / spacing) - 512, (int)(island.CentreYUm / spacing) - 512, 1024, 1024);
        var clock = Stopwatch.StartNew();
        slide.ReadRegion(spacing, region);
        Console.WriteLine($"render 1024² in an island: {clock.Elapsed.TotalSeconds:0.00} s = {1.048576 / clock.Elapsed.TotalSeconds:0.00} Mpx/s");
        return 0;
    }

    internal static Ensemble TinyEnsemble(double spacing, int patch, int members, int depth, int baseChannels, string normalisation = "none")
    {
        var unet = new UNetOptions { Classes = 2, Depth = depth, BaseChannels = baseChannels, Normalisation = normalisation };
        var nets = new List<UNet>();
        for (int m = 0; m < members; m++)
        {
            TorchSharp.torch.manual_seed(100 + m);
            var net = new UNet(unet);
            net.eval();
            nets.Add(net);
        }
        var manifest = new ModelManifest
        {
            ClassNames = ["background", "tissue"],
            SpacingUm = spacing,
            PatchSize = patch,
            Depth = depth,
            BaseChannels = baseChannels,
            Normalisation = unet.Normalisation,
            InputMean = [0.5f, 0.5f, 0.5f],
            InputStd = [0.25f, 0.25f, 0.25f],
            Members = members,
            MemberFiles = [.. Enumerable.Range(0, members).Select(m => $"member-{m}.pt")],
            Training = new TrainingRecord(),
        };
        return new Ensemble(manifest, nets);
    }

    // Under `dotnet run` or `dotnet uga-bench.dll` the process is the dotnet host; re-launch the same assembly.
    private static ProcessStartInfo ChildStart(IEnumerable<string> args)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(SlidePredictBench).Assembly.Location);
        foreach (var a in args) start.ArgumentList.Add(a);
        return start;
    }

    /// <summary>VmHWM of /proc/self/status in MiB: the true peak resident set of this process.</summary>
    private static double PeakRssMiB() => StatusMiB("VmHWM:");

    internal static double StatusMiB(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], Inv) / 1024.0;
    }

    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0).
    private static void ResetPeakRss() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
}
