using System.Globalization;
using Uga.Engine;
using Uga.Guidance.Ranking;
using Uga.Imaging;
using Uga.Learning;
using Uga.Learning.Inference;
using Uga.Slides;
using Uga.Slides.Tissue;

namespace Uga.Guidance.Queue;

/// <summary>
/// Runs the ensemble over every slide or image of the pool and turns the result into <see cref="PoolItem"/>s.
/// Whole slides stream through <see cref="SlidePredictor"/> (labels and uncertainty TIFFs under maps/), whose
/// uncertainty is read back; tile images go through <see cref="TiledPredictor"/> in memory.
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

    public static PoolItem LoadSlide(PoolInput input, Ensemble ensemble, RankRequest request, string measure, string mapsDir, List<string> notes)
    {
        using var slide = SlideFactory.Open(input.Path, request.SlideSpacingUm);
        var stem = input.Stem;
        Directory.CreateDirectory(mapsDir);
        var result = SlidePredictor.Predict(slide, ensemble, input.Tissue,
            Path.Combine(mapsDir, stem + ".labels.tif"), Path.Combine(mapsDir, stem + ".uncertainty.tif"),
            new SlidePredictionOptions
            {
                Uncertainty = measure,
                BatchSize = request.BatchSize,
                PreviewSize = request.PreviewSize,
                Progress = request.Progress,
                Cancellation = request.Cancellation,
            });
        var (map, level) = UncertaintyTiff.Read(result.UncertaintyPath, result.SpacingUm, result.UncertaintyScale, request.MaxMapPixels);
        if (level > 0)
        {
            notes.Add(Invariant($"{stem}: the {measure} map at the model spacing ({result.Width}x{result.Height} px) exceeds the {request.MaxMapPixels} px budget;"));
            notes[^1] += Invariant($" ranked on pyramid level {level} ({map.Map.Width}x{map.Map.Height} px, {map.SpacingUm:0.###} µm/px)");
        }
        var thumbnail = SlidePreviews.Thumbnail(slide, result);
        var ranking = input.ToRankingSlide() with
        {
            Measures = new Dictionary<string, SpacedMap>(StringComparer.Ordinal) { [measure] = map },
            Colour = new SpacedImage(thumbnail, result.PreviewSpacingUm),
        };
        return new PoolItem
        {
            Slide = ranking,
            SourcePath = input.Path,
            Thumbnail = thumbnail,
            PreviewMap = result.PreviewUncertainty,
            PreviewSpacingUm = result.PreviewSpacingUm,
            Labels = new TiffLabels(result.LabelsPath, result.Width, result.Height, result.SpacingUm),
        };
    }

    public static PoolItem LoadImage(PoolInput input, Ensemble ensemble, RankRequest request, string measure)
    {
        var image = ImageFile.ReadRgb(input.Path);
        var prediction = TiledPredictor.Predict(ensemble, image, input.SpacingUm, new PredictOptions
        {
            Uncertainty = measure,
            BatchSize = request.BatchSize,
            Cancellation = request.Cancellation,
        });
        double f = Math.Min(1.0, request.PreviewSize / (double)Math.Max(image.Width, image.Height));
        int tw = Resample.Scaled(image.Width, f), th = Resample.Scaled(image.Height, f);
        var ranking = input.ToRankingSlide() with
        {
            Measures = new Dictionary<string, SpacedMap>(StringComparer.Ordinal) { [measure] = new SpacedMap(prediction.Uncertainty, input.SpacingUm) },
            Colour = new SpacedImage(image, input.SpacingUm),
        };
        return new PoolItem
        {
            Slide = ranking,
            SourcePath = input.Path,
            Thumbnail = f < 1 ? Resample.Rgb(image, tw, th) : image,
            PreviewMap = f < 1 ? Resample.Floats(prediction.Uncertainty, tw, th) : prediction.Uncertainty,
            PreviewSpacingUm = input.SpacingUm * image.Width / tw,
            Labels = new MemoryLabels(prediction.Labels, input.SpacingUm),
        };
    }

    /// <summary>
    /// The dataset's selected images. With a masks/ folder this is <see cref="SegmentationDataset.ListCases"/>;
    /// ranking needs no masks, so without one the images are listed here with the same filters and spacing rules.
    /// </summary>
    public static IReadOnlyList<DatasetCase> ListImages(RankRequest request)
    {
        var dir = request.DataDir!;
        var options = new DatasetOptions { Where = request.Where, DataSpacingUm = request.DataSpacingUm };
        if (Directory.Exists(Path.Combine(dir, "masks"))) return SegmentationDataset.ListCases(dir, options);
        var imagesDir = Path.Combine(dir, "images");
        if (!Directory.Exists(dir)) throw new InvalidInputException(dir, "dataset folder not found");
        if (!Directory.Exists(imagesDir)) throw new InvalidInputException(imagesDir, "dataset has no images folder");
        var casesPath = Path.Combine(dir, "cases.csv");
        var table = File.Exists(casesPath) ? CasesTable.Read(casesPath) : null;
        if (request.Where.Count > 0 && table is null)
            throw new InvalidInputException(casesPath, "filters were given but the dataset has no cases.csv");
        var cases = new List<DatasetCase>();
        foreach (var imagePath in Directory.EnumerateFiles(imagesDir).Order(StringComparer.Ordinal))
        {
            if (!ImageFile.ImageExtensions.Contains(Path.GetExtension(imagePath).ToLowerInvariant())) continue;
            var stem = Path.GetFileNameWithoutExtension(imagePath);
            if (request.Where.Count > 0 && !table!.Matches(stem, request.Where)) continue;
            cases.Add(new DatasetCase(stem, imagePath, "", SpacingOf(stem, dir, table, request.DataSpacingUm)));
        }
        if (cases.Count == 0)
            throw new InvalidInputException(dir, request.Where.Count > 0 ? $"no image matches {string.Join(" and ", request.Where)}" : "no images (.jpg, .png, .tif)");
        return cases;
    }

    private static double SpacingOf(string stem, string dir, CasesTable? table, double? given)
    {
        if (given is { } s) return s;
        var column = SegmentationDataset.SpacingColumn;
        if (table is null || !table.HasColumn(column))
            throw new InvalidInputException(dir, $"dataset spacing unknown: pass --data-spacing or add a {column} column to cases.csv");
        var text = table.Value(stem, column);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var spacing) || !(spacing > 0) || !double.IsFinite(spacing))
            throw new InvalidInputException(table.Path, $"case '{stem}' has {column} '{text}', not a positive number");
        return spacing;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A slide or image before prediction: its level-0 extent, spacing and tissue.</summary>
internal sealed record PoolInput(string Path, string Stem, TissueMask Tissue, int Width, int Height, double SpacingUm, DatasetCase? Case)
{
    public RankingSlide ToRankingSlide() => new(Stem, Width, Height, SpacingUm) { Tissue = Tissue };
}
