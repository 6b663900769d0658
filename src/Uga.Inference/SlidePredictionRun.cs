using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Artifacts;
using Uga.Inference.Uncertainty;
using Uga.Slides;
using Uga.Slides.Tissue;

namespace Uga.Inference;

/// <summary>The state of one slide prediction: the networks, the patch grid, counters and the previews.</summary>
internal sealed class Run
{
    private readonly Slide slide;
    private readonly IEnsembleModel ensemble;
    private readonly TissueMask tissue;
    private readonly SlidePredictionOptions options;
    private readonly IProbabilitySource source;
    private readonly TileLayout layout;
    private readonly BlendWindow window;
    private readonly int patch;
    private readonly long totalPatches;
    private long patchesDone;

    public Run(Slide slide, IEnsembleModel ensemble, TissueMask tissue, SlidePredictionOptions options, int width, int height, RowBand rows)
    {
        this.slide = slide;
        this.ensemble = ensemble;
        this.tissue = tissue;
        this.options = options;
        Width = width;
        Height = height;
        Rows = rows;
        patch = ensemble.Manifest.PatchSize;
        layout = new TileLayout(patch, options.Overlap ?? patch / 2);
        window = new BlendWindow(patch);
        source = CascadeSource.For(ensemble, options);
        if (source is IStochasticSource stochastic && options.Seed is { } seed) stochastic.Reseed(seed);
        Classes = ensemble.Manifest.ClassCount;
        ClassPixels = new long[Classes];
        totalPatches = CountBlockPatches(width, rows, options.BlockSize);
        PreviewSpacing = SpacingUm * Math.Max(1.0, Math.Max(width, height) / (double)options.PreviewSize);
        PreviewLabels = new LabelMap(PreviewExtent(width), PreviewExtent(height));
        PreviewUncertainty = new FloatMap(PreviewLabels.Width, PreviewLabels.Height);
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>The rows this run predicts: all of them, or one unit's band.</summary>
    public RowBand Rows { get; }
    public SlidePredictionOptions Options => options;
    public int Classes { get; }
    public IReadOnlyList<string> ClassNames => ensemble.Manifest.ClassNames;
    public double SpacingUm => ensemble.Manifest.SpacingUm;
    public long[] ClassPixels { get; }
    public long PatchesPredicted { get; private set; }
    public long PatchesSkipped { get; private set; }
    public double PreviewSpacing { get; }
    public LabelMap PreviewLabels { get; }
    public FloatMap PreviewUncertainty { get; }

    /// <summary>
    /// The blended samples of one block, from every grid patch that touches it; null when no patch has tissue:
    /// then every sample says class 0 with certainty (labels and uncertainty all zero), and returning nothing
    /// instead of blending or allocating keeps glass blocks, most of a slide, nearly free.
    /// </summary>
    public SampleProbabilities? PredictBlock(PixelRegion block)
    {
        var all = GridPatches(block);
        var withTissue = all.Where(HasTissue).ToList();
        if (withTissue.Count == 0)
        {
            PatchesSkipped += all.Count;
            return null;
        }
        var accumulator = new BlendAccumulator(block, source.SampleCount * Classes, window);
        AddBackground(accumulator, all.Where(p => !HasTissue(p)));
        AddPredictions(accumulator, withTissue);
        PatchesPredicted += withTissue.Count;
        PatchesSkipped += all.Count - withTissue.Count;
        return accumulator.ToStack(source.SampleCount, Classes);
    }

    /// <summary>Patches times samples that went through a network so far (what reusing an artifact saves).</summary>
    public long Forwards => source is IForwardCounter counter ? counter.Forwards : PatchesPredicted * source.SampleCount;

    public void AddPreview(PixelRegion block, LabelMap labels, FloatMap uncertainty)
    {
        double f = SpacingUm / PreviewSpacing;
        int x0 = (int)Math.Floor(block.X * f), y0 = (int)Math.Floor(block.Y * f);
        int x1 = Math.Min(PreviewLabels.Width, (int)Math.Ceiling(block.Right * f));
        int y1 = Math.Min(PreviewLabels.Height, (int)Math.Ceiling(block.Bottom * f));
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
            {
                // Nearest sample of the block for each preview pixel whose centre falls in it.
                int sx = (int)((x + 0.5) / f) - block.X, sy = (int)((y + 0.5) / f) - block.Y;
                if (sx < 0 || sy < 0 || sx >= block.Width || sy >= block.Height) continue;
                PreviewLabels[x, y] = labels[sx, sy];
                PreviewUncertainty[x, y] = uncertainty[sx, sy];
            }
    }

    private int PreviewExtent(int size) => Math.Max(1, (int)Math.Round(size * SpacingUm / PreviewSpacing));

    private bool HasTissue(PixelRegion p) =>
        tissue.TissueFraction(p, SpacingUm) >= Math.Max(options.MinTissueFraction, 1e-9);

    // Patches of the global grid (starts at k·stride − margin) whose area touches the region.
    private List<PixelRegion> GridPatches(PixelRegion region)
    {
        var (kx0, kx1, ky0, ky1) = GridRange(region);
        var result = new List<PixelRegion>((kx1 - kx0 + 1) * (ky1 - ky0 + 1));
        for (int ky = ky0; ky <= ky1; ky++)
            for (int kx = kx0; kx <= kx1; kx++)
                result.Add(GridPatch(kx, ky));
        return result;
    }

    private (int Kx0, int Kx1, int Ky0, int Ky1) GridRange(PixelRegion region)
    {
        int stride = layout.Stride, margin = layout.Margin;
        return (FloorDiv(region.X + margin - patch, stride) + 1, FloorDiv(region.Right - 1 + margin, stride),
            FloorDiv(region.Y + margin - patch, stride) + 1, FloorDiv(region.Bottom - 1 + margin, stride));
    }

    private PixelRegion GridPatch(int kx, int ky) => new((kx * layout.Stride) - layout.Margin, (ky * layout.Stride) - layout.Margin, patch, patch);

    // Patches on block borders are run once for every block they touch, so progress counts them block by block.
    private long CountBlockPatches(int width, RowBand rows, int blockSize)
    {
        long count = 0;
        for (int by = rows.Y0; by < rows.Y1; by += blockSize)
            for (int bx = 0; bx < width; bx += blockSize)
                count += CountPatches(new PixelRegion(bx, by, Math.Min(blockSize, width - bx), Math.Min(blockSize, rows.Y1 - by)));
        return count;
    }

    // Walks the grid instead of listing it: the whole slide's grid grows with its area.
    private long CountPatches(PixelRegion whole)
    {
        var (kx0, kx1, ky0, ky1) = GridRange(whole);
        long count = 0;
        for (int ky = ky0; ky <= ky1; ky++)
            for (int kx = kx0; kx <= kx1; kx++)
                if (HasTissue(GridPatch(kx, ky))) count++;
        return count;
    }

    private static int FloorDiv(int a, int b) => (int)Math.Floor(a / (double)b);

    // A certain background prediction: probability 1 for class 0 in every sample, so zero uncertainty.
    private void AddBackground(BlendAccumulator accumulator, IEnumerable<PixelRegion> patches)
    {
        float[]? background = null;
        foreach (var p in patches)
        {
            if (background is null)
            {
                background = new float[accumulator.Channels * patch * patch];
                for (int s = 0; s < source.SampleCount; s++)
                    Array.Fill(background, 1f, s * Classes * patch * patch, patch * patch);
            }
            accumulator.Add(p.X, p.Y, background);
        }
    }

    private void AddPredictions(BlendAccumulator accumulator, List<PixelRegion> patches)
    {
        var extent = patches.Aggregate(Union);
        var image = slide.ReadRegion(SpacingUm, extent);
        for (int start = 0; start < patches.Count; start += options.BatchSize)
        {
            options.Cancellation.ThrowIfCancellationRequested();
            var batch = patches.Skip(start).Take(options.BatchSize).Select(p => (p.X, p.Y)).ToList();
            var (values, _) = TiledPredictor.PredictBatch(source, image, extent, batch, patch);
            accumulator.AddBatch(batch, values);
            patchesDone += batch.Count;
            ReportProgress();
        }
    }

    private void ReportProgress()
    {
        // No rate in the detail: whoever shows the progress measures the rate and ETA from done/total.
        options.Progress?.Report(new WorkProgress("predict slide", patchesDone, totalPatches));
    }

    private static PixelRegion Union(PixelRegion a, PixelRegion b)
    {
        int x0 = Math.Min(a.X, b.X), y0 = Math.Min(a.Y, b.Y);
        return new PixelRegion(x0, y0, Math.Max(a.Right, b.Right) - x0, Math.Max(a.Bottom, b.Bottom) - y0);
    }
}
