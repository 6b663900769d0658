using Uga.Imaging;
using Uga.Slides.OpenSlide;

namespace Uga.Slides;

/// <summary>
/// Opens a slide with the right backend: OpenSlide for every format it recognises (vendor WSIs and tiled pyramidal
/// TIFF, whose levels it reads natively), libvips for plain JPEG/PNG/TIFF.
/// </summary>
public static class SlideFactory
{
    /// <summary>No scanner makes a level wider or taller than this; a header that claims more is corrupt.</summary>
    public const long MaxSide = 1 << 21;

    /// <summary>Extensions only OpenSlide can read: without it these fail with an install hint, not a decode error.</summary>
    private static readonly string[] WholeSlideExtensions = [".svs", ".ndpi", ".mrxs", ".scn", ".vms", ".vmu", ".bif", ".svslide"];

    /// <summary>
    /// Opens <paramref name="path"/>. <paramref name="spacingOverrideUm"/> (the user's --spacing, µm/px at level 0)
    /// replaces whatever the file says; without it the file must say (see <see cref="SlideSpacing.Resolve"/>).
    /// </summary>
    public static Slide Open(string path, double? spacingOverrideUm = null)
    {
        if (Directory.Exists(path))
            throw new InvalidInputException(path, "is a folder, not a slide file");
        if (!File.Exists(path))
            throw new InvalidInputException(path, "file not found");
        if (new FileInfo(path).Length == 0)
            throw new InvalidInputException(path, "file is empty");
        try
        {
            TiffStructure.Check(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"cannot read the file ({e.Message})", e);
        }

        var ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        if (OpenSlideNative.UnavailableReason is { } missing)
        {
            if (WholeSlideExtensions.Contains(ext))
                throw new SlideBackendMissingException(path, $"reading {ext} slides needs OpenSlide, but {missing}");
            return VipsSlide.Open(path, spacingOverrideUm);
        }
        var vendor = OpenSlideNative.DetectVendor(path);
        if (vendor is not null) return OpenSlideSlide.Open(path, vendor, spacingOverrideUm);
        if (WholeSlideExtensions.Contains(ext))
            throw new InvalidInputException(path, $"not a readable {ext} slide (OpenSlide does not recognise it; truncated or corrupt?)");
        return VipsSlide.Open(path, spacingOverrideUm);
    }

    /// <summary>True if OpenSlide can be loaded in this process (else only plain images open).</summary>
    public static bool IsOpenSlideAvailable => OpenSlideNative.UnavailableReason is null;

    internal static void CheckDimensions(string path, IReadOnlyList<(long Width, long Height, double Downsample)> levels)
    {
        foreach (var (w, h, downsample) in levels)
        {
            if (w <= 0 || h <= 0)
                throw new InvalidInputException(path, $"declares an empty level ({w}x{h})");
            if (w > MaxSide || h > MaxSide)
                throw new InvalidInputException(path, $"declares an implausible size {w}x{h} (more than {MaxSide} px per side); the header is corrupt");
            if (!double.IsFinite(downsample) || downsample < 1)
                throw new InvalidInputException(path, $"declares an invalid level downsample {downsample}");
        }
    }
}

/// <summary>The library needed for this kind of slide is not installed; the message says what to install.</summary>
public sealed class SlideBackendMissingException(string path, string problem) : InvalidInputException(path, problem);
