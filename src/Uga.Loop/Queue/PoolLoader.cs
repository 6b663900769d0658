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
        var tissue = TissueDetector.Detect(slide, cancel: request.Cancellation);
        return new PoolInput(path, Path.GetFileNameWithoutExtension(path), tissue,
            checked((int)slide.Levels[0].Width), checked((int)slide.Levels[0].Height), slide.Spacing, null);
    }

    public static PoolInput PrepareImage(DatasetCase c)
    {
        var image = ImageFile.ReadRgb(c.ImagePath);
        return new PoolInput(c.ImagePath, c.Stem, TissueDetector.Detect(image, c.SpacingUm), image.Width, image.Height, c.SpacingUm, c);
    }

    /// <summary>
    /// The slide's prediction artifact from <paramref name="cache"/> (predicted only when missing or stale) turned
    /// into a pool item: the full-precision map of <paramref name="measure"/>, labels read from the artifact.
    /// </summary>
    public static PoolItem LoadSlide(PoolInput input, ArtifactCache cache, RankRequest request, string measure, string mapsDir, List<string> notes)
    {
        using var slide = SlideFactory.Open(input.Path, request.SlideSpacingUm);
        var options = new SlidePredictionOptions
        {
            BatchSize = request.BatchSize,
            Overlap = request.Overlap,
            CascadeThreshold = request.CascadeThreshold,
            Progress = request.Progress,
            Cancellation = request.Cancellation,
        };
        var (outcome, map) = ReadOrPredict(() => cache.ForSlide(slide, input.Stem, input.Tissue, options, mapsDir), request, measure, notes);
        var a = outcome.Artifact.Manifest;
        double previewSpacing = a.SpacingUm * Math.Max(1.0, Math.Max(a.Width, a.Height) / (double)request.PreviewSize);
        int pw = Math.Max(1, (int)Math.Round(a.Width * a.SpacingUm / previewSpacing));
        int ph = Math.Max(1, (int)Math.Round(a.Height * a.SpacingUm / previewSpacing));
        var thumbnail = Resample.Rgb(slide.ReadWhole(previewSpacing), pw, ph);
        return Item(input, outcome, measure, map, thumbnail, previewSpacing, request);
    }

    public static PoolItem LoadImage(PoolInput input, ArtifactCache cache, RankRequest request, string measure, List<string> notes)
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
        var item = Item(input, outcome, measure, map, f < 1 ? Resample.Rgb(image, tw, th) : image, input.SpacingUm * image.Width / tw, request);
        return item with { Slide = item.Slide with { Colour = new SpacedImage(image, input.SpacingUm) } };
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

    private static PoolItem Item(PoolInput input, ArtifactOutcome outcome, string measure, SpacedMap map, RgbImage thumbnail, double previewSpacing, RankRequest request)
    {
        var measures = new Dictionary<string, SpacedMap>(StringComparer.Ordinal) { [measure] = map };
        if (RankingStrategies.NeedsClassMaps(request.Strategy))
        {
            // The class-aware strategies read per-class maps derived from the stored mean probabilities, pooled
            // to the same grid as the measure map.
            var a = outcome.Artifact;
            var probabilities = Enumerable.Range(0, a.Manifest.ClassNames.Count).Select(c => a.ReadProbability(c, request.MaxMapPixels).Map).ToList();
            foreach (var (name, classMap) in ClassMaps.FromProbabilities(probabilities)) measures[name] = new SpacedMap(classMap, map.SpacingUm);
        }
        var ranking = input.ToRankingSlide() with
        {
            Measures = measures,
            Colour = new SpacedImage(thumbnail, previewSpacing),
        };
        return new PoolItem
        {
            Slide = ranking,
            SourcePath = input.Path,
            Thumbnail = thumbnail,
            PreviewMap = Resample.Floats(map.Map, thumbnail.Width, thumbnail.Height),
            PreviewSpacingUm = previewSpacing,
            Labels = new ArtifactLabels(outcome.Artifact),
            Forwards = outcome.Forwards,
        };
    }

    /// <summary>The request's dataset images (see <see cref="DatasetImages.List"/>).</summary>
    public static IReadOnlyList<DatasetCase> ListImages(RankRequest request) =>
        DatasetImages.List(request.DataDir!, request.Where, request.DataSpacingUm);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A slide or image before prediction: its level-0 extent, spacing and tissue.</summary>
internal sealed record PoolInput(string Path, string Stem, TissueMask Tissue, int Width, int Height, double SpacingUm, DatasetCase? Case)
{
    public RankingSlide ToRankingSlide() => new(Stem, Width, Height, SpacingUm) { Tissue = Tissue };
}
