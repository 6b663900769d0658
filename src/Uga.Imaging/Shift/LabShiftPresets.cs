namespace Uga.Imaging.Shift;

/// <summary>
/// Named laboratories for <see cref="LabShift"/>. The values are plausible, not measured from a particular lab:
/// they are meant to move a dataset by a known, documented amount (docs/data-shift.md lists them).
/// </summary>
public static class LabShiftPresets
{
    private static readonly Dictionary<string, LabShift> Presets = new(StringComparer.OrdinalIgnoreCase)
    {
        // Moderate: longer haematoxylin, an eosin lot with more blue absorption (pinker), slightly soft scanner, JPEG 80.
        ["lab-b"] = new LabShift
        {
            HaematoxylinScale = 1.25,
            EosinScale = 1.10,
            TargetEosin = [0.05, 0.90, 0.33],
            ScaleJitter = 0.05,
            ShiftJitter = 0.01,
            BlurSigmaUm = 0.3,
            JpegQuality = 80,
        },
        // Old slides: dyes bleached (less of both, eosin more), washed-out tones, mounting medium yellowed (blue absorbed).
        ["faded"] = new LabShift
        {
            HaematoxylinScale = 0.70,
            EosinScale = 0.60,
            ScaleJitter = 0.08,
            Gamma = 0.85,
            WhiteBalance = [1.0, 0.99, 0.93],
        },
        // A scanner whose white balance leans blue (glass looks light blue), with stronger compression.
        ["scanner-blue"] = new LabShift
        {
            WhiteBalance = [0.90, 0.96, 1.0],
            JpegQuality = 70,
        },
        // Severe: everything at once, for stress tests.
        ["strong"] = new LabShift
        {
            HaematoxylinScale = 1.5,
            EosinScale = 0.7,
            TargetHaematoxylin = [0.55, 0.75, 0.37],
            TargetEosin = [0.15, 0.85, 0.50],
            ScaleJitter = 0.15,
            ShiftJitter = 0.03,
            BlurSigmaUm = 0.8,
            WhiteBalance = [0.94, 1.0, 1.05],
            NoiseSd = 5,
            Gamma = 1.25,
            JpegQuality = 50,
        },
    };

    /// <summary>Preset names, in the order they are documented.</summary>
    public static IReadOnlyList<string> Names { get; } = ["lab-b", "faded", "scanner-blue", "strong"];

    /// <summary>The preset called <paramref name="name"/>; an unknown name is a user error that lists the valid ones.</summary>
    public static LabShift Get(string name) =>
        Presets.TryGetValue(name, out var preset)
            ? preset with { }
            : throw new InvalidInputException(null, $"unknown preset '{name}' (valid: {string.Join(", ", Names)})");
}
