namespace Uga.Imaging;

/// <summary>
/// Answers "how much of this region is tissue?". Lives in Imaging so any tissue source (a slide's TissueMask, a
/// thresholded map, an annotation raster) can implement it without the consumers depending on each other.
/// </summary>
public interface ITissueFraction
{
    /// <summary>
    /// Fraction in [0, 1] of <paramref name="region"/> (pixels at <paramref name="spacingUm"/> µm/px) that is tissue;
    /// parts of the region outside the known area count as background.
    /// </summary>
    double TissueFraction(PixelRegion region, double spacingUm);
}
