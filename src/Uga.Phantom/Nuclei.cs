namespace Uga.Phantom;

/// <summary>
/// One cell nucleus in physical coordinates: an ellipse whose outline is bent by 2nd and 3rd angular harmonics
/// (pleomorphism), with chromatin texture, a darker rim (nuclear membrane) and optionally a nucleolus.
/// </summary>
internal readonly record struct Nucleus(
    double X, double Y, double Radius, double Elongation, double Angle,
    double Harmonic2, double Phase2, double Harmonic3, double Phase3,
    double Stain, double Chromatin, double ChromatinScaleUm, bool Nucleolus)
{
    /// <summary>Half-width of the square that surely contains the nucleus.</summary>
    public double Extent => Radius * Elongation * (1 + Math.Abs(Harmonic2) + Math.Abs(Harmonic3)) + 1;
}

/// <summary>
/// Nuclei drawn into a region: coverage (alpha) and premultiplied haematoxylin. Overlaps combine by maximum,
/// which does not depend on drawing order, so the result for a pixel is the same whichever region is drawn.
/// </summary>
internal sealed class NucleusLayer
{
    private readonly long _x0, _y0;
    private readonly double _spacing, _edgeUm;
    private readonly ulong _chromatinKey;

    public NucleusLayer(long x0, long y0, int width, int height, double spacingUm, ulong chromatinKey)
    {
        _x0 = x0;
        _y0 = y0;
        Width = width;
        Height = height;
        _spacing = spacingUm;
        // Soft edge of about one pixel (at least half a µm) anti-aliases outlines at any spacing.
        _edgeUm = Math.Max(0.5, spacingUm);
        _chromatinKey = chromatinKey;
        Alpha = new float[width * height];
        Stain = new float[width * height];
    }

    public int Width { get; }
    public int Height { get; }
    public float[] Alpha { get; }

    /// <summary>Haematoxylin concentration times alpha.</summary>
    public float[] Stain { get; }

    /// <summary>Region in physical coordinates (µm) covered by this layer, for choosing which cells to visit.</summary>
    public (double X0, double Y0, double X1, double Y1) BoundsUm =>
        (_x0 * _spacing, _y0 * _spacing, (_x0 + Width) * _spacing, (_y0 + Height) * _spacing);

    public void Draw(in Nucleus n)
    {
        double e = n.Extent;
        long px0 = Math.Max(_x0, (long)Math.Floor(((n.X - e) / _spacing) - 0.5));
        long px1 = Math.Min(_x0 + Width - 1, (long)Math.Ceiling(((n.X + e) / _spacing) - 0.5));
        long py0 = Math.Max(_y0, (long)Math.Floor(((n.Y - e) / _spacing) - 0.5));
        long py1 = Math.Min(_y0 + Height - 1, (long)Math.Ceiling(((n.Y + e) / _spacing) - 0.5));
        double cos = Math.Cos(n.Angle), sin = Math.Sin(n.Angle);
        for (long py = py0; py <= py1; py++)
        {
            double dy = ((py + 0.5) * _spacing) - n.Y;
            int row = (int)(py - _y0) * Width;
            for (long px = px0; px <= px1; px++)
            {
                double dx = ((px + 0.5) * _spacing) - n.X;
                if (!Sample(n, dx, dy, cos, sin, out double alpha, out double stain)) continue;
                int i = row + (int)(px - _x0);
                if (alpha > Alpha[i]) Alpha[i] = (float)alpha;
                double premultiplied = alpha * stain;
                if (premultiplied > Stain[i]) Stain[i] = (float)premultiplied;
            }
        }
    }

    private bool Sample(in Nucleus n, double dx, double dy, double cos, double sin, out double alpha, out double stain)
    {
        double u = ((dx * cos) + (dy * sin)) / n.Elongation;
        double v = (-dx * sin) + (dy * cos);
        double rho = Math.Sqrt((u * u) + (v * v));
        double theta = Math.Atan2(v, u);
        double outline = n.Radius * (1 + (n.Harmonic2 * Math.Cos((2 * theta) + n.Phase2)) + (n.Harmonic3 * Math.Cos((3 * theta) + n.Phase3)));
        alpha = Math.Clamp(((outline - rho) / _edgeUm) + 0.5, 0, 1);
        stain = 0;
        if (alpha <= 0) return false;
        double d = rho / outline;
        double x = n.X + dx, y = n.Y + dy;
        double grain = Noise.Value(_chromatinKey, x / n.ChromatinScaleUm, y / n.ChromatinScaleUm) - 0.5;
        stain = n.Stain * (1 + (2 * n.Chromatin * grain)) * (1 + (0.3 * Noise.Smoothstep(0.7, 1.0, d)));
        if (n.Nucleolus)
        {
            // A nucleolus sits a little off-centre, about 1 µm across.
            double ox = dx - (0.25 * n.Radius * cos), oy = dy - (0.25 * n.Radius * sin);
            stain += 0.8 * (1 - Noise.Smoothstep(0.5, 1.0, Math.Sqrt((ox * ox) + (oy * oy))));
        }
        return true;
    }
}
