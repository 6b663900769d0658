using Uga.Imaging;
using Uga.Slides;

namespace Uga.Inference;

/// <summary>Small pictures of a slide prediction for people: labels over the slide, uncertainty over the slide.</summary>
public static class SlidePreviews
{
    /// <summary>The slide at the preview's spacing, exactly the size of the preview maps.</summary>
    public static RgbImage Thumbnail(Slide slide, SlidePredictionResult result)
    {
        var thumb = slide.ReadWhole(result.PreviewSpacingUm);
        return Resample.Rgb(thumb, result.PreviewLabels.Width, result.PreviewLabels.Height);
    }

    public static RgbImage Labels(RgbImage thumbnail, SlidePredictionResult result) =>
        Heatmap.Overlay(thumbnail, result.PreviewLabels);

    /// <summary>
    /// The uncertainty heatmap laid over the slide where there is any uncertainty (glass stays visible), with a
    /// colour scale in the measure's units.
    /// </summary>
    public static RgbImage Uncertainty(RgbImage thumbnail, SlidePredictionResult result, float alpha = 0.7f) =>
        Uncertainty(thumbnail, result.PreviewUncertainty, result.UncertaintyMeasure, alpha);

    /// <summary>
    /// The same picture for any uncertainty map of the thumbnail's size (e.g. a tile image's own map); the heatmap
    /// keeps the thumbnail's pixel grid at the top left, the colour scale is added on the right.
    /// </summary>
    public static RgbImage Uncertainty(RgbImage thumbnail, FloatMap map, string measure, float alpha = 0.7f)
    {
        if (map.Width != thumbnail.Width || map.Height != thumbnail.Height)
            throw new ArgumentException($"map {map.Width}x{map.Height} does not match thumbnail {thumbnail.Width}x{thumbnail.Height}", nameof(map));
        var (min, max) = Heatmap.Range(map, 0f);
        var heat = Heatmap.Render(map, Colormap.Inferno, min, max);
        var blended = new RgbImage(thumbnail.Width, thumbnail.Height, (byte[])thumbnail.Data.Clone());
        for (int i = 0; i < map.Data.Length; i++)
        {
            if (map.Data[i] <= 0) continue;
            for (int c = 0; c < 3; c++)
                blended.Data[(3 * i) + c] = (byte)Math.Round((alpha * heat.Data[(3 * i) + c]) + ((1 - alpha) * thumbnail.Data[(3 * i) + c]));
        }
        return Heatmap.WithColourScale(blended, min, max, Colormap.Inferno, measure);
    }
}
