using Uga.Imaging;
using Uga.Inference;
using Uga.Slides;
using Uga.Slides.Tissue;

namespace Uga.Inference.Artifacts;

/// <summary>
/// Predict-once: the prediction artifact of a slide or image by a model, reused from <see cref="Folder"/> when its
/// key matches and predicted (and stored) when it is missing, stale or unreadable — saying why in the outcome.
/// Every caller that needs a prediction (rank, workspace rounds, the workbench) goes through here.
/// </summary>
public sealed class ArtifactCache(string folder, string modelDir, IEnsembleModel ensemble)
{
    // Tile images are small (GlaS ~388×261 px at 1 µm/px): 256² chunks keep the padding of edge chunks, which is written and
    // compressed like data, to a few per cent instead of the 1024² slide block's 2.5×.
    private const int ImageChunk = 256;

    private string? modelHash;

    public string Folder { get; } = Path.GetFullPath(folder);

    /// <summary>The model's identity, hashed once per cache.</summary>
    public string ModelHash => modelHash ??= Fingerprints.Model(modelDir, ensemble.Manifest);

    /// <summary>
    /// The artifact of <paramref name="slide"/>: reused when current, otherwise predicted with
    /// <paramref name="options"/> (display TIFFs go to <paramref name="mapsDir"/>).
    /// </summary>
    public ArtifactOutcome ForSlide(Slide slide, string stem, TissueMask tissue, SlidePredictionOptions options, string mapsDir)
    {
        var key = KeyFor(slide.Path, options);
        var path = PredictionArtifact.PathFor(Folder, stem);
        if (Reusable(path, key, out var stale) is { } artifact) return new ArtifactOutcome(artifact, 0, null, null);
        Directory.CreateDirectory(mapsDir);
        var result = SlidePredictor.Predict(slide, ensemble, tissue, Path.Combine(mapsDir, stem + ".labels.tif"),
            Path.Combine(mapsDir, stem + ".uncertainty.tif"), options with { Artifact = new ArtifactTarget(path, key) });
        return new ArtifactOutcome(PredictionArtifact.Open(path), result.Forwards, stale, result);
    }

    /// <summary>The slide's whole artifact when it is current (so none of its bands needs predicting), else null.</summary>
    public PredictionArtifact? Current(string slidePath, string stem, SlidePredictionOptions options) =>
        PredictionArtifact.TryReuse(PredictionArtifact.PathFor(Folder, stem), KeyFor(slidePath, options), out _);

    /// <summary>
    /// The band artifact of <paramref name="rows"/> of <paramref name="slide"/> (<see cref="ArtifactBands"/>): reused
    /// when current, otherwise predicted; no display TIFFs.
    /// </summary>
    public ArtifactOutcome ForBand(Slide slide, string stem, TissueMask tissue, SlidePredictionOptions options, RowBand rows)
    {
        var key = KeyFor(slide.Path, options);
        var path = ArtifactBands.PathFor(Folder, stem, rows.Y0);
        if (PredictionArtifact.TryReuse(path, key, out var why, rows) is { } band) return new ArtifactOutcome(band, 0, null, null);
        long forwards = SlidePredictor.PredictRows(slide, ensemble, tissue, rows, options with { Artifact = new ArtifactTarget(path, key) });
        return new ArtifactOutcome(PredictionArtifact.Open(path), forwards, why is null ? null : $"{why}; predicting again", null);
    }

    /// <summary>The key of predicting the slide at <paramref name="slidePath"/> with <paramref name="options"/> by this cache's model.</summary>
    public PredictionKey KeyFor(string slidePath, SlidePredictionOptions options) =>
        PredictionKey.Of(ModelHash, slidePath, options, ensemble.Manifest.PatchSize, options.MinTissueFraction);

    /// <summary>The artifact of a tile image at <paramref name="spacingUm"/>, predicted in memory when needed.</summary>
    public ArtifactOutcome ForImage(string imagePath, string stem, double spacingUm, PredictOptions options)
    {
        var key = PredictionKey.Of(ModelHash, imagePath, options, ensemble.Manifest.PatchSize, 0);
        var path = PredictionArtifact.PathFor(Folder, stem);
        if (Reusable(path, key, out var stale) is { } artifact) return new ArtifactOutcome(artifact, 0, null, null);
        var image = ImageFile.ReadRgb(imagePath);
        var prediction = TiledPredictor.PredictAtModelSpacing(ensemble, image, spacingUm, options);
        var stack = prediction.Stack;
        var draft = new ArtifactManifest
        {
            Key = key,
            SlidePath = Path.GetFullPath(imagePath),
            SlideWidth = image.Width,
            SlideHeight = image.Height,
            SlideSpacingUm = spacingUm,
            Width = stack.Width,
            Height = stack.Height,
            SpacingUm = ensemble.Manifest.SpacingUm,
            ClassNames = ensemble.Manifest.ClassNames,
            Measures = ArtifactWriter.AllMeasures,
            Chunk = ImageChunk,
            PatchesPredicted = 0,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        using (var writer = ArtifactWriter.Create(path, draft))
        {
            writer.WriteStack(new PixelRegion(0, 0, stack.Width, stack.Height), stack);
            writer.Complete(prediction.Forwards / Math.Max(1, stack.Samples));
        }
        return new ArtifactOutcome(PredictionArtifact.Open(path), prediction.Forwards, stale, null);
    }

    /// <summary>Forgets a stored artifact that turned out unreadable, so the next request predicts it again.</summary>
    public static void Discard(PredictionArtifact artifact)
    {
        if (Directory.Exists(artifact.Path)) Directory.Delete(artifact.Path, recursive: true);
    }

    private static PredictionArtifact? Reusable(string path, PredictionKey key, out string? stale)
    {
        var artifact = PredictionArtifact.TryReuse(path, key, out var why);
        stale = why is null ? null : $"{why}; predicting again";
        return artifact;
    }
}

/// <summary>
/// An artifact and how it was obtained: <see cref="Forwards"/> network forwards (0 when reused), why an existing one
/// was not reused (null when there was none or it was), and the slide prediction's own result when one ran.
/// </summary>
public sealed record ArtifactOutcome(PredictionArtifact Artifact, long Forwards, string? StaleNote, SlidePredictionResult? Predicted)
{
    public bool Reused => Predicted is null && Forwards == 0;
}
