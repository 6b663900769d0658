namespace Uga.Phantom;

/// <summary>The slowly varying fields that lay out a slide, before any threshold is applied.</summary>
internal struct FieldSample
{
    public double Tissue;   // island noise minus a border penalty plus the spec's bias; tissue where above TissueThreshold
    public double Tumour;   // tumour-region noise; tumour where above TumourThreshold (inside tissue)
    public double Nest;     // tumour epithelium (sheets and cords) versus the stroma between them
    public double Subtype;  // where the optional clear-cell subtype replaces the plain tumour
    public double Warp;     // µm of sideways displacement that makes stroma fibres wavy
}

/// <summary>
/// Layout of one slide as continuous fields over physical coordinates (µm from the slide's top-left corner).
/// Thresholds turn them into glass / tissue / tumour, so labels and rendering come from the same numbers.
/// </summary>
internal sealed class TissueFields
{
    public const double TissueThreshold = 0.5;
    public const double TumourThreshold = 0.6;
    public const double NestThreshold = 0.5;
    public const double SubtypeThreshold = 0.5;

    private readonly ulong _tissueKey, _tumourKey, _nestKey, _cordKey, _subtypeKey, _warpKey;
    private readonly double _islandScale, _widthUm, _heightUm, _border, _bias;

    public TissueFields(PhantomSpec spec)
    {
        _tissueKey = Noise.Key(spec.Seed, "tissue");
        _tumourKey = Noise.Key(spec.Seed, "tumour");
        _nestKey = Noise.Key(spec.Seed, "nest");
        _cordKey = Noise.Key(spec.Seed, "cord");
        _subtypeKey = Noise.Key(spec.Seed, "subtype");
        _warpKey = Noise.Key(spec.Seed, "warp");
        _widthUm = spec.Width * spec.SpacingUm;
        _heightUm = spec.Height * spec.SpacingUm;
        // Islands scale with the slide (a few fragments per slide), within physical limits: a small demo slide
        // still shows an edge of glass, a whole-slide one is not one giant blob.
        _islandScale = Math.Clamp(Math.Min(_widthUm, _heightUm) / 2.5, 250, 6000);
        _border = Math.Min(_widthUm, _heightUm) * 0.1;
        _bias = spec.TissueBias;
        FibreAngle = Noise.Unit(Noise.Key(spec.Seed, "fibre-angle"), 0, 0) * Math.PI;
    }

    /// <summary>Main direction of stroma fibres on this slide (radians).</summary>
    public double FibreAngle { get; }

    public FieldSample At(double x, double y)
    {
        double edge = Math.Min(Math.Min(x, _widthUm - x), Math.Min(y, _heightUm - y));
        double borderPenalty = 0.3 * (1 - Noise.Smoothstep(0, _border, edge));
        // Cords: thin ridges where a noise field crosses its mid value; sheets: where another noise is high.
        double cord = 1 - Math.Abs((2 * Noise.Fbm(_cordKey, x / 140, y / 140, 2)) - 1);
        double sheet = Noise.Fbm(_nestKey, x / 60, y / 60, 3);
        return new FieldSample
        {
            Tissue = Noise.Fbm(_tissueKey, x / _islandScale, y / _islandScale, 5) - borderPenalty + _bias,
            Tumour = Noise.Fbm(_tumourKey, x / 380, y / 380, 3),
            Nest = Math.Max(sheet + 0.04, (cord * 0.75) - 0.18),
            Subtype = Noise.Fbm(_subtypeKey, x / 250, y / 250, 3),
            Warp = 45 * (Noise.Fbm(_warpKey, x / 160, y / 160, 2) - 0.5),
        };
    }

    public static bool IsTissue(in FieldSample f) => f.Tissue > TissueThreshold;

    public static bool IsTumour(in FieldSample f) => IsTissue(f) && f.Tumour > TumourThreshold;

    /// <summary>Tumour epithelium; set back a little from the region's border so nests never straddle it.</summary>
    public static bool IsNest(in FieldSample f) => IsTumour(f) && f.Tumour > TumourThreshold + 0.015 && f.Nest > NestThreshold;
}

/// <summary>
/// The fields sampled on a lattice anchored at absolute pixel multiples of <see cref="Step"/> and bilinearly
/// interpolated: far cheaper than evaluating noise per pixel, and still exactly region-independent because a
/// pixel's lattice neighbours and weights depend only on its absolute position.
/// </summary>
internal sealed class FieldLattice
{
    private readonly FieldSample[] _samples;
    private readonly long _i0, _j0;
    private readonly int _columns;

    public FieldLattice(TissueFields fields, double spacingUm, long x0, long y0, long x1, long y1)
    {
        // The fields vary over tens of µm; a lattice point every ~4 µm keeps boundaries smooth.
        Step = Math.Max(1, (int)(4.0 / spacingUm));
        _i0 = FloorDiv(x0, Step);
        _j0 = FloorDiv(y0, Step);
        long i1 = FloorDiv(x1 - 1, Step) + 1, j1 = FloorDiv(y1 - 1, Step) + 1;
        _columns = (int)(i1 - _i0 + 1);
        int rows = (int)(j1 - _j0 + 1);
        _samples = new FieldSample[_columns * rows];
        for (int j = 0; j < rows; j++)
            for (int i = 0; i < _columns; i++)
                _samples[(j * _columns) + i] = fields.At(((_i0 + i) * Step + 0.5) * spacingUm, ((_j0 + j) * Step + 0.5) * spacingUm);
    }

    public int Step { get; }

    public FieldSample At(long x, long y)
    {
        long i = FloorDiv(x, Step), j = FloorDiv(y, Step);
        double tx = (x - (i * Step)) / (double)Step, ty = (y - (j * Step)) / (double)Step;
        int k = (int)(((j - _j0) * _columns) + (i - _i0));
        ref var a = ref _samples[k];
        ref var b = ref _samples[k + 1];
        ref var c = ref _samples[k + _columns];
        ref var d = ref _samples[k + _columns + 1];
        double wa = (1 - tx) * (1 - ty), wb = tx * (1 - ty), wc = (1 - tx) * ty, wd = tx * ty;
        return new FieldSample
        {
            Tissue = (a.Tissue * wa) + (b.Tissue * wb) + (c.Tissue * wc) + (d.Tissue * wd),
            Tumour = (a.Tumour * wa) + (b.Tumour * wb) + (c.Tumour * wc) + (d.Tumour * wd),
            Nest = (a.Nest * wa) + (b.Nest * wb) + (c.Nest * wc) + (d.Nest * wd),
            Subtype = (a.Subtype * wa) + (b.Subtype * wb) + (c.Subtype * wc) + (d.Subtype * wd),
            Warp = (a.Warp * wa) + (b.Warp * wb) + (c.Warp * wc) + (d.Warp * wd),
        };
    }

    private static long FloorDiv(long a, int b) => (long)Math.Floor(a / (double)b);
}
