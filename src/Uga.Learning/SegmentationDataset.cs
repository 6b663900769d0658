using System.Globalization;
using Uga.Imaging;

using Uga.Inference;

namespace Uga.Learning;

/// <summary>An image and its label map at the model's spacing, with a relative sampling weight.</summary>
public sealed record SegmentationSample(string Name, RgbImage Image, LabelMap Labels, double Weight = 1.0)
{
    public void Validate()
    {
        if (Image.Width != Labels.Width || Image.Height != Labels.Height)
            throw new InvalidInputException(Name, $"labels are {Labels.Width}x{Labels.Height} but the image is {Image.Width}x{Image.Height}");
        if (!(Weight > 0) || !double.IsFinite(Weight))
            throw new InvalidInputException(Name, $"sampling weight must be positive, got {Weight}");
    }
}

/// <summary>One case of a dataset folder before loading: where its files are and at what spacing it was scanned.</summary>
public sealed record DatasetCase(string Stem, string ImagePath, string MaskPath, double SpacingUm);

/// <summary>How to select and load a dataset folder.</summary>
public sealed record DatasetOptions
{
    /// <summary>cases.csv conditions, all of which must hold.</summary>
    public IReadOnlyList<CaseFilter> Where { get; init; } = [];

    /// <summary>µm/px of the dataset's images; when null, the spacing_um column of cases.csv is used.</summary>
    public double? DataSpacingUm { get; init; }

    /// <summary>µm/px to resample images and masks to (the model's spacing).</summary>
    public double TargetSpacingUm { get; init; } = 0.5;

    /// <summary>Number of classes; mask values must be below it (or 255 = ignore). Null: inferred from the masks.</summary>
    public int? ClassCount { get; init; }
}

/// <summary>
/// Datasets in the shared folder convention: DIR/images/&lt;stem&gt;.jpg|png, DIR/masks/&lt;stem&gt;.png (pixel = class
/// index, 255 = ignore), optional DIR/cases.csv whose first column is the stem. Every problem (missing or corrupt
/// file, size mismatch, label out of range, nothing left after filtering) names the file.
/// </summary>
public static class SegmentationDataset
{
    public const string SpacingColumn = "spacing_um";

    /// <summary>The cases selected by <paramref name="options"/>, in stem order, without reading pixels.</summary>
    public static IReadOnlyList<DatasetCase> ListCases(string dir, DatasetOptions options)
    {
        if (!Directory.Exists(dir)) throw new InvalidInputException(dir, "dataset folder not found");
        var imagesDir = Path.Combine(dir, "images");
        var masksDir = Path.Combine(dir, "masks");
        if (!Directory.Exists(imagesDir)) throw new InvalidInputException(imagesDir, "dataset has no images folder");
        if (!Directory.Exists(masksDir)) throw new InvalidInputException(masksDir, "dataset has no masks folder");
        if (options.DataSpacingUm is { } s && !(s > 0 && double.IsFinite(s)))
            throw new InvalidInputException(dir, $"data spacing must be positive, got {s}");

        var casesPath = Path.Combine(dir, "cases.csv");
        var table = File.Exists(casesPath) ? CasesTable.Read(casesPath) : null;
        if (options.Where.Count > 0 && table is null)
            throw new InvalidInputException(casesPath, "filters were given but the dataset has no cases.csv");
        foreach (var filter in options.Where)
            if (!table!.HasColumn(filter.Column))
                throw new InvalidInputException(casesPath, $"no column '{filter.Column}' to filter on (columns: {string.Join(", ", table.Columns)})");

        var cases = new List<DatasetCase>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var imagePath in Directory.EnumerateFiles(imagesDir).Order(StringComparer.Ordinal))
        {
            if (!ImageFile.ImageExtensions.Contains(Path.GetExtension(imagePath).ToLowerInvariant())) continue;
            var stem = Path.GetFileNameWithoutExtension(imagePath);
            if (!seen.TryAdd(stem, imagePath))
                throw new InvalidInputException(imagePath, $"two images share the stem '{stem}' (also {seen[stem]})");
            if (options.Where.Count > 0 && !table!.Matches(stem, options.Where)) continue;
            var maskPath = Path.Combine(masksDir, stem + ".png");
            if (!File.Exists(maskPath)) throw new InvalidInputException(maskPath, $"mask missing for image {imagePath}");
            cases.Add(new DatasetCase(stem, imagePath, maskPath, SpacingOf(stem, dir, table, options)));
        }
        if (cases.Count == 0)
        {
            var why = options.Where.Count > 0 ? $"no image matches {string.Join(" and ", options.Where)}" : "no images (.jpg, .png, .tif)";
            throw new InvalidInputException(dir, $"empty dataset: {why}");
        }
        return cases;
    }

    /// <summary>Reads, validates and resamples every selected case to <see cref="DatasetOptions.TargetSpacingUm"/>.</summary>
    public static IReadOnlyList<SegmentationSample> Load(string dir, DatasetOptions options)
    {
        if (!(options.TargetSpacingUm > 0 && double.IsFinite(options.TargetSpacingUm)))
            throw new InvalidInputException(null, $"model spacing must be positive, got {options.TargetSpacingUm}");
        var samples = new List<SegmentationSample>();
        foreach (var c in ListCases(dir, options))
        {
            var (image, labels) = ReadCase(c, options.ClassCount);
            double factor = Resample.Factor(c.SpacingUm, options.TargetSpacingUm);
            int w = Resample.Scaled(image.Width, factor), h = Resample.Scaled(image.Height, factor);
            samples.Add(new SegmentationSample(c.Stem, Resample.Rgb(image, w, h), Resample.Labels(labels, w, h)));
        }
        return samples;
    }

    /// <summary>Reads one case at its own spacing and checks that the mask fits the image and the class range.</summary>
    public static (RgbImage Image, LabelMap Labels) ReadCase(DatasetCase c, int? classCount)
    {
        var image = ImageFile.ReadRgb(c.ImagePath);
        var labels = ImageFile.ReadLabels(c.MaskPath);
        if (labels.Width != image.Width || labels.Height != image.Height)
            throw new InvalidInputException(c.MaskPath, $"mask is {labels.Width}x{labels.Height} but its image is {image.Width}x{image.Height}");
        if (classCount is { } classes && labels.MaxLabel() >= classes)
            throw new InvalidInputException(c.MaskPath, $"mask has label {labels.MaxLabel()} but the model has {classes} classes (0..{classes - 1}, 255 = ignore)");
        return (image, labels);
    }

    /// <summary>Class count implied by the masks: the largest label + 1, at least 2.</summary>
    public static int InferClassCount(IEnumerable<SegmentationSample> samples) =>
        Math.Max(2, samples.Max(s => s.Labels.MaxLabel()) + 1);

    private static double SpacingOf(string stem, string dir, CasesTable? table, DatasetOptions options)
    {
        if (options.DataSpacingUm is { } given) return given;
        if (table is null || !table.HasColumn(SpacingColumn))
            throw new InvalidInputException(dir, $"dataset spacing unknown: pass --data-spacing or add a {SpacingColumn} column to cases.csv");
        var text = table.Value(stem, SpacingColumn);
        if (text is null) throw new InvalidInputException(table.Path, $"case '{stem}' is not listed, so its {SpacingColumn} is unknown");
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var spacing) || !(spacing > 0) || !double.IsFinite(spacing))
            throw new InvalidInputException(table.Path, $"case '{stem}' has {SpacingColumn} '{text}', not a positive number");
        return spacing;
    }
}
