using Uga.Imaging;

namespace Uga.Experiments.Reports;

/// <summary>The one place report plots get their font, so every ScottPlot figure in Uga looks the same.</summary>
internal static class PlotStyle
{
    private const string FontName = "DejaVu Sans";

    /// <summary>A new plot whose text uses the font Uga's setup installs.</summary>
    public static ScottPlot.Plot Create()
    {
        var plot = new ScottPlot.Plot();
        // SkiaSharp without fontconfig finds no system font, so text would be blank: register the one Uga ships with.
        if (File.Exists(Heatmap.DefaultFontPath))
        {
            ScottPlot.Fonts.AddFontFile(FontName, Heatmap.DefaultFontPath);
            plot.Font.Set(FontName);
        }
        return plot;
    }

    /// <summary>PNG and SVG of the same plot, each written atomically.</summary>
    public static void Save(ScottPlot.Plot plot, string pngPath, string svgPath, int width, int height)
    {
        AtomicFile.WriteAllBytes(pngPath, plot.GetImageBytes(width, height, ScottPlot.ImageFormat.Png));
        AtomicFile.WriteAllText(svgPath, plot.GetSvgXml(width, height));
    }
}
