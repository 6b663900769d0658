using System.Globalization;
using Uga.Imaging;
using Uga.Learning;

namespace Uga.Loop.Queue;

/// <summary>Images of a dataset folder for ranking or adaptation, where masks are not needed.</summary>
public static class DatasetImages
{
    /// <summary>
    /// The dataset's selected images. With a masks/ folder this is <see cref="SegmentationDataset.ListCases"/>;
    /// ranking needs no masks, so without one the images are listed here with the same filters and spacing rules.
    /// </summary>
    public static IReadOnlyList<DatasetCase> List(string dir, IReadOnlyList<CaseFilter> where, double? dataSpacingUm)
    {
        var options = new DatasetOptions { Where = where, DataSpacingUm = dataSpacingUm };
        if (Directory.Exists(Path.Combine(dir, "masks"))) return SegmentationDataset.ListCases(dir, options);
        var imagesDir = Path.Combine(dir, "images");
        if (!Directory.Exists(dir)) throw new InvalidInputException(dir, "dataset folder not found");
        if (!Directory.Exists(imagesDir)) throw new InvalidInputException(imagesDir, "dataset has no images folder");
        var casesPath = Path.Combine(dir, "cases.csv");
        var table = File.Exists(casesPath) ? CasesTable.Read(casesPath) : null;
        if (where.Count > 0 && table is null)
            throw new InvalidInputException(casesPath, "filters were given but the dataset has no cases.csv");
        var cases = new List<DatasetCase>();
        foreach (var imagePath in Directory.EnumerateFiles(imagesDir).Order(StringComparer.Ordinal))
        {
            if (!ImageFile.ImageExtensions.Contains(Path.GetExtension(imagePath).ToLowerInvariant())) continue;
            var stem = Path.GetFileNameWithoutExtension(imagePath);
            if (where.Count > 0 && !table!.Matches(stem, where)) continue;
            cases.Add(new DatasetCase(stem, imagePath, "", SpacingOf(stem, dir, table, dataSpacingUm)));
        }
        if (cases.Count == 0)
            throw new InvalidInputException(dir, where.Count > 0 ? $"no image matches {string.Join(" and ", where)}" : "no images (.jpg, .png, .tif)");
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

}
