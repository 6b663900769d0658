using System.CommandLine;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Slides.Montage;
using Uga.Slides.Writing;

namespace Uga.Cli.Commands;

/// <summary>
/// `uga data montage`: packs a dataset folder into a pyramidal RGB slide, a label slide and a manifest, so
/// slide-level tools (inference, uncertainty, annotation) can run on a patch dataset.
/// </summary>
internal static class DataMontageCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Dataset folder: images/*.jpg|png, masks/*.png (same stem), optional cases.csv", Required = true };
        var where = new Option<string[]>("--where") { Description = "Keep only cases whose cases.csv column has this value: column=value (repeat to combine)" };
        var spacing = new Option<double?>("--spacing") { Description = "µm/px of the montage and, unless cases.csv has a spacing_um column, of the images (default: the finest spacing_um)" };
        var output = new Option<string>("--out") { Description = "Montage slide FILE.tif; FILE.labels.tif and FILE.montage.json are written beside it", Required = true };
        var columns = new Option<int>("--columns") { Description = "Images per row (default: a roughly square grid)" };
        var gap = new Option<int>("--gap") { Description = "White space between and around images, in pixels", DefaultValueFactory = _ => 64 };
        var tileSize = new Option<int>("--tile-size") { Description = "TIFF tile size in pixels (multiple of 16)", DefaultValueFactory = _ => 256 };
        var command = new Command("montage", "Pack a dataset's images and masks into a pyramidal slide, a label slide and a manifest of positions")
        {
            data, where, spacing, output, columns, gap, tileSize,
        };
        command.SetAction((parse, cancellation) =>
        {
            var request = new Request(parse.GetValue(data)!, parse.GetValue(where) ?? [], parse.GetValue(spacing),
                parse.GetValue(output)!, parse.GetValue(columns), parse.GetValue(gap), parse.GetValue(tileSize));
            return Task.FromResult(Run(request, cancellation));
        });
        return command;
    }

    private sealed record Request(string Data, string[] Where, double? SpacingUm, string Out, int Columns, int Gap, int TileSize);

    private static int Run(Request request, CancellationToken cancellation)
    {
        var extension = Path.GetExtension(request.Out).ToLowerInvariant();
        if (extension is not (".tif" or ".tiff"))
            throw new InvalidInputException(request.Out, "the montage slide must be a .tif file");
        if (request.TileSize < 16 || request.TileSize > 4096 || request.TileSize % 16 != 0)
            throw new InvalidInputException(null, $"--tile-size must be a multiple of 16 between 16 and 4096, got {request.TileSize}");
        var (sources, spacingUm) = Sources(request);
        var options = new MontageOptions
        {
            SpacingUm = spacingUm,
            Columns = request.Columns,
            GapPx = request.Gap,
            Tiff = new PyramidalTiffOptions { TileSize = request.TileSize },
        };
        var manifest = MontageBuilder.Build(sources, request.Out, options, ProgressPrinter.ToStandardError(), cancellation);
        var (labels, manifestPath) = MontageManifest.CompanionPaths(request.Out);
        int levels = PyramidalTiffWriter.LevelSizes(manifest.Width, manifest.Height, options.Tiff.SmallestLevelSize).Count;
        Console.WriteLine($"montage: {manifest.Images.Count} images, {manifest.Width}x{manifest.Height} px at {manifest.SpacingUm:0.####} µm/px, {levels} levels");
        Console.WriteLine($"wrote {request.Out}");
        if (manifest.LabelSlide is not null) Console.WriteLine($"wrote {labels}");
        Console.WriteLine($"wrote {manifestPath}");
        return 0;
    }

    /// <summary>The selected cases as montage sources, and the montage spacing.</summary>
    private static (List<MontageSource> Sources, double SpacingUm) Sources(Request request)
    {
        var casesPath = Path.Combine(request.Data, "cases.csv");
        var table = File.Exists(casesPath) ? CasesTable.Read(casesPath) : null;
        bool spacingColumn = table?.HasColumn(SegmentationDataset.SpacingColumn) == true;
        if (request.SpacingUm is null && !spacingColumn)
            throw new InvalidInputException(request.Data, $"spacing unknown: pass --spacing UM or add a {SegmentationDataset.SpacingColumn} column to cases.csv");
        var cases = SegmentationDataset.ListCases(request.Data, new DatasetOptions
        {
            Where = [.. request.Where.Select(CaseFilter.Parse)],
            DataSpacingUm = spacingColumn ? null : request.SpacingUm,
        });
        var sources = cases.Select(c => new MontageSource(c.Stem, c.ImagePath, c.MaskPath, c.SpacingUm, CaseColumns(table, c.Stem))).ToList();
        return (sources, request.SpacingUm ?? cases.Min(c => c.SpacingUm));
    }

    private static Dictionary<string, string> CaseColumns(CasesTable? table, string stem)
    {
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        if (table is null) return columns;
        foreach (var column in table.Columns)
            if (table.Value(stem, column) is { } value) columns[column] = value;
        return columns;
    }
}
