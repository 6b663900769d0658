using System.Buffers.Binary;
using Uga.Imaging;

namespace Uga.Slides.Tests;

/// <summary>Every kind of bad slide input ends in one line that names the file and the problem.</summary>
public sealed class SlideBadInputTests
{
    private static InvalidInputException OpenFails(string path, double? spacing = null)
    {
        var e = Assert.Throws<InvalidInputException>(() => SlideFactory.Open(path, spacing).Dispose());
        AssertOneLineNaming(e, path);
        return e;
    }

    private static void AssertOneLineNaming(InvalidInputException e, string path)
    {
        Assert.StartsWith(path + ": ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Missing_file_folder_and_empty_file()
    {
        using var dir = new TempDir();
        Assert.Contains("file not found", OpenFails(dir.File("nope.svs")).Message);
        Assert.Contains("is a folder", OpenFails(dir.Path).Message);
        File.WriteAllBytes(dir.File("empty.tif"), []);
        Assert.Contains("file is empty", OpenFails(dir.File("empty.tif")).Message);
    }

    [Fact]
    public void Unsupported_format_is_named_as_such()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("notes.png"), "this is not an image\n");
        Assert.Contains("not a readable slide or image", OpenFails(dir.File("notes.png")).Message);
        File.WriteAllText(dir.File("fake.svs"), "this is not a slide either\n");
        Assert.Contains("OpenSlide does not recognise it", OpenFails(dir.File("fake.svs")).Message);
        // libvips would read a CSV table as a one-band "image"; a slide it is not.
        File.WriteAllText(dir.File("cases.csv"), "1,2,3\n4,5,6\n");
        Assert.Contains("unsupported format", OpenFails(dir.File("cases.csv")).Message);
    }

    [Theory]
    [InlineData("cmu-1-small-region.svs", 0.5)]
    [InlineData("cmu-1-small-region.svs", 0.95)]
    [InlineData("cmu-1-small-region_pyramid_jpeg.tif", 0.5)]
    [InlineData("cmu-1-small-region_pyramid_jpeg.tif", 0.95)]
    public void Truncated_slide_fails_on_open_or_on_read_with_the_file_name(string name, double keep)
    {
        var source = SharedData.Require("slides", name);
        using var dir = new TempDir();
        var path = dir.File(name);
        var bytes = File.ReadAllBytes(source);
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * keep)]);

        // Some truncations lose the directory (open fails), others only tile data (a read fails): both must say so.
        var e = Assert.Throws<InvalidInputException>(() =>
        {
            using var slide = SlideFactory.Open(path, 0.5);
            for (int level = 0; level < slide.Levels.Count; level++)
                _ = slide.ReadLevel(level, new PixelRegion(0, 0, (int)slide.Levels[level].Width, (int)slide.Levels[level].Height));
        });
        AssertOneLineNaming(e, path);
    }

    [Fact]
    public void Corrupt_tile_data_fails_on_read_with_the_file_name()
    {
        var source = SharedData.Require("slides", "cmu-1-small-region.svs");
        using var dir = new TempDir();
        var path = dir.File("corrupt.svs");
        var bytes = File.ReadAllBytes(source);
        // Tiles of level 0 lie before its directory (at 1,275,950): scribble over most of them.
        var junk = new Random(7);
        for (int i = 20_000; i < 1_200_000; i++) bytes[i] = (byte)junk.Next(256);
        File.WriteAllBytes(path, bytes);
        using var slide = SlideFactory.Open(path);
        var e = Assert.Throws<InvalidInputException>(() => slide.ReadLevel(0, new PixelRegion(0, 0, 2220, 2967)));
        AssertOneLineNaming(e, path);
        Assert.Contains("cannot read level 0", e.Message);
    }

    [Fact]
    public void Tiff_header_claiming_ten_million_pixels_square_is_rejected_before_any_read()
    {
        using var dir = new TempDir();
        var path = dir.File("huge.tif");
        File.WriteAllBytes(path, HugeTiffHeader(10_000_000));
        var e = OpenFails(path, 0.5);
        Assert.Contains("implausible size 10000000x10000000", e.Message);
    }

    [Fact]
    public void Region_outside_the_slide_level_and_spacing_errors_name_the_file()
    {
        var path = SharedData.Require("slides", "cmu-1-small-region.svs");
        using var slide = SlideFactory.Open(path);
        var outside = Assert.Throws<InvalidInputException>(() => slide.ReadRegion(0.499, new PixelRegion(3000, 0, 10, 10)));
        AssertOneLineNaming(outside, path);
        Assert.Contains("lies outside the slide (2220x2967 there)", outside.Message);
        Assert.Throws<InvalidInputException>(() => slide.ReadRegion(2.0, new PixelRegion(-50, -50, 20, 20)));
        Assert.Contains("is empty", Assert.Throws<InvalidInputException>(() => slide.ReadRegion(2.0, new PixelRegion(0, 0, 0, 5))).Message);
        Assert.Contains("level 3 does not exist", Assert.Throws<InvalidInputException>(() => slide.ReadLevel(3, new PixelRegion(0, 0, 5, 5))).Message);
        Assert.Contains("must be a positive number", Assert.Throws<InvalidInputException>(() => slide.ReadRegion(-1.0, new PixelRegion(0, 0, 5, 5))).Message);
        Assert.Contains("--spacing -2 must be a positive", OpenFails(path, -2).Message);
    }

    [Fact]
    public void Reads_after_dispose_are_refused()
    {
        var slide = SlideFactory.Open(SharedData.Require("slides", "cmu-1-small-region.svs"));
        slide.Dispose();
        Assert.Throws<ObjectDisposedException>(() => slide.ReadLevel(0, new PixelRegion(0, 0, 4, 4)));
    }

    [Fact]
    public void Tiff_whose_strip_runs_past_the_end_of_the_file_is_called_truncated()
    {
        using var dir = new TempDir();
        var path = dir.File("short.tif");
        File.WriteAllBytes(path, HugeTiffHeader(1000, stripBytes: 1_000_000));
        Assert.Contains("truncated or corrupt TIFF: image data of directory 0 runs past the end of the file (138 bytes)", OpenFails(path, 0.5).Message);
    }

    /// <summary>A little-endian grey TIFF whose directory claims <paramref name="side"/>² pixels in one strip of <paramref name="stripBytes"/> bytes at byte 8.</summary>
    internal static byte[] HugeTiffHeader(uint side, uint stripBytes = 1)
    {
        (ushort Tag, ushort Type, uint Value)[] entries =
        [
            (256, 4, side), (257, 4, side), (258, 3, 8), (259, 3, 1), (262, 3, 1),
            (273, 4, 8), (277, 3, 1), (278, 4, side), (279, 4, stripBytes),
        ];
        var bytes = new byte[8 + 2 + (entries.Length * 12) + 4 + 16];
        "II"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 16);
        int p = 16;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(p), (ushort)entries.Length);
        p += 2;
        foreach (var (tag, type, value) in entries)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(p), tag);
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(p + 2), type);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(p + 4), 1);
            if (type == 3) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(p + 8), (ushort)value);
            else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(p + 8), value);
            p += 12;
        }
        return bytes;
    }
}
