using NetVips;

namespace Uga.Imaging;

/// <summary>Raw float maps (uncertainty, probability) as single-band float32 TIFF for downstream tools.</summary>
public static class FloatMapFile
{
    static FloatMapFile() => VipsLog.Capture();   // libvips warnings into the error line, not raw to stderr

    /// <summary>Writes <paramref name="map"/> losslessly as a one-band float32 TIFF, atomically.</summary>
    public static void WriteTiff(FloatMap map, string path)
    {
        using var image = ImageFile.ToVips(map);
        AtomicFile.Write(path, tmp => image.Tiffsave(tmp, compression: Enums.ForeignTiffCompression.Deflate));
    }

    /// <summary>Reads the first band of a float TIFF written by <see cref="WriteTiff"/>.</summary>
    public static FloatMap ReadTiff(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "file not found");
        try
        {
            using var image = Image.NewFromFile(path, access: Enums.Access.Random, failOn: Enums.FailOn.Error);
            using var band = image.Bands > 1 ? image.ExtractBand(0) : image.Copy();
            using var floats = band.Format == Enums.BandFormat.Float ? band.Copy() : band.Cast(Enums.BandFormat.Float);
            return new FloatMap(floats.Width, floats.Height, floats.WriteToMemory<float>());
        }
        catch (VipsException e)
        {
            throw new InvalidInputException(path, $"cannot decode float map ({VipsLog.Explain(e.Message)})", e);
        }
    }
}
