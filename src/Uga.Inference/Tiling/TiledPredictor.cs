using Uga.Imaging;
using Uga.Inference.Uncertainty;

namespace Uga.Inference;

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
    public static PredictionResult Predict(IEnsembleModel ensemble, RgbImage image, double imageSpacingUm, PredictOptions? options = null)
    {
        options ??= new PredictOptions();
        var atModel = PredictAtModelSpacing(ensemble, image, imageSpacingUm, options);
        var stack = atModel.Stack.Resample(image.Width, image.Height);
        return Summarise(stack, atModel.Source, options, imageSpacingUm, ensemble.Manifest.SpacingUm) with { Forwards = atModel.Forwards };
    }

    /// <summary>
    /// The blended per-sample probabilities of <paramref name="image"/> on the pixel grid of the image resampled to
    /// the model's spacing — what the networks saw, before any resampling back. Stores and rankers keep maps at this
    /// spacing: a 0.5 µm/px image predicted at 1 µm/px has a quarter of the pixels to summarise and store.
    /// </summary>
    public static ModelSpacingSamples PredictAtModelSpacing(IEnsembleModel ensemble, RgbImage image, double imageSpacingUm, PredictOptions options)
    {
        options.Validate();
        if (!double.IsFinite(imageSpacingUm) || imageSpacingUm <= 0)
            throw new InvalidInputException(null, $"image spacing must be a positive number of µm/px, got {imageSpacingUm}");
        var manifest = ensemble.Manifest;
        double factor = Resample.Factor(imageSpacingUm, manifest.SpacingUm);
        var atModel = Resample.Rgb(image, Resample.Scaled(image.Width, factor), Resample.Scaled(image.Height, factor));

        var source = CascadeSource.For(ensemble, options);
        var stack = PredictStack(source, manifest.PatchSize, atModel, options);
        long tiles = new TileLayout(manifest.PatchSize, options.OverlapFor(manifest.PatchSize)).Cover(new PixelRegion(0, 0, atModel.Width, atModel.Height)).Count;
        return new ModelSpacingSamples(stack, source, source is IForwardCounter counter ? counter.Forwards : tiles * source.SampleCount);
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
    /// The core, independent of the backend: blended per-sample probabilities of <paramref name="image"/> (already
    /// at the model's spacing) on its own pixel grid, from any <see cref="IProbabilitySource"/>.
    /// </summary>
    public static SampleProbabilities PredictStack(IProbabilitySource source, int patchSize, RgbImage image, PredictOptions options)
    {
        options.Validate();
        var layout = new TileLayout(patchSize, options.OverlapFor(patchSize));
        var region = new PixelRegion(0, 0, image.Width, image.Height);
        var extent = layout.Extent(region);
        var tiles = layout.Cover(region);

        if (source is IStochasticSource stochastic && options.Seed is { } seed) stochastic.Reseed(seed);
        var padded = Reflected(image, extent);
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
    /// the coordinates of <paramref name="extent"/>, which <paramref name="input"/> covers), flattened
    /// N × (S·C) × P × P for <see cref="BlendAccumulator.AddBatch"/>. Returns the values and S·C.
    /// </summary>
    public static (float[] Values, int Channels) PredictBatch(IProbabilitySource source, RgbImage input, PixelRegion extent,
        IReadOnlyList<(int X, int Y)> offsets, int patchSize)
    {
        int tileBytes = patchSize * patchSize * 3;
        var tiles = new byte[offsets.Count * tileBytes];
        for (int n = 0; n < offsets.Count; n++)
        {
            int x0 = offsets[n].X - extent.X, y0 = offsets[n].Y - extent.Y;
            for (int y = 0; y < patchSize; y++)
                input.Data.AsSpan(input.Index(x0, y0 + y), patchSize * 3).CopyTo(tiles.AsSpan((n * tileBytes) + (y * patchSize * 3)));
        }
        var values = source.Sample(tiles, offsets.Count, patchSize);
        int channels = values.Length / (offsets.Count * patchSize * patchSize);
        if (channels < 1 || channels * offsets.Count * patchSize * patchSize != values.Length || channels % source.SampleCount != 0)
            throw new InvalidOperationException($"source {source.Name} returned {values.Length} values for {offsets.Count} tiles of {patchSize}² and {source.SampleCount} samples");
        return (values, channels);
    }

    /// <summary>
    /// <paramref name="image"/> extended to <paramref name="extent"/>: pixels outside the image are mirrored in from
    /// inside it (reflection without repeating the edge pixel), so border pixels see plausible context.
    /// </summary>
    public static RgbImage Reflected(RgbImage image, PixelRegion extent)
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
        return padded;
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

/// <summary>Per-sample probabilities at the model's spacing, the source that made them and its network forwards.</summary>
public sealed record ModelSpacingSamples(SampleProbabilities Stack, IProbabilitySource Source, long Forwards);
