using System.Globalization;
using SkiaSharp;
using Uga.Imaging;
using Uga.Inference;
using Uga.Ranking;

namespace Uga.Loop.Queue;

/// <summary>
/// A picture of one slide for the person choosing what to annotate: the uncertainty heatmap over the slide
/// (with its colour scale) and every chosen candidate as a numbered box.
/// </summary>
internal static class CandidatePreview
{
    private static readonly SKColor BoxColour = new(0, 255, 255);

    public static RgbImage Render(PoolItem item, IReadOnlyList<Candidate> chosen, string measure)
    {
        var thumbnail = item.Thumbnail.Value;
        var picture = SlidePreviews.Uncertainty(thumbnail, item.PreviewMap.Value, measure);
        using var bitmap = SkiaImages.ToBitmap(picture);
        using (var canvas = new SKCanvas(bitmap))
        {
            float stroke = Math.Max(1.5f, Math.Max(thumbnail.Width, thumbnail.Height) / 400f);
            using var box = new SKPaint { Color = BoxColour, Style = SKPaintStyle.Stroke, StrokeWidth = stroke, IsAntialias = true };
            using var typeface = Heatmap.LoadTypeface();
            float textSize = Math.Clamp(Math.Max(thumbnail.Width, thumbnail.Height) / 45f, 10f, 22f);
            using var font = typeface is null ? null : new SKFont(typeface, textSize);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            using var tag = new SKPaint { Color = BoxColour, Style = SKPaintStyle.Fill };
            foreach (var c in chosen)
            {
                var r = SpacingMath.Convert(c.ShownRegion, c.SpacingUm, item.PreviewSpacingUm);
                canvas.DrawRect(r.X, r.Y, r.Width, r.Height, box);
                if (font is null) continue;
                // The rank on a filled tag at the box's top-left corner, kept inside the picture.
                var label = c.Rank.ToString(CultureInfo.InvariantCulture);
                float w = font.MeasureText(label) + 4, h = textSize + 2;
                float x = Math.Clamp(r.X, 0, Math.Max(0, thumbnail.Width - w));
                float y = Math.Clamp(r.Y - h, 0, Math.Max(0, thumbnail.Height - h));
                canvas.DrawRect(x, y, w, h, tag);
                canvas.DrawText(label, x + 2, y + textSize - 1, SKTextAlign.Left, font, ink);
            }
        }
        return SkiaImages.FromBitmap(bitmap);
    }
}
