using System.Text.Json;
using Uga.Imaging;

namespace Uga.Slides.Montage;

/// <summary>One image to pack into a montage: its files, the spacing it was scanned at, and its cases.csv row.</summary>
public sealed record MontageSource(string Stem, string ImagePath, string? MaskPath, double SpacingUm,
    IReadOnlyDictionary<string, string> CaseColumns);

/// <summary>Where one source image lies in the montage's pixel grid (after resampling to the montage spacing).</summary>
public sealed record MontagePlacement(string Stem, int X, int Y, int Width, int Height, double SpacingUm,
    double SourceSpacingUm, string ImagePath, string? MaskPath, IReadOnlyDictionary<string, string> CaseColumns)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public PixelRegion Region => new(X, Y, Width, Height);
}

/// <summary>
/// The side file FILE.montage.json of a montage slide: the slide's size and spacing and, for every source image,
/// its position, so predictions on the montage can be traced back to (and cut out for) each source image.
/// </summary>
public sealed record MontageManifest
{
    public required string Slide { get; init; }
    public string? LabelSlide { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required double SpacingUm { get; init; }
    public int GridColumns { get; init; }
    public int GapPx { get; init; }
    public required IReadOnlyList<MontagePlacement> Images { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static MontageManifest Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "montage manifest not found");
        try
        {
            return JsonSerializer.Deserialize<MontageManifest>(File.ReadAllText(path), Json)
                ?? throw new InvalidInputException(path, "montage manifest is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidInputException(path, $"not a montage manifest ({e.Message})", e);
        }
    }

    /// <summary>The label slide and manifest names that go with a montage slide path: x.tif → x.labels.tif, x.montage.json.</summary>
    public static (string LabelSlide, string Manifest) CompanionPaths(string slidePath)
    {
        var stem = System.IO.Path.ChangeExtension(slidePath, null);
        return (stem + ".labels.tif", stem + ".montage.json");
    }
}
