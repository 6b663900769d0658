using Uga.Experiments;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Slides;
using Uga.Slides.Montage;
using Uga.Slides.Tissue;

namespace Uga.Experiments.Simulation;

/// <summary>
/// One target image or slide, in memory at the model's spacing, with its reference labels (the simulated
/// pathologist's answers) and, for slides, where the tissue is. <see cref="Group"/> keeps related items in one fold.
/// </summary>
public sealed record TargetItem(string Id, string Group, RgbImage Image, LabelMap Labels, ITissueFraction? Tissue);

/// <summary>One rotation of the split: the groups evaluated and the groups whose patches may be annotated.</summary>
public sealed record SimulationFold(int Index, IReadOnlyList<TargetItem> Pool, IReadOnlyList<TargetItem> Evaluation);

/// <summary>Loads the source samples and the target items and splits the target into folds by group.</summary>
public static class SimulationData
{
    public const string LabelSlideSuffix = ".labels.tif";

    public static IReadOnlyList<SegmentationSample> LoadSource(SimulationOptions o, int? classCount) =>
        SegmentationDataset.Load(o.SourceDir, new DatasetOptions
        {
            Where = o.SourceWhere,
            DataSpacingUm = o.SourceSpacingUm,
            TargetSpacingUm = o.SpacingUm,
            ClassCount = classCount,
        });

    /// <summary>True when <paramref name="dir"/> is a dataset folder (has images/); otherwise it must hold slides.</summary>
    public static bool IsDataset(string dir) => Directory.Exists(Path.Combine(dir, "images"));

    public static IReadOnlyList<TargetItem> LoadTarget(SimulationOptions o, int classCount) =>
        IsDataset(o.TargetDir) ? LoadDatasetTarget(o, classCount) : LoadSlideTarget(o, classCount);

    private static List<TargetItem> LoadDatasetTarget(SimulationOptions o, int classCount)
    {
        var samples = SegmentationDataset.Load(o.TargetDir, new DatasetOptions
        {
            Where = o.TargetWhere,
            DataSpacingUm = o.TargetSpacingUm,
            TargetSpacingUm = o.SpacingUm,
            ClassCount = classCount,
        });
        var table = o.GroupBy is null ? null : GroupTable(o.TargetDir, o.GroupBy);
        return [.. samples.Select(s => new TargetItem(s.Name, GroupOf(table, o.GroupBy, s.Name), s.Image, s.Labels, null))];
    }

    private static CasesTable GroupTable(string dir, string column)
    {
        var path = Path.Combine(dir, "cases.csv");
        if (!File.Exists(path)) throw new InvalidInputException(path, $"--group-by {column} needs a cases.csv");
        var table = CasesTable.Read(path);
        if (!table.HasColumn(column))
            throw new InvalidInputException(path, $"no column '{column}' to group by (columns: {string.Join(", ", table.Columns)})");
        return table;
    }

    private static string GroupOf(CasesTable? table, string? column, string stem)
    {
        if (table is null || column is null) return stem;
        var value = table.Value(stem, column);
        if (string.IsNullOrWhiteSpace(value)) throw new InvalidInputException(table.Path, $"case '{stem}' has no {column} to group by");
        return value;
    }

    // Slides with reference label slides beside them, as `uga data montage` writes them; each slide is its own group.
    private static List<TargetItem> LoadSlideTarget(SimulationOptions o, int classCount)
    {
        if (!Directory.Exists(o.TargetDir)) throw new InvalidInputException(o.TargetDir, "target folder not found");
        if (o.TargetWhere.Count > 0) throw new InvalidInputException(o.TargetDir, "--target-where needs a dataset folder (images/, cases.csv), not slides");
        var slides = Directory.EnumerateFiles(o.TargetDir)
            .Where(p => p.EndsWith(".tif", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".tiff", StringComparison.OrdinalIgnoreCase))
            .Where(p => !p.EndsWith(LabelSlideSuffix, StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToList();
        if (slides.Count == 0)
            throw new InvalidInputException(o.TargetDir, "no target: neither a dataset folder (images/, masks/) nor slides (*.tif with FILE.labels.tif)");
        var items = new List<TargetItem>();
        foreach (var path in slides)
        {
            o.Cancellation.ThrowIfCancellationRequested();
            var labelsPath = MontageManifest.CompanionPaths(path).LabelSlide;
            if (!File.Exists(labelsPath)) throw new InvalidInputException(labelsPath, $"reference label slide missing for {path}");
            using var slide = SlideFactory.Open(path, o.TargetSpacingUm);
            var image = slide.ReadWhole(o.SpacingUm, o.Cancellation);
            var labels = new OracleAnnotator(path, labelsPath, o.TargetSpacingUm ?? slide.Spacing)
                .ReadReference(new PixelRegion(0, 0, image.Width, image.Height), o.SpacingUm);
            if (labels.MaxLabel() >= classCount)
                throw new InvalidInputException(labelsPath, $"label {labels.MaxLabel()} but the model has {classCount} classes");
            var tissue = TissueDetector.Detect(image, o.SpacingUm);
            var stem = Path.GetFileNameWithoutExtension(path);
            items.Add(new TargetItem(stem, stem, image, labels, tissue));
        }
        return items;
    }

    /// <summary>
    /// Splits the target by group into <paramref name="folds"/> parts of near-equal group count. The order of the
    /// groups is a fixed shuffle of their names (not of any seed), so every seed sees the same splits.
    /// </summary>
    public static IReadOnlyList<SimulationFold> Split(IReadOnlyList<TargetItem> items, int folds)
    {
        var groups = items.Select(i => i.Group).Distinct(StringComparer.Ordinal)
            .OrderBy(StableHash.Fnv32).ThenBy(g => g, StringComparer.Ordinal).ToList();
        if (groups.Count < folds)
            throw new InvalidInputException(null, $"the target has {groups.Count} group(s) but {folds} folds were asked for: each fold needs its own evaluation group");
        var part = groups.Select((g, i) => (g, i % folds)).ToDictionary(x => x.g, x => x.Item2, StringComparer.Ordinal);
        return [.. Enumerable.Range(0, folds).Select(f => new SimulationFold(f,
            [.. items.Where(i => part[i.Group] != f)], [.. items.Where(i => part[i.Group] == f)]))];
    }
}
