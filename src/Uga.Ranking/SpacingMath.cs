using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>Conversions of pixel regions between spacings (µm/px).</summary>
public static class SpacingMath
{
    // Tolerance so that exact multiples (e.g. 256 px at 0.5 -> 128 px at 1.0) do not grow by a pixel from rounding.
    private const double Slack = 1e-6;

    /// <summary>The region covering the same area at <paramref name="toSpacing"/>, rounded outwards, at least 1×1.</summary>
    public static PixelRegion Convert(PixelRegion region, double fromSpacing, double toSpacing)
    {
        if (fromSpacing == toSpacing) return region;
        double f = fromSpacing / toSpacing;
        int x0 = (int)Math.Floor((region.X * f) + Slack), y0 = (int)Math.Floor((region.Y * f) + Slack);
        int x1 = (int)Math.Ceiling((region.Right * f) - Slack), y1 = (int)Math.Ceiling((region.Bottom * f) - Slack);
        return new PixelRegion(x0, y0, Math.Max(1, x1 - x0), Math.Max(1, y1 - y0));
    }

    public static void RequirePositive(double spacingUm, string? what)
    {
        if (!(spacingUm > 0) || double.IsInfinity(spacingUm))
            throw new InvalidInputException(what, $"spacing must be a positive number of µm/px, got {spacingUm}");
    }
}
