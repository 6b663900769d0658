using System.Diagnostics;
using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Artifacts;
using Uga.Inference.Uncertainty;
using Uga.Slides;
using Uga.Slides.Tissue;
using Uga.Slides.Writing;

namespace Uga.Inference;

/// <summary>
/// Runs an ensemble over a whole slide at the model's spacing and streams the label map and the uncertainty map
/// into pyramidal TIFFs. The slide is processed in square blocks, row of blocks by row of blocks; patches lie on one
/// global grid (stride = patch − overlap), so a pixel's value does not depend on which block computed it and there
/// are no seams between blocks. Patches without tissue are not run: they contribute a certain "background"
/// prediction (class 0, identical across samples), which also makes the transition at tissue borders smooth.
/// Memory: one row of blocks of labels and uncertainty (width × block size bytes each) plus one block's
/// probabilities; never the whole slide.
/// </summary>
public static class SlidePredictor
{
    public static SlidePredictionResult Predict(Slide slide, IEnsembleModel ensemble, TissueMask tissue, string labelsPath,
        string uncertaintyPath, SlidePredictionOptions? options = null)
    {
        options ??= new SlidePredictionOptions();
        options.Validate();
        var manifest = ensemble.Manifest;
        var (w, h) = MapSize(slide, manifest);
        var run = new Run(slide, ensemble, tissue, options, w, h, new RowBand(0, h));
        var measure = UncertaintyMeasures.Get(options.Uncertainty);
        var scale = UncertaintyScale(measure.Name, manifest.ClassCount);
        var tiff = new PyramidalTiffOptions { TileSize = options.TileSize, ClassNames = manifest.ClassNames };
        using var labels = PyramidalTiffWriter.Create(labelsPath, run.Width, run.Height, PixelKind.Labels, manifest.SpacingUm, tiff);
        using var uncertainty = PyramidalTiffWriter.Create(uncertaintyPath, run.Width, run.Height, PixelKind.Gray8, manifest.SpacingUm,
            tiff with { ClassNames = null, ValueScale = $"{measure.Name}: {scale.Description}" });

        using var artifact = options.Artifact is { } target ? ArtifactWriter.Create(target.Path, Draft(slide, target.Key, run, options)) : null;
        var clock = Stopwatch.StartNew();
        PredictRows(run, measure, scale, artifact, (bandLabels, bandUncertainty) =>
        {
            labels.WriteRows(bandLabels);
            uncertainty.WriteRows(bandUncertainty);
            foreach (var v in bandLabels) run.ClassPixels[Math.Min(v, run.ClassPixels.Length - 1)]++;
        });
        labels.Complete();
        uncertainty.Complete();
        artifact?.Complete(run.PatchesPredicted);
        return new SlidePredictionResult
        {
            LabelsPath = labelsPath,
            UncertaintyPath = uncertaintyPath,
            Width = run.Width,
            Height = run.Height,
            SpacingUm = manifest.SpacingUm,
            ClassNames = manifest.ClassNames,
            UncertaintyMeasure = measure.Name,
            UncertaintyScale = scale,
            PatchesPredicted = run.PatchesPredicted,
            PatchesSkipped = run.PatchesSkipped,
            Forwards = run.Forwards,
            ArtifactPath = options.Artifact?.Path,
            ClassPixels = run.ClassPixels,
            Elapsed = clock.Elapsed,
            PreviewLabels = run.PreviewLabels,
            PreviewUncertainty = run.PreviewUncertainty,
            PreviewSpacingUm = run.PreviewSpacing,
        };
    }

    /// <summary>
    /// Predicts only <paramref name="rows"/> of the slide's maps (cut to the map; Y0 on the block grid) into the band
    /// artifact <see cref="SlidePredictionOptions.Artifact"/> — one work unit's share of a very large slide. No display
    /// TIFFs: those need the whole slide. Returns the patch forwards run.
    /// </summary>
    public static long PredictRows(Slide slide, IEnsembleModel ensemble, TissueMask tissue, RowBand rows, SlidePredictionOptions options)
    {
        options.Validate();
        var target = options.Artifact ?? throw new ArgumentException("a band is only ever stored as a band artifact", nameof(options));
        if (rows.Y0 < 0 || rows.Y0 % options.BlockSize != 0 || rows.Y1 <= rows.Y0)
            throw new ArgumentException($"{rows} must start on the {options.BlockSize} px block grid and hold at least one row", nameof(rows));
        var (w, h) = MapSize(slide, ensemble.Manifest);
        var band = rows.ClippedTo(h);
        var run = new Run(slide, ensemble, tissue, options, w, h, band);
        var measure = UncertaintyMeasures.Get(options.Uncertainty);
        using var artifact = ArtifactWriter.Create(target.Path, Draft(slide, target.Key, run, options) with { Rows = band });
        PredictRows(run, measure, UncertaintyScale(measure.Name, ensemble.Manifest.ClassCount), artifact, (_, _) => { });
        artifact.Complete(run.PatchesPredicted);
        return run.Forwards;
    }

    private static (int Width, int Height) MapSize(Slide slide, ModelManifest manifest)
    {
        var (w, h) = slide.SizeAt(manifest.SpacingUm);
        if (w > PyramidalTiffWriter.MaxDimension || h > PyramidalTiffWriter.MaxDimension)
            throw new InvalidInputException(slide.Path, $"slide is {w}x{h} px at {manifest.SpacingUm} µm/px, beyond the {PyramidalTiffWriter.MaxDimension} px a map can hold");
        return ((int)w, (int)h);
    }

    private delegate void RowDone(Span<byte> labels, Span<byte> uncertaintyCodes);

    // Rows of blocks from the run's first row to its last; each finished row of blocks is handed to rowDone as labels
    // and uncertainty codes (width × rows).
    private static void PredictRows(Run run, IUncertaintyMeasure measure, Gray8Scale scale, ArtifactWriter? artifact,
        RowDone rowDone)
    {
        int blockSize = run.Options.BlockSize;
        // One pair of band buffers for the whole slide: a fresh pair per band is garbage on the large-object heap
        // that the GC may leave resident for several bands.
        var labelsBuffer = new byte[(long)run.Width * Math.Min(blockSize, Math.Max(1, run.Rows.Height))];
        var uncertaintyBuffer = new byte[labelsBuffer.Length];
        for (int by = run.Rows.Y0; by < run.Rows.Y1; by += blockSize)
        {
            int bandHeight = Math.Min(blockSize, run.Rows.Y1 - by);
            var bandLabels = labelsBuffer.AsSpan(0, run.Width * bandHeight);
            var bandUncertainty = uncertaintyBuffer.AsSpan(0, bandLabels.Length);
            for (int bx = 0; bx < run.Width; bx += blockSize)
                PredictBlock(run, measure, scale, new PixelRegion(bx, by, Math.Min(blockSize, run.Width - bx), bandHeight),
                    bandLabels, bandUncertainty, artifact);
            rowDone(bandLabels, bandUncertainty);
        }
    }

    /// <summary>
    /// The range the 8-bit uncertainty TIFF covers. Entropy-like measures are bounded by ln C; the ensemble
    /// cross-entropy adds a KL term and is given twice that range (larger values clamp); the variance of a
    /// probability is at most 1/4.
    /// </summary>
    public static Gray8Scale UncertaintyScale(string measure, int classes) => measure switch
    {
        "variance" => new Gray8Scale(0, 0.25),
        "ensemble-ce" => new Gray8Scale(0, 2 * Math.Log(classes)),
        _ => new Gray8Scale(0, Math.Log(classes)),
    };

    // The band buffers are reused, so every block writes all of its pixels, zeros for glass.
    private static void PredictBlock(Run run, IUncertaintyMeasure measure, Gray8Scale scale, PixelRegion block,
        Span<byte> bandLabels, Span<byte> bandUncertainty, ArtifactWriter? artifact)
    {
        if (run.PredictBlock(block) is not { } stack)
        {
            // Glass only: label 0 and no uncertainty; the previews start at zero, the artifact's fill values say the same.
            for (int y = 0; y < block.Height; y++)
            {
                bandLabels.Slice((y * run.Width) + block.X, block.Width).Clear();
                bandUncertainty.Slice((y * run.Width) + block.X, block.Width).Clear();
            }
            return;
        }
        var summary = BlockSummary.Of(stack, artifact?.MeasureNames ?? [measure.Name]);
        var (labels, uncertainty) = (summary.Labels, summary.Maps[measure.Name]);
        artifact?.WriteMaps(block, summary);
        run.AddPreview(block, labels, uncertainty);
        CopyIntoBand(labels.Data, block, bandLabels, run.Width);
        var codes = new byte[uncertainty.Data.Length];
        scale.Quantise(uncertainty.Data, codes);
        CopyIntoBand(codes, block, bandUncertainty, run.Width);
    }

    private static ArtifactManifest Draft(Slide slide, PredictionKey key, Run run, SlidePredictionOptions options) => new()
    {
        Key = key,
        SlidePath = Path.GetFullPath(slide.Path),
        SlideWidth = checked((int)slide.Levels[0].Width),
        SlideHeight = checked((int)slide.Levels[0].Height),
        SlideSpacingUm = slide.Spacing,
        Width = run.Width,
        Height = run.Height,
        SpacingUm = run.SpacingUm,
        ClassNames = run.ClassNames,
        Measures = ArtifactWriter.AllMeasures,
        Chunk = options.BlockSize,
        PatchesPredicted = 0,
        CreatedAt = DateTimeOffset.UtcNow,
    };

    private static void CopyIntoBand(byte[] block, PixelRegion region, Span<byte> band, int bandWidth)
    {
        for (int y = 0; y < region.Height; y++)
            block.AsSpan(y * region.Width, region.Width).CopyTo(band[((y * bandWidth) + region.X)..]);
    }
}
