using Uga.Experiments;
using Uga.Imaging;
using Uga.Inference.Artifacts;
using Uga.Loop.Queue;
using Uga.Phantom;
using Uga.Ranking;

namespace Uga.Experiments.Reports;

/// <summary>The pictures of the demo report: rows of equally sized panels (image, reference, predictions, uncertainty).</summary>
internal static class DemoFigures
{
    private const int Gap = 6;

    /// <summary>Panels side by side on white, separated by a small gap.</summary>
    public static RgbImage Strip(IReadOnlyList<RgbImage> panels)
    {
        int width = panels.Sum(p => p.Width) + (Gap * (panels.Count - 1)), height = panels.Max(p => p.Height);
        var strip = new RgbImage(width, height);
        Array.Fill(strip.Data, (byte)255);
        int x = 0;
        foreach (var p in panels)
        {
            strip.Paste(p, x, 0);
            x += p.Width + Gap;
        }
        return strip;
    }

    /// <summary>
    /// One chosen patch as the pathologist sees it: the image, the reference (the oracle's annotation), the baseline's
    /// prediction and its uncertainty, all at the model's spacing.
    /// </summary>
    public static RgbImage Patch(Candidate c, RgbImage image, LabelMap reference, string poolSlide, string rankDir, FloatMap uncertainty, float max)
    {
        var predicted = Artifact(rankDir, c.SlideId).ReadLabels(c.ShownRegion.Intersect(new PixelRegion(0, 0, uncertainty.Width, uncertainty.Height)));
        if (predicted.Width != image.Width || predicted.Height != image.Height) predicted = Resample.Labels(predicted, image.Width, image.Height);
        var heat = Heatmap.Render(uncertainty.Crop(Clamp(c.ShownRegion, uncertainty)), Colormap.Inferno, 0, max);
        if (heat.Width != image.Width || heat.Height != image.Height) heat = Resample.Rgb(heat, image.Width, image.Height);
        return Strip([image, Heatmap.Overlay(image, reference), Heatmap.Overlay(image, predicted), heat]);
    }

    /// <summary>The uncertainty map of a pool slide at the model's spacing, from the prediction artifact the rank stage stored.</summary>
    public static FloatMap Uncertainty(string rankDir, string stem) => Artifact(rankDir, stem).ReadMeasure(PaperScoring.DefaultMeasure).Map;

    private static PredictionArtifact Artifact(string rankDir, string stem) =>
        PredictionArtifact.Open(PredictionArtifact.PathFor(Path.Combine(rankDir, "maps"), stem));

    /// <summary>A held-out image with the reference and each model's labels over it.</summary>
    public static RgbImage BeforeAfter(RgbImage image, LabelMap reference, IEnumerable<LabelMap> predictions) =>
        Strip([image, Heatmap.Overlay(image, reference), .. predictions.Select(p => Heatmap.Overlay(image, p))]);

    /// <summary>A legend swatch row for the class colours, as small HTML-ready (name, CSS colour) pairs.</summary>
    public static IEnumerable<(string Name, string Css)> Legend(IReadOnlyList<string> classNames)
    {
        for (int c = 1; c < classNames.Count && c < Heatmap.DefaultClassColours.Count; c++)
            if (Heatmap.DefaultClassColours[c] is { } k) yield return (classNames[c], $"rgb({k.R},{k.G},{k.B})");
    }

    private static PixelRegion Clamp(PixelRegion r, FloatMap map) => r.Intersect(new PixelRegion(0, 0, map.Width, map.Height));

    public static string PoolStem(string path) => Path.GetFileNameWithoutExtension(path);

    public static string ReferenceOf(string poolSlide) => PhantomSlideWriter.LabelsPathFor(poolSlide);
}
