using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Learning.Inference;
using static TorchSharp.torch;

namespace Uga.Bench;

/// <summary>
/// Speed of the default U-Net on this machine: one AdamW training step (forward + backward + update) in the default
/// and the channels-last input layout, and tiled inference in Mpx/s, each with the analytic convolution FLOP count
/// and the GFLOP/s achieved; inference again after folding BatchNorm into the convolutions. Training FLOPs are
/// counted as 3× the forward FLOPs (the backward pass computes gradients for both activations and weights, about
/// twice the forward work).
/// </summary>
public sealed class LearningBench : IConsoleBench
{
    public string Name => "learning";
    public string Description => "U-Net train step and tiled inference speed, GFLOP/s, BN folding: --batch 8 --size 256 --steps 3 --image FILE|--image-size 512 --repeats 2 --threads N";

    public int Run(string[] args)
    {
        int batch = BenchArgs.GetInt(args, "--batch", 8), size = BenchArgs.GetInt(args, "--size", 256);
        int steps = BenchArgs.GetInt(args, "--steps", 3), threads = BenchArgs.GetInt(args, "--threads", 0);
        if (threads > 0) torch.set_num_threads(threads);
        var options = TrainingOptions.DefaultArchitecture;
        Console.WriteLine($"U-Net depth {options.Depth}, base {options.BaseChannels}, {options.Normalisation} norm; torch threads {torch.get_num_threads()}, {Environment.ProcessorCount} cores");

        torch.random.manual_seed(1);
        using var net = new UNet(options);
        var perPatch = ConvFlopCounter.Count(net, [1, 3, size, size]);
        double flopsPerPixel = perPatch.Flops / ((double)size * size);
        Console.WriteLine($"conv cost: {perPatch.Layers.Count} conv layers, {perPatch.Macs / 1e9:0.###} GMAC = {perPatch.Flops / 1e9:0.###} GFLOP per {size}x{size} patch ({flopsPerPixel / 1e3:0.#} kFLOP/px)");

        // Both layouts, steps interleaved so that load on a shared machine hits them alike; training uses channels-last.
        var times = TrainSteps(net, batch, size, steps);
        double trainFlops = 3 * perPatch.Flops * batch;
        foreach (var (layout, (best, mean)) in times)
            Console.WriteLine($"train step, {layout} (batch {batch}x{size}x{size}, AdamW): best {best:0.###} s, mean {mean:0.###} s over {steps} steps; ≈{trainFlops / 1e9:0.#} GFLOP/step, {trainFlops / best / 1e9:0.##} GFLOP/s at best");
        Console.WriteLine($"channels-last / default layout, best step: {times["channels-last"].Best / times["default layout"].Best:0.###}");

        var image = LoadImage(args);
        int repeats = BenchArgs.GetInt(args, "--repeats", 2);
        net.eval();
        var before = Infer(net, image, size, flopsPerPixel, repeats, "inference");
        var report = BatchNormFolding.Fold(net);
        var after = Infer(net, image, size, flopsPerPixel, repeats, $"inference, BN folded ({report.Folded} folded, {report.Removed} removed)");
        Console.WriteLine($"folding speed-up: {before / after:0.###}x");
        return 0;
    }

    /// <summary>Best and mean seconds per step for each input layout (best-of is the figure least disturbed by other load).</summary>
    private static Dictionary<string, (double Best, double Mean)> TrainSteps(UNet net, int batch, int size, int steps)
    {
        net.train();
        using var optimizer = optim.AdamW(net.parameters(), lr: 1e-3, weight_decay: 1e-4);
        using var input = randn(batch, 3, size, size);
        using var channelsLast = InputTensor.ChannelsLast(input);
        using var target = randint(0, 2, [batch, size, size], dtype: ScalarType.Int64);
        var layouts = new[] { ("default layout", input), ("channels-last", channelsLast) };
        var seconds = layouts.ToDictionary(l => l.Item1, _ => new List<double>());
        for (int step = 0; step <= steps; step++) // step 0 warms up allocators and kernels
        {
            foreach (var (name, x) in layouts)
            {
                var watch = Stopwatch.StartNew();
                using (var scope = NewDisposeScope())
                {
                    optimizer.zero_grad();
                    var loss = SegmentationLoss.Compute(net.call(x), target);
                    loss.backward();
                    optimizer.step();
                }
                if (step > 0) seconds[name].Add(watch.Elapsed.TotalSeconds);
            }
        }
        return seconds.ToDictionary(kv => kv.Key, kv => (kv.Value.DefaultIfEmpty(double.NaN).Min(), kv.Value.DefaultIfEmpty(double.NaN).Average()));
    }

    /// <summary>Tiled prediction of the whole image with one network, best of <paramref name="repeats"/> runs; returns seconds.</summary>
    private static double Infer(UNet net, RgbImage image, int patch, double flopsPerPixel, int repeats, string label)
    {
        var source = new EnsembleSource([net], Scale);
        var options = new PredictOptions { BatchSize = 4 };
        var layout = new TileLayout(patch, options.OverlapFor(patch));
        int tiles = layout.Cover(new PixelRegion(0, 0, image.Width, image.Height)).Count;
        TiledPredictor.PredictStack(source, patch, image.Crop(new PixelRegion(0, 0, Math.Min(image.Width, patch), Math.Min(image.Height, patch))), options); // warm-up
        double seconds = double.MaxValue;
        for (int r = 0; r < Math.Max(1, repeats); r++)
        {
            var watch = Stopwatch.StartNew();
            TiledPredictor.PredictStack(source, patch, image, options);
            seconds = Math.Min(seconds, watch.Elapsed.TotalSeconds);
        }
        double networkFlops = flopsPerPixel * tiles * patch * patch;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}: {image.Width}x{image.Height} px, {tiles} patches of {patch} (overlap {layout.Overlap}) in {seconds:0.###} s (best of {repeats}) = {image.PixelCount / seconds / 1e6:0.###} Mpx/s, {networkFlops / seconds / 1e9:0.##} GFLOP/s"));
        return seconds;
    }

    // Benchmarks time the network, not the normalisation constants: plain [0, 1] scaling.
    private static Tensor Scale(Tensor bytes)
    {
        using var scope = NewDisposeScope();
        return (bytes.permute(0, 3, 1, 2).to_type(ScalarType.Float32) / 255f).contiguous().MoveToOuterDisposeScope();
    }

    private static RgbImage LoadImage(string[] args)
    {
        var path = BenchArgs.Get(args, "--image", "");
        if (path.Length > 0) return ImageFile.ReadRgb(path);
        int side = BenchArgs.GetInt(args, "--image-size", 512);
        var data = new byte[side * side * 3];
        new Random(3).NextBytes(data);
        return new RgbImage(side, side, data);
    }
}
