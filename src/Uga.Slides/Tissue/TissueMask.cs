using Uga.Imaging;

namespace Uga.Slides.Tissue;

/// <summary>
/// Where the tissue is: a bit mask (1 = tissue, 0 = glass) at a known spacing, with an integral image so the
/// tissue fraction of any region at any spacing costs four look-ups. Immutable and thread-safe.
/// </summary>
public sealed class TissueMask : ITissueFraction
{
    // (Width+1) x (Height+1) running sums: _integral[y * (W+1) + x] = tissue pixels in [0,x) x [0,y). A sum never
    // exceeds the mask's pixel count, which a byte array bounds below int.MaxValue, so int suffices: half the memory
    // of long for the one structure here that grows with the slide's area.
    private readonly int[] _integral;

    /// <param name="mask">Non-zero pixels are tissue; the map is copied to 0/1.</param>
    /// <param name="spacingUm">Spacing of the mask in µm/px.</param>
    public TissueMask(LabelMap mask, double spacingUm)
    {
        if (!double.IsFinite(spacingUm) || spacingUm <= 0)
            throw new ArgumentOutOfRangeException(nameof(spacingUm), spacingUm, "mask spacing must be positive");
        Mask = new LabelMap(mask.Width, mask.Height);
        for (int i = 0; i < mask.Data.Length; i++) Mask.Data[i] = mask.Data[i] != 0 ? (byte)1 : (byte)0;
        Spacing = spacingUm;
        int w1 = Width + 1;
        _integral = new int[(long)w1 * (Height + 1)];
        for (int y = 0; y < Height; y++)
        {
            int row = 0;
            for (int x = 0; x < Width; x++)
            {
                row += Mask.Data[(y * Width) + x];
                _integral[((y + 1) * w1) + x + 1] = _integral[(y * w1) + x + 1] + row;
            }
        }
        TissuePixels = _integral[^1];
    }

    /// <summary>0/1 per pixel. Do not modify (the integral image would no longer match).</summary>
    public LabelMap Mask { get; }

    /// <summary>µm/px of <see cref="Mask"/>.</summary>
    public double Spacing { get; }

    public int Width => Mask.Width;
    public int Height => Mask.Height;
    public long TissuePixels { get; }

    /// <summary>Fraction of the whole mask that is tissue.</summary>
    public double Fraction => TissuePixels / (double)Mask.PixelCount;

    /// <summary>Tissue area in mm².</summary>
    public double TissueAreaMm2 => TissuePixels * Spacing * Spacing / 1e6;

    /// <summary>
    /// Fraction of <paramref name="region"/> (pixel grid of <paramref name="spacingUm"/>) covered by tissue, exact
    /// for partial mask pixels; area outside the mask counts as glass.
    /// </summary>
    public double TissueFraction(PixelRegion region, double spacingUm)
    {
        if (region.Width <= 0 || region.Height <= 0) return 0;
        double f = spacingUm / Spacing;
        double x0 = region.X * f, y0 = region.Y * f, x1 = region.Right * f, y1 = region.Bottom * f;
        double tissue = Area(x1, y1) - Area(x0, y1) - Area(x1, y0) + Area(x0, y0);
        return Math.Clamp(tissue / ((x1 - x0) * (y1 - y0)), 0, 1);
    }

    /// <summary>Tissue fraction of a region given in the mask's own pixel grid.</summary>
    public double TissueFraction(PixelRegion region) => TissueFraction(region, Spacing);

    // Tissue area in [0,x) x [0,y) in continuous mask coordinates. For a piecewise-constant mask, bilinear
    // interpolation of the integral image is exact, so partial pixels are weighted by their covered area.
    private double Area(double x, double y)
    {
        x = Math.Clamp(x, 0, Width);
        y = Math.Clamp(y, 0, Height);
        int ix = Math.Min((int)x, Width - 1), iy = Math.Min((int)y, Height - 1);
        double ax = x - ix, ay = y - iy;
        int w1 = Width + 1;
        long i00 = _integral[(iy * w1) + ix], i10 = _integral[(iy * w1) + ix + 1];
        long i01 = _integral[((iy + 1) * w1) + ix], i11 = _integral[((iy + 1) * w1) + ix + 1];
        return i00 + (ax * (i10 - i00)) + (ay * (i01 - i00)) + (ax * ay * (i11 - i10 - i01 + i00));
    }
}
