namespace Uga.Imaging;

/// <summary>
/// Colour deconvolution of bright-field stains in optical-density (OD) space (Ruifrok &amp; Johnston 2001).
/// Light through a stained section follows Beer–Lambert: OD = -ln(I / I0) is linear in the stain amounts, so
/// OD = Σ c_s · v_s with one unit vector v_s per stain. Three stain vectors make an invertible basis; with two
/// real stains (H&amp;E) the third is their cross product ("residual"). Used for H&amp;E colour augmentation, tissue
/// detection, phantom synthesis and data-shift studies.
/// </summary>
public sealed class StainModel
{
    /// <summary>Background intensity (white glass); intensities are clamped to at least 1 before the logarithm.</summary>
    public const double I0 = 255.0;

    private static readonly float[] OdOfByte = BuildOdTable();
    private readonly double[,] vectors;   // rows: stains, columns: R, G, B OD
    private readonly double[,] inverse;   // OD row vector · inverse = concentrations

    /// <summary>A model from three stain OD vectors (each normalised to unit length); they must be independent.</summary>
    public StainModel(double[] stain1, double[] stain2, double[] stain3)
    {
        vectors = new double[3, 3];
        double[][] rows = [stain1, stain2, stain3];
        for (int s = 0; s < 3; s++)
        {
            if (rows[s].Length != 3) throw new ArgumentException("stain vectors need 3 components (R, G, B)");
            double norm = Math.Sqrt(rows[s].Sum(v => v * v));
            if (norm <= 0) throw new ArgumentException("stain vectors must be non-zero");
            for (int c = 0; c < 3; c++) vectors[s, c] = rows[s][c] / norm;
        }
        inverse = Invert(vectors);
    }

    /// <summary>Haematoxylin and eosin with the standard Ruifrok–Johnston vectors; the third stain is their cross product.</summary>
    public static StainModel HAndE { get; } = FromTwoStains([0.650, 0.704, 0.286], [0.072, 0.990, 0.105]);

    /// <summary>A model of two stains completed by the normalised cross product as the third ("residual") vector.</summary>
    public static StainModel FromTwoStains(double[] first, double[] second)
    {
        double[] cross =
        [
            (first[1] * second[2]) - (first[2] * second[1]),
            (first[2] * second[0]) - (first[0] * second[2]),
            (first[0] * second[1]) - (first[1] * second[0]),
        ];
        return new StainModel(first, second, cross.Select(Math.Abs).ToArray());
    }

    /// <summary>Unit OD vector of stain <paramref name="stain"/> (0 = haematoxylin, 1 = eosin for <see cref="HAndE"/>).</summary>
    public double[] Vector(int stain) => [vectors[stain, 0], vectors[stain, 1], vectors[stain, 2]];

    /// <summary>Optical density of an 8-bit intensity: -ln(max(v, 1) / 255).</summary>
    public static float OpticalDensity(byte value) => OdOfByte[value];

    /// <summary>The 8-bit intensity of an optical density (inverse of <see cref="OpticalDensity"/>, rounded and clamped).</summary>
    public static byte Intensity(double od) => (byte)Math.Clamp(Math.Round(I0 * Math.Exp(-od)), 0, 255);

    /// <summary>Stain concentrations per pixel, 3 floats per pixel (stain-interleaved, like the image).</summary>
    public float[] Concentrations(RgbImage image)
    {
        var result = new float[image.Data.Length];
        var d = image.Data;
        for (int i = 0; i < d.Length; i += 3)
        {
            double r = OdOfByte[d[i]], g = OdOfByte[d[i + 1]], b = OdOfByte[d[i + 2]];
            for (int s = 0; s < 3; s++)
                result[i + s] = (float)((r * inverse[0, s]) + (g * inverse[1, s]) + (b * inverse[2, s]));
        }
        return result;
    }

    /// <summary>The RGB image whose stain concentrations are <paramref name="concentrations"/> (3 per pixel).</summary>
    public RgbImage Compose(float[] concentrations, int width, int height)
    {
        var image = new RgbImage(width, height);
        var d = image.Data;
        for (int i = 0; i < d.Length; i += 3)
        {
            double c0 = concentrations[i], c1 = concentrations[i + 1], c2 = concentrations[i + 2];
            for (int ch = 0; ch < 3; ch++)
                d[i + ch] = Intensity((c0 * vectors[0, ch]) + (c1 * vectors[1, ch]) + (c2 * vectors[2, ch]));
        }
        return image;
    }

    /// <summary>
    /// Stain-space colour perturbation (Tellez et al. 2018): each concentration c_s becomes c_s · scale[s] + shift[s].
    /// Scales near 1 and shifts near 0 mimic differences in staining between labs and batches.
    /// </summary>
    public RgbImage Perturb(RgbImage image, ReadOnlySpan<double> scale, ReadOnlySpan<double> shift) =>
        Transfer(image, this, scale, shift);

    /// <summary>
    /// Stain transfer: deconvolves with this model's vectors, changes each concentration to c_s · scale[s] + shift[s],
    /// and recomposes with <paramref name="target"/>'s vectors — the same tissue as another lab's stains would colour
    /// it. With <paramref name="target"/> = this it is <see cref="Perturb"/>.
    /// </summary>
    public RgbImage Transfer(RgbImage image, StainModel target, ReadOnlySpan<double> scale, ReadOnlySpan<double> shift)
    {
        if (scale.Length != 3 || shift.Length != 3) throw new ArgumentException("scale and shift need one value per stain (3)");
        var targetVectors = target.vectors;
        // OD' = (OD · V⁻¹ · diag(scale) + shift) · W = OD · A + b: one 3×3 map per image instead of per-pixel deconvolution.
        var a = new float[9];
        var b = new float[3];
        for (int ch = 0; ch < 3; ch++)
        {
            for (int s = 0; s < 3; s++) b[ch] += (float)(shift[s] * targetVectors[s, ch]);
            for (int from = 0; from < 3; from++)
            {
                double sum = 0;
                for (int s = 0; s < 3; s++) sum += inverse[from, s] * scale[s] * targetVectors[s, ch];
                a[(from * 3) + ch] = (float)sum;
            }
        }
        var result = new RgbImage(image.Width, image.Height);
        var d = image.Data;
        var o = result.Data;
        for (int i = 0; i < d.Length; i += 3)
        {
            float r = OdOfByte[d[i]], g = OdOfByte[d[i + 1]], bl = OdOfByte[d[i + 2]];
            for (int ch = 0; ch < 3; ch++)
            {
                float od = (r * a[ch]) + (g * a[3 + ch]) + (bl * a[6 + ch]) + b[ch];
                o[i + ch] = (byte)Math.Clamp((int)((I0 * MathF.Exp(-od)) + 0.5f), 0, 255);
            }
        }
        return result;
    }

    private static float[] BuildOdTable()
    {
        var table = new float[256];
        for (int v = 0; v < 256; v++) table[v] = (float)-Math.Log(Math.Max(v, 1) / I0);
        return table;
    }

    private static double[,] Invert(double[,] m)
    {
        double det = (m[0, 0] * ((m[1, 1] * m[2, 2]) - (m[1, 2] * m[2, 1])))
                   - (m[0, 1] * ((m[1, 0] * m[2, 2]) - (m[1, 2] * m[2, 0])))
                   + (m[0, 2] * ((m[1, 0] * m[2, 1]) - (m[1, 1] * m[2, 0])));
        if (Math.Abs(det) < 1e-9) throw new ArgumentException("stain vectors are not independent");
        var inv = new double[3, 3];
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++)
            {
                // Cofactor of (c, r) gives the adjugate's (r, c) entry.
                int r1 = (c + 1) % 3, r2 = (c + 2) % 3, c1 = (r + 1) % 3, c2 = (r + 2) % 3;
                inv[r, c] = ((m[r1, c1] * m[r2, c2]) - (m[r1, c2] * m[r2, c1])) / det;
            }
        return inv;
    }
}
