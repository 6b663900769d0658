using Uga.Imaging;
using Uga.Slides.Writing;

namespace Uga.Slides.Montage;

/// <summary>
/// Packs many small images (a patch dataset) into one pyramidal RGB slide on white, a matching label slide from
/// their masks, and a manifest of where each image went. It streams: each band one tile tall is assembled from
/// the images that cross it, and an image is decoded when the first band reaches it and dropped after the last,
/// so memory is a row of images plus the writers' bands, never the whole montage.
/// </summary>
public static class MontageBuilder
{
    public static MontageManifest Build(IReadOnlyList<MontageSource> sources, string slidePath, MontageOptions options,
        IProgress<WorkProgress>? progress = null, CancellationToken cancellation = default)
    {
        var manifest = MontageLayout.Plan(sources, slidePath, options);
        var (labelPath, manifestPath) = MontageManifest.CompanionPaths(slidePath);
        var properties = new Dictionary<string, string>(options.Tiff.Properties ?? new Dictionary<string, string>())
        {
            ["montage"] = Path.GetFileName(manifestPath),
        };
        var tiff = options.Tiff with { Properties = properties };
        using var rgb = PyramidalTiffWriter.Create(slidePath, manifest.Width, manifest.Height, PixelKind.Rgb, manifest.SpacingUm, tiff);
        using var labels = manifest.LabelSlide is null ? null
            : PyramidalTiffWriter.Create(labelPath, manifest.Width, manifest.Height, PixelKind.Labels, manifest.SpacingUm, tiff);

        int bandHeight = rgb.TileSize, width = manifest.Width;
        var rgbBand = new byte[width * bandHeight * 3];
        var labelBand = new byte[width * bandHeight];
        var loaded = new Dictionary<MontagePlacement, (RgbImage Image, LabelMap? Labels)>();
        for (int row = 0; row < rgb.TileRows; row++)
        {
            cancellation.ThrowIfCancellationRequested();
            var band = rgb.TileRegion(0, row) with { Width = width };
            Array.Fill(rgbBand, (byte)255);
            Array.Fill(labelBand, options.OutsideLabel);
            foreach (var placement in manifest.Images)
            {
                var inside = placement.Region.Intersect(band);
                if (inside.Area == 0) continue;
                if (!loaded.TryGetValue(placement, out var pixels))
                    loaded[placement] = pixels = Load(placement);
                PasteRows(pixels.Image.Data, placement, inside, band, rgbBand, 3);
                if (pixels.Labels is not null) PasteRows(pixels.Labels.Data, placement, inside, band, labelBand, 1);
                else FillRows(labelBand, inside, band, LabelMap.Ignore);
            }
            foreach (var done in loaded.Keys.Where(p => p.Y + p.Height <= band.Bottom).ToList())
                loaded.Remove(done);
            rgb.WriteTileRow(row, rgbBand.AsSpan(0, width * band.Height * 3));
            labels?.WriteTileRow(row, labelBand.AsSpan(0, width * band.Height));
            progress?.Report(new WorkProgress("montage", row + 1, rgb.TileRows));
        }
        rgb.Complete();
        labels?.Complete();
        AtomicFile.WriteAllText(manifestPath, manifest.ToJson());
        return manifest;
    }

    /// <summary>Decodes one source (and its mask), resampled to the montage spacing if it was scanned at another.</summary>
    private static (RgbImage Image, LabelMap? Labels) Load(MontagePlacement placement)
    {
        var image = ImageFile.ReadRgb(placement.ImagePath);
        LabelMap? labels = null;
        if (placement.MaskPath is not null)
        {
            labels = ImageFile.ReadLabels(placement.MaskPath);
            if (labels.Width != image.Width || labels.Height != image.Height)
                throw new InvalidInputException(placement.MaskPath, $"mask is {labels.Width}x{labels.Height} but its image is {image.Width}x{image.Height}");
            labels = Resample.Labels(labels, placement.Width, placement.Height);
        }
        return (Resample.Rgb(image, placement.Width, placement.Height), labels);
    }

    /// <summary>Copies the rows of <paramref name="inside"/> (montage coordinates) from a source raster into the band.</summary>
    private static void PasteRows(byte[] source, MontagePlacement placement, PixelRegion inside, PixelRegion band, byte[] target, int channels)
    {
        int bytes = inside.Width * channels;
        for (int y = inside.Y; y < inside.Bottom; y++)
        {
            int from = ((((y - placement.Y) * placement.Width) + (inside.X - placement.X)) * channels);
            int to = ((((y - band.Y) * band.Width) + inside.X) * channels);
            source.AsSpan(from, bytes).CopyTo(target.AsSpan(to));
        }
    }

    private static void FillRows(byte[] target, PixelRegion inside, PixelRegion band, byte value)
    {
        for (int y = inside.Y; y < inside.Bottom; y++)
            target.AsSpan(((y - band.Y) * band.Width) + inside.X, inside.Width).Fill(value);
    }
}
