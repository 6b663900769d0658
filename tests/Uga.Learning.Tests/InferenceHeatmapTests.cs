using Uga.Imaging;

using Uga.Inference;

namespace Uga.Learning.Tests;

public class InferenceHeatmapTests
{
    [Fact]
    public void ColourMapsHitTheirAnchorsAndClamp()
    {
        Assert.Equal(((byte)0x44, (byte)0x01, (byte)0x54), Heatmap.Colour(Colormap.Viridis, 0));
        Assert.Equal(((byte)0xFD, (byte)0xE7, (byte)0x25), Heatmap.Colour(Colormap.Viridis, 1));
        Assert.Equal(((byte)0x21, (byte)0x91, (byte)0x8C), Heatmap.Colour(Colormap.Viridis, 0.5));
        Assert.Equal(((byte)0x00, (byte)0x00, (byte)0x04), Heatmap.Colour(Colormap.Inferno, -3));
        Assert.Equal(((byte)0xFC, (byte)0xFF, (byte)0xA4), Heatmap.Colour(Colormap.Inferno, 7));
        // Halfway between the first two viridis anchors 0x440154 and 0x472D7B: (0x44+0x47)/2 = 69.5 → 70 (0x46).
        Assert.Equal(70, Heatmap.Colour(Colormap.Viridis, 0.0625).R);
    }

    [Fact]
    public void RenderSpansTheMapRange()
    {
        var map = new FloatMap(3, 1, [2f, 3f, 4f]);
        var image = Heatmap.Render(map, Colormap.Inferno);
        Assert.Equal(Heatmap.Colour(Colormap.Inferno, 0), (image.Data[0], image.Data[1], image.Data[2]));
        Assert.Equal(Heatmap.Colour(Colormap.Inferno, 0.5), (image.Data[3], image.Data[4], image.Data[5]));
        Assert.Equal(Heatmap.Colour(Colormap.Inferno, 1), (image.Data[6], image.Data[7], image.Data[8]));
    }

    [Fact]
    public void OverlayLeavesBackgroundAndBlendsClasses()
    {
        var image = new RgbImage(2, 1, [100, 100, 100, 100, 100, 100]);
        var labels = new LabelMap(2, 1, [0, 1]);
        var overlay = Heatmap.Overlay(image, labels, [null, (200, 0, 100)], alpha: 0.5f);
        Assert.Equal(new byte[] { 100, 100, 100, 150, 50, 100 }, overlay.Data);
    }

    [Fact]
    public void ColourScaleAddsABarWithTheMapBesideIt()
    {
        var map = new FloatMap(120, 100);
        for (int i = 0; i < map.Data.Length; i++) map.Data[i] = i % 120 / 119f;
        var rendered = Heatmap.RenderWithScale(map, Colormap.Viridis, "ensemble-ce");
        Assert.True(rendered.Width > 120);
        Assert.Equal(100, rendered.Height);
        var plain = Heatmap.Render(map);
        Assert.Equal(plain.Data.AsSpan(0, 120 * 3).ToArray(), rendered.Data.AsSpan(0, 120 * 3).ToArray());
        // The bar's top row is the colour of the maximum.
        int barX = 120 + 8, top = Heatmap.LoadTypeface() is null ? 8 : (int)(Math.Clamp(100 / 24f, 10f, 18f) * 2);
        int at = rendered.Index(barX + 2, top);
        Assert.Equal(Heatmap.Colour(Colormap.Viridis, 1), (rendered.Data[at], rendered.Data[at + 1], rendered.Data[at + 2]));
        if (Heatmap.LoadTypeface() is not null)
        {
            // Text was drawn: some dark pixels right of the bar.
            var panel = rendered.Crop(new PixelRegion(barX + 20, 0, rendered.Width - barX - 20, 100));
            Assert.Contains(panel.Data, v => v < 80);
        }
    }

    [Fact]
    public void FloatTiffRoundTrips()
    {
        using var dir = new TempDir();
        var map = new FloatMap(5, 4);
        for (int i = 0; i < map.Data.Length; i++) map.Data[i] = (i * 0.37f) - 2.1f;
        var path = dir.File("u.tif");
        FloatMapFile.WriteTiff(map, path);
        Assert.Equal(map.Data, FloatMapFile.ReadTiff(path).Data);
        Assert.Single(Directory.GetFiles(dir.Path)); // no temp files left behind
    }
}
