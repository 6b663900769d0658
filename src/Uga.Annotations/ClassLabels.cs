using Uga.Imaging;

namespace Uga.Annotations;

/// <summary>
/// Maps annotation class names to label indices for rasterising (and back for vectorising). Names match
/// case-insensitively ("Tumor" and "tumor" are the same class: pathologists are not consistent about case).
/// An unknown class is an error listing the known ones, unless <see cref="UnknownLabel"/> is set.
/// </summary>
public sealed class ClassLabels
{
    private readonly Dictionary<string, byte> _labels;

    public ClassLabels(IReadOnlyDictionary<string, byte> labels, byte? unknownLabel = null, byte background = 0)
    {
        _labels = new Dictionary<string, byte>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, label) in labels)
        {
            if (label == LabelMap.Ignore && name.Length == 0)
                throw new ArgumentException("the empty class name cannot map to the ignore label", nameof(labels));
            if (!_labels.TryAdd(name, label))
                throw new ArgumentException($"class '{name}' is listed twice (names are case-insensitive)", nameof(labels));
        }
        UnknownLabel = unknownLabel;
        Background = background;
    }

    /// <summary>Classes numbered 1, 2, … in the given order; 0 is background.</summary>
    public static ClassLabels Sequential(IEnumerable<string> classNames, byte? unknownLabel = null) =>
        new(classNames.Distinct(StringComparer.OrdinalIgnoreCase).Select((n, i) => (n, (byte)(i + 1))).ToDictionary(p => p.n, p => p.Item2), unknownLabel);

    /// <summary>Label for annotations whose class is not listed (or that have none); null makes them an error.</summary>
    public byte? UnknownLabel { get; }

    /// <summary>The label of unannotated pixels, skipped when vectorising.</summary>
    public byte Background { get; }

    public IReadOnlyDictionary<string, byte> Labels => _labels;

    /// <summary>The label of a class; <paramref name="source"/> and <paramref name="annotation"/> only name the culprit in errors.</summary>
    public byte LabelOf(string? className, string? source = null, string? annotation = null)
    {
        if (className is not null && _labels.TryGetValue(className, out var label)) return label;
        if (UnknownLabel is { } fallback) return fallback;
        var what = className is null ? "has no class" : $"has unknown class '{className}'";
        var who = annotation is null ? "an annotation" : $"annotation '{annotation}'";
        throw new InvalidInputException(source, $"{who} {what}; known classes: {string.Join(", ", _labels.Keys.Order(StringComparer.OrdinalIgnoreCase))}");
    }

    /// <summary>The first class name with this label, or null.</summary>
    public string? NameOf(byte label) => _labels.FirstOrDefault(p => p.Value == label).Key;
}
