using NetVips;
using Uga.Guidance.Ranking;
using Uga.Imaging;
using Uga.Learning;
using Uga.Slides;

namespace Uga.Guidance.Loop;

/// <summary>
/// The simulated pathologist: for a chosen candidate it returns the slide's pixels and the reference labels of that
/// patch, as a pathologist who annotated the patch exactly would. Used by `uga demo` and by simulations of the loop.
/// The reference is a label slide (level 0 read) on the same physical extent as the slide; both are read at the
/// candidate's spacing, so the sample is ready for fine-tuning a model of that spacing.
/// </summary>
public sealed class OracleAnnotator(string slidePath, string referenceLabelsPath, double? slideSpacingUm = null)
{
    public string SlidePath => slidePath;

    public string ReferenceLabelsPath => referenceLabelsPath;

    /// <summary>The candidate's shown region as a training sample with the given sampling weight.</summary>
    public SegmentationSample Annotate(Candidate candidate, double weight = 1.0)
    {
        var region = candidate.ShownRegion;
        RgbImage image;
        using (var slide = SlideFactory.Open(slidePath, slideSpacingUm))
            image = slide.ReadRegion(candidate.SpacingUm, region);
        var labels = ReadReference(region, candidate.SpacingUm);
        return new SegmentationSample($"{Path.GetFileNameWithoutExtension(slidePath)}#{candidate.Rank}", image, labels, weight);
    }

    /// <summary>Reference labels of <paramref name="region"/> (pixels at <paramref name="spacingUm"/>); outside the slide is Ignore.</summary>
    public LabelMap ReadReference(PixelRegion region, double spacingUm)
    {
        if (!File.Exists(referenceLabelsPath)) throw new InvalidInputException(referenceLabelsPath, "reference label slide not found");
        using var image = Image.Tiffload(referenceLabelsPath, page: 0);
        using var band = image.Bands > 1 ? image.ExtractBand(0) : image.Copy();
        double refSpacing = slideSpacingUm ?? ReferenceSpacing(band);
        var r0 = SpacingMath.Convert(region, spacingUm, refSpacing);
        var inside = r0.Intersect(new PixelRegion(0, 0, band.Width, band.Height));
        var level0 = new LabelMap(r0.Width, r0.Height);
        Array.Fill(level0.Data, LabelMap.Ignore);
        if (inside.Width > 0 && inside.Height > 0)
        {
            using var crop = band.Crop(inside.X, inside.Y, inside.Width, inside.Height);
            level0.Paste(new LabelMap(inside.Width, inside.Height, crop.WriteToMemory<byte>()), inside.X - r0.X, inside.Y - r0.Y);
        }
        return level0.Width == region.Width && level0.Height == region.Height ? level0 : Resample.Labels(level0, region.Width, region.Height);
    }

    // TIFF resolution is pixels per millimetre (libvips' unit), so µm/px = 1000 / xres.
    private double ReferenceSpacing(Image band)
    {
        double xres = band.Xres;
        if (!(xres > 0) || !double.IsFinite(xres) || Math.Abs(xres - 1) < 1e-9)
            throw new InvalidInputException(referenceLabelsPath, "reference label slide has no resolution; give its spacing");
        return 1000.0 / xres;
    }
}
