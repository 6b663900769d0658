using Uga.Imaging;

namespace Uga.Phantom;

/// <summary>
/// A procedurally generated H&amp;E-like slide with its reference mask (0 glass, 1 benign tissue, 2 tumour).
/// Every pixel is a pure function of (spec, absolute position): any region can be rendered on its own, in any
/// order, with identical results, so slides of any size stream tile by tile in bounded memory.
/// </summary>
public sealed class PhantomSlide
{
    private readonly TissueFields _fields;
    private readonly ulong _glandKey, _fibreKey, _lumenKey, _chromatinKey, _noiseKey, _clearKey;

    public PhantomSlide(PhantomSpec spec)
    {
        spec.Validate();
        Spec = spec;
        Style = CentreStyle.For(spec.Centre);
        _fields = new TissueFields(spec);
        _glandKey = Noise.Key(spec.Seed, "glands");
        _fibreKey = Noise.Key(spec.Seed, "fibres");
        _lumenKey = Noise.Key(spec.Seed, "lumen");
        _chromatinKey = Noise.Key(spec.Seed, "chromatin");
        _clearKey = Populations.ClearCellKey(spec.Seed);
        // Each centre's scanner has its own (reproducible) sensor noise; everything else about the tissue is shared.
        _noiseKey = Noise.Key(spec.Seed ^ ((ulong)spec.Centre + 1) * 0x1000193UL, "sensor");
    }

    public PhantomSpec Spec { get; }
    public CentreStyle Style { get; }
    public int Width => Spec.Width;
    public int Height => Spec.Height;
    public double SpacingUm => Spec.SpacingUm;

    /// <summary>
    /// Renders <paramref name="region"/> (pixels at <see cref="SpacingUm"/>). Parts outside the slide are
    /// rendered too (they are glass near the edges), so callers may ask for whole tiles at the borders.
    /// </summary>
    public (RgbImage Image, LabelMap Labels) RenderRegion(PixelRegion region)
    {
        if (region.Width <= 0 || region.Height <= 0)
            throw new ArgumentOutOfRangeException(nameof(region), $"region must be non-empty, got {region}");
        double sigmaPx = Style.BlurUm / SpacingUm;
        int margin = StainRendering.BlurMargin(sigmaPx);
        long ex = region.X - (long)margin, ey = region.Y - (long)margin;
        int ew = region.Width + (2 * margin), eh = region.Height + (2 * margin);
        var lattice = new FieldLattice(_fields, SpacingUm, ex, ey, ex + ew, ey + eh);
        var glands = new GlandTable(_fields, _glandKey, ex * SpacingUm, ey * SpacingUm, (ex + ew) * SpacingUm, (ey + eh) * SpacingUm);
        var haem = new float[ew * eh];
        var eosin = new float[ew * eh];
        var tissue = new float[ew * eh];
        Base(lattice, glands, ex, ey, ew, eh, haem, eosin, tissue);

        var nuclei = new NucleusLayer(ex, ey, ew, eh, SpacingUm, _chromatinKey);
        new Populations(Spec, _fields, glands.Get).DrawAll(nuclei);
        for (int i = 0; i < haem.Length; i++)
        {
            float a = nuclei.Alpha[i], t = tissue[i];
            // Nuclei replace the cytoplasm/stroma under them; glass shows through where there is no tissue.
            haem[i] = t * ((haem[i] * (1 - a)) + nuclei.Stain[i]);
            eosin[i] = t * ((eosin[i] * (1 - a)) + (0.1f * a));
        }
        haem = StainRendering.BlurInner(haem, ew, eh, sigmaPx, margin);
        eosin = StainRendering.BlurInner(eosin, ew, eh, sigmaPx, margin);
        return (StainRendering.Compose(Style, haem, eosin, region, _noiseKey), Labels(region, lattice));
    }

    private static LabelMap Labels(PixelRegion region, FieldLattice lattice)
    {
        var labels = new LabelMap(region.Width, region.Height);
        for (int y = 0; y < region.Height; y++)
            for (int x = 0; x < region.Width; x++)
            {
                var f = lattice.At(region.X + x, region.Y + y);
                labels.Data[(y * region.Width) + x] = TissueFields.IsTumour(f) ? PhantomSpec.Tumour
                    : TissueFields.IsTissue(f) ? PhantomSpec.Benign : PhantomSpec.Background;
            }
        return labels;
    }

    /// <summary>Stain concentrations of everything but nuclei: stroma fibres, tumour cytoplasm, glands.</summary>
    private void Base(FieldLattice lattice, GlandTable glands, long ex, long ey, int ew, int eh,
        float[] haem, float[] eosin, float[] tissue)
    {
        double s = SpacingUm, cos = Math.Cos(_fields.FibreAngle), sin = Math.Sin(_fields.FibreAngle);
        for (int y = 0; y < eh; y++)
            for (int x = 0; x < ew; x++)
            {
                int i = (y * ew) + x;
                var f = lattice.At(ex + x, ey + y);
                tissue[i] = (float)Noise.Smoothstep(TissueFields.TissueThreshold - 0.0005, TissueFields.TissueThreshold + 0.0005, f.Tissue);
                if (tissue[i] <= 0) continue;
                double px = (ex + x + 0.5) * s, py = (ey + y + 0.5) * s;
                // Collagen: noise stretched along the fibre direction, displaced sideways so bundles wave.
                double along = (px * cos) + (py * sin), across = (-px * sin) + (py * cos) + f.Warp;
                double fibre = (0.65 * Noise.Value(_fibreKey, along / 28, across / 2.2)) + (0.35 * Noise.Value(_fibreKey + 1, along / 9, across / 1.0));
                double collagen = Noise.Smoothstep(0.2, 0.8, fibre);
                double h = 0.03 + (0.03 * collagen), e = 0.22 + (0.32 * collagen);
                double wTumour = Noise.Smoothstep(TissueFields.TumourThreshold, TissueFields.TumourThreshold + 0.01, f.Tumour);
                if (wTumour > 0 && TissueFields.IsTumour(f))
                {
                    // Desmoplastic stroma between nests is looser and bluer; nests are cytoplasm-filled.
                    double hs = 0.07 + (0.03 * collagen), es = 0.1 + (0.4 * collagen);
                    double wNest = Noise.Smoothstep(TissueFields.NestThreshold - 0.01, TissueFields.NestThreshold + 0.01, f.Nest)
                        * Noise.Smoothstep(TissueFields.TumourThreshold + 0.01, TissueFields.TumourThreshold + 0.02, f.Tumour);
                    bool clear = Spec.ClearCellSubtype && f.Subtype > TissueFields.SubtypeThreshold;
                    double membrane = clear ? ClearCellMembrane(px, py) : 0;
                    double hc = clear ? 0.03 + (0.07 * membrane) : 0.13, ec = clear ? 0.05 + (0.35 * membrane) : 0.3;
                    h = ((1 - wTumour) * h) + (wTumour * (((1 - wNest) * hs) + (wNest * hc)));
                    e = ((1 - wTumour) * e) + (wTumour * (((1 - wNest) * es) + (wNest * ec)));
                }
                else if (glands.At(px, py) is { } gland)
                {
                    (h, e) = GlandStain(gland.PartAt(px, py), px, py, h, e);
                }
                haem[i] = (float)h;
                eosin[i] = (float)e;
            }
    }

    /// <summary>1 on the thin walls between clear cells (where the two nearest cell points are equidistant), else 0.</summary>
    private double ClearCellMembrane(double px, double py)
    {
        const double cell = Populations.ClearCellUm;
        long ci = (long)Math.Floor(px / cell), cj = (long)Math.Floor(py / cell);
        double d1 = double.MaxValue, d2 = double.MaxValue;
        for (long j = cj - 1; j <= cj + 1; j++)
            for (long i = ci - 1; i <= ci + 1; i++)
            {
                var (x, y, _) = Populations.CellPoint(_clearKey, i, j, cell);
                double d = Math.Sqrt(((x - px) * (x - px)) + ((y - py) * (y - py)));
                if (d < d1) (d1, d2) = (d, d1);
                else if (d < d2) d2 = d;
            }
        // Half the difference of the two distances approximates the distance to the wall between them.
        return 1 - Noise.Smoothstep(0.3, 0.9, (d2 - d1) / 2);
    }

    private (double H, double E) GlandStain(GlandPart part, double px, double py, double h, double e) => part switch
    {
        GlandPart.Lumen => (0.0, 0.02 + (0.12 * Noise.Smoothstep(0.62, 0.85, Noise.Value(_lumenKey, px / 7, py / 7)))),
        GlandPart.Epithelium => (0.09, 0.3 + (0.06 * Noise.Value(_lumenKey + 1, px / 2, py / 2))),
        GlandPart.BasementRim => (0.04, 0.6),
        _ => (h, e),
    };
}

/// <summary>The glands of every cell touching a region, computed once per render.</summary>
internal sealed class GlandTable
{
    private readonly TissueFields _fields;
    private readonly ulong _key;
    private readonly Dictionary<(long, long), Gland?> _cache = [];

    public GlandTable(TissueFields fields, ulong key, double x0, double y0, double x1, double y1)
    {
        _fields = fields;
        _key = key;
        for (long j = (long)Math.Floor(y0 / Gland.CellUm); j <= (long)Math.Floor(y1 / Gland.CellUm); j++)
            for (long i = (long)Math.Floor(x0 / Gland.CellUm); i <= (long)Math.Floor(x1 / Gland.CellUm); i++)
                Get(i, j);
    }

    private long _lastI = long.MinValue, _lastJ = long.MinValue;
    private Gland? _last;

    /// <summary>The gland of the cell containing (x, y) µm; consecutive pixels mostly share a cell, so remember the last.</summary>
    public Gland? At(double x, double y)
    {
        long i = (long)Math.Floor(x / Gland.CellUm), j = (long)Math.Floor(y / Gland.CellUm);
        if (i != _lastI || j != _lastJ)
        {
            _last = Get(i, j);
            (_lastI, _lastJ) = (i, j);
        }
        return _last;
    }

    public Gland? Get(long i, long j)
    {
        if (!_cache.TryGetValue((i, j), out var gland))
            _cache[(i, j)] = gland = Gland.ForCell(_fields, _key, i, j);
        return gland;
    }
}
