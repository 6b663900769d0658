using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Artifacts;
using Uga.Learning;
using Uga.Learning.Inference;
using Uga.Ranking;
using Uga.Slides;
using Uga.Slides.Tissue;

namespace Uga.Loop.Queue;

/// <summary>
/// Turns every slide or image of the pool into a <see cref="PoolItem"/> from its prediction artifact
/// (<see cref="ArtifactCache"/>): a current artifact is read, a missing or stale one is predicted first — whole slides
/// streamed through <see cref="SlidePredictor"/> (display TIFFs under maps/ too), tile images in memory.
/// </summary>
internal static class PoolLoader
{
    /// <summary>Opens a slide and finds its tissue: enough to lay the candidate grid before predicting.</summary>
    public static PoolInput PrepareSlide(string path, RankRequest request)
    {
        using var slide = SlideFactory.Open(path, request.SlideSpacingUm);
        return PoolInput.OfSlide(slide, path, Path.GetFileNameWithoutExtension(path), TissueDetector.Detect(slide, cancel: request.Cancellation));
    }

    public static PoolInput PrepareImage(DatasetCase c)
    {
        var image = ImageFile.ReadRgb(c.ImagePath);
        return new PoolInput(c.ImagePath, c.Stem, TissueDetector.Detect(image, c.SpacingUm), image.Width, image.Height, c.SpacingUm, c);
    }

    /// <summary>How a request predicts a slide whose artifact is missing or stale (and so which artifact is current).</summary>
    public static SlidePredictionOptions SlideOptions(RankRequest request) => new()
    {
        BatchSize = request.BatchSize,
        Overlap = request.Overlap,
        CascadeThreshold = request.CascadeThreshold,
        Progress = request.Progress,
        Cancellation = request.Cancellation,
    };

    /// <summary>
    /// The slide's prediction artifact from <paramref name="cache"/> (predicted only when missing or stale) turned
    /// into a pool item and its phase-1 features (<see cref="SlideRankFeatures"/>, stored with the artifact).
    /// </summary>
    public static (PoolItem Item, SlideFeatures Features) LoadSlide(PoolInput input, ArtifactCache cache, RankRequest request,
        string measure, string mapsDir, PatchEmbedder? encoder, List<string> notes)
    {
        using var slide = SlideFactory.Open(input.Path, request.SlideSpacingUm);
        var tissue = input.Tissue ?? throw new InvalidOperationException($"{input.Stem}: tissue not detected");
        return ReadOrPredict(() => cache.ForSlide(slide, input.Stem, tissue, SlideOptions(request), mapsDir), notes,
            outcome => MeasureSlide(input, slide, outcome, request, measure, encoder));
    }

    /// <summary>
    /// What a prediction unit adds to its artifact: the slide's features for <paramref name="request"/>'s grid and
    /// strategy, computed and stored unless already stored. Returns whether they were computed.
    /// </summary>
    public static bool StoreFeatures(Slide slide, PoolInput input, ArtifactOutcome outcome, RankRequest request, PatchEmbedder? encoder, List<string> notes)
    {
        var measure = request.RankedMeasure();
        if (HasFeatures(outcome.Artifact, request, notes)) return false;
        MeasureSlide(input, slide, outcome, request, measure, encoder);
        return true;
    }

    /// <summary>Whether <paramref name="artifact"/> holds readable features for <paramref name="request"/>.</summary>
    public static bool HasFeatures(PredictionArtifact artifact, RankRequest request, List<string> notes) =>
        SlideRankFeatures.TryRead(artifact, SlideRankFeatures.Key(request, request.RankedMeasure()), notes) is not null;

    // A slide's features, stored with its artifact for later rankings and the reduction of cluster units.
    private static (PoolItem, SlideFeatures) MeasureSlide(PoolInput input, Slide slide, ArtifactOutcome outcome,
        RankRequest request, string measure, PatchEmbedder? encoder)
    {
        var (previewSpacing, pw, ph) = PreviewGrid(outcome.Artifact.Manifest, request);
        var thumbnail = Thumbnail(slide, previewSpacing, pw, ph);
        var features = Measure(input, new SpacedImage(thumbnail, previewSpacing), outcome.Artifact, request, measure, encoder);
        SlideRankFeatures.Write(outcome.Artifact, SlideRankFeatures.Key(request, measure), features);
        var item = ItemOf(input, outcome.Artifact, measure, new Lazy<RgbImage>(thumbnail), (previewSpacing, pw, ph));
        return (item with { Forwards = outcome.Forwards }, features);
    }

    // Phase 1 from the artifact's maps, read a block of candidates at a time: a whole slide's maps are never in
    // memory. A truncated chunk is found first, where it costs 4 bytes a chunk.
    private static SlideFeatures Measure(PoolInput input, SpacedImage colour, PredictionArtifact artifact, RankRequest request, string measure, PatchEmbedder? encoder)
    {
        artifact.CheckChunkEnds(measure);
        var slide = input.ToRankingSlide() with { Colour = colour };
        var maps = new ArtifactMaps(artifact, measure, RankingStrategies.NeedsClassMaps(request.StrategyName));
        return Features(slide, input, artifact, request, encoder, maps);
    }

    /// <summary>
    /// A pool item for a slide whose features a unit stored: nothing is read now; the thumbnail and the preview map
    /// are read only if the export draws this slide (it has chosen candidates).
    /// </summary>
    public static PoolItem FromStored(PoolInput input, PredictionArtifact artifact, RankRequest request, string measure)
    {
        var (previewSpacing, pw, ph) = PreviewGrid(artifact.Manifest, request);
        return ItemOf(input, artifact, measure, new Lazy<RgbImage>(() =>
        {
            using var slide = SlideFactory.Open(input.Path, request.SlideSpacingUm);
            return Thumbnail(slide, previewSpacing, pw, ph);
        }), (previewSpacing, pw, ph));
    }

    // The item keeps no map: the preview map is read pooled, and only if the export draws this slide.
    private static PoolItem ItemOf(PoolInput input, PredictionArtifact artifact, string measure, Lazy<RgbImage> thumbnail,
        (double SpacingUm, int Width, int Height) preview) => new()
        {
            Slide = input.ToRankingSlide(),
            SourcePath = input.Path,
            MapSpacingUm = artifact.Manifest.SpacingUm,
            Thumbnail = thumbnail,
            PreviewMap = new Lazy<FloatMap>(() => PreviewOf(artifact, measure, preview.Width, preview.Height)),
            PreviewSpacingUm = preview.SpacingUm,
            Labels = new ArtifactLabels(artifact),
        };

    // Phase 1 of one slide; for the embedding strategies each candidate's pooled bottleneck features too (one encoder
    // pass per candidate, paid where the slide is measured: in a cluster unit, not in the reduction).
    private static SlideFeatures Features(RankingSlide slide, PoolInput input, PredictionArtifact artifact, RankRequest request, PatchEmbedder? encoder,
        IRegionMaps maps)
    {
        var features = CandidateGrid.Features(slide, request.Settings(artifact.Manifest.SpacingUm).Grid, maps);
        if (!RankingStrategies.NeedsEmbeddings(request.StrategyName) || features.Candidates.Count == 0) return features;
        return features with { Candidates = CandidatePatches.WithEmbeddings(features.Candidates, [input], CandidatePatches.RequireEncoder(request, encoder), request) };
    }

    // The preview's grid: the slide's extent at a spacing whose longer side is at most the preview size.
    private static (double SpacingUm, int Width, int Height) PreviewGrid(ArtifactManifest a, RankRequest request)
    {
        double spacing = a.SpacingUm * Math.Max(1.0, Math.Max(a.Width, a.Height) / (double)request.PreviewSize);
        return (spacing, Math.Max(1, (int)Math.Round(a.Width * a.SpacingUm / spacing)), Math.Max(1, (int)Math.Round(a.Height * a.SpacingUm / spacing)));
    }

    private static RgbImage Thumbnail(Slide slide, double spacingUm, int width, int height) =>
        Resample.Rgb(slide.ReadWhole(spacingUm), width, height);

    // Read pooled to a few times the preview's pixels, so drawing a slide never decodes more than one pass of its map.
    private static FloatMap PreviewOf(PredictionArtifact artifact, string measure, int width, int height) =>
        Resample.Floats(artifact.ReadMeasure(measure, 16L * width * height).Map, width, height);

    public static (PoolItem Item, SlideFeatures Features) LoadImage(PoolInput input, ArtifactCache cache, RankRequest request, string measure,
        PatchEmbedder? encoder, List<string> notes)
    {
        var options = new PredictOptions
        {
            BatchSize = request.BatchSize,
            Overlap = request.Overlap,
            CascadeThreshold = request.CascadeThreshold,
            Cancellation = request.Cancellation,
        };
        var image = ImageFile.ReadRgb(input.Path);
        double f = Math.Min(1.0, request.PreviewSize / (double)Math.Max(image.Width, image.Height));
        int tw = Resample.Scaled(image.Width, f), th = Resample.Scaled(image.Height, f);
        var thumbnail = f < 1 ? Resample.Rgb(image, tw, th) : image;
        return ReadOrPredict(() => cache.ForImage(input.Path, input.Stem, input.SpacingUm, options), notes, outcome =>
        {
            var features = Measure(input, new SpacedImage(image, input.SpacingUm), outcome.Artifact, request, measure, encoder);
            var item = ItemOf(input, outcome.Artifact, measure, new Lazy<RgbImage>(thumbnail), (input.SpacingUm * image.Width / tw, tw, th));
            return (item with { Forwards = outcome.Forwards }, features);
        });
    }

    // A stored artifact that cannot be read (truncated chunk, foreign file) is recoverable: say so and predict again.
    private static T ReadOrPredict<T>(Func<ArtifactOutcome> get, List<string> notes, Func<ArtifactOutcome, T> use)
    {
        var outcome = get();
        if (outcome.StaleNote is { } stale) notes.Add(stale);
        try
        {
            return use(outcome);
        }
        catch (InvalidInputException e) when (outcome.Reused)
        {
            notes.Add($"{e.Message}; predicting again");
            ArtifactCache.Discard(outcome.Artifact);
            return use(get());
        }
    }

    /// <summary>The request's dataset images (see <see cref="DatasetImages.List"/>).</summary>
    public static IReadOnlyList<DatasetCase> ListImages(RankRequest request) =>
        DatasetImages.List(request.DataDir!, request.Where, request.DataSpacingUm);
}

/// <summary>A slide or image before prediction: its level-0 extent, spacing and tissue (null when its features were stored by a unit).</summary>
internal sealed record PoolInput(string Path, string Stem, TissueMask? Tissue, int Width, int Height, double SpacingUm, DatasetCase? Case)
{
    public static PoolInput OfSlide(Slide slide, string path, string stem, TissueMask tissue) =>
        new(path, stem, tissue, checked((int)slide.Levels[0].Width), checked((int)slide.Levels[0].Height), slide.Spacing, null);

    public RankingSlide ToRankingSlide() => new(Stem, Width, Height, SpacingUm) { Tissue = Tissue };
}
