using System.Globalization;
using Uga.Imaging;

namespace Uga.Slides;

/// <summary>
/// The pixel spacing of a slide's level 0 in µm/px and where it came from. Resolution order: the user's override,
/// the scanner's mpp metadata, the TIFF/PNG resolution tags; never a guess.
/// </summary>
public readonly record struct SlideSpacing(double Value, SpacingSource Source)
{
    /// <summary>
    /// Spacings outside this range (µm/px) are not a microscope's: resolution tags that decode to them are writer
    /// defaults (libvips writes 1 px/mm = 1000 µm/px, office software 72 dpi = 353 µm/px) and are ignored.
    /// </summary>
    public const double MinPlausible = 0.02, MaxPlausible = 50;

    /// <summary>Picks the spacing from the override or what the file says, or throws the "pass --spacing" error.</summary>
    public static SlideSpacing Resolve(string path, double? overrideUm, double? metadataUm, double? tagsUm)
    {
        if (overrideUm is { } user)
        {
            if (!double.IsFinite(user) || user <= 0 || user > 1000)
                throw new InvalidInputException(path, $"--spacing {user.ToString(CultureInfo.InvariantCulture)} must be a positive number of µm/px (at most 1000)");
            return new SlideSpacing(user, SpacingSource.User);
        }
        if (metadataUm is { } m && IsPlausible(m)) return new SlideSpacing(m, SpacingSource.Metadata);
        if (tagsUm is { } t && IsPlausible(t)) return new SlideSpacing(t, SpacingSource.ResolutionTags);
        var found = tagsUm is { } bad ? $" (its resolution tags say {bad.ToString("0.###", CultureInfo.InvariantCulture)} µm/px, which is not a microscope's)" : "";
        throw new InvalidInputException(path, $"no pixel spacing in the file{found}; pass --spacing UM");
    }

    public static bool IsPlausible(double um) => double.IsFinite(um) && um >= MinPlausible && um <= MaxPlausible;

    /// <summary>µm/px from a resolution in pixels per unit; null for unit "none"/unknown or a non-positive value.</summary>
    public static double? FromResolution(double pixelsPerUnit, string? unit)
    {
        if (!double.IsFinite(pixelsPerUnit) || pixelsPerUnit <= 0) return null;
        return unit?.Trim().ToLowerInvariant() switch
        {
            "inch" or "in" or "2" => 25_400 / pixelsPerUnit,
            "centimeter" or "cm" or "3" => 10_000 / pixelsPerUnit,
            "millimeter" or "mm" => 1_000 / pixelsPerUnit,
            _ => null,
        };
    }

    /// <summary>Invariant-culture parse of a property value; null when absent or not a number.</summary>
    public static double? Parse(IReadOnlyDictionary<string, string> properties, string key) =>
        properties.TryGetValue(key, out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
}
