using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Ranking;
using Uga.Slides;

namespace Uga.Experiments;

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
        var reference = LabelSlide.Open(referenceLabelsPath);
        double refSpacing = slideSpacingUm ?? reference.SpacingUm
            ?? throw new InvalidInputException(referenceLabelsPath, "reference label slide has no resolution; give its spacing");
        var level0 = reference.Read(SpacingMath.Convert(region, spacingUm, refSpacing));
        return level0.Width == region.Width && level0.Height == region.Height ? level0 : Resample.Labels(level0, region.Width, region.Height);
    }
}
