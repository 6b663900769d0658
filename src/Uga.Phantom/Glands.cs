namespace Uga.Phantom;

/// <summary>What a point inside a gland's cell is made of.</summary>
internal enum GlandPart
{
    Outside,
    Lumen,
    Epithelium,
    BasementRim,
}

/// <summary>
/// A benign gland: an irregular elliptical ring of epithelium around a lumen, with small uniform nuclei evenly
/// spaced along its base. At most one gland per grid cell, and it fits inside its cell, so a point only ever
/// needs the gland of its own cell.
/// </summary>
internal sealed record Gland(
    double X, double Y, double Radius, double Aspect, double Angle,
    double Wobble, double WobblePhase, double EpitheliumUm, int NucleusCount, double NucleusPhase, ulong Key)
{
    public const double CellUm = 100;
    private const double RimUm = 3.5;
    private readonly double _cos = Math.Cos(Angle), _sin = Math.Sin(Angle);

    /// <summary>The gland of cell (i, j), or null when the cell has none (by chance, or not in benign tissue).</summary>
    public static Gland? ForCell(TissueFields fields, ulong key, long i, long j)
    {
        ulong cellKey = Noise.Hash(key, i, j);
        var rng = new CellRandom(cellKey);
        // Gland density drifts across the tissue (crowded here, sparse there), which also hides the grid.
        double density = Noise.Smoothstep(0.35, 0.65, Noise.Fbm(key ^ 0xD0E5UL, (i + 0.5) * CellUm / 500, (j + 0.5) * CellUm / 500, 2));
        if (rng.Next() > 0.3 + (0.65 * density)) return null;
        double radius = rng.Range(15, 30), aspect = rng.Range(1.0, 1.3), wobble = rng.Range(0.02, 0.08);
        double reach = (radius * aspect * (1 + wobble)) + RimUm + 4;
        double slack = Math.Max(0, (CellUm / 2) - reach);
        double x = ((i + 0.5) * CellUm) + rng.Range(-slack, slack);
        double y = ((j + 0.5) * CellUm) + rng.Range(-slack, slack);
        if (!InBenignTissue(fields, x, y, reach + 4)) return null;
        double epithelium = rng.Range(11, 15);
        double perimeter = Math.PI * radius * (1 + aspect);
        int count = (int)Math.Round(perimeter / rng.Range(7.5, 9));
        return new Gland(x, y, radius, aspect, rng.Range(0, Math.PI), wobble, rng.Range(0, 2 * Math.PI),
            epithelium, count, rng.Range(0, 2 * Math.PI), cellKey);
    }

    private static bool InBenignTissue(TissueFields fields, double x, double y, double reach)
    {
        for (int k = -1; k < 8; k++)
        {
            double a = k * Math.PI / 4, r = k < 0 ? 0 : reach;
            var f = fields.At(x + (r * Math.Cos(a)), y + (r * Math.Sin(a)));
            // A margin past the thresholds keeps whole glands clear of glass and tumour.
            if (f.Tissue < TissueFields.TissueThreshold + 0.01 || f.Tumour > TissueFields.TumourThreshold - 0.01)
                return false;
        }
        return true;
    }

    public GlandPart PartAt(double x, double y)
    {
        var (rn, _) = Normalised(x, y);
        if (rn >= 1 + (RimUm / Radius)) return GlandPart.Outside;
        if (rn >= 1) return GlandPart.BasementRim;
        return rn < 1 - (EpitheliumUm / Radius) ? GlandPart.Lumen : GlandPart.Epithelium;
    }

    /// <summary>Basal nuclei: regularly spaced, small, uniform, oval with the long axis across the epithelium.</summary>
    public IEnumerable<Nucleus> Nuclei()
    {
        double cos = _cos, sin = _sin;
        for (int k = 0; k < NucleusCount; k++)
        {
            var rng = new CellRandom(Noise.Hash(Key, k, 7));
            double t = NucleusPhase + (2 * Math.PI * (k + rng.Range(-0.08, 0.08)) / NucleusCount);
            double shape = 1 + (Wobble * Math.Cos((3 * t) + WobblePhase));
            double r = (Radius - 5.5) * shape;
            double u = Radius * Aspect * Math.Cos(t) * r / Radius, v = Radius * Math.Sin(t) * r / Radius;
            double x = X + (u * cos) - (v * sin), y = Y + (u * sin) + (v * cos);
            // Long axis along the outward direction (perpendicular to the basement membrane).
            double outward = Math.Atan2(Aspect * Math.Sin(t), Math.Cos(t)) + Angle;
            yield return new Nucleus(x, y, rng.Range(2.8, 3.6), 1.3, outward,
                rng.Range(0, 0.04), rng.Range(0, 6.3), 0, 0, rng.Range(0.85, 1.0), 0.15, 0.8, false);
        }
    }

    private (double Rn, double Theta) Normalised(double x, double y)
    {
        double dx = x - X, dy = y - Y, cos = _cos, sin = _sin;
        double u = ((dx * cos) + (dy * sin)) / Aspect, v = (-dx * sin) + (dy * cos);
        double theta = Math.Atan2(v, u);
        double rho = Math.Sqrt((u * u) + (v * v)) / Radius;
        return (rho / (1 + (Wobble * Math.Cos((3 * theta) + WobblePhase))), theta);
    }
}
