namespace Uga.Phantom;

/// <summary>
/// The scattered cell populations, each placed one-candidate-per-grid-cell from a hash of (seed, population,
/// cell) and kept only where the tissue fields at its centre allow it. Sizes are in µm, so they scale with
/// the spacing: benign nuclei are 6–10 µm across, tumour nuclei 10–16 µm.
/// </summary>
internal sealed class Populations(PhantomSpec spec, TissueFields fields, Func<long, long, Gland?> glandOfCell)
{
    private readonly ulong _tumourKey = Noise.Key(spec.Seed, "tumour-nuclei");
    private readonly ulong _clearKey = ClearCellKey(spec.Seed);
    private readonly ulong _fibroKey = Noise.Key(spec.Seed, "fibroblasts");
    private readonly ulong _lymphKey = Noise.Key(spec.Seed, "lymphocytes");

    public void DrawAll(NucleusLayer layer)
    {
        // Tumour: crowded, overlapping, large, variable, hyperchromatic nuclei with nucleoli.
        Draw(layer, _tumourKey, cellUm: 12.5, maxExtentUm: 16, (f, rng, x, y) =>
        {
            if (!TissueFields.IsNest(f) || InSubtype(f) || rng.Next() > 0.88) return null;
            return new Nucleus(x, y, rng.Range(4.8, 7), rng.Range(1.0, 1.4), rng.Range(0, Math.PI),
                rng.Range(0, 0.14), rng.Range(0, 6.3), rng.Range(0, 0.1), rng.Range(0, 6.3),
                rng.Range(1.0, 1.5), 0.45, 1.3, rng.Next() < 0.5);
        });
        if (spec.ClearCellSubtype)
        {
            // Clear-cell subtype: fewer, rounder, mid-sized nuclei in pale cytoplasm.
            Draw(layer, _clearKey, ClearCellUm, maxExtentUm: 9, (f, rng, x, y) =>
            {
                if (!TissueFields.IsNest(f) || !InSubtype(f) || rng.Next() > 0.9) return null;
                return new Nucleus(x, y, rng.Range(3.6, 4.8), rng.Range(1.0, 1.15), rng.Range(0, Math.PI),
                    rng.Range(0, 0.05), rng.Range(0, 6.3), 0, 0, rng.Range(1.15, 1.4), 0.25, 1.0, rng.Next() < 0.3);
            });
        }
        // Fibroblasts: thin spindles along the fibres.
        Draw(layer, _fibroKey, cellUm: 26, maxExtentUm: 10, (f, rng, x, y) =>
        {
            if (!InStroma(f, x, y) || rng.Next() > 0.45) return null;
            return new Nucleus(x, y, rng.Range(1.3, 1.8), rng.Range(3.0, 4.2), fields.FibreAngle + rng.Range(-0.3, 0.3),
                0, 0, 0, 0, rng.Range(0.9, 1.1), 0.1, 0.8, false);
        });
        // Lymphocytes: small, round, very dark; denser around tumour.
        Draw(layer, _lymphKey, cellUm: 20, maxExtentUm: 5, (f, rng, x, y) =>
        {
            if (!InStroma(f, x, y) || rng.Next() > (TissueFields.IsTumour(f) ? 0.3 : 0.1)) return null;
            return new Nucleus(x, y, rng.Range(2.5, 3.1), 1.05, rng.Range(0, Math.PI),
                0.02, rng.Range(0, 6.3), 0, 0, rng.Range(1.35, 1.55), 0.1, 0.7, false);
        });
        foreach (var gland in VisitGlands(layer))
            foreach (var n in gland.Nuclei())
                layer.Draw(n);
    }

    public const double ClearCellUm = 15;

    public static ulong ClearCellKey(ulong seed) => Noise.Key(seed, "clear-nuclei");

    /// <summary>
    /// The candidate point of grid cell (i, j), and the cell's random stream positioned after it, so the same
    /// points can be found again (the clear-cell membranes are the Voronoi edges between them).
    /// </summary>
    public static (double X, double Y, CellRandomBox Rng) CellPoint(ulong key, long i, long j, double cellUm)
    {
        var rng = new CellRandomBox(Noise.Hash(key, i, j));
        double x = (i + rng.Range(0.15, 0.85)) * cellUm, y = (j + rng.Range(0.15, 0.85)) * cellUm;
        return (x, y, rng);
    }

    private bool InSubtype(in FieldSample f) => spec.ClearCellSubtype && f.Subtype > TissueFields.SubtypeThreshold;

    private bool InStroma(in FieldSample f, double x, double y)
    {
        if (!TissueFields.IsTissue(f) || TissueFields.IsNest(f)) return false;
        var gland = glandOfCell((long)Math.Floor(x / Gland.CellUm), (long)Math.Floor(y / Gland.CellUm));
        return gland is null || gland.PartAt(x, y) == GlandPart.Outside;
    }

    private IEnumerable<Gland> VisitGlands(NucleusLayer layer)
    {
        var (x0, y0, x1, y1) = layer.BoundsUm;
        for (long j = (long)Math.Floor(y0 / Gland.CellUm); j <= (long)Math.Floor(y1 / Gland.CellUm); j++)
            for (long i = (long)Math.Floor(x0 / Gland.CellUm); i <= (long)Math.Floor(x1 / Gland.CellUm); i++)
                if (glandOfCell(i, j) is { } g) yield return g;
    }

    private void Draw(NucleusLayer layer, ulong key, double cellUm, double maxExtentUm,
        Func<FieldSample, CellRandomBox, double, double, Nucleus?> make)
    {
        var (x0, y0, x1, y1) = layer.BoundsUm;
        long i0 = (long)Math.Floor((x0 - maxExtentUm) / cellUm), i1 = (long)Math.Floor((x1 + maxExtentUm) / cellUm);
        long j0 = (long)Math.Floor((y0 - maxExtentUm) / cellUm), j1 = (long)Math.Floor((y1 + maxExtentUm) / cellUm);
        for (long j = j0; j <= j1; j++)
            for (long i = i0; i <= i1; i++)
            {
                var (x, y, rng) = CellPoint(key, i, j, cellUm);
                if (make(fields.At(x, y), rng, x, y) is { } n) layer.Draw(n);
            }
    }
}

/// <summary>A <see cref="CellRandom"/> that lambdas can share by reference.</summary>
internal sealed class CellRandomBox(ulong state)
{
    private CellRandom _inner = new(state);

    public double Next() => _inner.Next();

    public double Range(double min, double max) => _inner.Range(min, max);
}
