using NetVips;

namespace Uga.Imaging.Shift;

/// <summary>
/// How a second laboratory (its staining protocol and its scanner) would have rendered the same tissue. Applied
/// in the order light meets it: stains (colour deconvolution with the source vectors, per-image concentration
/// change, recomposition with the target lab's vectors) → optical blur → scanner white balance → sensor noise →
/// tone curve (gamma) → JPEG compression. Identity values everywhere give back the input (up to rounding).
/// </summary>
public sealed record LabShift
{
    /// <summary>Haematoxylin OD vector (R, G, B) of the source images; normalised when used.</summary>
    public double[] SourceHaematoxylin { get; init; } = StainModel.HAndE.Vector(0);

    /// <summary>Eosin OD vector of the source images.</summary>
    public double[] SourceEosin { get; init; } = StainModel.HAndE.Vector(1);

    /// <summary>The target lab's haematoxylin OD vector (its dye lot / hue); null: same as the source.</summary>
    public double[]? TargetHaematoxylin { get; init; }

    /// <summary>The target lab's eosin OD vector; null: same as the source.</summary>
    public double[]? TargetEosin { get; init; }

    /// <summary>Haematoxylin amount factor (staining time, dye strength): c_H · scale.</summary>
    public double HaematoxylinScale { get; init; } = 1;

    /// <summary>Eosin amount factor.</summary>
    public double EosinScale { get; init; } = 1;

    /// <summary>Haematoxylin OD added everywhere (background staining), in concentration units.</summary>
    public double HaematoxylinShift { get; init; }

    /// <summary>Eosin OD added everywhere.</summary>
    public double EosinShift { get; init; }

    /// <summary>Per-image batch variation: each image's scales are multiplied by a seeded uniform factor in 1 ± this.</summary>
    public double ScaleJitter { get; init; }

    /// <summary>Per-image batch variation of the shifts: a seeded uniform addition in ± this.</summary>
    public double ShiftJitter { get; init; }

    /// <summary>Gaussian optical blur (focus, lens) σ in µm; converted to pixels with the image spacing.</summary>
    public double BlurSigmaUm { get; init; }

    /// <summary>Gaussian blur σ in pixels, for images of unknown spacing; added to the µm blur if both are set.</summary>
    public double BlurSigmaPx { get; init; }

    /// <summary>Scanner white balance: per-channel gains on the intensity (R, G, B).</summary>
    public double[] WhiteBalance { get; init; } = [1, 1, 1];

    /// <summary>Standard deviation of additive Gaussian sensor noise, in 8-bit intensity levels.</summary>
    public double NoiseSd { get; init; }

    /// <summary>Tone curve I' = 255 · (I / 255)^Gamma: below 1 brightens (faded), above 1 darkens.</summary>
    public double Gamma { get; init; } = 1;

    /// <summary>JPEG quality 1..100 of the target scanner's compression; null: none.</summary>
    public int? JpegQuality { get; init; }

    /// <summary>Throws <see cref="InvalidInputException"/> naming the first absurd parameter.</summary>
    public void Validate()
    {
        static void Check(bool ok, string problem)
        {
            if (!ok) throw new InvalidInputException(null, problem);
        }
        foreach (var (name, v) in new[] { ("source haematoxylin", SourceHaematoxylin), ("source eosin", SourceEosin), ("target haematoxylin", TargetHaematoxylin), ("target eosin", TargetEosin) })
            Check(v is null || (v.Length == 3 && v.All(c => c >= 0 && double.IsFinite(c)) && v.Sum() > 0), $"{name} vector must be 3 non-negative numbers, not all 0");
        Check(HaematoxylinScale >= 0 && double.IsFinite(HaematoxylinScale), $"haematoxylin scale must be >= 0, got {HaematoxylinScale}");
        Check(EosinScale >= 0 && double.IsFinite(EosinScale), $"eosin scale must be >= 0, got {EosinScale}");
        Check(Math.Abs(HaematoxylinShift) <= 2 && Math.Abs(EosinShift) <= 2, "stain shifts must be within ±2 OD");
        Check(ScaleJitter is >= 0 and < 1, $"scale jitter must be in [0, 1), got {ScaleJitter}");
        Check(ShiftJitter is >= 0 and <= 1, $"shift jitter must be in [0, 1], got {ShiftJitter}");
        Check(BlurSigmaUm is >= 0 and <= 50, $"blur must be between 0 and 50 µm, got {BlurSigmaUm}");
        Check(BlurSigmaPx is >= 0 and <= 100, $"blur must be between 0 and 100 px, got {BlurSigmaPx}");
        Check(WhiteBalance.Length == 3 && WhiteBalance.All(g => g is > 0 and <= 4), "white balance must be 3 gains in (0, 4]");
        Check(NoiseSd is >= 0 and <= 128, $"noise must be between 0 and 128 levels, got {NoiseSd}");
        Check(Gamma is > 0 and <= 10, $"gamma must be > 0 (and at most 10), got {Gamma}");
        Check(JpegQuality is null or (>= 1 and <= 100), $"JPEG quality must be 1..100, got {JpegQuality}");
        _ = Stains();   // dependent stain vectors are absurd too
    }

    /// <summary>The shifted image, JPEG compression included. Deterministic for a seed.</summary>
    public RgbImage Apply(RgbImage image, int seed, double? spacingUm = null)
    {
        var rendered = Render(image, seed, spacingUm);
        return JpegQuality is { } q ? JpegRoundTrip(rendered, q) : rendered;
    }

    /// <summary>Everything but the JPEG step, for writers that encode the JPEG file themselves (one generation).</summary>
    public RgbImage Render(RgbImage image, int seed, double? spacingUm = null)
    {
        var draw = Draw(seed);
        var (source, target) = Stains();
        var stained = source.Transfer(image, target, [draw.HaematoxylinScale, draw.EosinScale, 1], [draw.HaematoxylinShift, draw.EosinShift, 0]);
        var blurred = Blur(stained, BlurPx(spacingUm));
        return Tone(blurred, new Random(unchecked((seed * 31) + 7)));
    }

    /// <summary>The concentration changes one image gets for <paramref name="seed"/> (batch jitter included).</summary>
    public StainDraw Draw(int seed)
    {
        var random = new Random(seed);
        double Uniform(double halfWidth) => halfWidth * ((2 * random.NextDouble()) - 1);
        double h = HaematoxylinScale * (1 + Uniform(ScaleJitter));
        double e = EosinScale * (1 + Uniform(ScaleJitter));
        double hs = HaematoxylinShift + Uniform(ShiftJitter);
        double es = EosinShift + Uniform(ShiftJitter);
        return new StainDraw(h, e, hs, es);
    }

    /// <summary>Total blur σ in pixels; a µm blur needs the spacing.</summary>
    public double BlurPx(double? spacingUm)
    {
        if (BlurSigmaUm == 0) return BlurSigmaPx;
        if (spacingUm is not ({ } s and > 0))
            throw new InvalidInputException(null, "a blur in µm needs the image spacing (µm/px); give the spacing or a blur in px");
        return BlurSigmaPx + (BlurSigmaUm / s);
    }

    /// <summary>Re-encodes at JPEG quality <paramref name="quality"/> and decodes, keeping the compression artefacts.</summary>
    public static RgbImage JpegRoundTrip(RgbImage image, int quality)
    {
        using var vips = ImageFile.ToVips(image);
        var bytes = vips.JpegsaveBuffer(q: quality);
        using var decoded = Image.NewFromBuffer(bytes);
        using var rgb = ImageFile.ToRgb8(decoded);
        return new RgbImage(rgb.Width, rgb.Height, rgb.WriteToMemory<byte>());
    }

    private (StainModel Source, StainModel Target) Stains()
    {
        try
        {
            var source = StainModel.FromTwoStains(SourceHaematoxylin, SourceEosin);
            var target = StainModel.FromTwoStains(TargetHaematoxylin ?? SourceHaematoxylin, TargetEosin ?? SourceEosin);
            return (source, target);
        }
        catch (ArgumentException e)
        {
            throw new InvalidInputException(null, $"stain vectors: {e.Message}", e);
        }
    }

    private static RgbImage Blur(RgbImage image, double sigmaPx)
    {
        // Below ~0.2 px a Gaussian is narrower than the pixel: nothing to blur.
        if (sigmaPx < 0.2) return image;
        using var vips = ImageFile.ToVips(image);
        using var blurred = vips.Gaussblur(sigmaPx, minAmpl: 0.01, precision: Enums.Precision.Float);
        using var rgb = ImageFile.ToRgb8(blurred);
        return new RgbImage(rgb.Width, rgb.Height, rgb.WriteToMemory<byte>());
    }

    /// <summary>White balance, noise and gamma in one pass, through a float intensity so they round only once.</summary>
    private RgbImage Tone(RgbImage image, Random random)
    {
        bool identity = WhiteBalance.All(g => g == 1) && NoiseSd == 0 && Gamma == 1;
        if (identity) return image;
        var d = image.Data;
        var o = new byte[d.Length];
        if (NoiseSd == 0)
        {
            // Without noise the curve depends on the byte and channel only: a table per channel, same values.
            var table = new byte[3 * 256];
            for (int i = 0; i < table.Length; i++) table[i] = ToneCurve((i % 256) * WhiteBalance[i / 256]);
            for (int i = 0; i < d.Length; i++) o[i] = table[((i % 3) * 256) + d[i]];
            return new RgbImage(image.Width, image.Height, o);
        }
        for (int i = 0; i < d.Length; i += 2)
        {
            var (n1, n2) = GaussianPair(random);
            o[i] = ToneCurve((d[i] * WhiteBalance[i % 3]) + (NoiseSd * n1));
            if (i + 1 < d.Length) o[i + 1] = ToneCurve((d[i + 1] * WhiteBalance[(i + 1) % 3]) + (NoiseSd * n2));
        }
        return new RgbImage(image.Width, image.Height, o);
    }

    private byte ToneCurve(double v)
    {
        v = Math.Clamp(v, 0, 255);
        if (Gamma != 1) v = 255 * Math.Pow(v / 255, Gamma);
        return (byte)Math.Round(v);
    }

    private static (double, double) GaussianPair(Random random)
    {
        // Box–Muller gives two independent normals; 1 - NextDouble() is in (0, 1], so the logarithm is finite.
        double r = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())), angle = 2 * Math.PI * random.NextDouble();
        return (r * Math.Cos(angle), r * Math.Sin(angle));
    }
}

/// <summary>One image's drawn stain change: concentrations become c_H · H + HShift and c_E · E + EShift.</summary>
public sealed record StainDraw(double HaematoxylinScale, double EosinScale, double HaematoxylinShift, double EosinShift);
