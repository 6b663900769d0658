using SkiaSharp;

namespace Uga.Imaging;

/// <summary>Perceptually uniform colour maps for scalar images (uncertainty, probability).</summary>
public enum Colormap
{
    Viridis,
    Inferno,
}

/// <summary>
/// Renders scalar maps and label maps for people: colour-mapped heatmaps with a labelled colour-scale bar, and
/// class colours blended over the RGB image. Text uses DejaVu Sans when the font file exists (Debian package
/// fonts-dejavu-core) and is left out otherwise, so rendering never fails for lack of a font.
/// </summary>
public static class Heatmap
{
    public const string DefaultFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    // Colours of each map at evenly spaced positions 0, 1/(n−1), …, 1; interpolated linearly in between.
    private static readonly uint[] ViridisAnchors =
        [0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21918C, 0x28AE80, 0x5EC962, 0xADDC30, 0xFDE725];

    private static readonly uint[] InfernoAnchors =
        [0x000004, 0x1B0C41, 0x4A0C6B, 0x781C6D, 0xA52C60, 0xCF4446, 0xED6925, 0xFB9B06, 0xF7D13D, 0xFCFFA4];

    /// <summary>Distinct class colours: class 0 (background) is left uncoloured in overlays.</summary>
    public static readonly IReadOnlyList<(byte R, byte G, byte B)?> DefaultClassColours =
    [
        null, (230, 25, 75), (60, 180, 75), (0, 130, 200), (245, 130, 48), (145, 30, 180), (70, 240, 240), (240, 50, 230),
    ];

    /// <summary>Colour of <paramref name="t"/> ∈ [0, 1] (clamped; NaN gives the lowest colour).</summary>
    public static (byte R, byte G, byte B) Colour(Colormap colormap, double t)
    {
        var anchors = colormap == Colormap.Inferno ? InfernoAnchors : ViridisAnchors;
        t = double.IsNaN(t) ? 0 : Math.Clamp(t, 0, 1);
        double position = t * (anchors.Length - 1);
        int i = Math.Min((int)position, anchors.Length - 2);
        double f = position - i;
        byte Mix(int shift)
        {
            double a = (anchors[i] >> shift) & 0xFF, b = (anchors[i + 1] >> shift) & 0xFF;
            return (byte)Math.Round(a + ((b - a) * f));
        }
        return (Mix(16), Mix(8), Mix(0));
    }

    /// <summary>
    /// Colour-maps <paramref name="map"/> between <paramref name="min"/> and <paramref name="max"/> (default: the
    /// map's finite range).
    /// </summary>
    public static RgbImage Render(FloatMap map, Colormap colormap = Colormap.Viridis, float? min = null, float? max = null)
    {
        var (lo, hi) = Range(map, min, max);
        var image = new RgbImage(map.Width, map.Height);
        double scale = hi > lo ? 1.0 / (hi - lo) : 0;
        for (int i = 0; i < map.Data.Length; i++)
        {
            var (r, g, b) = Colour(colormap, (map.Data[i] - lo) * scale);
            image.Data[3 * i] = r;
            image.Data[(3 * i) + 1] = g;
            image.Data[(3 * i) + 2] = b;
        }
        return image;
    }

    /// <summary>The finite minimum and maximum of a map unless given (0..1 for an all-NaN map).</summary>
    public static (float Min, float Max) Range(FloatMap map, float? min = null, float? max = null)
    {
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        foreach (var v in map.Data)
        {
            if (!float.IsFinite(v)) continue;
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }
        if (lo > hi) (lo, hi) = (0, 1);
        return (min ?? lo, max ?? hi);
    }

    /// <summary>
    /// Blends class colours over <paramref name="image"/> with opacity <paramref name="alpha"/>; classes whose colour
    /// is null (background by default) and <see cref="LabelMap.Ignore"/> pixels show the image unchanged.
    /// </summary>
    public static RgbImage Overlay(RgbImage image, LabelMap labels, IReadOnlyList<(byte R, byte G, byte B)?>? colours = null, float alpha = 0.45f)
    {
        if (labels.Width != image.Width || labels.Height != image.Height)
            throw new ArgumentException($"labels {labels.Width}x{labels.Height} do not match image {image.Width}x{image.Height}", nameof(labels));
        colours ??= DefaultClassColours;
        var result = new RgbImage(image.Width, image.Height, (byte[])image.Data.Clone());
        for (int i = 0; i < labels.Data.Length; i++)
        {
            int label = labels.Data[i];
            if (label == LabelMap.Ignore) continue;
            // Beyond the palette, cycle through the non-background colours so no class is hidden.
            var colour = label < colours.Count ? colours[label] : colours[1 + ((label - 1) % (colours.Count - 1))];
            if (colour is not { } c) continue;
            result.Data[3 * i] = Blend(result.Data[3 * i], c.R, alpha);
            result.Data[(3 * i) + 1] = Blend(result.Data[(3 * i) + 1], c.G, alpha);
            result.Data[(3 * i) + 2] = Blend(result.Data[(3 * i) + 2], c.B, alpha);
        }
        return result;
    }

    /// <summary>Heatmap of <paramref name="map"/> with a colour-scale bar and min/max tick labels on its right.</summary>
    public static RgbImage RenderWithScale(FloatMap map, Colormap colormap = Colormap.Viridis, string? title = null, float? min = null, float? max = null)
    {
        var (lo, hi) = Range(map, min, max);
        return WithColourScale(Render(map, colormap, lo, hi), lo, hi, colormap, title);
    }

    /// <summary>
    /// Adds a vertical colour-scale bar to the right of a rendered heatmap, the maximum at the top and the minimum
    /// at the bottom, and an optional title above the bar.
    /// </summary>
    public static RgbImage WithColourScale(RgbImage heatmap, float min, float max, Colormap colormap, string? title = null)
    {
        using var typeface = LoadTypeface();
        float textSize = Math.Clamp(heatmap.Height / 24f, 10f, 18f);
        using var font = typeface is null ? null : new SKFont(typeface, textSize);
        string maxLabel = Format(max), minLabel = Format(min);
        float textWidth = font is null ? 0 : Math.Max(font.MeasureText(maxLabel), font.MeasureText(minLabel));
        int barWidth = Math.Max(12, (int)textSize), gap = 8;
        float titleWidth = font is null || title is null ? 0 : font.MeasureText(title);
        int panelWidth = Math.Max(gap + barWidth + gap + (int)Math.Ceiling(textWidth) + gap, (int)Math.Ceiling(titleWidth) + (2 * gap));
        int height = Math.Max(heatmap.Height, 96);
        int top = font is null ? gap : (int)(textSize * 2), bottom = height - (font is null ? gap : (int)textSize);

        using var bitmap = new SKBitmap(heatmap.Width + panelWidth, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            int barX = heatmap.Width + gap;
            using var paint = new SKPaint { IsAntialias = false };
            for (int y = top; y < bottom; y++)
            {
                var (r, g, b) = Colour(colormap, 1 - ((y - top) / (double)Math.Max(1, bottom - top - 1)));
                paint.Color = new SKColor(r, g, b);
                canvas.DrawRect(barX, y, barWidth, 1, paint);
            }
            if (font is not null)
            {
                using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
                float labelX = barX + barWidth + gap;
                canvas.DrawText(maxLabel, labelX, top + textSize, SKTextAlign.Left, font, ink);
                canvas.DrawText(minLabel, labelX, bottom, SKTextAlign.Left, font, ink);
                if (title is not null) canvas.DrawText(title, bitmap.Width - gap, textSize * 1.2f, SKTextAlign.Right, font, ink);
            }
        }
        var result = SkiaImages.FromBitmap(bitmap);
        result.Paste(heatmap, 0, 0);
        return result;
    }

    /// <summary>DejaVu Sans if installed, else null (text is then omitted).</summary>
    public static SKTypeface? LoadTypeface(string path = DefaultFontPath) =>
        File.Exists(path) ? SKTypeface.FromFile(path, 0) : null;

    private static string Format(float v) => v.ToString("G3", System.Globalization.CultureInfo.InvariantCulture);

    private static byte Blend(byte under, byte over, float alpha) => (byte)Math.Round((under * (1 - alpha)) + (over * alpha));
}
