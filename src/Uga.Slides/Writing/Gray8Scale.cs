using System.Globalization;

namespace Uga.Slides.Writing;

/// <summary>
/// Linear quantisation of a continuous map (uncertainty, probability) to 8-bit grey for a
/// <see cref="PixelKind.Gray8"/> slide: value = Min + byte / 255 × (Max − Min). Its <see cref="Description"/>
/// goes into <see cref="PyramidalTiffOptions.ValueScale"/> so readers can undo it.
/// </summary>
public readonly record struct Gray8Scale(double Min, double Max)
{
    /// <summary>Probabilities and normalised uncertainties.</summary>
    public static Gray8Scale Unit { get; } = new(0, 1);

    public string Description =>
        string.Create(CultureInfo.InvariantCulture, $"value = {Min:R} + byte / 255 * {Max - Min:R}");

    /// <summary>Quantises <paramref name="values"/> into <paramref name="output"/>; out-of-range values clamp, NaN becomes 0.</summary>
    public void Quantise(ReadOnlySpan<float> values, Span<byte> output)
    {
        if (!(Max > Min)) throw new InvalidOperationException($"grey scale needs Max > Min, got {Min}..{Max}");
        if (output.Length < values.Length)
            throw new ArgumentException($"output holds {output.Length} values, {values.Length} needed", nameof(output));
        double scale = 255.0 / (Max - Min);
        for (int i = 0; i < values.Length; i++)
        {
            double v = (values[i] - Min) * scale;
            output[i] = double.IsNaN(v) ? (byte)0 : (byte)Math.Clamp(Math.Round(v), 0, 255);
        }
    }

    public double Value(byte stored) => Min + (stored / 255.0 * (Max - Min));
}
