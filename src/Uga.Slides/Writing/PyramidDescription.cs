using System.Text.Json;
using System.Text.Json.Serialization;

namespace Uga.Slides.Writing;

/// <summary>
/// The JSON the writer stores in the first page's ImageDescription, so a reader knows what the pixels mean
/// without side files. OpenSlide exposes it as the property "openslide.comment".
/// </summary>
public sealed record PyramidDescription
{
    public const string SoftwareName = "Uga";

    public string Software { get; init; } = SoftwareName;
    public required PixelKind Kind { get; init; }
    public required double SpacingUm { get; init; }
    public int Width { get; init; }
    public int Height { get; init; }
    public IReadOnlyList<string>? ClassNames { get; init; }
    public string? ValueScale { get; init; }
    public IReadOnlyDictionary<string, string>? Properties { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses a description written by Uga; null for any other text (e.g. a scanner's description).</summary>
    public static PyramidDescription? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || !text.TrimStart().StartsWith('{')) return null;
        try
        {
            var d = JsonSerializer.Deserialize<PyramidDescription>(text, Json);
            return d?.Software == SoftwareName ? d : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
