using NetVips;

namespace Uga.Imaging;

/// <summary>
/// Reads and writes plain image files (JPEG, PNG, TIFF) through libvips. Every failure becomes an
/// <see cref="InvalidInputException"/> naming the file; every write is atomic.
/// </summary>
public static class ImageFile
{
    static ImageFile() => VipsLog.Capture();   // libvips warnings into the error line, not raw to stderr

    public static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".tif", ".tiff"];

    /// <summary>Reads an image as 8-bit RGB (grey is expanded, alpha dropped).</summary>
    public static RgbImage ReadRgb(string path)
    {
        using var image = Open(path);
        try
        {
            using var rgb = ToRgb8(image);
            return new RgbImage(rgb.Width, rgb.Height, rgb.WriteToMemory<byte>());
        }
        catch (VipsException e)
        {
            throw new InvalidInputException(path, $"cannot decode image ({VipsLog.Explain(e.Message)})", e);
        }
    }

    /// <summary>Reads a label mask: one band of 8-bit class indices (the first band if there are more).</summary>
    public static LabelMap ReadLabels(string path)
    {
        using var image = Open(path);
        try
        {
            if (image.Format != Enums.BandFormat.Uchar)
                throw new InvalidInputException(path, $"label mask must be 8-bit, found {image.Format}");
            using var band = image.Bands > 1 ? image.ExtractBand(0) : image.Copy();
            return new LabelMap(band.Width, band.Height, band.WriteToMemory<byte>());
        }
        catch (VipsException e)
        {
            throw new InvalidInputException(path, $"cannot decode mask ({VipsLog.Explain(e.Message)})", e);
        }
    }

    /// <summary>Width and height without decoding pixels.</summary>
    public static (int Width, int Height) ReadSize(string path)
    {
        using var image = Open(path);
        return (image.Width, image.Height);
    }

    public static void WritePng(RgbImage image, string path) => WriteVips(ToVips(image), path);

    public static void WritePng(LabelMap labels, string path) => WriteVips(ToVips(labels), path);

    public static void WriteJpeg(RgbImage image, string path, int quality = 90) =>
        WriteVips(ToVips(image), path, quality);

    /// <summary>PNG bytes of an image, for embedding in reports.</summary>
    public static byte[] EncodePng(RgbImage image)
    {
        using var v = ToVips(image);
        return v.PngsaveBuffer(compression: 6);
    }

    public static Image ToVips(RgbImage image) =>
        Image.NewFromMemory(image.Data, image.Width, image.Height, 3, Enums.BandFormat.Uchar);

    public static Image ToVips(LabelMap labels) =>
        Image.NewFromMemory(labels.Data, labels.Width, labels.Height, 1, Enums.BandFormat.Uchar);

    public static Image ToVips(FloatMap map) =>
        Image.NewFromMemory(map.Data, map.Width, map.Height, 1, Enums.BandFormat.Float);

    /// <summary>Converts any libvips image to 3-band sRGB uchar.</summary>
    public static Image ToRgb8(Image image)
    {
        var current = image.Copy();
        if (current.HasAlpha())
            Swap(ref current, current.Flatten(background: [255, 255, 255]));
        if (current.Interpretation is not (Enums.Interpretation.Srgb or Enums.Interpretation.Bw or Enums.Interpretation.Multiband or Enums.Interpretation.Rgb))
            Swap(ref current, current.Colourspace(Enums.Interpretation.Srgb));
        if (current.Bands == 1)
            Swap(ref current, current.Bandjoin(current, current));
        else if (current.Bands > 3)
            Swap(ref current, current.ExtractBand(0, n: 3));
        if (current.Format != Enums.BandFormat.Uchar)
            Swap(ref current, current.Cast(Enums.BandFormat.Uchar));
        return current;
    }

    private static void Swap(ref Image current, Image next)
    {
        current.Dispose();
        current = next;
    }

    private static Image Open(string path)
    {
        if (!File.Exists(path))
            throw new InvalidInputException(path, "file not found");
        try
        {
            // Decoded from the bytes, not the name: libvips caches file loads by name, so a file rewritten in place
            // (a re-imported annotation, a corrected mask) would otherwise come back with its old pixels, and the
            // libvips here (8.14) has no "revalidate" option. Plain images are small; slides use their own reader.
            return Image.NewFromBuffer(File.ReadAllBytes(path), access: Enums.Access.Random, failOn: Enums.FailOn.Error);
        }
        catch (VipsException e)
        {
            throw new InvalidInputException(path, $"not a readable image ({VipsLog.Explain(e.Message)})", e);
        }
    }

    private static void WriteVips(Image image, string path, int quality = 90)
    {
        using (image)
        {
            var ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
            AtomicFile.Write(path, tmp =>
            {
                // libvips picks the saver from the suffix, so give the temp name the real one.
                var tmpWithExt = tmp + ext;
                try
                {
                    if (ext is ".jpg" or ".jpeg") image.Jpegsave(tmpWithExt, q: quality);
                    else image.Pngsave(tmpWithExt, compression: 6);
                    File.Move(tmpWithExt, tmp, overwrite: true);
                }
                finally
                {
                    if (File.Exists(tmpWithExt)) File.Delete(tmpWithExt);
                }
            });
        }
    }

    /// <summary>The first non-empty line of a (multi-line) native error message, for one-line errors.</summary>
    public static string FirstLine(string message) =>
        message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? message;
}
