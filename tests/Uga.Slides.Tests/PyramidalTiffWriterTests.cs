using NetVips;
using Uga.Imaging;
using Uga.Slides.Writing;

namespace Uga.Slides.Tests;

public sealed class PyramidalTiffWriterTests
{
    private static readonly PyramidalTiffOptions SmallTiles = new() { TileSize = 128, SmallestLevelSize = 100 };

    /// <summary>A textured image whose size is not a multiple of the tile size.</summary>
    internal static RgbImage Pattern(int width, int height, int seed = 1)
    {
        var image = new RgbImage(width, height);
        var random = new Random(seed);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = image.Index(x, y);
                image.Data[i] = (byte)(x + random.Next(8));
                image.Data[i + 1] = (byte)(y * 3);
                image.Data[i + 2] = (byte)((x ^ y) + random.Next(4));
            }
        return image;
    }

    private static LabelMap Labels(int width, int height)
    {
        var labels = new LabelMap(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                labels[x, y] = (byte)((x + y) % 2 == 0 ? 0 : 2); // a checkerboard: averaging would invent class 1
        for (int y = 100; y < 180; y++)
            for (int x = 50; x < 300; x++)
                labels[x, y] = y < 140 ? (byte)3 : LabelMap.Ignore;
        return labels;
    }

    private static byte[] Pixels(Image page) => page.WriteToMemory<byte>();

    [Fact]
    public void Rgb_level0_round_trips_exactly_and_levels_halve()
    {
        using var dir = new TempDir();
        var path = dir.File("rgb.tif");
        var image = Pattern(700, 450);
        PyramidalTiffWriter.Write(path, image, 0.5, SmallTiles);

        using var page0 = Image.Tiffload(path, page: 0);
        Assert.Equal((700, 450, 3), (page0.Width, page0.Height, page0.Bands));
        Assert.Equal(image.Data, Pixels(page0));
        Assert.Equal(4, (int)page0.Get("n-pages"));
        int[][] expected = [[700, 450], [350, 225], [175, 113], [88, 57]];
        for (int p = 0; p < 4; p++)
        {
            using var page = Image.Tiffload(path, page: p);
            Assert.Equal(expected[p], new[] { page.Width, page.Height });
        }
    }

    [Fact]
    public void Lower_rgb_level_is_the_rounded_2x2_mean()
    {
        using var dir = new TempDir();
        var path = dir.File("rgb.tif");
        var image = Pattern(301, 203);
        PyramidalTiffWriter.Write(path, image, 0.25, SmallTiles);
        using var page1 = Image.Tiffload(path, page: 1);
        var level1 = Pixels(page1);
        Assert.Equal((151, 102), (page1.Width, page1.Height));
        foreach (var (x, y) in new[] { (0, 0), (17, 40), (150, 50), (75, 101), (150, 101) })
        {
            int x0 = 2 * x, y0 = 2 * y, x1 = Math.Min(x0 + 1, 300), y1 = Math.Min(y0 + 1, 202);
            for (int c = 0; c < 3; c++)
            {
                int sum = image.Data[image.Index(x0, y0) + c] + image.Data[image.Index(x1, y0) + c]
                    + image.Data[image.Index(x0, y1) + c] + image.Data[image.Index(x1, y1) + c];
                Assert.Equal((sum + 2) / 4, level1[(((y * 151) + x) * 3) + c]);
            }
        }
    }

    [Fact]
    public void Label_pyramid_keeps_only_full_resolution_classes()
    {
        using var dir = new TempDir();
        var path = dir.File("labels.tif");
        var labels = Labels(333, 257);
        PyramidalTiffWriter.Write(path, labels, 0.5, SmallTiles with { ClassNames = ["bg", "a", "b", "c"] });

        using var page0 = Image.Tiffload(path, page: 0);
        Assert.Equal(1, page0.Bands);
        Assert.Equal(labels.Data, Pixels(page0));
        var present = labels.Data.ToHashSet();
        int pages = (int)page0.Get("n-pages");
        Assert.Equal(3, pages);
        for (int p = 1; p < pages; p++)
        {
            using var page = Image.Tiffload(path, page: p);
            var values = Pixels(page).ToHashSet();
            Assert.Subset(present, values);
            Assert.Contains((byte)3, values);
        }
    }

    [Fact]
    public void Resolution_tags_give_back_the_spacing_at_every_level()
    {
        using var dir = new TempDir();
        var path = dir.File("rgb.tif");
        PyramidalTiffWriter.Write(path, Pattern(400, 300), 0.2527, SmallTiles);
        for (int p = 0; p < 3; p++)
        {
            using var page = Image.Tiffload(path, page: p);
            double spacing = 1000.0 / page.Xres; // libvips reports pixels per millimetre
            Assert.Equal(0.2527 * (1 << p), spacing, 6);
            Assert.Equal(page.Xres, page.Yres, 9);
            Assert.Equal("cm", (string)page.Get("resolution-unit"));
        }
    }

    [Fact]
    public void Description_json_carries_spacing_kind_and_classes()
    {
        using var dir = new TempDir();
        var path = dir.File("labels.tif");
        PyramidalTiffWriter.Write(path, Labels(200, 200), 0.5, SmallTiles with { ClassNames = ["background", "gland"] });
        using var page0 = Image.Tiffload(path, page: 0);
        var description = PyramidDescription.TryParse((string)page0.Get("image-description"));
        Assert.NotNull(description);
        Assert.Equal(PixelKind.Labels, description.Kind);
        Assert.Equal(0.5, description.SpacingUm);
        Assert.Equal(["background", "gland"], description.ClassNames!);
        Assert.Null(PyramidDescription.TryParse("Aperio Image Library v10"));
    }

    [Theory]
    [InlineData(TiffFormat.Classic)]
    [InlineData(TiffFormat.BigTiff)]
    public void OpenSlide_reads_levels_and_pixels(TiffFormat format)
    {
        using var dir = new TempDir();
        var path = dir.File("rgb.tif");
        var image = Pattern(900, 600);
        PyramidalTiffWriter.Write(path, image, 0.5, SmallTiles with { Format = format });

        using var level0 = Image.Openslideload(path, level: 0);
        Assert.Equal("generic-tiff", (string)level0.Get("openslide.vendor"));
        Assert.Equal("5", (string)level0.Get("openslide.level-count"));
        Assert.Equal((900, 600), (level0.Width, level0.Height));
        using var rgb = level0.ExtractBand(0, n: 3);
        Assert.Equal(image.Data, Pixels(rgb));
        using var level3 = Image.Openslideload(path, level: 3);
        Assert.Equal((113, 75), (level3.Width, level3.Height));
        Assert.Equal(8.0, double.Parse((string)level0.Get("openslide.level[3].downsample"), System.Globalization.CultureInfo.InvariantCulture), 1);
    }

    [Fact]
    public void Jpeg_tiles_are_read_back_closely_by_libtiff_and_openslide()
    {
        using var dir = new TempDir();
        var path = dir.File("jpeg.tif");
        var image = Smooth(700, 450);
        PyramidalTiffWriter.Write(path, image, 0.5, SmallTiles with { TileCompression = TileCompression.Jpeg, JpegQuality = 95 });
        using var page0 = Image.Tiffload(path, page: 0);
        using var slide = Image.Openslideload(path, level: 0);
        using var slideRgb = slide.ExtractBand(0, n: 3);
        foreach (var decoded in new[] { Pixels(page0), Pixels(slideRgb) })
        {
            Assert.Equal(image.Data.Length, decoded.Length);
            double meanError = image.Data.Zip(decoded, (a, b) => Math.Abs(a - b)).Average();
            Assert.InRange(meanError, 0.01, 2.0); // lossy, but close
        }
        Assert.Equal("4", (string)slide.Get("openslide.level-count"));
        Assert.Throws<ArgumentException>(() => PyramidalTiffWriter.Create(dir.File("l.tif"), 10, 10, PixelKind.Labels, 0.5, new() { TileCompression = TileCompression.Jpeg }));
    }

    private static RgbImage Smooth(int width, int height)
    {
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = image.Index(x, y);
                image.Data[i] = (byte)(128 + (100 * Math.Sin(x / 40.0)));
                image.Data[i + 1] = (byte)(128 + (100 * Math.Cos(y / 30.0)));
                image.Data[i + 2] = (byte)((x + y) / 5);
            }
        return image;
    }

    [Fact]
    public void OpenSlide_reads_a_grey_label_slide()
    {
        using var dir = new TempDir();
        var path = dir.File("labels.tif");
        var labels = Labels(333, 257);
        PyramidalTiffWriter.Write(path, labels, 0.5, SmallTiles);
        using var level0 = Image.Openslideload(path, level: 0);
        using var red = level0.ExtractBand(0);
        Assert.Equal(labels.Data, Pixels(red));
    }

    [Fact]
    public void Tiles_in_raster_order_give_the_same_pixels_as_rows()
    {
        using var dir = new TempDir();
        var image = Pattern(300, 290);
        var path = dir.File("tiles.tif");
        using (var writer = PyramidalTiffWriter.Create(path, 300, 290, PixelKind.Rgb, 0.5, SmallTiles))
        {
            for (int row = 0; row < writer.TileRows; row++)
                for (int col = 0; col < writer.TileColumns; col++)
                    writer.WriteTile(col, row, image.Crop(writer.TileRegion(col, row)).Data);
            writer.Complete();
        }
        for (int p = 0; p < 3; p++)
        {
            var rowsPath = dir.File("rows.tif");
            PyramidalTiffWriter.Write(rowsPath, image, 0.5, SmallTiles);
            using var a = Image.Tiffload(path, page: p);
            using var b = Image.Tiffload(rowsPath, page: p);
            Assert.Equal(Pixels(b), Pixels(a));
        }
    }

    [Fact]
    public void Strips_of_any_height_are_accepted()
    {
        using var dir = new TempDir();
        var image = Pattern(260, 300);
        var path = dir.File("strips.tif");
        using (var writer = PyramidalTiffWriter.Create(path, 260, 300, PixelKind.Rgb, 0.5, SmallTiles))
        {
            int rowBytes = 260 * 3;
            for (int y = 0; y < 300; y += 37)
                writer.WriteRows(image.Data.AsSpan(y * rowBytes, Math.Min(37, 300 - y) * rowBytes));
            writer.Complete();
        }
        using var page0 = Image.Tiffload(path, page: 0);
        Assert.Equal(image.Data, Pixels(page0));
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(10, -1)]
    [InlineData(PyramidalTiffWriter.MaxDimension + 1, 10)]
    public void Absurd_sizes_are_rejected(int width, int height)
    {
        using var dir = new TempDir();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => PyramidalTiffWriter.Create(dir.File("x.tif"), width, height, PixelKind.Rgb, 0.5));
        Assert.Contains("slide size", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    public void Bad_spacing_is_rejected(double spacing)
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentOutOfRangeException>(() => PyramidalTiffWriter.Create(dir.File("x.tif"), 10, 10, PixelKind.Rgb, spacing));
    }

    [Fact]
    public void Out_of_order_and_wrong_size_tiles_are_rejected()
    {
        using var dir = new TempDir();
        using var writer = PyramidalTiffWriter.Create(dir.File("x.tif"), 300, 200, PixelKind.Gray8, 0.5, SmallTiles);
        var e = Assert.Throws<InvalidOperationException>(() => writer.WriteTile(1, 0, new byte[128 * 128]));
        Assert.Contains("expected tile (0, 0)", e.Message);
        var size = Assert.Throws<ArgumentException>(() => writer.WriteTile(0, 0, new byte[100]));
        Assert.Contains("128x128", size.Message);
        Assert.Throws<InvalidOperationException>(() => writer.WriteTileRow(1, new byte[300 * 72]));
        Assert.Throws<ArgumentException>(() => writer.WriteRows(new byte[301]));
        Assert.Throws<ArgumentException>(() => writer.WriteRows(new byte[300 * 201]));
        Assert.Throws<ArgumentException>(() => writer.WriteRows(new RgbImage(300, 10)));
        Assert.Throws<ArgumentException>(() => writer.WriteRows(new LabelMap(299, 10)));
    }

    [Fact]
    public void Incomplete_writer_leaves_no_file_behind()
    {
        using var dir = new TempDir();
        var path = dir.File("x.tif");
        using (var writer = PyramidalTiffWriter.Create(path, 300, 300, PixelKind.Rgb, 0.5, SmallTiles))
        {
            writer.WriteRows(new byte[300 * 200 * 3]);
            var e = Assert.Throws<InvalidOperationException>(writer.Complete);
            Assert.Contains("only 200 of 300 rows", e.Message);
        }
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Auto_format_picks_bigtiff_only_for_huge_images()
    {
        using var dir = new TempDir();
        using (var small = PyramidalTiffWriter.Create(dir.File("a.tif"), 1000, 1000, PixelKind.Rgb, 0.5))
            Assert.False(small.IsBigTiff);
        using var big = PyramidalTiffWriter.Create(dir.File("b.tif"), 50_000, 40_000, PixelKind.Rgb, 0.25);
        Assert.True(big.IsBigTiff);
        Assert.Equal(8, big.LevelCount); // 50000 → 391 px on the smallest level
    }
}

public sealed class Gray8ScaleWriterTests
{
    [Fact]
    public void Quantised_uncertainty_round_trips_within_half_a_step_and_averages_down()
    {
        using var dir = new TempDir();
        var path = dir.File("uncertainty.tif");
        var scale = new Gray8Scale(0, 2);
        var values = new float[300 * 200];
        for (int i = 0; i < values.Length; i++) values[i] = i % 300 / 150f; // 0..2 along x
        values[0] = float.NaN;
        values[1] = 5f;
        using (var writer = PyramidalTiffWriter.Create(path, 300, 200, PixelKind.Gray8, 0.5,
            new PyramidalTiffOptions { TileSize = 64, SmallestLevelSize = 100, ValueScale = scale.Description }))
        {
            var bytes = new byte[values.Length];
            scale.Quantise(values, bytes);
            writer.WriteRows(bytes);
            writer.Complete();
        }
        using var page0 = NetVips.Image.Tiffload(path, page: 0);
        var stored = page0.WriteToMemory<byte>();
        Assert.Equal(0, stored[0]);
        Assert.Equal(255, stored[1]);
        for (int i = 2; i < values.Length; i += 97)
            Assert.InRange(Math.Abs(scale.Value(stored[i]) - values[i]), 0, 1.0 / 255 + 1e-9);
        using var page1 = NetVips.Image.Tiffload(path, page: 1);
        var level1 = page1.WriteToMemory<byte>();
        Assert.Equal((stored[300 * 10 + 40] + stored[300 * 10 + 41] + stored[300 * 11 + 40] + stored[300 * 11 + 41] + 2) / 4, level1[150 * 5 + 20]);
        var description = PyramidDescription.TryParse((string)page0.Get("image-description"))!;
        Assert.Equal(PixelKind.Gray8, description.Kind);
        Assert.Equal("value = 0 + byte / 255 * 2", description.ValueScale);
    }
}
