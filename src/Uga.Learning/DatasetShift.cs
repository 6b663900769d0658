using System.Globalization;
using System.Text;
using System.Text.Json;
using Uga.Imaging;
using Uga.Imaging.Shift;

using Uga.Inference;

namespace Uga.Learning;

/// <summary>How to shift a dataset folder: which cases, which lab, which seed.</summary>
public sealed record DatasetShiftOptions
{
    /// <summary>cases.csv conditions, all of which must hold.</summary>
    public IReadOnlyList<CaseFilter> Where { get; init; } = [];

    /// <summary>µm/px of the images; when null, the spacing_um column of cases.csv (needed only for a blur in µm).</summary>
    public double? DataSpacingUm { get; init; }

    /// <summary>Name of the preset the parameters came from (recorded only); null: explicit parameters.</summary>
    public string? Preset { get; init; }

    public LabShift Shift { get; init; } = new();

    public int Seed { get; init; }
}

/// <summary>What one image received, as recorded in shift.json.</summary>
public sealed record ShiftedCase(string Stem, string Image, int Seed, StainDraw Stains, double BlurPx);

/// <summary>shift.json: the source, every parameter and every per-image draw, enough to reproduce the output.</summary>
public sealed record DatasetShiftRecord(
    string Source, IReadOnlyList<string> Where, string? Preset, int Seed, double? DataSpacingUm, LabShift Parameters,
    IReadOnlyList<ShiftedCase> Cases);

/// <summary>
/// Writes a copy of a dataset folder (shared convention: images/, masks/, optional cases.csv) as another lab would
/// have produced it: every image re-rendered by a <see cref="LabShift"/>, masks copied byte for byte (geometry is
/// unchanged), cases.csv with shift columns added, and shift.json. The folder appears whole or not at all.
/// </summary>
public static class DatasetShift
{
    public const string RecordFile = "shift.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    };

    public static DatasetShiftRecord Write(string dataDir, string outDir, DatasetShiftOptions options,
        IProgress<WorkProgress>? progress = null, CancellationToken cancellation = default)
    {
        options.Shift.Validate();
        CheckFolders(dataDir, outDir);
        var casesPath = Path.Combine(dataDir, "cases.csv");
        var table = File.Exists(casesPath) ? CasesTable.Read(casesPath) : null;
        bool spacingKnown = options.DataSpacingUm is not null || table?.HasColumn(SegmentationDataset.SpacingColumn) == true;
        if (!spacingKnown && options.Shift.BlurSigmaUm > 0)
            throw new InvalidInputException(dataDir, $"dataset spacing unknown and the blur is in µm: pass --data-spacing, add a {SegmentationDataset.SpacingColumn} column to cases.csv, or give the blur in px");
        var cases = SegmentationDataset.ListCases(dataDir, new DatasetOptions
        {
            Where = options.Where,
            // Without a µm blur the spacing plays no part; any positive value lets the listing proceed.
            DataSpacingUm = spacingKnown ? options.DataSpacingUm : 1.0,
        });

        var shifted = new List<ShiftedCase>();
        var record = new DatasetShiftRecord(Path.GetFullPath(dataDir), [.. options.Where.Select(w => w.ToString())],
            options.Preset, options.Seed, spacingKnown ? options.DataSpacingUm : null, options.Shift, shifted);
        AtomicFile.WriteDirectory(outDir, tmp =>
        {
            Directory.CreateDirectory(Path.Combine(tmp, "images"));
            Directory.CreateDirectory(Path.Combine(tmp, "masks"));
            for (int i = 0; i < cases.Count; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                shifted.Add(ShiftCase(cases[i], spacingKnown ? cases[i].SpacingUm : null, tmp, options));
                progress?.Report(new WorkProgress("shift", i + 1, cases.Count, cases[i].Stem));
            }
            File.WriteAllText(Path.Combine(tmp, "cases.csv"), CasesCsv(table, shifted, options));
            File.WriteAllText(Path.Combine(tmp, RecordFile), JsonSerializer.Serialize(record, Json) + "\n");
        });
        return record;
    }

    /// <summary>The seed of one image: the run's seed mixed with a stable hash of the stem, so a case gets the same
    /// draw whatever else is selected.</summary>
    public static int CaseSeed(int seed, string stem)
    {
        return (int)(StableHash.Fnv32(stem) ^ (uint)(seed * -1640531535));
    }

    private static ShiftedCase ShiftCase(DatasetCase c, double? spacingUm, string tmp, DatasetShiftOptions options)
    {
        var (image, _) = SegmentationDataset.ReadCase(c, null);
        int seed = CaseSeed(options.Seed, c.Stem);
        var shift = options.Shift;
        var rendered = shift.Render(image, seed, spacingUm);
        var ext = Path.GetExtension(c.ImagePath).ToLowerInvariant();
        bool jpeg = ext is ".jpg" or ".jpeg";
        var name = c.Stem + (jpeg ? ext : ".png");
        var target = Path.Combine(tmp, "images", name);
        if (jpeg)
        {
            // The JPEG file itself is the scanner's compression (one generation); without one, near-lossless 95.
            ImageFile.WriteJpeg(rendered, target, shift.JpegQuality ?? 95);
        }
        else
        {
            ImageFile.WritePng(shift.JpegQuality is { } q ? LabShift.JpegRoundTrip(rendered, q) : rendered, target);
        }
        // Byte for byte, but not File.Copy: that would carry over a read-only source's permissions.
        File.WriteAllBytes(Path.Combine(tmp, "masks", c.Stem + ".png"), File.ReadAllBytes(c.MaskPath));
        return new ShiftedCase(c.Stem, "images/" + name, seed, shift.Draw(seed), shift.BlurPx(spacingUm));
    }

    /// <summary>The source cases.csv rows of the written cases (or just their stems) plus the shift's columns.</summary>
    private static string CasesCsv(CasesTable? table, IReadOnlyList<ShiftedCase> cases, DatasetShiftOptions options)
    {
        string[] added = ["shift_preset", "shift_seed", "shift_h_scale", "shift_e_scale"];
        List<string> kept = table is null ? ["case"] : [.. table.Columns.Where(c => !added.Contains(c, StringComparer.OrdinalIgnoreCase))];
        var text = new StringBuilder();
        text.Append(string.Join(",", kept.Concat(added).Select(Quote))).Append('\n');
        foreach (var c in cases)
        {
            List<string> fields = table is null ? [c.Stem] : [.. kept.Select(k => table.Value(c.Stem, k) ?? (k == kept[0] ? c.Stem : ""))];
            fields.Add(options.Preset ?? "custom");
            fields.Add(options.Seed.ToString(CultureInfo.InvariantCulture));
            fields.Add(c.Stains.HaematoxylinScale.ToString("0.####", CultureInfo.InvariantCulture));
            fields.Add(c.Stains.EosinScale.ToString("0.####", CultureInfo.InvariantCulture));
            text.Append(string.Join(",", fields.Select(Quote))).Append('\n');
        }
        return text.ToString();
    }

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    /// <summary>The output may not be the source, lie inside it or contain it, nor replace a folder that is not a shift.</summary>
    private static void CheckFolders(string dataDir, string outDir)
    {
        var data = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDir));
        var output = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outDir));
        if (string.Equals(data, output, StringComparison.Ordinal))
            throw new InvalidInputException(outDir, "the output folder is the dataset itself; choose another --out");
        if (output.StartsWith(data + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InvalidInputException(outDir, $"the output folder is inside the dataset {dataDir}; choose a folder outside it");
        if (data.StartsWith(output + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InvalidInputException(outDir, $"the output folder contains the dataset {dataDir}; it would be replaced");
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any() && !File.Exists(Path.Combine(output, RecordFile)))
            throw new InvalidInputException(outDir, $"folder exists and is not a previous shift output (no {RecordFile}); refusing to replace it");
        if (File.Exists(output)) throw new InvalidInputException(outDir, "is a file, not a folder");
    }
}
