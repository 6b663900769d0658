using Uga.Imaging;

namespace Uga.Phantom;

/// <summary>
/// Turns per-pixel stain concentrations into what a scanner records: Beer–Lambert absorbance through the
/// centre's <see cref="StainModel"/>, RGB = 255·exp(−OD), then sensor noise. Also the optical blur, which is
/// applied to the concentrations before that.
/// </summary>
internal static class StainRendering
{
    public static RgbImage Compose(CentreStyle style, float[] haem, float[] eosin, PixelRegion region, ulong noiseKey)
    {
        var concentrations = new float[haem.Length * 3];
        float sh = (float)style.HaematoxylinStrength, se = (float)style.EosinStrength, glass = (float)style.GlassOd;
        for (int i = 0; i < haem.Length; i++)
        {
            concentrations[i * 3] = haem[i] * sh;
            concentrations[(i * 3) + 1] = eosin[i] * se;
            concentrations[(i * 3) + 2] = glass;
        }
        var image = style.Stains.Compose(concentrations, region.Width, region.Height);
        AddNoise(image, style.NoiseLevels, noiseKey, region);
        return image;
    }

    /// <summary>Zero-mean sensor noise, hashed from each pixel's absolute position so tiles agree.</summary>
    private static void AddNoise(RgbImage image, double levels, ulong key, PixelRegion region)
    {
        var d = image.Data;
        for (int y = 0; y < region.Height; y++)
            for (int x = 0; x < region.Width; x++)
            {
                ulong hash = Noise.Hash(key, region.X + x, region.Y + y);
                int i = image.Index(x, y);
                for (int c = 0; c < 3; c++)
                {
                    // Sum of two uniforms: a cheap triangular, roughly Gaussian, noise (sd ≈ levels).
                    ulong h2 = Noise.Mix(hash + (ulong)c);
                    double n = Noise.Unit(h2) + Noise.Unit(Noise.Mix(h2)) - 1;
                    d[i + c] = (byte)Math.Clamp(Math.Round(d[i + c] + (levels * 2.45 * n)), 0, 255);
                }
            }
    }

    public static int BlurMargin(double sigmaPx) => sigmaPx < 0.2 ? 0 : (int)Math.Ceiling(3 * sigmaPx);

    /// <summary>
    /// Separable Gaussian blur of a <paramref name="width"/>×<paramref name="height"/> plane, returning only the
    /// inner part that lies <paramref name="margin"/> pixels from every edge (where the full kernel fits).
    /// </summary>
    public static float[] BlurInner(float[] plane, int width, int height, double sigmaPx, int margin)
    {
        if (margin == 0) return plane;
        int innerW = width - (2 * margin), innerH = height - (2 * margin);
        var kernel = new float[(2 * margin) + 1];
        double sum = 0;
        for (int k = -margin; k <= margin; k++) sum += kernel[k + margin] = (float)Math.Exp(-(k * k) / (2 * sigmaPx * sigmaPx));
        for (int k = 0; k < kernel.Length; k++) kernel[k] = (float)(kernel[k] / sum);
        var across = new float[innerW * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < innerW; x++)
            {
                float acc = 0;
                int src = (y * width) + x;
                for (int k = 0; k < kernel.Length; k++) acc += kernel[k] * plane[src + k];
                across[(y * innerW) + x] = acc;
            }
        var result = new float[innerW * innerH];
        for (int y = 0; y < innerH; y++)
            for (int x = 0; x < innerW; x++)
            {
                float acc = 0;
                for (int k = 0; k < kernel.Length; k++) acc += kernel[k] * across[((y + k) * innerW) + x];
                result[(y * innerW) + x] = acc;
            }
        return result;
    }
}
