using System.Globalization;
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
        string measure, string mapsDir, Ensemble? encoder, List<string> notes)
    {
        using var slide = SlideFactory.Open(input.Path, request.SlideSpacingUm);
        var tissue = input.Tissue ?? throw new InvalidOperationException($"{input.Stem}: tissue not detected");
        var (outcome, map) = ReadOrPredict(() => cache.ForSlide(slide, input.Stem, tissue, SlideOptions(request), mapsDir), request, measure, notes);
        return MeasureSlide(input, slide, outcome, map, request, measure, encoder);
    }

    /// <summary>
    /// What a prediction unit adds to its artifact: the slide's features for <paramref name="request"/>'s grid and
    /// strategy, computed and stored unless already stored. Returns whether they were computed.
    /// </summary>
    public static bool StoreFeatures(Slide slide, PoolInput input, ArtifactOutcome outcome, RankRequest request, Ensemble? encoder, List<string> notes)
    {
        var measure = request.RankedMeasure();
        if (HasFeatures(outcome.Artifact, request, notes)) return false;
        MeasureSlide(input, slide, outcome, Read(outcome.Artifact, request, measure, notes), request, measure, encoder);
        return true;
    }

    /// <summary>Whether <paramref name="artifact"/> holds readable features for <paramref name="request"/>.</summary>
    public static bool HasFeatures(PredictionArtifact artifact, RankRequest request, List<string> notes) =>
        SlideRankFeatures.TryRead(artifact, SlideRankFeatures.Key(request, request.RankedMeasure()), notes) is not null;

    // The features computed from the maps and stored with the artifact; the item keeps no full-resolution map.
    private static (PoolItem, SlideFeatures) MeasureSlide(PoolInput input, Slide slide, ArtifactOutcome outcome, SpacedMap map,
        RankRequest request, string measure, Ensemble? encoder)
    {
        var (previewSpacing, pw, ph) = PreviewGrid(outcome.Artifact.Manifest, request);
        var thumbnail = Thumbnail(slide, previewSpacing, pw, ph);
        var item = Item(input, outcome.Artifact, measure, map, thumbnail, previewSpacing, request) with { Forwards = outcome.Forwards };
        var features = Features(item.Slide, input, outcome.Artifact, request, encoder);
        SlideRankFeatures.Write(outcome.Artifact, SlideRankFeatures.Key(request, measure), features);
        return (item with { Slide = input.ToRankingSlide() }, features);
    }

    /// <summary>
    /// A pool item for a slide whose features a unit stored: nothing is read now; the thumbnail and the preview map
    /// are read only if the export draws this slide (it has chosen candidates).
    /// </summary>
    public static PoolItem FromStored(PoolInput input, PredictionArtifact artifact, RankRequest request, string measure)
    {
        var (previewSpacing, pw, ph) = PreviewGrid(artifact.Manifest, request);
        return new PoolItem
        {
            Slide = input.ToRankingSlide(),
            SourcePath = input.Path,
            MapSpacingUm = MapSpacing(artifact, request),
            Thumbnail = new Lazy<RgbImage>(() =>
            {
                using var slide = SlideFactory.Open(input.Path, request.SlideSpacingUm);
                return Thumbnail(slide, previewSpacing, pw, ph);
            }),
            PreviewMap = new Lazy<FloatMap>(() => PreviewOf(artifact, measure, pw, ph)),
            PreviewSpacingUm = previewSpacing,
            Labels = new ArtifactLabels(artifact),
        };
    }

    // Phase 1 of one slide; for the embedding strategies each candidate's pooled bottleneck features too (one encoder
    // pass per candidate, paid where the slide is measured: in a cluster unit, not in the reduction).
    private static SlideFeatures Features(RankingSlide slide, PoolInput input, PredictionArtifact artifact, RankRequest request, Ensemble? encoder)
    {
        var features = CandidateGrid.Features(slide, request.Settings(artifact.Manifest.SpacingUm).Grid);
        if (!RankingStrategies.NeedsEmbeddings(request.Strategy) || features.Candidates.Count == 0) return features;
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

    // The spacing ranking reads the measure map at (the artifact's, or coarser beyond the pixel budget).
    private static double MapSpacing(PredictionArtifact artifact, RankRequest request) =>
        artifact.Manifest.SpacingUm * artifact.PoolingFactor(request.MaxMapPixels);

    public static (PoolItem Item, SlideFeatures Features) LoadImage(PoolInput input, ArtifactCache cache, RankRequest request, string measure,
        Ensemble? encoder, List<string> notes)
    {
        var options = new PredictOptions
        {
            BatchSize = request.BatchSize,
            Overlap = request.Overlap,
            CascadeThreshold = request.CascadeThreshold,
            Cancellation = request.Cancellation,
        };
        var (outcome, map) = ReadOrPredict(() => cache.ForImage(input.Path, input.Stem, input.SpacingUm, options), request, measure, notes);
        var image = ImageFile.ReadRgb(input.Path);
        double f = Math.Min(1.0, request.PreviewSize / (double)Math.Max(image.Width, image.Height));
        int tw = Resample.Scaled(image.Width, f), th = Resample.Scaled(image.Height, f);
        var item = Item(input, outcome.Artifact, measure, map, f < 1 ? Resample.Rgb(image, tw, th) : image, input.SpacingUm * image.Width / tw, request);
        item = item with { Slide = item.Slide with { Colour = new SpacedImage(image, input.SpacingUm) }, Forwards = outcome.Forwards };
        var features = Features(item.Slide, input, outcome.Artifact, request, encoder);
        return (item with { Slide = input.ToRankingSlide() }, features);
    }

    // A stored artifact that cannot be read (truncated chunk, foreign file) is recoverable: say so and predict again.
    private static (ArtifactOutcome Outcome, SpacedMap Map) ReadOrPredict(Func<ArtifactOutcome> get, RankRequest request, string measure, List<string> notes)
    {
        var outcome = get();
        if (outcome.StaleNote is { } stale) notes.Add(stale);
        try
        {
            return (outcome, Read(outcome.Artifact, request, measure, notes));
        }
        catch (InvalidInputException e) when (outcome.Reused)
        {
            notes.Add($"{e.Message}; predicting again");
            ArtifactCache.Discard(outcome.Artifact);
            outcome = get();
            return (outcome, Read(outcome.Artifact, request, measure, notes));
        }
    }

    private static SpacedMap Read(PredictionArtifact artifact, RankRequest request, string measure, List<string> notes)
    {
        var (map, spacing) = artifact.ReadMeasure(measure, request.MaxMapPixels);
        var m = artifact.Manifest;
        if (spacing > m.SpacingUm)
            notes.Add(Invariant($"{Path.GetFileName(artifact.Path)}: the {measure} map ({m.Width}x{m.Height} px) exceeds the {request.MaxMapPixels} px budget; ranked on its mean over {spacing / m.SpacingUm:0}x{spacing / m.SpacingUm:0} px blocks ({map.Width}x{map.Height} px, {spacing:0.###} µm/px)"));
        return new SpacedMap(map, spacing);
    }

    // The pool item with every map the strategy reads on the ranking grid (the measure, and class maps if it needs them).
    private static PoolItem Item(PoolInput input, PredictionArtifact artifact, string measure, SpacedMap map, RgbImage thumbnail, double previewSpacing, RankRequest request)
    {
        var measures = new Dictionary<string, SpacedMap>(StringComparer.Ordinal) { [measure] = map };
        if (RankingStrategies.NeedsClassMaps(request.Strategy))
        {
            // The class-aware strategies read per-class maps derived from the stored mean probabilities, pooled
            // to the same grid as the measure map.
            var probabilities = Enumerable.Range(0, artifact.Manifest.ClassNames.Count).Select(c => artifact.ReadProbability(c, request.MaxMapPixels).Map).ToList();
            foreach (var (name, classMap) in ClassMaps.FromProbabilities(probabilities)) measures[name] = new SpacedMap(classMap, map.SpacingUm);
        }
        var ranking = input.ToRankingSlide() with
        {
            Measures = measures,
            Colour = new SpacedImage(thumbnail, previewSpacing),
        };
        bool image = input.Case is not null;
        return new PoolItem
        {
            Slide = ranking,
            SourcePath = input.Path,
            MapSpacingUm = map.SpacingUm,
            Thumbnail = new Lazy<RgbImage>(thumbnail),
            // Tile images are small: their preview comes from the map in hand; a slide's from a pooled read, the same
            // whether its features were computed here or by a unit.
            PreviewMap = image ? new Lazy<FloatMap>(Resample.Floats(map.Map, thumbnail.Width, thumbnail.Height))
                : new Lazy<FloatMap>(() => PreviewOf(artifact, measure, thumbnail.Width, thumbnail.Height)),
            PreviewSpacingUm = previewSpacing,
            Labels = new ArtifactLabels(artifact),
        };
    }

    /// <summary>The request's dataset images (see <see cref="DatasetImages.List"/>).</summary>
    public static IReadOnlyList<DatasetCase> ListImages(RankRequest request) =>
        DatasetImages.List(request.DataDir!, request.Where, request.DataSpacingUm);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A slide or image before prediction: its level-0 extent, spacing and tissue (null when its features were stored by a unit).</summary>
internal sealed record PoolInput(string Path, string Stem, TissueMask? Tissue, int Width, int Height, double SpacingUm, DatasetCase? Case)
{
    public static PoolInput OfSlide(Slide slide, string path, string stem, TissueMask tissue) =>
        new(path, stem, tissue, checked((int)slide.Levels[0].Width), checked((int)slide.Levels[0].Height), slide.Spacing, null);

    public RankingSlide ToRankingSlide() => new(Stem, Width, Height, SpacingUm) { Tissue = Tissue };
}
