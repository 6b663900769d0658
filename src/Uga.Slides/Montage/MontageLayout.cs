using Uga.Imaging;
using Uga.Slides.Writing;

namespace Uga.Slides.Montage;

public sealed record MontageOptions
{
    /// <summary>µm/px of the montage; sources scanned at another spacing are resampled to it.</summary>
    public required double SpacingUm { get; init; }

    /// <summary>Images per row; 0 chooses a roughly square grid.</summary>
    public int Columns { get; init; }

    /// <summary>White space between images and around the edge, in montage pixels.</summary>
    public int GapPx { get; init; } = 64;

    /// <summary>Label written outside the source images (0 = background).</summary>
    public byte OutsideLabel { get; init; }

    public PyramidalTiffOptions Tiff { get; init; } = PyramidalTiffOptions.Default;
}

/// <summary>
/// Shelf packing: images go left to right in rows of <see cref="MontageOptions.Columns"/>, each row as tall as
/// its tallest image, with a gap between and around them. Only image headers are read here.
/// </summary>
public static class MontageLayout
{
    public const int MaxGapPx = 10_000;

    public static MontageManifest Plan(IReadOnlyList<MontageSource> sources, string slidePath, MontageOptions options)
    {
        Validate(sources, options);
        int columns = options.Columns > 0 ? options.Columns : (int)Math.Ceiling(Math.Sqrt(sources.Count));
        int gap = options.GapPx;
        var placements = new List<MontagePlacement>(sources.Count);
        long y = gap, width = 0;
        for (int start = 0; start < sources.Count; start += columns)
        {
            long x = gap;
            int rowHeight = 0;
            foreach (var source in sources.Skip(start).Take(columns))
            {
                var (w, h) = ScaledSize(source, options.SpacingUm);
                placements.Add(new MontagePlacement(source.Stem, (int)Math.Min(x, int.MaxValue), (int)Math.Min(y, int.MaxValue), w, h,
                    options.SpacingUm, source.SpacingUm, source.ImagePath, source.MaskPath, source.CaseColumns));
                x += w + gap;
                rowHeight = Math.Max(rowHeight, h);
            }
            width = Math.Max(width, x);
            y += rowHeight + gap;
        }
        if (width > PyramidalTiffWriter.MaxDimension || y > PyramidalTiffWriter.MaxDimension)
            throw new InvalidInputException(slidePath, $"montage would be {width}x{y} px, over the {PyramidalTiffWriter.MaxDimension} px limit; choose --columns near {columns} or a coarser spacing");
        var (labels, _) = MontageManifest.CompanionPaths(slidePath);
        return new MontageManifest
        {
            Slide = Path.GetFileName(slidePath),
            LabelSlide = sources.Any(s => s.MaskPath is not null) ? Path.GetFileName(labels) : null,
            Width = (int)width,
            Height = (int)y,
            SpacingUm = options.SpacingUm,
            GridColumns = columns,
            GapPx = gap,
            Images = placements,
        };
    }

    private static (int Width, int Height) ScaledSize(MontageSource source, double spacingUm)
    {
        var (w, h) = ImageFile.ReadSize(source.ImagePath);
        double factor = Resample.Factor(source.SpacingUm, spacingUm);
        return (Resample.Scaled(w, factor), Resample.Scaled(h, factor));
    }

    private static void Validate(IReadOnlyList<MontageSource> sources, MontageOptions options)
    {
        if (sources.Count == 0) throw new InvalidInputException(null, "montage: no images to pack");
        if (!(options.SpacingUm > 0) || !double.IsFinite(options.SpacingUm))
            throw new InvalidInputException(null, $"montage spacing must be a positive number of µm/px, got {options.SpacingUm}");
        if (options.Columns < 0) throw new InvalidInputException(null, $"--columns must be positive, got {options.Columns}");
        if (options.GapPx is < 0 or > MaxGapPx) throw new InvalidInputException(null, $"--gap must be 0..{MaxGapPx} px, got {options.GapPx}");
        var stems = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in sources)
        {
            if (!stems.Add(s.Stem)) throw new InvalidInputException(s.ImagePath, $"stem '{s.Stem}' appears twice in the montage");
            if (!(s.SpacingUm > 0) || !double.IsFinite(s.SpacingUm))
                throw new InvalidInputException(s.ImagePath, $"source spacing must be positive, got {s.SpacingUm}");
        }
    }
}
