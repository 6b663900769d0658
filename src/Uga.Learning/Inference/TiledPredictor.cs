using TorchSharp;
using Uga.Imaging;
using Uga.Learning.Uncertainty;
using static TorchSharp.torch;

namespace Uga.Learning.Inference;

/// <summary>
/// Sliding-window prediction over images of any size: reflect-padded borders, overlapping patches in batches,
/// Hann-window blending (<see cref="BlendAccumulator"/>), then mean, labels and uncertainty.
/// </summary>
public static class TiledPredictor
{
    /// <summary>
    /// Predicts <paramref name="image"/> taken at <paramref name="imageSpacingUm"/> µm/px with a trained ensemble.
    /// The image is resampled to the model's spacing for the networks and the per-sample probabilities are
    /// resampled back, so every output map lies on the input image's pixel grid.
    /// </summary>
    public static PredictionResult Predict(Ensemble ensemble, RgbImage image, double imageSpacingUm, PredictOptions? options = null)
    {
        options ??= new PredictOptions();
        options.Validate();
        if (!double.IsFinite(imageSpacingUm) || imageSpacingUm <= 0)
            throw new InvalidInputException(null, $"image spacing must be a positive number of µm/px, got {imageSpacingUm}");
        var manifest = ensemble.Manifest;
        double factor = Resample.Factor(imageSpacingUm, manifest.SpacingUm);
        var atModel = Resample.Rgb(image, Resample.Scaled(image.Width, factor), Resample.Scaled(image.Height, factor));

        var members = ensemble.Members.Cast<nn.Module<Tensor, Tensor>>().ToList();
        var source = SampleSources.Create(options.Samples, members, options.McDropoutPasses);
        var stack = PredictStack(source, ensemble.Normalise, manifest.PatchSize, atModel, options)
            .Resample(image.Width, image.Height);
        long tiles = new TileLayout(manifest.PatchSize, options.OverlapFor(manifest.PatchSize)).Cover(new PixelRegion(0, 0, atModel.Width, atModel.Height)).Count;
        return Summarise(stack, source, options, imageSpacingUm, manifest.SpacingUm) with { Forwards = tiles * source.SampleCount };
    }

    /// <summary>Mean, labels and uncertainty of a blended stack.</summary>
    public static PredictionResult Summarise(SampleProbabilities stack, IProbabilitySource source, PredictOptions options, double spacingUm, double modelSpacingUm)
    {
        var measure = UncertaintyMeasures.Get(options.Uncertainty);
        var mean = stack.Mean();
        return new PredictionResult
        {
            Labels = SampleProbabilities.ArgMax(mean),
            Probabilities = mean,
            Uncertainty = UncertaintyMeasures.Map(measure, stack),
            UncertaintyMeasure = measure.Name,
            SampleSource = source.Name,
            SampleCount = stack.Samples,
            Samples = options.KeepSamples ? stack : null,
            SpacingUm = spacingUm,
            ModelSpacingUm = modelSpacingUm,
        };
    }

    /// <summary>
    /// The core, independent of how the networks were made: blended per-sample probabilities of
    /// <paramref name="image"/> (already at the model's spacing) on its own pixel grid.
    /// <paramref name="normalise"/> turns a uint8 1×H×W×3 tensor into network input 1×3×H×W.
    /// </summary>
    public static SampleProbabilities PredictStack(IProbabilitySource source, Func<Tensor, Tensor> normalise, int patchSize,
        RgbImage image, PredictOptions options)
    {
        options.Validate();
        var layout = new TileLayout(patchSize, options.OverlapFor(patchSize));
        var region = new PixelRegion(0, 0, image.Width, image.Height);
        var extent = layout.Extent(region);
        var tiles = layout.Cover(region);

        using var inference = inference_mode();
        if (source is McDropoutSource && options.Seed is { } seed) torch.random.manual_seed(seed);
        using var padded = NormalisedReflection(image, extent, normalise);
        var window = new BlendWindow(patchSize);
        BlendAccumulator? accumulator = null;
        int classes = 0;
        for (int start = 0; start < tiles.Count; start += options.BatchSize)
        {
            options.Cancellation.ThrowIfCancellationRequested();
            var batch = tiles.Skip(start).Take(options.BatchSize).ToList();
            var (values, channels) = PredictBatch(source, padded, extent, batch, patchSize);
            if (accumulator is null)
            {
                accumulator = new BlendAccumulator(region, channels, window);
                classes = channels / source.SampleCount;
            }
            accumulator.AddBatch(batch, values);
            options.Progress?.Report(new WorkProgress("predict", start + batch.Count, tiles.Count, $"{source.Name} x{source.SampleCount}"));
        }
        return accumulator!.ToStack(source.SampleCount, classes);
    }

    /// <summary>
    /// Tile-level step: the S×C probabilities of the patches at <paramref name="offsets"/> (top-left corners in
    /// the coordinates of <paramref name="extent"/>, which <paramref name="input"/> 1×3×H×W covers), flattened
    /// N × (S·C) × P × P for <see cref="BlendAccumulator.AddBatch"/>. Returns the values and S·C.
    /// </summary>
    public static (float[] Values, int Channels) PredictBatch(IProbabilitySource source, Tensor input, PixelRegion extent,
        IReadOnlyList<(int X, int Y)> offsets, int patchSize)
    {
        using var scope = NewDisposeScope();
        var patches = offsets.Select(o => input.narrow(2, o.Y - extent.Y, patchSize).narrow(3, o.X - extent.X, patchSize)).ToList();
        using var batch = cat(patches, 0);
        var samples = source.Sample(batch);
        int channels = (int)(samples.shape[1] * samples.shape[2]);
        return (samples.contiguous().data<float>().ToArray(), channels);
    }

    /// <summary>
    /// Normalised network input covering <paramref name="extent"/>; pixels outside the image are mirrored in from
    /// inside it (reflection without repeating the edge pixel), so border pixels see plausible context.
    /// </summary>
    public static Tensor NormalisedReflection(RgbImage image, PixelRegion extent, Func<Tensor, Tensor> normalise)
    {
        var padded = new RgbImage(extent.Width, extent.Height);
        for (int y = 0; y < extent.Height; y++)
        {
            int sy = Reflect(extent.Y + y, image.Height);
            for (int x = 0; x < extent.Width; x++)
            {
                int src = image.Index(Reflect(extent.X + x, image.Width), sy), dst = padded.Index(x, y);
                padded.Data[dst] = image.Data[src];
                padded.Data[dst + 1] = image.Data[src + 1];
                padded.Data[dst + 2] = image.Data[src + 2];
            }
        }
        using var bytes = tensor(padded.Data, [1, padded.Height, padded.Width, 3]);
        return normalise(bytes);
    }

    /// <summary>Index into [0, n) of a position mirrored at the edges (…2 1 | 0 1 2 … n−1 | n−2 …), any distance out.</summary>
    public static int Reflect(int i, int n)
    {
        if (n == 1) return 0;
        int period = 2 * (n - 1);
        int m = ((i % period) + period) % period;
        return m < n ? m : period - m;
    }
}
