using System.Globalization;
using NetVips;
using Uga.Imaging;
using Uga.Slides.Writing;

namespace Uga.Slides.Tests;

/// <summary>
/// Every level of a written pyramid, read back by libtiff (NetVips tiffload) and by OpenSlide, must equal a
/// 2×2 reduction computed here from level 0, for sizes whose levels have odd sides and partial edge tiles.
/// </summary>
public sealed class PyramidLevelPixelsTests
{
    public static TheoryData<int, int, int> AwkwardSizes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int tile in new[] { 256, 512 })
            foreach (var (w, h) in new[] { (1040, 600), (1000, 700), (513, 300), (1300, 257), (777, 1555) })
                data.Add(w, h, tile);
        return data;
    }

    [Theory]
    [MemberData(nameof(AwkwardSizes))]
    public void Rgb_levels_equal_the_reference_box_mean(int width, int height, int tileSize)
    {
        using var dir = new TempDir();
        var path = dir.File("rgb.tif");
        var image = Mosaic(width, height);
        PyramidalTiffWriter.Write(path, image, 0.5, new PyramidalTiffOptions { TileSize = tileSize });
        var sizes = PyramidalTiffWriter.LevelSizes(width, height);

        using var slide = SlideFactory.Open(path);
        Assert.Equal("generic-tiff", slide.Vendor);
        Assert.Equal(sizes.Count, slide.Levels.Count);
        var reference = image.Data;
        int w = width, h = height;
        for (int k = 0; k < sizes.Count; k++)
        {
            if (k > 0) (reference, w, h) = Halve(reference, w, h, 3, mode: false);
            Assert.Equal(sizes[k], (w, h));
            Assert.Equal((w, h), ((int)slide.Levels[k].Width, (int)slide.Levels[k].Height));
            using (var page = Image.Tiffload(path, page: k))
                AssertClose(reference, page.WriteToMemory<byte>(), w, 3, $"tiffload page {k}");
            AssertClose(reference, slide.ReadLevel(k, new PixelRegion(0, 0, w, h)).Data, w, 3, $"SlideFactory level {k}");
            using var os = Image.Openslideload(path, level: k);
            Assert.Equal((w, h), (os.Width, os.Height));
            // A tile larger than its page is what OpenSlide (through libtiff's RGBA reader) used to misread.
            int tw = int.Parse((string)os.Get($"openslide.level[{k}].tile-width"), CultureInfo.InvariantCulture);
            int th = int.Parse((string)os.Get($"openslide.level[{k}].tile-height"), CultureInfo.InvariantCulture);
            Assert.True(tw <= Math.Max(w, 16) && th <= Math.Max(h, 16) && tw % 16 == 0 && th % 16 == 0, $"level {k}: tile {tw}x{th} on a {w}x{h} page");
            if (!ExactlyHalved(width, height, w, h, k)) continue;
            using var rgb = os.ExtractBand(0, n: 3);
            AssertClose(reference, rgb.WriteToMemory<byte>(), w, 3, $"openslideload level {k}");
        }
    }

    [Theory]
    [MemberData(nameof(AwkwardSizes))]
    public void Label_levels_equal_the_reference_mode(int width, int height, int tileSize)
    {
        using var dir = new TempDir();
        var path = dir.File("labels.tif");
        var labels = new LabelMap(width, height);
        var random = new Random(width * 31 + height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                labels[x, y] = (byte)(((x / 7) + (y / 5)) % 3 == 0 ? random.Next(4) : (x * y) % 3);
        PyramidalTiffWriter.Write(path, labels, 0.5, new PyramidalTiffOptions { TileSize = tileSize });
        var sizes = PyramidalTiffWriter.LevelSizes(width, height);

        using var slide = SlideFactory.Open(path);
        Assert.Equal(sizes.Count, slide.Levels.Count);
        var reference = labels.Data;
        int w = width, h = height;
        for (int k = 0; k < sizes.Count; k++)
        {
            if (k > 0) (reference, w, h) = Halve(reference, w, h, 1, mode: true);
            using (var page = Image.Tiffload(path, page: k))
                Assert.True(reference.AsSpan().SequenceEqual(page.WriteToMemory<byte>()), $"tiffload page {k} differs from the reference mode");
            var rgb = slide.ReadLevel(k, new PixelRegion(0, 0, w, h)).Data;
            var grey = Enumerable.Range(0, w * h).Select(i => rgb[3 * i]).ToArray();
            Assert.True(reference.AsSpan().SequenceEqual(grey), $"OpenSlide level {k} differs from the reference mode");
        }
    }

    [Fact]
    public void Pages_store_tiles_no_larger_than_themselves_and_thin_pyramids_stop_at_one_tile()
    {
        Assert.Equal((256, 144), PyramidalTiffWriter.PageTileSize(260, 150, 256));
        Assert.Equal((256, 256), PyramidalTiffWriter.PageTileSize(1040, 600, 256));
        Assert.Equal((512, 288), PyramidalTiffWriter.PageTileSize(513, 300, 512));
        Assert.Equal((16, 16), PyramidalTiffWriter.PageTileSize(10, 10, 256));
        Assert.Equal([(5000, 40), (2500, 20)], PyramidalTiffWriter.LevelSizes(5000, 40));
    }

    /// <summary>
    /// libvips' openslideload reads a level in its own tiles, each placed through level-0 coordinates; where
    /// OpenSlide's downsample is not exactly 2^k (odd sides somewhere above) those tiles land a pixel off. That is
    /// a reader artefact, so its pixels are only compared on exactly halved levels.
    /// </summary>
    private static bool ExactlyHalved(int width, int height, int w, int h, int level) =>
        (long)w << level == width && (long)h << level == height;

    /// <summary>H&amp;E-like texture: tiles of pink/purple with noise, so a white or shifted level shows in the mean.</summary>
    private static RgbImage Mosaic(int width, int height)
    {
        var image = new RgbImage(width, height);
        var random = new Random(width + (7 * height));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = image.Index(x, y);
                bool nucleus = ((x / 23) + (y / 17)) % 3 == 0;
                image.Data[i] = (byte)((nucleus ? 120 : 220) + random.Next(20) - (y % 13));
                image.Data[i + 1] = (byte)((nucleus ? 80 : 160) + random.Next(20) + (x % 11));
                image.Data[i + 2] = (byte)((nucleus ? 170 : 200) + random.Next(30));
            }
        return image;
    }

    /// <summary>Reference 2×2 reduction written independently of the writer: edge pixels pair with themselves.</summary>
    private static (byte[] Pixels, int Width, int Height) Halve(byte[] src, int width, int height, int channels, bool mode)
    {
        int ow = (width + 1) / 2, oh = (height + 1) / 2;
        var dst = new byte[ow * oh * channels];
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
                for (int c = 0; c < channels; c++)
                {
                    int[] xs = [2 * x, Math.Min((2 * x) + 1, width - 1)], ys = [2 * y, Math.Min((2 * y) + 1, height - 1)];
                    var four = new List<int>();
                    foreach (int yy in ys)
                        foreach (int xx in xs)
                            four.Add(src[(((yy * width) + xx) * channels) + c]);
                    dst[(((y * ow) + x) * channels) + c] = mode ? ModeOf(four) : (byte)((four.Sum() + 2) / 4);
                }
        return (dst, ow, oh);
    }

    // Most frequent value, ties to the first (top-left) of the tied values that appears first.
    private static byte ModeOf(List<int> four)
    {
        int best = four[0], bestCount = 0;
        foreach (int v in four)
        {
            int count = four.Count(u => u == v);
            if (count > bestCount) (best, bestCount) = (v, count);
        }
        return (byte)best;
    }

    private static void AssertClose(byte[] expected, byte[] actual, int width, int channels, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} bytes, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
            if (Math.Abs(expected[i] - actual[i]) > 1)
            {
                int pixel = i / channels;
                Assert.Fail($"{what}: pixel ({pixel % width}, {pixel / width}) channel {i % channels} is {actual[i]}, expected {expected[i]}; "
                    + $"mean {actual.Average(b => (double)b):F1} vs {expected.Average(b => (double)b):F1}");
            }
    }
}
